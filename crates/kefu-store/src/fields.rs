//! What admins configure in the archive: choice lists (member levels, source channels)
//! and custom field definitions.

use crate::schema::{ArchiveChoices, CustomFields};
use crate::{Db, JsonText, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

crate::record! {
    /// One entry of a configurable list (`member_level`, `source_channel`).
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct ChoiceRow {
        pub id: i64,
        pub kind: String,
        pub key: String,
        pub label_en: String,
        pub label_zh: String,
        pub position: i64,
    }
}

crate::record! {
    /// A custom field an admin defined for contacts or organisations.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct CustomFieldRow {
        pub id: i64,
        /// `contact` or `organisation`.
        pub entity: String,
        pub key: String,
        pub label_en: String,
        pub label_zh: String,
        /// `text`, `number`, `date`, `choice` or `multi_choice`.
        pub kind: String,
        #[schema(value_type = Vec<String>)]
        pub options: JsonText<Vec<String>>,
        pub position: i64,
    }
}

pub async fn choices(db: &Db, kind: &str) -> StoreResult<Vec<ChoiceRow>> {
    db.fetch_all(
        &Query::select()
            .columns([
                ArchiveChoices::Id,
                ArchiveChoices::Kind,
                ArchiveChoices::Key,
                ArchiveChoices::LabelEn,
                ArchiveChoices::LabelZh,
                ArchiveChoices::Position,
            ])
            .from(ArchiveChoices::Table)
            .and_where(Expr::col(ArchiveChoices::Kind).eq(kind))
            .order_by(ArchiveChoices::Position, Order::Asc)
            .take(),
    )
    .await
}

/// Adds an entry at the end of a list; a key already in the list is a `Conflict`.
pub async fn add_choice(
    tx: &mut Tx,
    kind: &str,
    key: &str,
    label_en: &str,
    label_zh: &str,
) -> StoreResult<()> {
    tx.execute(
        &Query::insert()
            .into_table(ArchiveChoices::Table)
            .columns([
                ArchiveChoices::Kind,
                ArchiveChoices::Key,
                ArchiveChoices::LabelEn,
                ArchiveChoices::LabelZh,
                ArchiveChoices::Position,
            ])
            .select_from(
                Query::select()
                    .exprs([
                        Expr::val(kind),
                        Expr::val(key),
                        Expr::val(label_en),
                        Expr::val(label_zh),
                        Expr::cust("COALESCE(MAX(position), -1) + 1"),
                    ])
                    .from(ArchiveChoices::Table)
                    .and_where(Expr::col(ArchiveChoices::Kind).eq(kind))
                    .take(),
            )
            .map_err(|e| crate::StoreError::Conflict(e.to_string()))?
            .take(),
    )
    .await?;
    Ok(())
}

const FIELD_COLUMNS: [CustomFields; 8] = [
    CustomFields::Id,
    CustomFields::Entity,
    CustomFields::Key,
    CustomFields::LabelEn,
    CustomFields::LabelZh,
    CustomFields::Kind,
    CustomFields::Options,
    CustomFields::Position,
];

pub async fn custom_fields(db: &Db, entity: &str) -> StoreResult<Vec<CustomFieldRow>> {
    db.fetch_all(
        &Query::select()
            .columns(FIELD_COLUMNS)
            .from(CustomFields::Table)
            .and_where(Expr::col(CustomFields::Entity).eq(entity))
            .order_by(CustomFields::Position, Order::Asc)
            .order_by(CustomFields::Id, Order::Asc)
            .take(),
    )
    .await
}

/// A new custom field definition, checked by the use case.
pub struct NewCustomField<'a> {
    pub entity: &'a str,
    pub key: &'a str,
    pub label_en: &'a str,
    pub label_zh: &'a str,
    pub kind: &'a str,
    pub options: &'a [String],
    pub position: i64,
}

pub async fn insert_custom_field(
    tx: &mut Tx,
    f: &NewCustomField<'_>,
    now: i64,
) -> StoreResult<CustomFieldRow> {
    tx.fetch_one(
        &Query::insert()
            .into_table(CustomFields::Table)
            .columns([
                CustomFields::Entity,
                CustomFields::Key,
                CustomFields::LabelEn,
                CustomFields::LabelZh,
                CustomFields::Kind,
                CustomFields::Options,
                CustomFields::Position,
                CustomFields::CreatedAt,
            ])
            .values_panic([
                f.entity.into(),
                f.key.into(),
                f.label_en.into(),
                f.label_zh.into(),
                f.kind.into(),
                JsonText(f.options.to_vec()).to_text().into(),
                f.position.into(),
                now.into(),
            ])
            .returning(Query::returning().columns(FIELD_COLUMNS))
            .take(),
    )
    .await
}
