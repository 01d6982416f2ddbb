//! Payment reminders (催付, R-ORD-3): an unpaid order gets one reminder after its store's
//! delay, in the channel the buyer last used and with the store's script — never in the
//! buyer's night, never twice, not once the order is paid or cancelled — and reminders
//! are counted with the payments that follow them.

use crate::events::{append, commit};
use crate::orders::notify::{BuyerNotice, fill, tell_buyer};
use crate::scripts::order_values::OrderValues;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::Permission;
use kefu_domain::order::reminder::{DEFAULT_QUIET_HOURS, QuietHours, buyer_zone};
use kefu_domain::script::{Rendered, pick_locale};
use kefu_domain::time::now_ms;
use kefu_store::contacts::ContactRow;
use kefu_store::orders::{OrderFields, OrderRow};
use kefu_store::stores::StoreRow;
use kefu_store::{Tx, jobs, reminders};
use serde_json::json;

/// Fires when an unpaid order's reminder is due.
pub const PAYMENT_REMINDER: &str = "order.payment_reminder";

/// An order first seen more than this long after its reminder was due gets none:
/// importing old orders does not write to their buyers.
const TOO_LATE_MS: i64 = 24 * 3_600_000;
/// How long an agent has to remind a buyer kefu cannot write to.
const TASK_DUE_MS: i64 = 2 * 3_600_000;

fn remindable(payment_state: &str, fulfilment_state: &str) -> bool {
    payment_state == "unpaid" && fulfilment_state != "cancelled"
}

/// After orders of `store` were written in `tx`: schedules the reminder of each unpaid
/// one, and marks the reminders of paid ones converted.
pub(crate) async fn on_orders_written(
    tx: &mut Tx,
    store: &StoreRow,
    written: &[(i64, &OrderFields)],
    now: i64,
) -> AppResult<()> {
    if let Some(delay) = store.reminder_delay_minutes {
        for (id, f) in written {
            let due = f.placed_at.saturating_add(delay * 60_000);
            if remindable(&f.payment_state, &f.fulfilment_state) && now <= due + TOO_LATE_MS {
                let payload = json!({ "order_id": id });
                jobs::enqueue(
                    tx,
                    PAYMENT_REMINDER,
                    &format!("{id}:{due}"),
                    &payload,
                    due,
                    now,
                )
                .await?;
            }
        }
    }
    let paid: Vec<i64> = written
        .iter()
        .filter(|(_, f)| f.payment_state != "unpaid")
        .map(|(id, _)| *id)
        .collect();
    if paid.is_empty() {
        return Ok(());
    }
    for (order_id, sent_at) in reminders::unconverted(tx, &paid).await? {
        let paid_at = written
            .iter()
            .find(|(id, _)| *id == order_id)
            .and_then(|(_, f)| f.paid_at);
        // Paid before the reminder went out (the news came late): not the reminder's doing.
        if paid_at.is_none_or(|at| at >= sent_at) {
            reminders::convert(tx, order_id, now).await?;
        }
    }
    Ok(())
}

