//! Business calendars: rows, and the mainland-China calendar kefu ships as its default.
//! A row becomes a [`BusinessCalendar`] through [`CalendarRow::to_calendar`], cheap enough
//! for an SLA engine that caches calendars and reloads one when `calendar.updated` arrives.

mod doc;

pub use doc::{CalendarDoc, HolidayDoc, WeeklyHoursDoc, WorkdayDoc};

use crate::schema::BusinessCalendars;
use crate::{Db, JsonText, StoreResult, Tx};
use kefu_domain::calendar::lines::{parse_holidays, parse_workdays};
use kefu_domain::calendar::{DayHours, WeeklyHours};
use kefu_domain::{BusinessCalendar, Invalid};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct CalendarRow {
        pub id: i64,
        pub name: String,
        /// IANA time zone, e.g. `Asia/Shanghai`.
        pub time_zone: String,
        #[schema(value_type = WeeklyHoursDoc)]
        pub weekly_hours: JsonText<WeeklyHoursDoc>,
        #[schema(value_type = Vec<HolidayDoc>)]
        pub holidays: JsonText<Vec<HolidayDoc>>,
        #[schema(value_type = Vec<WorkdayDoc>)]
        pub workdays: JsonText<Vec<WorkdayDoc>>,
        /// The calendar new SLA policies use unless told otherwise (exactly one is).
        pub is_default: bool,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

impl CalendarRow {
    pub fn doc(&self) -> CalendarDoc {
        CalendarDoc {
            time_zone: self.time_zone.clone(),
            weekly_hours: self.weekly_hours.0.clone(),
            holidays: self.holidays.0.clone(),
            workdays: self.workdays.0.clone(),
        }
    }

    /// The calendar this row describes (rows are checked when written, so this fails
    /// only if the database was edited by hand).
    pub fn to_calendar(&self) -> Result<BusinessCalendar, Invalid> {
        self.doc().parse()
    }
}

const COLUMNS: [BusinessCalendars; 9] = [
    BusinessCalendars::Id,
    BusinessCalendars::Name,
    BusinessCalendars::TimeZone,
    BusinessCalendars::WeeklyHours,
    BusinessCalendars::Holidays,
    BusinessCalendars::Workdays,
    BusinessCalendars::IsDefault,
    BusinessCalendars::CreatedAt,
    BusinessCalendars::UpdatedAt,
];

/// The values of a calendar's defining columns, in the order of `COLUMNS[2..6]`.
fn doc_values(doc: &CalendarDoc) -> [sea_query::Expr; 4] {
    [
        doc.time_zone.as_str().into(),
        JsonText(&doc.weekly_hours).to_text().into(),
        JsonText(&doc.holidays).to_text().into(),
        JsonText(&doc.workdays).to_text().into(),
    ]
}

/// The statement adding a calendar (also used by the migration that seeds the default).
pub(crate) fn insert_statement(
    name: &str,
    doc: &CalendarDoc,
    is_default: bool,
    now: i64,
) -> sea_query::InsertStatement {
    let [zone, weekly, holidays, workdays] = doc_values(doc);
    Query::insert()
        .into_table(BusinessCalendars::Table)
        .columns(COLUMNS[1..].iter().copied())
        .values_panic([
            name.into(),
            zone,
            weekly,
            holidays,
            workdays,
            is_default.into(),
            now.into(),
            now.into(),
        ])
        .take()
}

pub async fn insert(
    tx: &mut Tx,
    name: &str,
    doc: &CalendarDoc,
    now: i64,
) -> StoreResult<CalendarRow> {
    tx.fetch_one(
        &insert_statement(name, doc, false, now)
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

pub async fn update(
    tx: &mut Tx,
    id: i64,
    name: &str,
    doc: &CalendarDoc,
    now: i64,
) -> StoreResult<CalendarRow> {
    let [zone, weekly, holidays, workdays] = doc_values(doc);
    tx.fetch_one(
        &Query::update()
            .table(BusinessCalendars::Table)
            .value(BusinessCalendars::Name, name)
            .value(BusinessCalendars::TimeZone, zone)
            .value(BusinessCalendars::WeeklyHours, weekly)
            .value(BusinessCalendars::Holidays, holidays)
            .value(BusinessCalendars::Workdays, workdays)
            .value(BusinessCalendars::UpdatedAt, now)
            .and_where(Expr::col(BusinessCalendars::Id).eq(id))
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

/// Makes `id` the one default calendar.
pub async fn set_default(tx: &mut Tx, id: i64, now: i64) -> StoreResult<CalendarRow> {
    tx.execute(
        &Query::update()
            .table(BusinessCalendars::Table)
            .value(BusinessCalendars::IsDefault, false)
            .value(BusinessCalendars::UpdatedAt, now)
            .and_where(Expr::col(BusinessCalendars::IsDefault).eq(true))
            .and_where(Expr::col(BusinessCalendars::Id).ne(id))
            .take(),
    )
    .await?;
    tx.fetch_one(
        &Query::update()
            .table(BusinessCalendars::Table)
            .value(BusinessCalendars::IsDefault, true)
            .value(BusinessCalendars::UpdatedAt, now)
            .and_where(Expr::col(BusinessCalendars::Id).eq(id))
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

pub async fn delete(tx: &mut Tx, id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::delete()
            .from_table(BusinessCalendars::Table)
            .and_where(Expr::col(BusinessCalendars::Id).eq(id))
            .take(),
    )
    .await
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(BusinessCalendars::Table)
        .take()
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<CalendarRow>> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col(BusinessCalendars::Id).eq(id))
            .take(),
    )
    .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<CalendarRow>> {
    tx.fetch_optional(
        &select()
            .and_where(Expr::col(BusinessCalendars::Id).eq(id))
            .take(),
    )
    .await
}

/// The default calendar (migration 8 seeds one; it cannot be deleted).
pub async fn find_default(db: &Db) -> StoreResult<Option<CalendarRow>> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col(BusinessCalendars::IsDefault).eq(true))
            .take(),
    )
    .await
}

/// Every calendar, the default first, then by name.
pub async fn list(db: &Db) -> StoreResult<Vec<CalendarRow>> {
    db.fetch_all(
        &select()
            .order_by(BusinessCalendars::IsDefault, Order::Desc)
            .order_by(BusinessCalendars::Name, Order::Asc)
            .take(),
    )
    .await
}

/// The name of the calendar migration 8 seeds.
pub const MAINLAND_CHINA: &str = "中国大陆 Mainland China";

/// Mainland China: Monday to Friday 09:00–18:00 in Asia/Shanghai, with the public holidays
/// and make-up work days in `data/cn-*.txt` (2026 official, 2027 provisional).
pub fn mainland_china() -> Result<BusinessCalendar, Invalid> {
    BusinessCalendar::new(
        "Asia/Shanghai",
        WeeklyHours::weekdays(DayHours::parse_line("weekly_hours", "09:00-18:00")?),
        parse_holidays(include_str!("../../data/cn-holidays.txt"))?,
        parse_workdays(include_str!("../../data/cn-workdays.txt"))?,
    )
}

#[cfg(test)]
mod tests;
