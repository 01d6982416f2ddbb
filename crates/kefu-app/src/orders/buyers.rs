//! Finding each order's buyer in the customer archive by handle, phone or email —
//! many orders in one lookup — and creating the buyers kefu has not met yet.

use super::input::ValidBuyer;
use crate::AppResult;
use kefu_store::Tx;
use kefu_store::contacts::{ContactFields, NewIdentity};
use kefu_store::imports;
use std::collections::HashMap;

/// The contact of each buyer (`None` for a buyer without any identity). A buyer whose
/// handle, phone or email is known is that contact (the most telling identity wins);
/// a new buyer becomes a new contact with all their identities, once per batch.
pub(crate) async fn resolve(
    tx: &mut Tx,
    buyers: &[&ValidBuyer],
    now: i64,
) -> AppResult<Vec<Option<i64>>> {
    let mut values: Vec<String> = buyers
        .iter()
        .flat_map(|b| b.identities.iter().map(|(_, v)| v.clone()))
        .collect();
    values.sort();
    values.dedup();
    let mut owners: HashMap<(String, String), i64> = imports::identity_owners(tx, &values)
        .await?
        .into_iter()
        .map(|(kind, value, id)| ((kind, value), id))
        .collect();
    let mut out = Vec::with_capacity(buyers.len());
    let mut created = Vec::new();
    for b in buyers {
        if b.identities.is_empty() {
            out.push(None);
            continue;
        }
        if let Some(id) = b.identities.iter().find_map(|i| owners.get(i).copied()) {
            out.push(Some(id));
            continue;
        }
        let id = create(tx, b, now).await?;
        for i in &b.identities {
            owners.insert(i.clone(), id);
        }
        created.push(id);
        out.push(Some(id));
    }
    crate::merge::index_contacts(tx, &created).await?;
    Ok(out)
}

async fn create(tx: &mut Tx, b: &ValidBuyer, now: i64) -> AppResult<i64> {
    let identities: Vec<NewIdentity> = b
        .identities
        .iter()
        .map(|(kind, value)| NewIdentity {
            kind: kind.clone(),
            value: value.clone(),
            label: None,
        })
        .collect();
    let first = |kind: &str| {
        b.identities
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, v)| v.clone())
    };
    let name = b
        .name
        .clone()
        .or_else(|| b.identities.first().map(|(_, v)| v.clone()))
        .unwrap_or_default();
    let mut fields = ContactFields {
        name,
        email: first("email"),
        phone: first("phone"),
        ..Default::default()
    };
    fields.search_tokens = crate::contacts::search_tokens(&fields, &identities, None);
    let id = imports::insert_contact(tx, &fields, now).await?;
    let rows: Vec<(i64, NewIdentity)> = identities.into_iter().map(|i| (id, i)).collect();
    imports::insert_identities(tx, &rows, now).await?;
    Ok(id)
}
