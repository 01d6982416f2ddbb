//! Business calendars: admins define them (time zone, weekly hours, holidays, 调休 make-up
//! days); anyone signed in reads them and previews due times on them.

use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use jiff::Timestamp;
use jiff::civil::DateTime;
use kefu_domain::sla::MAX_TARGET_MINUTES;
use kefu_domain::time::now_ms;
use kefu_domain::{BusinessCalendar, Invalid, Name, Permission};
use kefu_store::calendars::{
    self, CalendarDoc, CalendarRow, HolidayDoc, WeeklyHoursDoc, WorkdayDoc,
};
use kefu_store::{StoreError, Tx, sla_policies};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

/// A calendar as an admin writes it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarInput {
    pub name: String,
    /// IANA time zone, e.g. `Asia/Shanghai`, `America/New_York`.
    pub time_zone: String,
    #[serde(default)]
    pub weekly_hours: WeeklyHoursDoc,
    #[serde(default)]
    pub holidays: Vec<HolidayDoc>,
    #[serde(default)]
    pub workdays: Vec<WorkdayDoc>,
    /// `true` makes this the default calendar (the previous default stops being it).
    #[serde(default)]
    pub is_default: bool,
}

/// Checks a calendar and returns its name and normal form (sorted dates, `HH:MM` hours).
fn validate(input: &CalendarInput) -> AppResult<(Name, CalendarDoc)> {
    let name = Name::parse("name", &input.name)?;
    let doc = CalendarDoc {
        time_zone: input.time_zone.trim().to_owned(),
        weekly_hours: input.weekly_hours.clone(),
        holidays: input.holidays.clone(),
        workdays: input.workdays.clone(),
    };
    let calendar = doc.parse()?;
    Ok((name, CalendarDoc::from_calendar(&calendar)))
}

fn name_taken(name: &Name) -> impl Fn(StoreError) -> AppError + '_ {
    move |e| match e {
        StoreError::Conflict(_) => AppError::Conflict {
            code: "calendar_name_taken",
            message: format!("a calendar named {} already exists", name.as_str()),
            existing_id: None,
        },
        other => other.into(),
    }
}

/// Records an admin's change in the audit log and the event log, in its transaction.
pub(crate) async fn record_change(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    kind: &str,
    subject: &str,
    detail: serde_json::Value,
) -> AppResult<()> {
    let now = now_ms();
    kefu_store::audit::record_in(
        tx,
        Some(actor.user_id),
        kind,
        subject,
        &detail.to_string(),
        now,
    )
    .await?;
    append(app, tx, kind, None, None, true, &detail).await?;
    Ok(())
}

fn summary(c: &CalendarRow) -> serde_json::Value {
    json!({
        "id": c.id, "name": c.name, "time_zone": c.time_zone, "is_default": c.is_default,
        "weekly_hours": c.weekly_hours, "holidays": c.holidays.0.len(), "workdays": c.workdays.0.len(),
    })
}

pub async fn create_calendar(
    app: &App,
    actor: &Actor,
    input: &CalendarInput,
) -> AppResult<CalendarRow> {
    actor.require(Permission::ManageSla)?;
    let (name, doc) = validate(input)?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let mut row = calendars::insert(&mut tx, name.as_str(), &doc, now)
        .await
        .map_err(name_taken(&name))?;
    if input.is_default {
        row = calendars::set_default(&mut tx, row.id, now).await?;
    }
    finish(app, tx, actor, "calendar.created", row).await
}

pub async fn update_calendar(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &CalendarInput,
) -> AppResult<CalendarRow> {
    actor.require(Permission::ManageSla)?;
    let (name, doc) = validate(input)?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    calendars::find_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("calendar"))?;
    let mut row = calendars::update(&mut tx, id, name.as_str(), &doc, now)
        .await
        .map_err(name_taken(&name))?;
    if input.is_default && !row.is_default {
        row = calendars::set_default(&mut tx, id, now).await?;
    }
    finish(app, tx, actor, "calendar.updated", row).await
}

/// Records a created or changed calendar (audit and event) and commits.
async fn finish(
    app: &App,
    mut tx: Tx,
    actor: &Actor,
    kind: &str,
    row: CalendarRow,
) -> AppResult<CalendarRow> {
    let subject = format!("calendar:{}", row.id);
    record_change(app, &mut tx, actor, kind, &subject, summary(&row)).await?;
    commit(app, tx).await?;
    Ok(row)
}

/// Deletes a calendar no policy uses; the default calendar stays.
pub async fn delete_calendar(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    actor.require(Permission::ManageSla)?;
    let mut tx = app.db.begin().await?;
    let row = calendars::find_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("calendar"))?;
    if row.is_default {
        return Err(AppError::Conflict {
            code: "calendar_is_default",
            message: "this is the default calendar; make another calendar the default first".into(),
            existing_id: None,
        });
    }
    let users = sla_policies::count_using_calendar(&mut tx, id).await?;
    if users > 0 {
        return Err(AppError::Conflict {
            code: "calendar_in_use",
            message: format!("{users} SLA policies use this calendar; move them to another first"),
            existing_id: None,
        });
    }
    calendars::delete(&mut tx, id).await?;
    let subject = format!("calendar:{id}");
    record_change(
        app,
        &mut tx,
        actor,
        "calendar.deleted",
        &subject,
        summary(&row),
    )
    .await?;
    commit(app, tx).await
}