/// The reminder job: sends the order's reminder if it is still unpaid and has none,
/// or waits for the end of the buyer's night. Running twice changes nothing.
pub(crate) async fn remind(app: &App, order_id: i64) -> AppResult<()> {
    let now = now_ms();
    let Some(order) = kefu_store::orders::find(&app.db, order_id).await? else {
        return Ok(());
    };
    if !remindable(&order.payment_state, &order.fulfilment_state)
        || reminders::of_order(&app.db, order_id).await?.is_some()
    {
        return Ok(());
    }
    // A store that stopped reminding since the job was scheduled sends nothing.
    let store = kefu_store::stores::find(&app.db, order.store_id).await?;
    let Some(store) = store.filter(|s| s.reminder_delay_minutes.is_some()) else {
        return Ok(());
    };
    let contact = match order.contact_id {
        Some(c) => kefu_store::contacts::find(&app.db, c).await?,
        None => None,
    };
    if let Some(end) = night_ends(&store, contact.as_ref(), now) {
        let mut tx = app.db.begin().await?;
        let payload = json!({ "order_id": order_id });
        jobs::enqueue(
            &mut tx,
            PAYMENT_REMINDER,
            &format!("{order_id}:{end}"),
            &payload,
            end,
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let text = compose(app, &store, &order, contact.as_ref()).await?;
    let mut tx = app.db.begin().await?;
    let order = kefu_store::orders::find_in_tx(&mut tx, order_id)
        .await?
        .filter(|o| remindable(&o.payment_state, &o.fulfilment_state));
    let Some(order) = order else { return Ok(()) };
    let Some(reminder) =
        reminders::claim(&mut tx, order_id, store.id, order.contact_id, now).await?
    else {
        return Ok(());
    };
    deliver(app, &mut tx, reminder, &store, &order, text, now).await?;
    commit(app, tx).await
}

/// When the buyer's night (the store's quiet hours in the buyer's time zone) ends, if
/// it is night for them now.
fn night_ends(store: &StoreRow, contact: Option<&ContactRow>, now: i64) -> Option<i64> {
    let quiet = QuietHours::parse(&store.quiet_hours_start, &store.quiet_hours_end)
        .or_else(|_| QuietHours::parse(DEFAULT_QUIET_HOURS.0, DEFAULT_QUIET_HOURS.1))
        .ok()?;
    let tz = buyer_zone(
        contact.and_then(|c| c.time_zone.as_deref()),
        contact.and_then(|c| c.country.as_deref()),
        &store.time_zone,
    );
    let now = jiff::Timestamp::from_millisecond(now).ok()?;
    quiet.ends_after(now, &tz).map(|t| t.as_millisecond())
}

/// The reminder's text: the store's own, else its script, else the 催付 stage's first
/// shared script, in the buyer's language, filled from the order. `None` when there is
/// no text at all.
async fn compose(
    app: &App,
    store: &StoreRow,
    order: &OrderRow,
    contact: Option<&ContactRow>,
) -> AppResult<Option<Rendered>> {
    // kefu's own language when the buyer's is unknown.
    let language = contact
        .and_then(|c| c.language.clone())
        .unwrap_or_else(|| "zh-CN".to_owned());
    let (body, locale) = match &store.reminder_text {
        Some(text) => (text.clone(), language.clone()),
        None => {
            let script = match store.reminder_script_id {
                Some(id) => Some(id),
                None => reminders::default_script(&app.db).await?,
            };
            let Some(script) = script else {
                return Ok(None);
            };
            let bodies = kefu_store::scripts::bodies(&app.db, &[script]).await?;
            let locales: Vec<&str> = bodies.iter().map(|b| b.locale.as_str()).collect();
            let Some(locale) = pick_locale(&locales, &[&language, "zh-CN"]) else {
                return Ok(None);
            };
            let body = bodies.iter().find(|b| b.locale == locale);
            (
                body.map(|b| b.body.clone()).unwrap_or_default(),
                locale.to_owned(),
            )
        }
    };
    let values = OrderValues::of(&app.db, order).await?;
    Ok(Some(fill(
        &body,
        &locale,
        store,
        contact,
        order.buyer_name.as_deref(),
        &values,
    )))
}

/// Writes the claimed reminder into the buyer's most recent conversation (email goes
/// out by SMTP like any reply), or — with no conversation, or a text kefu could not
/// fill — gives an agent a task to remind them.
async fn deliver(
    app: &App,
    tx: &mut Tx,
    reminder: i64,
    store: &StoreRow,
    order: &OrderRow,
    text: Option<Rendered>,
    now: i64,
) -> AppResult<()> {
    let client_id = format!("payment-reminder:{}", order.id);
    let title = format!("{} · {}", order.order_number, store.name);
    let notice = BuyerNotice {
        contact_id: order.contact_id,
        conversation_id: None,
        text: text.as_ref(),
        client_id: &client_id,
        task_kind: "payment_reminder",
        task_title: &title,
        task_due_ms: TASK_DUE_MS,
    };
    let told = tell_buyer(app, tx, &notice, now).await?;
    let (conversation, message_id, task_id) = (told.conversation, told.message_id, told.task_id);
    let conversation_id = conversation.as_ref().map(|c| c.id);
    reminders::record_delivery(tx, reminder, conversation_id, message_id, task_id).await?;
    let payload = json!({
        "order_id": order.id, "store_id": store.id, "order_number": order.order_number,
        "conversation_id": conversation_id, "message_id": message_id, "task_id": task_id,
    });
    append(
        app,
        tx,
        "order.reminded",
        conversation_id,
        conversation.map(|c| c.inbox_id),
        true,
        &payload,
    )
    .await?;
    Ok(())
}

/// Reminders sent in a period and how many of their orders were paid afterwards.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReminderReport {
    pub store_id: Option<i64>,
    /// The period, UTC milliseconds, `to` exclusive.
    pub from: i64,
    pub to: i64,
    pub sent: i64,
    pub converted: i64,
    /// `converted / sent` (0 when none were sent).
    pub rate: f64,
}

/// The period and store a reminder report is for.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    /// One store (default: all).
    pub store: Option<i64>,
    /// First day (`2026-11-01`, in the store's time zone, else Asia/Shanghai) or an RFC
    /// 3339 instant; default 30 days before `to`.
    pub from: Option<String>,
    /// Last day, included (`2026-11-30`), or an RFC 3339 instant (excluded); default now.
    pub to: Option<String>,
}

