//! Exporting the contacts or organisations a list's filters select, with chosen columns.

use super::mapping::fields;
use super::{Entity, FileOut, write_file};
use crate::contacts::{self as contact_uc, ContactListQuery, EDITABLE_KINDS};
use crate::organisations::{self as org_uc, OrganisationListQuery};
use crate::{Actor, App, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_sheets::Format;
use kefu_store::contacts::{ContactRow, IdentityRow};
use kefu_store::fields::CustomFieldRow;
use kefu_store::imports;
use kefu_store::organisations::OrganisationRow;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Rows an export reads per page.
const EXPORT_PAGE: u64 = 1_000;

/// The columns an export of `entity` can have, custom fields as `custom.<key>`.
pub fn export_columns(entity: Entity, defs: &[CustomFieldRow]) -> Vec<String> {
    let mut out = vec!["id".to_owned()];
    out.extend(fields(entity, defs));
    out.extend(["created_at".to_owned(), "updated_at".to_owned()]);
    out
}

pub(super) fn chosen_columns(
    entity: Entity,
    defs: &[CustomFieldRow],
    asked: &[String],
) -> Result<Vec<String>, Invalid> {
    let known = export_columns(entity, defs);
    let asked: Vec<String> = asked
        .iter()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    if asked.is_empty() {
        return Ok(known);
    }
    if let Some(bad) = asked.iter().find(|c| !known.contains(c)) {
        return Err(Invalid::new(
            "columns",
            "unknown_column",
            format!("'{bad}' is not a column; use any of: {}", known.join(", ")),
        ));
    }
    Ok(asked)
}

pub(super) fn time_text(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

pub(super) fn custom_text(custom: &Map<String, Value>, key: &str) -> String {
    match custom.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
    }
}

pub(super) fn flag(b: bool) -> String {
    if b { "yes" } else { "" }.to_owned()
}

pub(super) fn contact_cell(
    column: &str,
    c: &ContactRow,
    identities: &[IdentityRow],
    owners: &HashMap<i64, String>,
) -> String {
    let of_kind = |kind: &str| {
        identities
            .iter()
            .filter(|i| i.kind == kind)
            .map(|i| i.value.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    match column {
        "id" => c.id.to_string(),
        "name" => c.name.clone(),
        "title" => c.title.clone().unwrap_or_default(),
        "organisation" => c.organisation_name.clone().unwrap_or_default(),
        "phones" => of_kind("phone"),
        "emails" => of_kind("email"),
        "language" => c.language.clone().unwrap_or_default(),
        "country" => c.country.clone().unwrap_or_default(),
        "time_zone" => c.time_zone.clone().unwrap_or_default(),
        "tags" => c.tags.0.join("; "),
        "owner_email" => c
            .owner_id
            .and_then(|id| owners.get(&id).cloned())
            .unwrap_or_default(),
        "consent_call" => flag(c.consent_call),
        "consent_message" => flag(c.consent_message),
        "consent_email" => flag(c.consent_email),
        "created_at" => time_text(c.created_at),
        "updated_at" => time_text(c.updated_at),
        other => match other.strip_prefix("custom.") {
            Some(key) => custom_text(&c.custom.0, key),
            None if EDITABLE_KINDS.contains(&other) => of_kind(other),
            None => String::new(),
        },
    }
}

pub(super) fn organisation_cell(
    column: &str,
    o: &OrganisationRow,
    owners: &HashMap<i64, String>,
) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    match column {
        "id" => o.id.to_string(),
        "name" => o.name.clone(),
        "registration_no" => text(&o.registration_no),
        "tax_no" => text(&o.tax_no),
        "address" => text(&o.address),
        "country" => text(&o.country),
        "products" => o.products.0.join("; "),
        "member_level" => text(&o.member_level),
        "source_channel" => text(&o.source_channel),
        "owner_email" => o
            .owner_id
            .and_then(|id| owners.get(&id).cloned())
            .unwrap_or_default(),
        "tags" => o.tags.0.join("; "),
        "notes" => text(&o.notes),
        "created_at" => time_text(o.created_at),
        "updated_at" => time_text(o.updated_at),
        other => other
            .strip_prefix("custom.")
            .map(|key| custom_text(&o.custom.0, key))
            .unwrap_or_default(),
    }
}

/// What an export is asked for besides its filters.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub columns: Vec<String>,
    pub format: Format,
}

pub(super) async fn export_setup(
    app: &App,
    actor: &Actor,
    entity: Entity,
    req: &ExportRequest,
) -> AppResult<(Vec<String>, HashMap<i64, String>)> {
    actor.require(Permission::ExportArchive)?;
    let defs = kefu_store::fields::custom_fields(&app.db, entity.as_str()).await?;
    let columns = chosen_columns(entity, &defs, &req.columns)?;
    let owners = kefu_store::users::list(&app.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    Ok((columns, owners))
}

pub(super) async fn record_export(
    app: &App,
    actor: &Actor,
    entity: Entity,
    filters: Value,
    columns: &[String],
    file: &FileOut,
) -> AppResult<()> {
    kefu_store::audit::record(
        &app.db,
        Some(actor.user_id),
        &format!("{}.exported", entity.plural()),
        entity.plural(),
        &json!({
            "filters": filters,
            "columns": columns,
            "rows": file.rows,
            "file_name": file.file_name,
        })
        .to_string(),
        now_ms(),
    )
    .await?;
    Ok(())
}

pub(super) fn stem(entity: Entity) -> String {
    let date = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S");
    format!("{}-{date}", entity.plural())
}

/// Every row of a keyset-paged list (newest first, paged by id), page by page.
async fn every_page<T, F>(
    mut page: impl FnMut(Option<i64>) -> F,
    id: fn(&T) -> i64,
) -> AppResult<Vec<T>>
where
    F: std::future::Future<Output = AppResult<Vec<T>>>,
{
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let rows = page(before).await?;
        let full = rows.len() as u64 == EXPORT_PAGE;
        before = rows.last().map(id);
        out.extend(rows);
        if !full {
            return Ok(out);
        }
    }
}

/// Every contact the list filters select, with the chosen columns. Audited.
pub async fn export_contacts(
    app: &App,
    actor: &Actor,
    query: &ContactListQuery,
    req: &ExportRequest,
) -> AppResult<FileOut> {
    let (columns, owners) = export_setup(app, actor, Entity::Contact, req).await?;
    let contacts = every_page(
        |before| contact_uc::list_contacts(app, actor, query, before, EXPORT_PAGE),
        |c| c.id,
    )
    .await?;
    let needs_identities = columns
        .iter()
        .any(|c| c == "phones" || c == "emails" || EDITABLE_KINDS.contains(&c.as_str()));
    let mut identities: HashMap<i64, Vec<IdentityRow>> = HashMap::new();
    if needs_identities {
        let ids: Vec<i64> = contacts.iter().map(|c| c.id).collect();
        let mut tx = app.db.begin_read().await?;
        for i in imports::identities_of(&mut tx, &ids).await? {
            identities.entry(i.contact_id).or_default().push(i);
        }
        tx.commit().await?;
    }
    let rows = contacts
        .iter()
        .map(|c| {
            let own = identities.get(&c.id).map_or(&[][..], Vec::as_slice);
            columns
                .iter()
                .map(|col| contact_cell(col, c, own, &owners))
                .collect()
        })
        .collect();
    let file = write_file(&stem(Entity::Contact), &columns, rows, req.format)?;
    let filters = json!({
        "q": query.q, "organisation_id": query.organisation_id, "owner_id": query.owner_id,
        "country": query.country, "tag": query.tag, "member_level": query.member_level,
        "source_channel": query.source_channel, "custom": query.custom,
    });
    record_export(app, actor, Entity::Contact, filters, &columns, &file).await?;
    Ok(file)
}

/// Every organisation the list filters select, with the chosen columns. Audited.
pub async fn export_organisations(
    app: &App,
    actor: &Actor,
    query: &OrganisationListQuery,
    req: &ExportRequest,
) -> AppResult<FileOut> {
    let (columns, owners) = export_setup(app, actor, Entity::Organisation, req).await?;
    let organisations = every_page(
        |before| org_uc::list_organisations(app, actor, query, before, EXPORT_PAGE),
        |o| o.id,
    )
    .await?;
    let rows = organisations
        .iter()
        .map(|o| {
            columns
                .iter()
                .map(|col| organisation_cell(col, o, &owners))
                .collect()
        })
        .collect();
    let file = write_file(&stem(Entity::Organisation), &columns, rows, req.format)?;
    let filters = json!({
        "q": query.q, "owner_id": query.owner_id, "country": query.country, "tag": query.tag,
        "member_level": query.member_level, "source_channel": query.source_channel,
        "custom": query.custom,
    });
    record_export(app, actor, Entity::Organisation, filters, &columns, &file).await?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::mapping::suggest_mapping;

    #[test]
    fn export_headers_map_back_to_their_fields() {
        let cols = export_columns(Entity::Contact, &[]);
        let m = suggest_mapping(Entity::Contact, &cols, &[]);
        for f in fields(Entity::Contact, &[]) {
            assert_eq!(m[&f], f);
        }
    }
}
