//! Staff users: agents, supervisors, managers, admins.

use crate::schema::{TeamMembers, Users};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
    pub struct UserRow {
        pub id: i64,
        pub email: String,
        pub name: String,
        pub role: String,
        #[serde(skip)]
        pub password_hash: String,
        pub locale: String,
        pub availability: String,
        pub disabled: bool,
        pub created_at: i64,
        /// The department (a `department` list key) hand-offs reach them through.
        pub department: Option<String>,
    }
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub locale: &'a str,
    pub now: i64,
}

const COLUMNS: [Users; 10] = [
    Users::Id,
    Users::Email,
    Users::Name,
    Users::Role,
    Users::PasswordHash,
    Users::Locale,
    Users::Availability,
    Users::Disabled,
    Users::CreatedAt,
    Users::Department,
];

pub async fn insert(tx: &mut Tx, u: &NewUser<'_>) -> StoreResult<UserRow> {
    tx.fetch_one(
        &Query::insert()
            .into_table(Users::Table)
            .columns([
                Users::Email,
                Users::Name,
                Users::Role,
                Users::PasswordHash,
                Users::Locale,
                Users::CreatedAt,
            ])
            .values_panic([
                u.email.into(),
                u.name.into(),
                u.role.into(),
                u.password_hash.into(),
                u.locale.into(),
                u.now.into(),
            ])
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<UserRow>> {
    db.fetch_optional(
        &Query::select()
            .columns(COLUMNS)
            .from(Users::Table)
            .and_where(Expr::col(Users::Id).eq(id))
            .take(),
    )
    .await
}

pub async fn find_by_email(db: &Db, email: &str) -> StoreResult<Option<UserRow>> {
    db.fetch_optional(
        &Query::select()
            .columns(COLUMNS)
            .from(Users::Table)
            .and_where(Expr::col(Users::Email).eq(email))
            .take(),
    )
    .await
}

pub async fn exists_by_email(tx: &mut Tx, email: &str) -> StoreResult<bool> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            &Query::select()
                .column(Users::Id)
                .from(Users::Table)
                .and_where(Expr::col(Users::Email).eq(email))
                .take(),
        )
        .await?;
    Ok(row.is_some())
}

pub async fn count(db: &Db) -> StoreResult<i64> {
    let (n,): (i64,) = db
        .fetch_one(
            &Query::select()
                .expr(Expr::col(Users::Id).count())
                .from(Users::Table)
                .take(),
        )
        .await?;
    Ok(n)
}

pub async fn list(db: &Db) -> StoreResult<Vec<UserRow>> {
    db.fetch_all(
        &Query::select()
            .columns(COLUMNS)
            .from(Users::Table)
            .order_by(Users::Id, Order::Asc)
            .take(),
    )
    .await
}

pub async fn set_availability(tx: &mut Tx, id: i64, availability: &str) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Users::Table)
            .value(Users::Availability, availability)
            .and_where(Expr::col(Users::Id).eq(id))
            .take(),
    )
    .await
}

pub async fn set_department(tx: &mut Tx, id: i64, department: Option<&str>) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Users::Table)
            .value(Users::Department, department.map(str::to_owned))
            .and_where(Expr::col(Users::Id).eq(id))
            .take(),
    )
    .await
}

pub async fn set_locale(tx: &mut Tx, id: i64, locale: &str) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Users::Table)
            .value(Users::Locale, locale)
            .and_where(Expr::col(Users::Id).eq(id))
            .take(),
    )
    .await
}

/// Whether any enabled staff member who may answer this team's (or, without a team, any) conversations is online.
pub async fn anyone_online(tx: &mut Tx, team_id: Option<i64>) -> StoreResult<bool> {
    let mut q = Query::select();
    q.column((Users::Table, Users::Id))
        .from(Users::Table)
        .and_where(Expr::col((Users::Table, Users::Availability)).eq("online"))
        .and_where(Expr::col((Users::Table, Users::Disabled)).eq(false))
        .limit(1);
    if let Some(team_id) = team_id {
        q.inner_join(
            TeamMembers::Table,
            Expr::col((TeamMembers::Table, TeamMembers::UserId)).equals((Users::Table, Users::Id)),
        )
        .and_where(Expr::col((TeamMembers::Table, TeamMembers::TeamId)).eq(team_id));
    }
    let row: Option<(i64,)> = tx.fetch_optional(&q).await?;
    Ok(row.is_some())
}

/// The enabled staff members of these roles who are online now.
pub async fn online_with_roles(tx: &mut Tx, roles: &[String]) -> StoreResult<Vec<i64>> {
    let rows: Vec<(i64,)> = tx
        .fetch_all(
            &Query::select()
                .column(Users::Id)
                .from(Users::Table)
                .and_where(Expr::col(Users::Role).is_in(roles.iter().map(String::as_str)))
                .and_where(Expr::col(Users::Availability).eq("online"))
                .and_where(Expr::col(Users::Disabled).eq(false))
                .order_by(Users::Id, sea_query::Order::Asc)
                .take(),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Every user's name by id (staff lists are small: tens to hundreds).
pub async fn names(db: &Db) -> StoreResult<std::collections::HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = db
        .fetch_all(
            &Query::select()
                .columns([Users::Id, Users::Name])
                .from(Users::Table)
                .take(),
        )
        .await?;
    Ok(rows.into_iter().collect())
}