/// A report bound as UTC milliseconds: a day's start (`end`: the next day's start) in
/// `tz`, or an instant.
fn bound(field: &'static str, v: &str, tz: &str, end: bool) -> AppResult<i64> {
    let v = v.trim();
    if let Ok(t) = v.parse::<jiff::Timestamp>() {
        return Ok(t.as_millisecond());
    }
    let bad = || {
        kefu_domain::Invalid::new(
            field,
            "invalid_date",
            format!("'{v}' is not a date (2026-11-30) or an RFC 3339 time"),
        )
    };
    let day: jiff::civil::Date = v.parse().map_err(|_| bad())?;
    let day = if end {
        day.tomorrow().map_err(|_| bad())?
    } else {
        day
    };
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    let start = day.to_zoned(zone).map_err(|_| bad())?;
    Ok(start.timestamp().as_millisecond())
}

/// The report for a query: dates read in the store's time zone.
pub async fn report_for(app: &App, actor: &Actor, q: &ReportQuery) -> AppResult<ReminderReport> {
    actor.require(Permission::AssignOthers)?;
    let tz = match q.store {
        Some(s) => {
            kefu_store::stores::find(&app.db, s)
                .await?
                .ok_or(AppError::NotFound("store"))?
                .time_zone
        }
        None => "Asia/Shanghai".to_owned(),
    };
    let to = match crate::archive::present(&q.to) {
        Some(v) => bound("to", v, &tz, true)?,
        None => now_ms(),
    };
    let from = match crate::archive::present(&q.from) {
        Some(v) => bound("from", v, &tz, false)?,
        None => to - 30 * 86_400_000,
    };
    report(app, actor, q.store, from, to).await
}

/// Counts the reminders sent in `[from, to)` (supervisors and up).
pub async fn report(
    app: &App,
    actor: &Actor,
    store_id: Option<i64>,
    from: i64,
    to: i64,
) -> AppResult<ReminderReport> {
    actor.require(Permission::AssignOthers)?;
    if from >= to {
        return Err(kefu_domain::Invalid::new(
            "from",
            "invalid_period",
            "the period's start must come before its end",
        )
        .into());
    }
    if let Some(s) = store_id {
        kefu_store::stores::find(&app.db, s)
            .await?
            .ok_or(AppError::NotFound("store"))?;
    }
    let (sent, converted) = reminders::counts(&app.db, store_id, from, to).await?;
    Ok(ReminderReport {
        store_id,
        from,
        to,
        sent,
        converted,
        rate: if sent == 0 {
            0.0
        } else {
            converted as f64 / sent as f64
        },
    })
}
