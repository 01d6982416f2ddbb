//! Import runs, their bad rows, and saved column mappings; and the batched writes an
//! import makes (many rows per statement, so a large file needs few round trips).

use crate::batch::{CHUNK, fetch_in_chunks};
use crate::contacts::{IdentityRow, NewIdentity};
use crate::schema::{
    ContactIdentities, EntityTags, ImportErrors, ImportFiles, ImportMappings, Imports,
    Organisations,
};
use crate::{Db, JsonText, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;
use std::collections::BTreeMap;

crate::record! {
    /// A saved column mapping: file column header → field name (`""`: ignore the column).
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct MappingRow {
        pub id: i64,
        /// `contact` or `organisation`.
        pub entity: String,
        pub name: String,
        #[schema(value_type = Object)]
        pub mapping: JsonText<BTreeMap<String, String>>,
        pub created_by: Option<i64>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

crate::record! {
    /// One import run and how far it got.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct ImportRow {
        pub id: i64,
        pub entity: String,
        pub file_name: String,
        /// `pending` (uploaded in the workspace, not started), `running`, `done` or `failed`.
        pub status: String,
        /// Data rows in the file.
        pub total: i64,
        pub processed: i64,
        pub created: i64,
        /// Rows that matched an existing record and changed it.
        pub updated: i64,
        /// Rows that matched an existing record that already had everything they hold.
        pub unchanged: i64,
        /// Bad rows (see the error report).
        pub failed: i64,
        #[schema(value_type = Vec<String>)]
        pub headers: JsonText<Vec<String>>,
        #[schema(value_type = Object)]
        pub mapping: JsonText<BTreeMap<String, String>>,
        /// Why the whole run failed, when it did.
        pub error: Option<String>,
        pub created_by: Option<i64>,
        pub created_at: i64,
        pub finished_at: Option<i64>,
    }
}

crate::record! {
    /// A bad row of an import: its line in the file, why, and its cells as they were.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct ImportErrorRow {
        pub id: i64,
        pub import_id: i64,
        pub line: i64,
        pub code: String,
        pub reason: String,
        #[schema(value_type = Vec<String>)]
        pub cells: JsonText<Vec<String>>,
    }
}

const MAPPING_COLUMNS: [ImportMappings; 7] = [
    ImportMappings::Id,
    ImportMappings::Entity,
    ImportMappings::Name,
    ImportMappings::Mapping,
    ImportMappings::CreatedBy,
    ImportMappings::CreatedAt,
    ImportMappings::UpdatedAt,
];

const IMPORT_COLUMNS: [Imports; 16] = [
    Imports::Id,
    Imports::Entity,
    Imports::FileName,
    Imports::Status,
    Imports::Total,
    Imports::Processed,
    Imports::Created,
    Imports::Updated,
    Imports::Unchanged,
    Imports::Failed,
    Imports::Headers,
    Imports::Mapping,
    Imports::Error,
    Imports::CreatedBy,
    Imports::CreatedAt,
    Imports::FinishedAt,
];

/// Saves a mapping; a name already used for the entity is a `Conflict`.
pub async fn insert_mapping(
    tx: &mut Tx,
    entity: &str,
    name: &str,
    mapping: &BTreeMap<String, String>,
    created_by: Option<i64>,
    now: i64,
) -> StoreResult<MappingRow> {
    tx.fetch_one(
        &Query::insert()
            .into_table(ImportMappings::Table)
            .columns([
                ImportMappings::Entity,
                ImportMappings::Name,
                ImportMappings::Mapping,
                ImportMappings::CreatedBy,
                ImportMappings::CreatedAt,
                ImportMappings::UpdatedAt,
            ])
            .values_panic([
                entity.into(),
                name.into(),
                JsonText(mapping).to_text().into(),
                created_by.into(),
                now.into(),
                now.into(),
            ])
            .returning(Query::returning().columns(MAPPING_COLUMNS))
            .take(),
    )
    .await
}

/// Saved mappings of an entity (or of both), by name.
pub async fn list_mappings(db: &Db, entity: Option<&str>) -> StoreResult<Vec<MappingRow>> {
    let mut q = Query::select();
    q.columns(MAPPING_COLUMNS)
        .from(ImportMappings::Table)
        .order_by(ImportMappings::Entity, Order::Asc)
        .order_by(ImportMappings::Name, Order::Asc);
    if let Some(entity) = entity {
        q.and_where(Expr::col(ImportMappings::Entity).eq(entity));
    }
    db.fetch_all(&q).await
}

pub async fn delete_mapping(tx: &mut Tx, id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::delete()
            .from_table(ImportMappings::Table)
            .and_where(Expr::col(ImportMappings::Id).eq(id))
            .take(),
    )
    .await
}

/// An import about to run.
#[derive(Debug, Clone)]
pub struct NewImport<'a> {
    pub entity: &'a str,
    /// `pending` or `running`.
    pub status: &'a str,
    pub file_name: &'a str,
    pub total: i64,
    pub headers: &'a [String],
    pub mapping: &'a BTreeMap<String, String>,
    pub created_by: Option<i64>,
}

