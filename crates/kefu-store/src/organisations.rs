//! Organisations (企业): the companies contacts belong to.

use crate::contacts::set_tags;
use crate::schema::Organisations;
use crate::search::{TextQuery, custom_equals, restrict, tagged};
use crate::{Db, JsonText, StoreError, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct OrganisationRow {
        pub id: i64,
        pub name: String,
        pub registration_no: Option<String>,
        pub tax_no: Option<String>,
        pub address: Option<String>,
        pub country: Option<String>,
        /// Main products (主营品种).
        #[schema(value_type = Vec<String>)]
        pub products: JsonText<Vec<String>>,
        pub member_level: Option<String>,
        pub source_channel: Option<String>,
        pub owner_id: Option<i64>,
        #[schema(value_type = Vec<String>)]
        pub tags: JsonText<Vec<String>>,
        pub notes: Option<String>,
        #[schema(value_type = Object)]
        pub custom: JsonText<serde_json::Map<String, serde_json::Value>>,
        pub merged_into: Option<i64>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

/// The fields of an organisation as validated by the use case.
#[derive(Debug, Default, Clone)]
pub struct OrganisationFields {
    pub name: String,
    /// The name reduced for duplicate detection (see `kefu_app::organisations::name_key`).
    pub name_key: String,
    pub registration_no: Option<String>,
    pub tax_no: Option<String>,
    pub address: Option<String>,
    pub country: Option<String>,
    pub products: Vec<String>,
    pub member_level: Option<String>,
    pub source_channel: Option<String>,
    pub owner_id: Option<i64>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    pub custom: serde_json::Map<String, serde_json::Value>,
    pub search_tokens: String,
}

const COLUMNS: [Organisations; 16] = [
    Organisations::Id,
    Organisations::Name,
    Organisations::RegistrationNo,
    Organisations::TaxNo,
    Organisations::Address,
    Organisations::Country,
    Organisations::Products,
    Organisations::MemberLevel,
    Organisations::SourceChannel,
    Organisations::OwnerId,
    Organisations::Tags,
    Organisations::Notes,
    Organisations::Custom,
    Organisations::MergedInto,
    Organisations::CreatedAt,
    Organisations::UpdatedAt,
];

fn values(f: &OrganisationFields) -> Vec<(Organisations, sea_query::Value)> {
    vec![
        (Organisations::Name, f.name.clone().into()),
        (Organisations::NameKey, f.name_key.clone().into()),
        (
            Organisations::RegistrationNo,
            f.registration_no.clone().into(),
        ),
        (Organisations::TaxNo, f.tax_no.clone().into()),
        (Organisations::Address, f.address.clone().into()),
        (Organisations::Country, f.country.clone().into()),
        (
            Organisations::Products,
            JsonText(f.products.clone()).to_text().into(),
        ),
        (Organisations::MemberLevel, f.member_level.clone().into()),
        (
            Organisations::SourceChannel,
            f.source_channel.clone().into(),
        ),
        (Organisations::OwnerId, f.owner_id.into()),
        (
            Organisations::Tags,
            JsonText(f.tags.clone()).to_text().into(),
        ),
        (Organisations::Notes, f.notes.clone().into()),
        (
            Organisations::Custom,
            JsonText(f.custom.clone()).to_text().into(),
        ),
        (Organisations::SearchTokens, f.search_tokens.clone().into()),
    ]
}

fn select() -> SelectStatement {
    let mut q = Query::select();
    for c in COLUMNS {
        q.column((Organisations::Table, c));
    }
    q.from(Organisations::Table);
    q
}

pub async fn insert(tx: &mut Tx, f: &OrganisationFields, now: i64) -> StoreResult<OrganisationRow> {
    let (mut columns, mut vals): (Vec<_>, Vec<_>) = values(f).into_iter().unzip();
    columns.extend([Organisations::CreatedAt, Organisations::UpdatedAt]);
    vals.extend([now.into(), now.into()]);
    let row: OrganisationRow = tx
        .fetch_one(
            &Query::insert()
                .into_table(Organisations::Table)
                .columns(columns)
                .values_panic(vals.into_iter().map(Into::into))
                .returning(Query::returning().columns(COLUMNS))
                .take(),
        )
        .await?;
    set_tags(tx, "organisation", row.id, &f.tags).await?;
    Ok(row)
}

pub async fn update(
    tx: &mut Tx,
    id: i64,
    f: &OrganisationFields,
    now: i64,
) -> StoreResult<OrganisationRow> {
    let row: OrganisationRow = tx
        .fetch_optional(
            &Query::update()
                .table(Organisations::Table)
                .values(values(f).into_iter().map(|(c, v)| (c, Expr::val(v))))
                .value(Organisations::UpdatedAt, now)
                .and_where(Expr::col(Organisations::Id).eq(id))
                .returning(Query::returning().columns(COLUMNS))
                .take(),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    set_tags(tx, "organisation", id, &f.tags).await?;
    Ok(row)
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<OrganisationRow>> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col(Organisations::Id).eq(id))
            .take(),
    )
    .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<OrganisationRow>> {
    tx.fetch_optional(
        &select()
            .and_where(Expr::col(Organisations::Id).eq(id))
            .take(),
    )
    .await
}

/// Up to `limit` organisations with ids above `after`, ascending: a walk over all of them.
pub async fn page_after(tx: &mut Tx, after: i64, limit: u64) -> StoreResult<Vec<OrganisationRow>> {
    tx.fetch_all(
        &select()
            .and_where(Expr::col((Organisations::Table, Organisations::Id)).gt(after))
            .order_by((Organisations::Table, Organisations::Id), Order::Asc)
            .limit(limit)
            .take(),
    )
    .await
}

/// Live organisations whose reduced name is `name_key` (likely the same company).
pub async fn find_by_name_key(
    tx: &mut Tx,
    name_key: &str,
    except: Option<i64>,
) -> StoreResult<Vec<OrganisationRow>> {
    let mut q = select();
    q.and_where(Expr::col(Organisations::NameKey).eq(name_key))
        .and_where(Expr::col(Organisations::MergedInto).is_null())
        .limit(5);
    if let Some(id) = except {
        q.and_where(Expr::col(Organisations::Id).ne(id));
    }
    tx.fetch_all(&q).await
}

/// What an organisation list may be narrowed by. Every filter given must hold.
#[derive(Debug, Default, Clone)]
pub struct OrganisationFilter {
    pub text: Option<TextQuery>,
    pub owner_id: Option<i64>,
    pub country: Option<String>,
    pub tag: Option<String>,
    pub member_level: Option<String>,
    pub source_channel: Option<String>,
    pub custom: Vec<(String, String)>,
    pub before_id: Option<i64>,
}

/// Newest first, keyset-paged by id; merged-away organisations are left out.
pub async fn list(
    db: &Db,
    filter: &OrganisationFilter,
    limit: u64,
) -> StoreResult<Vec<OrganisationRow>> {
    let o = Organisations::Table;
    let mut q = select();
    q.and_where(Expr::col((o, Organisations::MergedInto)).is_null())
        .order_by((o, Organisations::Id), Order::Desc)
        .limit(limit);
    if let Some(text) = &filter.text {
        restrict(db, &mut q, "organisations", text, filter.before_id).await?;
    }
    if let Some(id) = filter.before_id {
        q.and_where(Expr::col((o, Organisations::Id)).lt(id));
    }
    if let Some(id) = filter.owner_id {
        q.and_where(Expr::col((o, Organisations::OwnerId)).eq(id));
    }
    if let Some(country) = &filter.country {
        q.and_where(Expr::col((o, Organisations::Country)).eq(country.as_str()));
    }
    if let Some(level) = &filter.member_level {
        q.and_where(Expr::col((o, Organisations::MemberLevel)).eq(level.as_str()));
    }
    if let Some(source) = &filter.source_channel {
        q.and_where(Expr::col((o, Organisations::SourceChannel)).eq(source.as_str()));
    }
    if let Some(tag) = &filter.tag {
        q.and_where(Expr::col((o, Organisations::Id)).in_subquery(tagged("organisation", tag)));
    }
    for (key, value) in &filter.custom {
        custom_equals(&mut q, db.backend(), "organisations", key, value);
    }
    db.fetch_all(&q).await
}
