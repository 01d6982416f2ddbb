//! Migration 22: email identities found whatever the case they are written in. Mail
//! providers treat `Li.Wei@…` and `li.wei@…` as one mailbox, so a mail's sender is looked
//! up by its address with ASCII letters folded (see `contacts::owners_of_emails`), through
//! this index. Only ASCII is folded, on both databases alike: SQLite's `LOWER` folds nothing
//! else, and PostgreSQL's does the same under the `C` collation.

use crate::db::Backend;

pub(super) fn email_keys(backend: Backend) -> Vec<String> {
    vec![format!(
        "CREATE INDEX ix_contact_identities_folded_value ON contact_identities (kind, {})",
        crate::contacts::folded_value(backend)
    )]
}
