//! Contacts (the people who write in) and their channel identities.

use crate::schema::{ContactIdentities, Contacts};
use crate::{Db, StoreResult, Tx};
use sea_query::{Cond, Expr, ExprTrait, Order, Query};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
    pub struct ContactRow {
        pub id: i64,
        pub name: String,
        pub email: Option<String>,
        pub phone: Option<String>,
        pub language: Option<String>,
        pub country: Option<String>,
        pub time_zone: Option<String>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

/// The fields of a contact as validated by the use case.
#[derive(Debug, Default, Clone)]
pub struct ContactFields {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    pub time_zone: Option<String>,
}

const COLUMNS: [Contacts; 9] = [
    Contacts::Id,
    Contacts::Name,
    Contacts::Email,
    Contacts::Phone,
    Contacts::Language,
    Contacts::Country,
    Contacts::TimeZone,
    Contacts::CreatedAt,
    Contacts::UpdatedAt,
];

pub async fn insert(tx: &mut Tx, f: &ContactFields, now: i64) -> StoreResult<ContactRow> {
    tx.fetch_one(
        &Query::insert()
            .into_table(Contacts::Table)
            .columns([
                Contacts::Name,
                Contacts::Email,
                Contacts::Phone,
                Contacts::Language,
                Contacts::Country,
                Contacts::TimeZone,
                Contacts::CreatedAt,
                Contacts::UpdatedAt,
            ])
            .values_panic([
                f.name.clone().into(),
                f.email.clone().into(),
                f.phone.clone().into(),
                f.language.clone().into(),
                f.country.clone().into(),
                f.time_zone.clone().into(),
                now.into(),
                now.into(),
            ])
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

pub async fn update(tx: &mut Tx, id: i64, f: &ContactFields, now: i64) -> StoreResult<ContactRow> {
    tx.fetch_one(
        &Query::update()
            .table(Contacts::Table)
            .value(Contacts::Name, f.name.clone())
            .value(Contacts::Email, f.email.clone())
            .value(Contacts::Phone, f.phone.clone())
            .value(Contacts::Language, f.language.clone())
            .value(Contacts::Country, f.country.clone())
            .value(Contacts::TimeZone, f.time_zone.clone())
            .value(Contacts::UpdatedAt, now)
            .and_where(Expr::col(Contacts::Id).eq(id))
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<ContactRow>> {
    db.fetch_optional(
        &Query::select()
            .columns(COLUMNS)
            .from(Contacts::Table)
            .and_where(Expr::col(Contacts::Id).eq(id))
            .take(),
    )
    .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<ContactRow>> {
    tx.fetch_optional(
        &Query::select()
            .columns(COLUMNS)
            .from(Contacts::Table)
            .and_where(Expr::col(Contacts::Id).eq(id))
            .take(),
    )
    .await
}

/// Newest first, keyset-paged by id.
pub async fn list(db: &Db, before_id: Option<i64>, limit: u64) -> StoreResult<Vec<ContactRow>> {
    let mut q = Query::select();
    q.columns(COLUMNS)
        .from(Contacts::Table)
        .order_by(Contacts::Id, Order::Desc)
        .limit(limit);
    if let Some(before) = before_id {
        q.and_where(Expr::col(Contacts::Id).lt(before));
    }
    db.fetch_all(&q).await
}

/// Another contact already using this email or phone, if any.
pub async fn find_duplicate(
    tx: &mut Tx,
    email: Option<&str>,
    phone: Option<&str>,
    except: Option<i64>,
) -> StoreResult<Option<ContactRow>> {
    let mut any = Cond::any();
    if let Some(e) = email {
        any = any.add(Expr::col(Contacts::Email).eq(e));
    }
    if let Some(p) = phone {
        any = any.add(Expr::col(Contacts::Phone).eq(p));
    }
    if email.is_none() && phone.is_none() {
        return Ok(None);
    }
    let mut q = Query::select();
    q.columns(COLUMNS)
        .from(Contacts::Table)
        .cond_where(any)
        .limit(1);
    if let Some(id) = except {
        q.and_where(Expr::col(Contacts::Id).ne(id));
    }
    tx.fetch_optional(&q).await
}

/// The contact behind a channel identity (`widget_visitor`, `api`, later `email`, `wechat` …).
pub async fn find_by_identity(tx: &mut Tx, kind: &str, value: &str) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            &Query::select()
                .column(ContactIdentities::ContactId)
                .from(ContactIdentities::Table)
                .and_where(Expr::col(ContactIdentities::Kind).eq(kind))
                .and_where(Expr::col(ContactIdentities::Value).eq(value))
                .take(),
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// The same lookup outside a transaction (a reader, on SQLite).
pub async fn contact_for_identity(db: &Db, kind: &str, value: &str) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = db
        .fetch_optional(
            &Query::select()
                .column(ContactIdentities::ContactId)
                .from(ContactIdentities::Table)
                .and_where(Expr::col(ContactIdentities::Kind).eq(kind))
                .and_where(Expr::col(ContactIdentities::Value).eq(value))
                .take(),
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

pub async fn add_identity(
    tx: &mut Tx,
    contact_id: i64,
    kind: &str,
    value: &str,
    now: i64,
) -> StoreResult<()> {
    tx.execute(
        &Query::insert()
            .into_table(ContactIdentities::Table)
            .columns([
                ContactIdentities::ContactId,
                ContactIdentities::Kind,
                ContactIdentities::Value,
                ContactIdentities::CreatedAt,
            ])
            .values_panic([contact_id.into(), kind.into(), value.into(), now.into()])
            .take(),
    )
    .await?;
    Ok(())
}
