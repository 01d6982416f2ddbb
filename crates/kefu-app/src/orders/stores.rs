//! Stores (shops, marketplace accounts, the trading centre): admins create and change
//! them; each has the key its bridge signs webhook posts with.

use crate::archive::present;
use crate::auth::random_hex;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::order::StoreKind;
use kefu_domain::order::reminder::{DEFAULT_QUIET_HOURS, QuietHours};
use kefu_domain::script::ScriptBody;
use kefu_domain::time::now_ms;
use kefu_domain::{Currency, Invalid, Name, Permission, TimeZoneName};
use kefu_store::StoreError;
use kefu_store::stores::{self, StoreFields, StoreRow};
use serde::Deserialize;

/// A store as a form or the API sends it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
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
    /// When reminders wait, in the buyer's time zone (`HH:MM`, default `22:00`).
    pub quiet_hours_start: Option<String>,
    /// When reminders may go again (`HH:MM`, default `08:00`; equal to the start: never wait).
    pub quiet_hours_end: Option<String>,
    /// A shared script of the 催付 stage to remind with (else `reminder_text`, else the
    /// stage's first shared script).
    pub reminder_script_id: Option<i64>,
    /// The store's own reminder text, with `{{variables}}` (instead of a script).
    pub reminder_text: Option<String>,
    /// Days without a tracking event before a parcel gets a "no movement" case (1 to 60,
    /// default 3).
    pub stale_after_days: Option<i64>,
    /// An `http(s)://` address each recorded order change is posted to for the warehouse,
    /// signed with the store's webhook key (none: the warehouse reads the list or export).
    pub warehouse_webhook_url: Option<String>,
    /// The store's own words telling a buyer their change is done, with `{{variables}}`
    /// (none: kefu's own, in the buyer's language).
    pub change_done_text: Option<String>,
}

/// A warehouse address kefu can post to: `http` or `https`, a host, at most 2,000 characters.
fn webhook_url(v: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(v) = v else { return Ok(None) };
    let refuse = || {
        Invalid::new(
            "warehouse_webhook_url",
            "invalid_webhook_url",
            format!("'{v}' is not an http:// or https:// address the warehouse listens at"),
        )
    };
    let url = reqwest::Url::parse(v).map_err(|_| refuse())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || v.len() > 2000 {
        return Err(refuse());
    }
    Ok(Some(url.to_string()))
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
    let (start, end) = (
        present(&input.quiet_hours_start).unwrap_or(DEFAULT_QUIET_HOURS.0),
        present(&input.quiet_hours_end).unwrap_or(DEFAULT_QUIET_HOURS.1),
    );
    let quiet = QuietHours::parse(start, end)?;
    let stale = input.stale_after_days.unwrap_or(3);
    if !(1..=60).contains(&stale) {
        return Err(Invalid::new(
            "stale_after_days",
            "invalid_stale_days",
            "a parcel is stale after 1 to 60 days without news",
        ));
    }
    let text = present(&input.reminder_text)
        .map(ScriptBody::parse)
        .transpose()
        .map_err(|e| Invalid::new("reminder_text", e.code, e.message))?;
    let change_done_text = present(&input.change_done_text)
        .map(ScriptBody::parse)
        .transpose()
        .map_err(|e| Invalid::new("change_done_text", e.code, e.message))?;
    if text.is_some() && input.reminder_script_id.is_some() {
        return Err(Invalid::new(
            "reminder_text",
            "reminder_script_and_text",
            "choose a 催付 script or write the store's own text, not both",
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
        quiet_hours_start: quiet.start.to_string(),
        quiet_hours_end: quiet.end.to_string(),
        reminder_script_id: input.reminder_script_id,
        reminder_text: text.map(ScriptBody::into_inner),
        stale_after_days: stale,
        warehouse_webhook_url: webhook_url(present(&input.warehouse_webhook_url))?,
        change_done_text: change_done_text.map(ScriptBody::into_inner),
    })
}

/// A store's reminder script must be a shared script of the 催付 stage.
async fn check_script(app: &App, id: Option<i64>) -> AppResult<()> {
    let Some(id) = id else { return Ok(()) };
    let refuse = || {
        Invalid::new(
            "reminder_script_id",
            "invalid_reminder_script",
            format!("script {id} is not a shared script of the 催付 (payment reminder) stage"),
        )
    };
    let script = kefu_store::scripts::find(&app.db, id)
        .await?
        .filter(|s| s.owner_id.is_none())
        .ok_or_else(refuse)?;
    let stage = kefu_store::scripts::find_stage(&app.db, script.stage_id).await?;
    if stage.is_none_or(|s| s.key != kefu_store::reminders::REMINDER_STAGE) {
        return Err(refuse().into());
    }
    Ok(())
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
    check_script(app, f.reminder_script_id).await?;
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
    check_script(app, f.reminder_script_id).await?;
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