pub async fn create(tx: &mut Tx, i: &NewImport<'_>, now: i64) -> StoreResult<ImportRow> {
    tx.fetch_one(
        &Query::insert()
            .into_table(Imports::Table)
            .columns([
                Imports::Entity,
                Imports::FileName,
                Imports::Status,
                Imports::Total,
                Imports::Headers,
                Imports::Mapping,
                Imports::CreatedBy,
                Imports::CreatedAt,
            ])
            .values_panic([
                i.entity.into(),
                i.file_name.into(),
                i.status.into(),
                i.total.into(),
                JsonText(i.headers).to_text().into(),
                JsonText(i.mapping).to_text().into(),
                i.created_by.into(),
                now.into(),
            ])
            .returning(Query::returning().columns(IMPORT_COLUMNS))
            .take(),
    )
    .await
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<ImportRow>> {
    db.fetch_optional(
        &Query::select()
            .columns(IMPORT_COLUMNS)
            .from(Imports::Table)
            .and_where(Expr::col(Imports::Id).eq(id))
            .take(),
    )
    .await
}

/// Starts a pending import with this mapping; `false` if it is not pending any more.
pub async fn begin_run(
    tx: &mut Tx,
    id: i64,
    mapping: &BTreeMap<String, String>,
) -> StoreResult<bool> {
    let n = tx
        .execute(
            &Query::update()
                .table(Imports::Table)
                .values([
                    (Imports::Status, "running".into()),
                    (Imports::Mapping, JsonText(mapping).to_text().into()),
                ])
                .and_where(Expr::col(Imports::Id).eq(id))
                .and_where(Expr::col(Imports::Status).eq("pending"))
                .take(),
        )
        .await?;
    Ok(n == 1)
}

/// Forgets imports uploaded before `before` and never started (and their files).
pub async fn delete_stale_pending(tx: &mut Tx, before: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::delete()
            .from_table(Imports::Table)
            .and_where(Expr::col(Imports::Status).eq("pending"))
            .and_where(Expr::col(Imports::CreatedAt).lt(before))
            .take(),
    )
    .await
}

pub async fn save_file(tx: &mut Tx, import_id: i64, bytes: &[u8]) -> StoreResult<()> {
    tx.execute(
        &Query::insert()
            .into_table(ImportFiles::Table)
            .columns([ImportFiles::ImportId, ImportFiles::Bytes])
            .values_panic([import_id.into(), bytes.to_vec().into()])
            .take(),
    )
    .await?;
    Ok(())
}

pub async fn file(db: &Db, import_id: i64) -> StoreResult<Option<Vec<u8>>> {
    let row: Option<(Vec<u8>,)> = db
        .fetch_optional(
            &Query::select()
                .column(ImportFiles::Bytes)
                .from(ImportFiles::Table)
                .and_where(Expr::col(ImportFiles::ImportId).eq(import_id))
                .take(),
        )
        .await?;
    Ok(row.map(|(b,)| b))
}

pub async fn delete_file(tx: &mut Tx, import_id: i64) -> StoreResult<()> {
    tx.execute(
        &Query::delete()
            .from_table(ImportFiles::Table)
            .and_where(Expr::col(ImportFiles::ImportId).eq(import_id))
            .take(),
    )
    .await?;
    Ok(())
}

/// How far a run got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub processed: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub failed: i64,
}

