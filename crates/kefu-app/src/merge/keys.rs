//! The normalised keys that find likely duplicates, kept with each contact and
//! organisation when it is written (see `kefu_store::merge::duplicates`).

use crate::{App, AppError, AppResult};
use kefu_domain::PhoneE164;
use kefu_domain::time::now_ms;
use kefu_store::contacts::{self, ContactRow, IdentityRow};
use kefu_store::merge::duplicates::{self, Key};
use kefu_store::organisations::{self, OrganisationRow};
use kefu_store::{StoreResult, Tx};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};

/// An email as the same mailbox: lower case, without a `+tag`, and for Gmail without dots.
pub fn email_key(email: &str) -> Option<String> {
    let lower = email.trim().to_lowercase();
    let (local, domain) = lower.rsplit_once('@')?;
    let local = local.split('+').next().unwrap_or(local);
    let (local, domain) = match domain {
        "gmail.com" | "googlemail.com" => (local.replace('.', ""), "gmail.com"),
        _ => (local.to_owned(), domain),
    };
    (!local.is_empty()).then(|| format!("{local}@{domain}"))
}

/// A phone's national digits: the same number typed with a wrong country code matches.
pub fn phone_key(e164: &str) -> Option<String> {
    let national = PhoneE164::parse(e164, "CN").ok()?.national_digits();
    (national.len() >= 6).then_some(national)
}

/// A person's name without case or spaces.
fn person_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A company name key loosened for near-identical names: without 省/市/区/县, Latin
/// vowels after the first letter, and doubled characters ("Acme Tradng" ~ "Acme Trading").
pub fn similar_name_key(name_key: &str) -> Option<String> {
    let mut out = String::new();
    let mut last = None;
    for (i, c) in name_key.chars().enumerate() {
        if "省市区县".contains(c) || (i > 0 && "aeiou".contains(c)) || last == Some(c) {
            continue;
        }
        out.push(c);
        last = Some(c);
    }
    (out.chars().count() >= 3).then_some(out)
}

/// A tax or registration number without spaces, dashes or case.
fn number_key(v: &Option<String>) -> Option<String> {
    let key: String = v
        .as_deref()?
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    (key.len() >= 5).then_some(key)
}

pub fn contact_keys(contact: &ContactRow, identities: &[IdentityRow]) -> BTreeSet<Key> {
    let mut keys = BTreeSet::new();
    if contact.merged_into.is_some() || contact.erased_at.is_some() {
        return keys;
    }
    for i in identities {
        let key = match i.kind.as_str() {
            "phone" => phone_key(&i.value),
            "email" => email_key(&i.value),
            _ => None,
        };
        if let Some(key) = key {
            keys.insert((i.kind.clone(), key));
        }
    }
    if let Some(org) = contact.organisation_id {
        keys.insert((
            "name".into(),
            format!("{org}:{}", person_key(&contact.name)),
        ));
    }
    keys
}

pub fn organisation_keys(o: &OrganisationRow) -> BTreeSet<Key> {
    let mut keys = BTreeSet::new();
    if o.merged_into.is_some() {
        return keys;
    }
    let name = crate::organisations::name_key(&o.name);
    if let Some(similar) = similar_name_key(&name) {
        keys.insert(("similar_name".into(), similar));
    }
    if !name.is_empty() {
        keys.insert(("name".into(), name));
    }
    for (kind, v) in [
        ("tax_no", &o.tax_no),
        ("registration_no", &o.registration_no),
    ] {
        if let Some(key) = number_key(v) {
            keys.insert((kind.into(), key));
        }
    }
    keys
}

/// Rewrites a contact's duplicate keys from what is stored now (call after every write).
pub async fn index_contact(tx: &mut Tx, id: i64) -> StoreResult<()> {
    index_contacts(tx, &[id]).await
}

