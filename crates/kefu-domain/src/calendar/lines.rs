//! Holidays and make-up work days as text, one date a line, as admins type them and as
//! the shipped calendar data is written:
//!
//! ```text
//! # comments and blank lines are skipped
//! 2026-10-01 国庆节                     a holiday
//! 2026-10-01..2026-10-07 国庆节         a holiday on each date of a range
//! 2027-02-05? 除夕                      `?`: provisional, to be checked against the official notice
//! 2026-09-20 国庆节调休                 a make-up work day with Monday's hours
//! 2026-10-10 @fri 国庆节调休            … with Friday's hours
//! 2026-10-10 @09:00-12:00 调休半天      … with hours of its own
//! ```

use super::{DayHours, Holiday, Workday, WorkdayHours, parse_date, parse_weekday, weekday_key};
use crate::Invalid;
use jiff::civil::{Date, Weekday};

/// The longest range one line may name.
const MAX_RANGE_DAYS: i32 = 366;

/// One line split into its dates, provisional mark, optional `@hours` and name.
struct Line<'a> {
    dates: Vec<Date>,
    provisional: bool,
    hours: Option<&'a str>,
    name: &'a str,
}

fn parse_line<'a>(field: &'static str, line: &'a str) -> Result<Line<'a>, Invalid> {
    let (first, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let (first, provisional) = match first.strip_suffix('?') {
        Some(f) => (f, true),
        None => (first, false),
    };
    let dates = match first.split_once("..") {
        Some((a, b)) => range(field, parse_date(field, a)?, parse_date(field, b)?)?,
        None => vec![parse_date(field, first)?],
    };
    let rest = rest.trim_start();
    let (hours, name) = match rest.strip_prefix('@') {
        Some(r) => {
            let (h, n) = r.split_once(char::is_whitespace).unwrap_or((r, ""));
            (Some(h), n.trim())
        }
        None => (None, rest.trim()),
    };
    Ok(Line {
        dates,
        provisional,
        hours,
        name,
    })
}

fn range(field: &'static str, from: Date, to: Date) -> Result<Vec<Date>, Invalid> {
    let days = (to - from).get_days();
    if to < from || days >= MAX_RANGE_DAYS {
        return Err(Invalid::new(
            field,
            "invalid_date_range",
            format!("{from}..{to} must run forward and span at most {MAX_RANGE_DAYS} days"),
        ));
    }
    Ok(from
        .series(jiff::Span::new().days(1))
        .take(days as usize + 1)
        .collect())
}

/// Each non-blank, non-comment line with its 1-based number.
fn content(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

fn at_line(n: usize, e: Invalid) -> Invalid {
    Invalid::new(e.field, e.code, format!("line {n}: {}", e.message))
}

/// Parses holiday lines. A line with `@hours` is refused: holidays are closed all day.
pub fn parse_holidays(text: &str) -> Result<Vec<Holiday>, Invalid> {
    let mut out = Vec::new();
    for (n, raw) in content(text) {
        let line = parse_line("holidays", raw).map_err(|e| at_line(n, e))?;
        if line.hours.is_some() {
            return Err(at_line(
                n,
                Invalid::new(
                    "holidays",
                    "holiday_with_hours",
                    "a holiday is closed all day; remove the @hours",
                ),
            ));
        }
        out.extend(line.dates.into_iter().map(|date| Holiday {
            date,
            name: line.name.to_owned(),
            provisional: line.provisional,
        }));
    }
    Ok(out)
}

/// Parses make-up work day lines.
pub fn parse_workdays(text: &str) -> Result<Vec<Workday>, Invalid> {
    let mut out = Vec::new();
    for (n, raw) in content(text) {
        let line = parse_line("workdays", raw).map_err(|e| at_line(n, e))?;
        let hours = match line.hours {
            None => WorkdayHours::default(),
            Some(h) if h.contains(':') => {
                WorkdayHours::Hours(DayHours::parse_line("workdays", h).map_err(|e| at_line(n, e))?)
            }
            Some(h) => {
                WorkdayHours::SameAs(parse_weekday("workdays", h).map_err(|e| at_line(n, e))?)
            }
        };
        out.extend(line.dates.into_iter().map(|date| Workday {
            date,
            name: line.name.to_owned(),
            provisional: line.provisional,
            hours: hours.clone(),
        }));
    }
    Ok(out)
}

fn date_mark(date: Date, provisional: bool) -> String {
    if provisional {
        format!("{date}?")
    } else {
        date.to_string()
    }
}

/// Holidays as lines, one date each.
pub fn format_holidays<'a>(holidays: impl IntoIterator<Item = &'a Holiday>) -> String {
    holidays
        .into_iter()
        .map(|h| format!("{} {}\n", date_mark(h.date, h.provisional), h.name))
        .collect()
}

/// Make-up work days as lines; Monday's hours, the default, are not written.
pub fn format_workdays<'a>(workdays: impl IntoIterator<Item = &'a Workday>) -> String {
    workdays
        .into_iter()
        .map(|w| {
            let hours = match &w.hours {
                WorkdayHours::SameAs(Weekday::Monday) => String::new(),
                WorkdayHours::SameAs(day) => format!(" @{}", weekday_key(*day)),
                WorkdayHours::Hours(h) => format!(" @{}", h.to_strings().join(",")),
            };
            format!("{}{hours} {}\n", date_mark(w.date, w.provisional), w.name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn holiday_lines_expand_ranges_and_keep_the_provisional_mark() {
        let text = "# 2026\n\n2026-10-01..2026-10-03 国庆节\n2027-02-05? 除夕\n";
        let h = parse_holidays(text).unwrap();
        assert_eq!(h.len(), 4);
        assert_eq!(h[2].date, date(2026, 10, 3));
        assert_eq!(h[2].name, "国庆节");
        assert!(h[3].provisional && !h[0].provisional);
        assert_eq!(
            format_holidays(&h[2..]),
            "2026-10-03 国庆节\n2027-02-05? 除夕\n"
        );
    }

    #[test]
    fn workday_lines_name_the_hours_that_apply() {
        let text =
            "2026-09-20 国庆节调休\n2026-10-10 @fri 国庆节调休\n2026-10-11 @09:00-12:00 调休半天";
        let w = parse_workdays(text).unwrap();
        assert_eq!(w[0].hours, WorkdayHours::SameAs(Weekday::Monday));
        assert_eq!(w[1].hours, WorkdayHours::SameAs(Weekday::Friday));
        assert_eq!(
            w[2].hours.clone(),
            WorkdayHours::Hours(DayHours::parse_line("h", "09:00-12:00").unwrap())
        );
        assert_eq!(format_workdays(&w), format!("{text}\n"));
    }

    #[test]
    fn bad_lines_say_which_line_and_why() {
        let e = parse_holidays("2026-10-01 国庆节\n2026-13-01 bad").unwrap_err();
        assert_eq!(e.code, "invalid_date");
        assert!(e.message.starts_with("line 2:"), "{}", e.message);
        assert_eq!(
            parse_holidays("2026-10-07..2026-10-01 x").unwrap_err().code,
            "invalid_date_range"
        );
        assert_eq!(
            parse_holidays("2026-10-01 @fri x").unwrap_err().code,
            "holiday_with_hours"
        );
        assert_eq!(
            parse_workdays("2026-10-10 @someday x").unwrap_err().code,
            "invalid_weekday"
        );
        assert_eq!(
            parse_workdays("2026-10-10 @18:00-09:00 x")
                .unwrap_err()
                .code,
            "backwards_interval"
        );
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "\\PC{0,80}") {
            let _ = parse_holidays(&s);
            let _ = parse_workdays(&s);
        }
    }
}
