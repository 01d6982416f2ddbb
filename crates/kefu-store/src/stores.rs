//! Stores: the shops, marketplace accounts and trading centre orders come from.

use crate::schema::{Orders, Stores};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct StoreRow {
        pub id: i64,
        pub name: String,
        /// `shop`, `marketplace` or `trading_centre`.
        pub kind: String,
        /// ISO 4217 code of the store's prices (`CNY`).
        pub currency: String,
        /// IANA time zone the store's times are written in (`Asia/Shanghai`).
        pub time_zone: String,
        /// The key that signs the store's webhook posts (`X-Kefu-Signature`).
        pub webhook_secret: String,
        /// Minutes after an unpaid order is placed before the buyer is reminded (催付).
        pub reminder_delay_minutes: Option<i64>,
        /// When the store does not write to buyers, in the buyer's own time zone (`22:00`).
        pub quiet_hours_start: String,
        /// When it may write again (`08:00`).
        pub quiet_hours_end: String,
        /// The shared 催付 script reminders use (else `reminder_text`, else the stage's first).
        pub reminder_script_id: Option<i64>,
        /// The store's own reminder text, with `{{variables}}`.
        pub reminder_text: Option<String>,
        /// Days without a tracking event before a parcel on its way gets a logistics case.
        pub stale_after_days: i64,
        /// Where each recorded order change is posted for the warehouse (signed like the
        /// store's webhook); none: the warehouse reads the list or its export.
        pub warehouse_webhook_url: Option<String>,
        /// The store's own words telling a buyer their change is done, with `{{variables}}`.
        pub change_done_text: Option<String>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

/// A store's fields as validated by the use case.
#[derive(Debug, Clone)]
pub struct StoreFields {
    pub name: String,
    pub kind: String,
    pub currency: String,
    pub time_zone: String,
    pub reminder_delay_minutes: Option<i64>,
    pub quiet_hours_start: String,
    pub quiet_hours_end: String,
    pub reminder_script_id: Option<i64>,
    pub reminder_text: Option<String>,
    pub stale_after_days: i64,
    pub warehouse_webhook_url: Option<String>,
    pub change_done_text: Option<String>,
}

const COLUMNS: [Stores; 16] = [
    Stores::Id,
    Stores::Name,
    Stores::Kind,
    Stores::Currency,
    Stores::TimeZone,
    Stores::WebhookSecret,
    Stores::ReminderDelayMinutes,
    Stores::QuietHoursStart,
    Stores::QuietHoursEnd,
    Stores::ReminderScriptId,
    Stores::ReminderText,
    Stores::StaleAfterDays,
    Stores::WarehouseWebhookUrl,
    Stores::ChangeDoneText,
    Stores::CreatedAt,
    Stores::UpdatedAt,
];

fn select() -> SelectStatement {
    Query::select().columns(COLUMNS).from(Stores::Table).take()
}

pub async fn insert(
    tx: &mut Tx,
    f: &StoreFields,
    webhook_secret: &str,
    now: i64,
) -> StoreResult<StoreRow> {
    tx.fetch_one(
        &Query::insert()
            .into_table(Stores::Table)
            .columns([
                Stores::Name,
                Stores::Kind,
                Stores::Currency,
                Stores::TimeZone,
                Stores::WebhookSecret,
                Stores::ReminderDelayMinutes,
                Stores::QuietHoursStart,
                Stores::QuietHoursEnd,
                Stores::ReminderScriptId,
                Stores::ReminderText,
                Stores::StaleAfterDays,
                Stores::WarehouseWebhookUrl,
                Stores::ChangeDoneText,
                Stores::CreatedAt,
                Stores::UpdatedAt,
            ])
            .values_panic([
                f.name.as_str().into(),
                f.kind.as_str().into(),
                f.currency.as_str().into(),
                f.time_zone.as_str().into(),
                webhook_secret.into(),
                f.reminder_delay_minutes.into(),
                f.quiet_hours_start.as_str().into(),
                f.quiet_hours_end.as_str().into(),
                f.reminder_script_id.into(),
                f.reminder_text.clone().into(),
                f.stale_after_days.into(),
                f.warehouse_webhook_url.clone().into(),
                f.change_done_text.clone().into(),
                now.into(),
                now.into(),
            ])
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

pub async fn update(tx: &mut Tx, id: i64, f: &StoreFields, now: i64) -> StoreResult<StoreRow> {
    tx.fetch_one(
        &Query::update()
            .table(Stores::Table)
            .values([
                (Stores::Name, f.name.as_str().into()),
                (Stores::Kind, f.kind.as_str().into()),
                (Stores::Currency, f.currency.as_str().into()),
                (Stores::TimeZone, f.time_zone.as_str().into()),
                (
                    Stores::ReminderDelayMinutes,
                    f.reminder_delay_minutes.into(),
                ),
                (Stores::QuietHoursStart, f.quiet_hours_start.as_str().into()),
                (Stores::QuietHoursEnd, f.quiet_hours_end.as_str().into()),
                (Stores::ReminderScriptId, f.reminder_script_id.into()),
                (Stores::ReminderText, f.reminder_text.clone().into()),
                (Stores::StaleAfterDays, f.stale_after_days.into()),
                (
                    Stores::WarehouseWebhookUrl,
                    f.warehouse_webhook_url.clone().into(),
                ),
                (Stores::ChangeDoneText, f.change_done_text.clone().into()),
                (Stores::UpdatedAt, now.into()),
            ])
            .and_where(Expr::col(Stores::Id).eq(id))
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

/// Replaces the webhook key (the old one stops working at once).
pub async fn set_secret(tx: &mut Tx, id: i64, secret: &str, now: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(Stores::Table)
            .values([
                (Stores::WebhookSecret, secret.into()),
                (Stores::UpdatedAt, now.into()),
            ])
            .and_where(Expr::col(Stores::Id).eq(id))
            .take(),
    )
    .await
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<StoreRow>> {
    db.fetch_optional(&select().and_where(Expr::col(Stores::Id).eq(id)).take())
        .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<StoreRow>> {
    tx.fetch_optional(&select().and_where(Expr::col(Stores::Id).eq(id)).take())
        .await
}

/// Every store by name.
pub async fn list(db: &Db) -> StoreResult<Vec<StoreRow>> {
    db.fetch_all(&select().order_by(Stores::Name, Order::Asc).take())
        .await
}

/// Whether any order belongs to the store (a store with orders is not deleted).
pub async fn has_orders(tx: &mut Tx, id: i64) -> StoreResult<bool> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            &Query::select()
                .column(Orders::Id)
                .from(Orders::Table)
                .and_where(Expr::col(Orders::StoreId).eq(id))
                .limit(1)
                .take(),
        )
        .await?;
    Ok(row.is_some())
}

pub async fn delete(tx: &mut Tx, id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::delete()
            .from_table(Stores::Table)
            .and_where(Expr::col(Stores::Id).eq(id))
            .take(),
    )
    .await
}
