//! Stores (shops, marketplace accounts, the trading centre): admins create and change
//! them; each has the key its bridge signs webhook posts with.

use crate::archive::present;
use crate::auth::random_hex;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::order::StoreKind;
use kefu_domain::time::now_ms;
use kefu_domain::{Currency, Invalid, Name, Permission, TimeZoneName};
use kefu_store::StoreError;
use kefu_store::stores::{self, StoreFields, StoreRow};
use serde::Deserialize;

/// A store as a form or the API sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct StoreInput {
    pub name: String,
    /// `shop`, `marketplace` or `trading_centre`.
    pub kind: String,
    /// ISO 4217 code (default `CNY`).
    pub currency: Option<String>,
    /// IANA time zone (default `Asia/Shanghai`).
    pub time_zone: Option<String>,
    /// Minutes before an unpaid order's buyer is reminded (0 to 10,080; none: never).
    pub reminder_delay_minutes: Option<i64>,
}

fn validate(input: &StoreInput) -> Result<StoreFields, Invalid> {
    let delay = input.reminder_delay_minutes;
    if delay.is_some_and(|d| !(0..=10_080).contains(&d)) {
        return Err(Invalid::new(
            "reminder_delay_minutes",
            "invalid_delay",
            "the reminder delay is 0 to 10,080 minutes (a week)",
        ));
    }
    Ok(StoreFields {
        name: Name::parse("name", &input.name)?.into_inner(),
        kind: StoreKind::parse(&input.kind)?.as_str().to_owned(),
        currency: Currency::parse(present(&input.currency).unwrap_or("CNY"))?
            .as_str()
            .to_owned(),
        time_zone: TimeZoneName::parse(present(&input.time_zone).unwrap_or("Asia/Shanghai"))?
            .as_str()
            .to_owned(),
        reminder_delay_minutes: delay,
    })
}

fn duplicate_name(name: &str) -> impl Fn(StoreError) -> AppError + '_ {
    move |e| match e {
        StoreError::Conflict(_) => AppError::Conflict {
            code: "duplicate_store",
            message: format!("a store named '{name}' already exists; choose another name"),
            existing_id: None,
        },
        other => other.into(),
    }
}

pub async fn create_store(app: &App, actor: &Actor, input: &StoreInput) -> AppResult<StoreRow> {
    actor.require(Permission::ManageInboxes)?;
    let f = validate(input)?;
    let mut tx = app.db.begin().await?;
    let row = stores::insert(&mut tx, &f, &random_hex(32), now_ms())
        .await
        .map_err(duplicate_name(&f.name))?;
    tx.commit().await?;
    Ok(row)
}

pub async fn update_store(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &StoreInput,
) -> AppResult<StoreRow> {
    actor.require(Permission::ManageInboxes)?;
    let f = validate(input)?;
    let mut tx = app.db.begin().await?;
    let row = match stores::update(&mut tx, id, &f, now_ms()).await {
        Err(StoreError::NotFound) => return Err(AppError::NotFound("store")),
        other => other.map_err(duplicate_name(&f.name))?,
    };
    tx.commit().await?;
    Ok(row)
}

/// Gives the store a new webhook key; the old one stops working at once.
pub async fn rotate_secret(app: &App, actor: &Actor, id: i64) -> AppResult<StoreRow> {
    actor.require(Permission::ManageInboxes)?;
    let mut tx = app.db.begin().await?;
    if stores::set_secret(&mut tx, id, &random_hex(32), now_ms()).await? == 0 {
        return Err(AppError::NotFound("store"));
    }
    tx.commit().await?;
    get_store(app, actor, id).await
}

pub async fn get_store(app: &App, actor: &Actor, id: i64) -> AppResult<StoreRow> {
    actor.require(Permission::ManageInboxes)?;
    stores::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("store"))
}

pub async fn list_stores(app: &App, actor: &Actor) -> AppResult<Vec<StoreRow>> {
    actor.require(Permission::ManageInboxes)?;
    Ok(stores::list(&app.db).await?)
}

/// Deletes a store that has no orders.
pub async fn delete_store(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    actor.require(Permission::ManageInboxes)?;
    let mut tx = app.db.begin().await?;
    if stores::has_orders(&mut tx, id).await? {
        return Err(AppError::Conflict {
            code: "store_has_orders",
            message: "the store has orders; it cannot be deleted".into(),
            existing_id: Some(id),
        });
    }
    if stores::delete(&mut tx, id).await? == 0 {
        return Err(AppError::NotFound("store"));
    }
    tx.commit().await?;
    Ok(())
}

/// The store, for those who sync its orders.
pub(crate) async fn store_for_sync(app: &App, actor: &Actor, id: i64) -> AppResult<StoreRow> {
    actor.require(Permission::ExportArchive)?;
    stores::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("store"))
}