/// Stores the counters (in the transaction of the batch they count).
pub async fn advance(tx: &mut Tx, id: i64, c: &Counts) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(Imports::Table)
            .values([
                (Imports::Processed, c.processed.into()),
                (Imports::Created, c.created.into()),
                (Imports::Updated, c.updated.into()),
                (Imports::Unchanged, c.unchanged.into()),
                (Imports::Failed, c.failed.into()),
            ])
            .and_where(Expr::col(Imports::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}

/// Ends a run: `done`, or `failed` with why.
pub async fn finish(tx: &mut Tx, id: i64, error: Option<&str>, now: i64) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(Imports::Table)
            .values([
                (
                    Imports::Status,
                    if error.is_some() { "failed" } else { "done" }.into(),
                ),
                (Imports::Error, error.map(str::to_owned).into()),
                (Imports::FinishedAt, now.into()),
            ])
            .and_where(Expr::col(Imports::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}

/// A bad row to record.
#[derive(Debug, Clone)]
pub struct NewImportError {
    pub line: i64,
    pub code: String,
    pub reason: String,
    pub cells: Vec<String>,
}

pub async fn add_errors(tx: &mut Tx, import_id: i64, errors: &[NewImportError]) -> StoreResult<()> {
    for chunk in errors.chunks(CHUNK) {
        let mut q = Query::insert();
        q.into_table(ImportErrors::Table).columns([
            ImportErrors::ImportId,
            ImportErrors::Line,
            ImportErrors::Code,
            ImportErrors::Reason,
            ImportErrors::Cells,
        ]);
        for e in chunk {
            q.values_panic([
                import_id.into(),
                e.line.into(),
                e.code.as_str().into(),
                e.reason.as_str().into(),
                JsonText(&e.cells).to_text().into(),
            ]);
        }
        tx.execute(&q).await?;
    }
    Ok(())
}

/// A run's bad rows in file order (at most `limit`).
pub async fn errors(db: &Db, import_id: i64, limit: u64) -> StoreResult<Vec<ImportErrorRow>> {
    db.fetch_all(
        &Query::select()
            .columns([
                ImportErrors::Id,
                ImportErrors::ImportId,
                ImportErrors::Line,
                ImportErrors::Code,
                ImportErrors::Reason,
                ImportErrors::Cells,
            ])
            .from(ImportErrors::Table)
            .and_where(Expr::col(ImportErrors::ImportId).eq(import_id))
            .order_by(ImportErrors::Line, Order::Asc)
            .order_by(ImportErrors::Id, Order::Asc)
            .limit(limit)
            .take(),
    )
    .await
}

/// Who owns each of these identity values: `(kind, value, contact_id)`.
pub async fn identity_owners(
    tx: &mut Tx,
    values: &[String],
) -> StoreResult<Vec<(String, String, i64)>> {
    fetch_in_chunks(tx, values, |chunk| {
        Query::select()
            .columns([
                ContactIdentities::Kind,
                ContactIdentities::Value,
                ContactIdentities::ContactId,
            ])
            .from(ContactIdentities::Table)
            .and_where(Expr::col(ContactIdentities::Value).is_in(chunk.iter().map(String::as_str)))
            .take()
    })
    .await
}

/// The identities of several contacts, in the order added.
pub async fn identities_of(tx: &mut Tx, contact_ids: &[i64]) -> StoreResult<Vec<IdentityRow>> {
    fetch_in_chunks(tx, contact_ids, |chunk| {
        Query::select()
            .columns([
                ContactIdentities::Id,
                ContactIdentities::ContactId,
                ContactIdentities::Kind,
                ContactIdentities::Value,
                ContactIdentities::Label,
            ])
            .from(ContactIdentities::Table)
            .and_where(Expr::col(ContactIdentities::ContactId).is_in(chunk.to_vec()))
            .order_by(ContactIdentities::Id, Order::Asc)
            .take()
    })
    .await
}

/// Inserts a contact row alone (its tags and identities go in with
/// [`insert_tags`] and [`insert_identities`] for the whole batch); returns its id.
pub async fn insert_contact(
    tx: &mut Tx,
    f: &crate::contacts::ContactFields,
    now: i64,
) -> StoreResult<i64> {
    crate::contacts::insert_row(tx, f, now).await
}

/// Adds identities to contacts, many per statement.
pub async fn insert_identities(
    tx: &mut Tx,
    identities: &[(i64, NewIdentity)],
    now: i64,
) -> StoreResult<()> {
    for chunk in identities.chunks(CHUNK) {
        let mut q = Query::insert();
        q.into_table(ContactIdentities::Table).columns([
            ContactIdentities::ContactId,
            ContactIdentities::Kind,
            ContactIdentities::Value,
            ContactIdentities::Label,
            ContactIdentities::CreatedAt,
        ]);
        for (contact_id, i) in chunk {
            q.values_panic([
                (*contact_id).into(),
                i.kind.as_str().into(),
                i.value.as_str().into(),
                i.label.clone().into(),
                now.into(),
            ]);
        }
        tx.execute(&q).await?;
    }
    Ok(())
}

/// Adds tag rows (the filter index) of new records, many per statement.
pub async fn insert_tags(tx: &mut Tx, entity: &str, tags: &[(i64, String)]) -> StoreResult<()> {
    for chunk in tags.chunks(CHUNK) {
        let mut q = Query::insert();
        q.into_table(EntityTags::Table).columns([
            EntityTags::Entity,
            EntityTags::EntityId,
            EntityTags::Tag,
        ]);
        for (id, tag) in chunk {
            q.values_panic([entity.into(), (*id).into(), tag.as_str().into()]);
        }
        tx.execute(&q).await?;
    }
    Ok(())
}

/// Live organisations whose reduced name is one of `keys`: `(name_key, id, name)`, oldest first.
pub async fn organisations_by_name_key(
    tx: &mut Tx,
    keys: &[String],
) -> StoreResult<Vec<(String, i64, String)>> {
    fetch_in_chunks(tx, keys, |chunk| {
        Query::select()
            .columns([
                Organisations::NameKey,
                Organisations::Id,
                Organisations::Name,
            ])
            .from(Organisations::Table)
            .and_where(Expr::col(Organisations::NameKey).is_in(chunk.iter().map(String::as_str)))
            .and_where(Expr::col(Organisations::MergedInto).is_null())
            .order_by(Organisations::Id, Order::Asc)
            .take()
    })
    .await
}

/// The live organisation with this tax number, if any.
pub async fn organisation_by_tax_no(tx: &mut Tx, tax_no: &str) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            &Query::select()
                .column(Organisations::Id)
                .from(Organisations::Table)
                .and_where(Expr::col(Organisations::TaxNo).eq(tax_no))
                .and_where(Expr::col(Organisations::MergedInto).is_null())
                .order_by(Organisations::Id, Order::Asc)
                .limit(1)
                .take(),
        )
        .await?;
    Ok(row.map(|(id,)| id))
}
