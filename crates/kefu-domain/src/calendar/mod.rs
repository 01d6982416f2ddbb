//! Business calendars: a time zone, weekly opening hours, public holidays and make-up
//! work days (调休), and business-time arithmetic on them (see `arith.rs`).

mod arith;
mod hours;
pub mod lines;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

pub use hours::{
    DAY_MINUTES, DayHours, Interval, WEEKDAYS, WeeklyHours, parse_weekday, weekday_key,
};

use crate::{Invalid, TimeZoneName};
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use std::collections::BTreeMap;

/// Most dated entries a calendar holds (holidays and make-up days together): decades of
/// holidays, and a bound on how far the arithmetic has to look ahead.
pub const MAX_DATED_ENTRIES: usize = 3_000;

/// Dates a calendar may list.
const FIRST_YEAR: i16 = 1970;
const LAST_YEAR: i16 = 2200;

/// A day closed all day, e.g. 国庆节.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub date: Date,
    pub name: String,
    /// Derived rather than taken from an official notice; an admin should check it.
    pub provisional: bool,
}

/// A day normally closed that is worked (调休上班), with the hours that apply. Listed on a
/// day that is normally open, its hours replace that day's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workday {
    pub date: Date,
    pub name: String,
    pub provisional: bool,
    pub hours: WorkdayHours,
}

/// Which hours a make-up work day has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkdayHours {
    /// The weekly hours of that weekday (by default Monday's).
    SameAs(Weekday),
    /// Hours of its own.
    Hours(DayHours),
}

impl Default for WorkdayHours {
    fn default() -> Self {
        WorkdayHours::SameAs(Weekday::Monday)
    }
}

/// A validated business calendar. Build one with [`BusinessCalendar::new`]; every value
/// of this type is open at some time in every week, so its arithmetic always ends.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    zone: TimeZoneName,
    tz: TimeZone,
    weekly: WeeklyHours,
    holidays: BTreeMap<Date, Holiday>,
    workdays: BTreeMap<Date, (Workday, DayHours)>,
}

impl BusinessCalendar {
    /// Checks and builds a calendar: a known IANA zone, some weekly hours, each date
    /// listed once, no date both a holiday and a make-up day, and make-up days that
    /// have hours.
    pub fn new(
        zone: &str,
        weekly: WeeklyHours,
        holidays: Vec<Holiday>,
        workdays: Vec<Workday>,
    ) -> Result<Self, Invalid> {
        let zone = TimeZoneName::parse(zone)?;
        let tz = TimeZone::get(zone.as_str())
            .map_err(|_| Invalid::new("time_zone", "invalid_time_zone", "unknown time zone"))?;
        if weekly.minutes_per_week() == 0 {
            return Err(Invalid::new(
                "weekly_hours",
                "no_working_hours",
                "the calendar is never open: give working hours on at least one weekday",
            ));
        }
        if holidays.len() + workdays.len() > MAX_DATED_ENTRIES {
            return Err(Invalid::new(
                "holidays",
                "too_many_dates",
                format!("a calendar lists at most {MAX_DATED_ENTRIES} holidays and make-up days"),
            ));
        }
        let mut by_date = BTreeMap::new();
        for mut h in holidays {
            h.name = check_entry("holidays", h.date, &h.name)?;
            let date = h.date;
            if by_date.insert(date, h).is_some() {
                return Err(twice("holidays", date));
            }
        }
        let mut worked = BTreeMap::new();
        for mut w in workdays {
            w.name = check_entry("workdays", w.date, &w.name)?;
            if by_date.contains_key(&w.date) {
                return Err(Invalid::new(
                    "workdays",
                    "holiday_and_workday",
                    format!(
                        "{} is listed both as a holiday and as a make-up work day",
                        w.date
                    ),
                ));
            }
            let hours = match &w.hours {
                WorkdayHours::SameAs(day) => weekly.on(*day).clone(),
                WorkdayHours::Hours(h) => h.clone(),
            };
            if hours.is_closed() {
                return Err(Invalid::new(
                    "workdays",
                    "workday_without_hours",
                    format!(
                        "make-up work day {} has no hours: give them, or the weekday whose hours apply",
                        w.date
                    ),
                ));
            }
            let date = w.date;
            if worked.insert(date, (w, hours)).is_some() {
                return Err(twice("workdays", date));
            }
        }
        Ok(Self {
            zone,
            tz,
            weekly,
            holidays: by_date,
            workdays: worked,
        })
    }

    pub fn zone(&self) -> &TimeZoneName {
        &self.zone
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    pub fn weekly(&self) -> &WeeklyHours {
        &self.weekly
    }

    /// Holidays in date order.
    pub fn holidays(&self) -> impl Iterator<Item = &Holiday> {
        self.holidays.values()
    }

    /// Make-up work days in date order.
    pub fn workdays(&self) -> impl Iterator<Item = &Workday> {
        self.workdays.values().map(|(w, _)| w)
    }

    /// The hours open on a local date: none on a holiday, a make-up day's own, else the week's.
    pub fn hours_on(&self, date: Date) -> &DayHours {
        if self.holidays.contains_key(&date) {
            return &hours::CLOSED;
        }
        match self.workdays.get(&date) {
            Some((_, hours)) => hours,
            None => self.weekly.on(date.weekday()),
        }
    }

    /// How many dated entries there are (bounds the arithmetic's look-ahead).
    fn dated_entries(&self) -> usize {
        self.holidays.len() + self.workdays.len()
    }
}

/// The entry's name, trimmed, once its date and name are acceptable.
fn check_entry(field: &'static str, date: Date, name: &str) -> Result<String, Invalid> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        return Err(Invalid::new(
            field,
            "date_out_of_range",
            format!("{date} is outside the years {FIRST_YEAR} to {LAST_YEAR}"),
        ));
    }
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 60 || n.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            "invalid_date_name",
            format!("{date} needs a name of 1 to 60 characters (e.g. 国庆节)"),
        ));
    }
    Ok(n.to_owned())
}

fn twice(field: &'static str, date: Date) -> Invalid {
    Invalid::new(
        field,
        "date_listed_twice",
        format!("{date} is listed twice"),
    )
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(field: &'static str, input: &str) -> Result<Date, Invalid> {
    let s = input.trim();
    let ok = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    ok.then(|| s.parse::<Date>().ok()).flatten().ok_or_else(|| {
        Invalid::new(
            field,
            "invalid_date",
            format!("'{input}' is not a date written YYYY-MM-DD"),
        )
    })
}
