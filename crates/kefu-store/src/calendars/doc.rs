//! A business calendar as JSON, the way it is stored and sent over the API, and the one
//! conversion each way between that and [`BusinessCalendar`].

use kefu_domain::calendar::{
    DayHours, Holiday, WEEKDAYS, WeeklyHours, Workday, WorkdayHours, parse_date, parse_weekday,
    weekday_key,
};
use kefu_domain::{BusinessCalendar, Invalid};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Opening hours per weekday, each a list of spans such as `"09:00-12:00"`; an empty
/// list is closed that day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WeeklyHoursDoc {
    pub mon: Vec<String>,
    pub tue: Vec<String>,
    pub wed: Vec<String>,
    pub thu: Vec<String>,
    pub fri: Vec<String>,
    pub sat: Vec<String>,
    pub sun: Vec<String>,
}

impl WeeklyHoursDoc {
    fn days(&self) -> [&Vec<String>; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }

    /// The weekly hours, checked.
    pub fn parse(&self) -> Result<WeeklyHours, Invalid> {
        let mut days: [DayHours; 7] = Default::default();
        for (day, spans) in days.iter_mut().zip(self.days()) {
            *day = DayHours::parse_all("weekly_hours", spans)?;
        }
        Ok(WeeklyHours::new(days))
    }

    pub fn from_hours(w: &WeeklyHours) -> Self {
        let [mon, tue, wed, thu, fri, sat, sun] = WEEKDAYS.map(|d| w.on(d).to_strings());
        Self {
            mon,
            tue,
            wed,
            thu,
            fri,
            sat,
            sun,
        }
    }
}

/// A public holiday: closed all day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayDoc {
    /// `YYYY-MM-DD`, local to the calendar's time zone.
    pub date: String,
    pub name: String,
    /// Derived rather than taken from an official notice: check it.
    #[serde(default)]
    pub provisional: bool,
}

/// A make-up work day (调休上班): a date normally closed that is worked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkdayDoc {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub name: String,
    #[serde(default)]
    pub provisional: bool,
    /// Work the weekly hours of this weekday (`mon` … `sun`); Monday's when neither this
    /// nor `hours` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_of: Option<String>,
    /// Hours of its own, e.g. `["09:00-12:00"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Vec<String>>,
}

impl HolidayDoc {
    fn parse(&self) -> Result<Holiday, Invalid> {
        Ok(Holiday {
            date: parse_date("holidays", &self.date)?,
            name: self.name.clone(),
            provisional: self.provisional,
        })
    }
}

impl From<&Holiday> for HolidayDoc {
    fn from(h: &Holiday) -> Self {
        Self {
            date: h.date.to_string(),
            name: h.name.clone(),
            provisional: h.provisional,
        }
    }
}

impl WorkdayDoc {
    fn parse(&self) -> Result<Workday, Invalid> {
        let hours = match (&self.hours_of, &self.hours) {
            (Some(_), Some(_)) => {
                return Err(Invalid::new(
                    "workdays",
                    "hours_twice",
                    format!("{}: give hours or hours_of, not both", self.date),
                ));
            }
            (Some(day), None) => WorkdayHours::SameAs(parse_weekday("workdays", day)?),
            (None, Some(spans)) => WorkdayHours::Hours(DayHours::parse_all("workdays", spans)?),
            (None, None) => WorkdayHours::default(),
        };
        Ok(Workday {
            date: parse_date("workdays", &self.date)?,
            name: self.name.clone(),
            provisional: self.provisional,
            hours,
        })
    }
}

impl From<&Workday> for WorkdayDoc {
    fn from(w: &Workday) -> Self {
        let (hours_of, hours) = match &w.hours {
            WorkdayHours::SameAs(day) => (Some(weekday_key(*day).to_owned()), None),
            WorkdayHours::Hours(h) => (None, Some(h.to_strings())),
        };
        Self {
            date: w.date.to_string(),
            name: w.name.clone(),
            provisional: w.provisional,
            hours_of,
            hours,
        }
    }
}

/// Everything that defines a calendar's business time.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarDoc {
    pub time_zone: String,
    pub weekly_hours: WeeklyHoursDoc,
    pub holidays: Vec<HolidayDoc>,
    pub workdays: Vec<WorkdayDoc>,
}

impl CalendarDoc {
    /// The checked calendar: the one conversion from stored or posted JSON.
    pub fn parse(&self) -> Result<BusinessCalendar, Invalid> {
        let holidays = self
            .holidays
            .iter()
            .map(HolidayDoc::parse)
            .collect::<Result<_, _>>()?;
        let workdays = self
            .workdays
            .iter()
            .map(WorkdayDoc::parse)
            .collect::<Result<_, _>>()?;
        BusinessCalendar::new(
            &self.time_zone,
            self.weekly_hours.parse()?,
            holidays,
            workdays,
        )
    }

    /// A calendar written out in its normal form: dates sorted, hours as `HH:MM-HH:MM`.
    pub fn from_calendar(c: &BusinessCalendar) -> Self {
        Self {
            time_zone: c.zone().as_str().to_owned(),
            weekly_hours: WeeklyHoursDoc::from_hours(c.weekly()),
            holidays: c.holidays().map(HolidayDoc::from).collect(),
            workdays: c.workdays().map(WorkdayDoc::from).collect(),
        }
    }
}
