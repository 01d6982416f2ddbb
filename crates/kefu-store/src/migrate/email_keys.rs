//! Migration 22: email identities found whatever the case they are written in. Mail
//! providers treat `Li.Wei@…` and `li.wei@…` as one mailbox, so a mail's sender is looked
//! up by `LOWER(value)` (see `contacts::owners_of`), through this index.

pub(super) fn email_keys() -> Vec<String> {
    vec![
        "CREATE INDEX ix_contact_identities_lower_value \
         ON contact_identities (kind, LOWER(value))"
            .into(),
    ]
}