/// Rewrites the duplicate keys of many contacts in a few statements (import batches).
pub async fn index_contacts(tx: &mut Tx, ids: &[i64]) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows = contacts::find_many_in_tx(tx, ids).await?;
    let mut identities: HashMap<i64, Vec<IdentityRow>> = HashMap::new();
    for i in kefu_store::imports::identities_of(tx, ids).await? {
        identities.entry(i.contact_id).or_default().push(i);
    }
    let keyed: Vec<(i64, BTreeSet<Key>)> = rows
        .iter()
        .map(|c| {
            let own = identities.get(&c.id).map_or(&[][..], Vec::as_slice);
            (c.id, contact_keys(c, own))
        })
        .collect();
    duplicates::set_keys_many(tx, "contact", &keyed).await
}

/// Rewrites an organisation's duplicate keys (call after every write).
pub async fn index_organisation(tx: &mut Tx, row: &OrganisationRow) -> StoreResult<()> {
    index_organisations(tx, std::slice::from_ref(row)).await
}

/// Rewrites the duplicate keys of many organisations in a few statements.
pub async fn index_organisations(tx: &mut Tx, rows: &[OrganisationRow]) -> StoreResult<()> {
    let keyed: Vec<(i64, BTreeSet<Key>)> =
        rows.iter().map(|o| (o.id, organisation_keys(o))).collect();
    duplicates::set_keys_many(tx, "organisation", &keyed).await
}

/// Records indexed per backfill job: one transaction each, short enough not to hold
/// the writer for long.
const BACKFILL_PAGE: u64 = 1_000;

/// Indexes the next page of records of `entity` after id `after` (records written before
/// duplicate keys existed) and schedules the page after it; a job, so it survives restarts.
pub async fn backfill(app: &App, entity: &str, after: i64) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    let last = match entity {
        "contact" => {
            let ids = contacts::ids_after(&mut tx, after, BACKFILL_PAGE).await?;
            index_contacts(&mut tx, &ids).await?;
            ids.last().copied()
        }
        "organisation" => {
            let rows = organisations::page_after(&mut tx, after, BACKFILL_PAGE).await?;
            index_organisations(&mut tx, &rows).await?;
            rows.last().map(|o| o.id)
        }
        other => return Err(AppError::Internal(format!("no duplicate keys for {other}"))),
    };
    if let Some(last) = last {
        kefu_store::jobs::enqueue(
            &mut tx,
            crate::jobs::BACKFILL_DUPLICATE_KEYS,
            &format!("{entity}:{last}"),
            &json!({ "entity": entity, "after": last }),
            0,
            now_ms(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_mailbox_written_differently_has_one_key() {
        assert_eq!(
            email_key("Li.Wei+shop@GMail.com"),
            email_key("liwei@googlemail.com")
        );
        assert_eq!(
            email_key("Zhang@Example.com").as_deref(),
            Some("zhang@example.com")
        );
        assert_ne!(
            email_key("li.wei@example.com"),
            email_key("liwei@example.com")
        );
    }

    #[test]
    fn a_phone_with_a_wrong_country_code_has_the_same_key() {
        // London 020 7946 0958 typed with the US code: +1 207 946 0958 (Maine).
        assert_eq!(phone_key("+442079460958"), phone_key("+12079460958"));
        assert!(PhoneE164::parse("+12079460958", "CN").is_ok());
        assert_eq!(phone_key("+8613812345678").as_deref(), Some("13812345678"));
    }

    #[test]
    fn near_identical_company_names_share_a_loose_key() {
        let k = |n: &str| similar_name_key(&crate::organisations::name_key(n));
        assert_eq!(k("Acme Trading Co., Ltd."), k("ACME Tradng"));
        assert_eq!(k("深圳市华强电子有限公司"), k("深圳华强电子"));
        assert_ne!(k("深圳华强电子"), k("深圳华强电器"));
        assert_eq!(k("ab"), None, "too short to say anything");
    }
}