pub async fn list_calendars(app: &App, actor: &Actor) -> AppResult<Vec<CalendarRow>> {
    actor.require(Permission::WorkConversations)?;
    Ok(calendars::list(&app.db).await?)
}

pub async fn get_calendar(app: &App, actor: &Actor, id: i64) -> AppResult<CalendarRow> {
    actor.require(Permission::WorkConversations)?;
    calendars::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("calendar"))
}

/// A calendar ready for arithmetic (the SLA engine's loader; cache the result and drop it
/// on `calendar.updated` / `calendar.deleted` events).
pub async fn load_calendar(app: &App, id: i64) -> AppResult<BusinessCalendar> {
    let row = calendars::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("calendar"))?;
    row.to_calendar()
        .map_err(|e| AppError::Internal(format!("stored calendar {id} is invalid: {e}")))
}

/// When a target of `minutes` business minutes from `from` falls due on a calendar.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DuePreview {
    pub calendar_id: i64,
    /// The start, in the calendar's time zone (RFC 3339).
    pub from: String,
    pub minutes: i64,
    /// The due time in the calendar's time zone (RFC 3339, e.g. `2026-10-08T10:00:00+08:00`).
    pub due: String,
    /// The due time in UTC milliseconds.
    pub due_ms: i64,
}

/// Reads an instant: RFC 3339 with an offset (`2026-09-30T17:00:00+08:00`, `…Z`), or a
/// local time without one (`2026-09-30T17:00`), taken in the calendar's zone.
fn parse_instant(calendar: &BusinessCalendar, input: &str) -> Result<Timestamp, Invalid> {
    let s = input.trim();
    s.parse::<Timestamp>()
        .ok()
        .or_else(|| {
            let local: DateTime = s.parse().ok()?;
            local
                .to_zoned(calendar.time_zone().clone())
                .ok()
                .map(|z| z.timestamp())
        })
        .ok_or_else(|| {
            Invalid::new(
                "from",
                "invalid_time",
                format!("'{input}' is not a time such as 2026-09-30T17:00:00+08:00"),
            )
        })
}

pub async fn preview_due(
    app: &App,
    actor: &Actor,
    id: i64,
    from: &str,
    minutes: i64,
) -> AppResult<DuePreview> {
    actor.require(Permission::WorkConversations)?;
    let calendar = load_calendar(app, id).await?;
    let start = parse_instant(&calendar, from)?;
    if !(0..=MAX_TARGET_MINUTES).contains(&minutes) {
        return Err(Invalid::new(
            "minutes",
            "invalid_target",
            format!("minutes is between 0 and {MAX_TARGET_MINUTES} (a year)"),
        )
        .into());
    }
    let business = Duration::from_secs(minutes.unsigned_abs() * 60);
    // Only a calendar open minutes a year, or a start near the year 9999, has none.
    let due = calendar.add_business(start, business).ok_or_else(|| {
        Invalid::new(
            "minutes",
            "due_out_of_range",
            "the due time would lie beyond the dates kefu can compute",
        )
    })?;
    let tz = calendar.time_zone().clone();
    let rfc = |t: Timestamp| {
        t.to_zoned(tz.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    };
    Ok(DuePreview {
        calendar_id: id,
        from: rfc(start),
        minutes,
        due: rfc(due),
        due_ms: due.as_millisecond(),
    })
}

/// Whether an inbox's business hours are open at `now` (`None`: the inbox keeps no
/// calendar, so it is always open). Read in the caller's transaction.
pub(crate) async fn inbox_open(
    tx: &mut kefu_store::Tx,
    inbox_id: i64,
    now: i64,
) -> AppResult<Option<bool>> {
    let Some(id) = kefu_store::inboxes::calendar_of(tx, inbox_id).await? else {
        return Ok(None);
    };
    let Some(row) = calendars::find_in_tx(tx, id).await? else {
        return Ok(None);
    };
    let calendar = row
        .to_calendar()
        .map_err(|e| AppError::Internal(format!("stored calendar {id} is invalid: {e}")))?;
    let at =
        jiff::Timestamp::from_millisecond(now).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Some(calendar.is_open(at)))
}

/// Sets the business calendar an inbox keeps hours by (admins; `None` clears it).
pub async fn set_inbox_calendar(
    app: &App,
    actor: &Actor,
    inbox_id: i64,
    calendar_id: Option<i64>,
) -> AppResult<()> {
    actor.require(Permission::ManageInboxes)?;
    let mut tx = app.db.begin().await?;
    if let Some(c) = calendar_id {
        calendars::find_in_tx(&mut tx, c)
            .await?
            .ok_or(AppError::NotFound("calendar"))?;
    }
    if kefu_store::inboxes::set_calendar(&mut tx, inbox_id, calendar_id).await? == 0 {
        return Err(AppError::NotFound("inbox"));
    }
    let detail = serde_json::json!({ "calendar_id": calendar_id }).to_string();
    kefu_store::audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "inbox.calendar_set",
        &format!("inbox:{inbox_id}"),
        &detail,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
