//! Business calendars: hand-checked dates (Shanghai with the 2026 holidays, New York and
//! Berlin across clock changes); properties on random calendars are in `properties.rs`.

use super::lines::{parse_holidays, parse_workdays};
use super::*;
use crate::sla::SlaClock;
use jiff::civil::date;
use jiff::{Timestamp, ToSpan, tz};
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);
const MINUTE: Duration = Duration::from_secs(60);

/// The State Council's 2026 arrangement, typed here from the notice independently of
/// the data file kefu ships (whose own test checks it against these same dates).
const CN_2026_HOLIDAYS: &str = "
2026-01-01..2026-01-03 元旦
2026-02-15..2026-02-23 春节
2026-04-04..2026-04-06 清明节
2026-05-01..2026-05-05 劳动节
2026-06-19..2026-06-21 端午节
2026-09-25..2026-09-27 中秋节
2026-10-01..2026-10-07 国庆节
";
const CN_2026_WORKDAYS: &str = "
2026-01-04 元旦调休
2026-02-14 春节调休
2026-02-28 春节调休
2026-05-09 劳动节调休
2026-09-20 国庆节调休
2026-10-10 国庆节调休
";

fn office() -> WeeklyHours {
    WeeklyHours::weekdays(DayHours::parse_line("h", "09:00-18:00").unwrap())
}

fn shanghai_2026() -> BusinessCalendar {
    BusinessCalendar::new(
        "Asia/Shanghai",
        office(),
        parse_holidays(CN_2026_HOLIDAYS).unwrap(),
        parse_workdays(CN_2026_WORKDAYS).unwrap(),
    )
    .unwrap()
}

fn at(zone: &str, y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
    date(y, m, d)
        .at(h, min, 0, 0)
        .to_zoned(tz::TimeZone::get(zone).unwrap())
        .unwrap()
        .timestamp()
}

fn sh(m: i8, d: i8, h: i8, min: i8) -> Timestamp {
    at("Asia/Shanghai", 2026, m, d, h, min)
}

#[test]
fn a_friday_evening_ticket_with_a_one_hour_target_is_due_monday_morning() {
    let cal = shanghai_2026();
    let opened = sh(3, 6, 17, 30); // Friday
    assert_eq!(cal.add_business(opened, HOUR), Some(sh(3, 9, 9, 30)));
    assert_eq!(cal.business_between(opened, sh(3, 9, 9, 30)), HOUR);
}

#[test]
fn national_day_is_skipped_and_the_make_up_saturday_is_worked() {
    let cal = shanghai_2026();
    // Wednesday 30 September 17:00, two hours: one that evening, one after the holiday.
    let opened = sh(9, 30, 17, 0);
    assert_eq!(cal.add_business(opened, 2 * HOUR), Some(sh(10, 8, 10, 0)));
    assert!(!cal.is_open(sh(10, 5, 10, 0)));
    assert_eq!(cal.next_open(sh(10, 1, 0, 0)), Some(sh(10, 8, 9, 0)));
    // Saturday 10 October is a make-up work day (调休) with Monday's hours.
    assert!(cal.is_open(sh(10, 10, 9, 0)));
    assert_eq!(
        cal.add_business(sh(10, 9, 17, 0), 2 * HOUR),
        Some(sh(10, 10, 10, 0))
    );
    // Sunday 20 September too, before the holiday.
    assert_eq!(
        cal.business_between(sh(9, 19, 0, 0), sh(9, 21, 0, 0)),
        9 * HOUR
    );
}

#[test]
fn spring_festival_make_up_days_and_the_nine_day_holiday() {
    let cal = shanghai_2026();
    // Friday 13 February 17:30 + 1 h: due on the make-up Saturday the 14th.
    assert_eq!(
        cal.add_business(sh(2, 13, 17, 30), HOUR),
        Some(sh(2, 14, 9, 30))
    );
    // From that Saturday's close, the next hour is after 15–23 February: Tuesday the 24th.
    assert_eq!(
        cal.add_business(sh(2, 14, 17, 30), HOUR),
        Some(sh(2, 24, 9, 30))
    );
    // Saturday 28 February is worked as well.
    assert!(cal.is_open(sh(2, 28, 12, 0)));
    assert!(!cal.is_open(sh(3, 1, 12, 0)));
}

#[test]
fn a_target_ending_at_closing_time_is_due_at_closing_time() {
    let cal = shanghai_2026();
    assert_eq!(
        cal.add_business(sh(3, 6, 17, 0), HOUR),
        Some(sh(3, 6, 18, 0))
    );
    assert_eq!(
        cal.add_business(sh(3, 6, 20, 0), Duration::ZERO),
        Some(sh(3, 6, 20, 0))
    );
}

#[test]
fn targets_run_across_the_new_year() {
    let holidays = format!("{CN_2026_HOLIDAYS}\n2027-01-01? 元旦");
    let cal = BusinessCalendar::new(
        "Asia/Shanghai",
        office(),
        parse_holidays(&holidays).unwrap(),
        vec![],
    )
    .unwrap();
    // Thursday 31 December 17:00 + 3 h: one hour then, Friday 1 January is a holiday,
    // then the weekend, so two hours on Monday 4 January 2027.
    let due = cal.add_business(sh(12, 31, 17, 0), 3 * HOUR).unwrap();
    assert_eq!(due, at("Asia/Shanghai", 2027, 1, 4, 11, 0));
}

#[test]
fn new_york_office_hours_keep_their_local_times_across_the_spring_change() {
    let cal = BusinessCalendar::new(
        "America/New_York",
        WeeklyHours::weekdays(DayHours::parse_line("h", "09:00-17:00").unwrap()),
        vec![],
        vec![],
    )
    .unwrap();
    // Friday 6 March 2026 16:00 EST + 2 h → Monday 9 March 10:00 EDT (clocks moved on
    // Sunday the 8th), which is 14:00 UTC, not 15:00.
    let due = cal.add_business(at("America/New_York", 2026, 3, 6, 16, 0), 2 * HOUR);
    assert_eq!(due, Some("2026-03-09T14:00:00Z".parse().unwrap()));
}

#[test]
fn a_skipped_hour_is_not_worked_and_a_repeated_hour_is_worked_twice() {
    let ny = "America/New_York";
    let cal = BusinessCalendar::new(
        ny,
        WeeklyHours::new(std::array::from_fn(|_| {
            DayHours::parse_line("h", "01:00-03:00").unwrap()
        })),
        vec![],
        vec![],
    )
    .unwrap();
    let day = |m, d| cal.business_between(at(ny, 2026, m, d, 0, 0), at(ny, 2026, m, d, 12, 0));
    assert_eq!(day(3, 7), 2 * HOUR);
    assert_eq!(day(3, 8), HOUR, "02:00-03:00 does not exist on 8 March");
    assert_eq!(
        day(11, 1),
        3 * HOUR,
        "01:00-02:00 happens twice on 1 November"
    );
    assert!(!cal.is_open("2026-03-08T07:00:00Z".parse().unwrap()));
    // Closing at 02:30 on the spring day: open until the clocks jump from 02:00 to 03:00.
    let half = BusinessCalendar::new(
        ny,
        WeeklyHours::new(std::array::from_fn(|_| {
            DayHours::parse_line("h", "01:30-02:30").unwrap()
        })),
        vec![],
        vec![],
    )
    .unwrap();
    let span = |m, d| half.business_between(at(ny, 2026, m, d, 0, 0), at(ny, 2026, m, d, 12, 0));
    assert_eq!(span(3, 8), 30 * MINUTE);
    assert_eq!(
        span(11, 1),
        2 * HOUR,
        "from the first 01:30 to 02:30 after the repeat"
    );
    assert!(
        cal.is_open("2026-11-01T06:30:00Z".parse().unwrap()),
        "01:30 EST"
    );
}

#[test]
fn berlin_round_the_clock_sundays_last_23_and_25_hours_at_the_changes() {
    let mut days: [DayHours; 7] = Default::default();
    days[6] = DayHours::parse_line("h", "00:00-24:00").unwrap();
    let cal =
        BusinessCalendar::new("Europe/Berlin", WeeklyHours::new(days), vec![], vec![]).unwrap();
    let week = |m, d| {
        let from = at("Europe/Berlin", 2026, m, d, 0, 0);
        cal.business_between(
            from,
            from.checked_add(8.days().to_duration(date(2026, 1, 1)).unwrap())
                .unwrap(),
        )
    };
    assert_eq!(week(3, 23), 23 * HOUR);
    assert_eq!(week(10, 19), 25 * HOUR);
    assert_eq!(week(6, 1), 24 * HOUR);
}

#[test]
fn calendars_that_could_never_open_are_refused() {
    let err =
        BusinessCalendar::new("Asia/Shanghai", WeeklyHours::default(), vec![], vec![]).unwrap_err();
    assert_eq!(err.code, "no_working_hours");
    let err = BusinessCalendar::new("Mars/Base", office(), vec![], vec![]).unwrap_err();
    assert_eq!(err.code, "invalid_time_zone");
}

#[test]
fn a_date_cannot_be_both_a_holiday_and_a_make_up_day_nor_listed_twice() {
    let h = parse_holidays("2026-10-10 国庆节").unwrap();
    let w = parse_workdays("2026-10-10 国庆节调休").unwrap();
    let err = BusinessCalendar::new("Asia/Shanghai", office(), h.clone(), w).unwrap_err();
    assert_eq!(err.code, "holiday_and_workday");
    assert!(err.message.contains("2026-10-10"));
    let twice = [h.clone(), h].concat();
    assert_eq!(
        BusinessCalendar::new("Asia/Shanghai", office(), twice, vec![])
            .unwrap_err()
            .code,
        "date_listed_twice"
    );
}

#[test]
fn make_up_days_need_hours_and_holidays_need_names() {
    let saturday_hours = parse_workdays("2026-10-10 @sat 调休").unwrap();
    assert_eq!(
        BusinessCalendar::new("Asia/Shanghai", office(), vec![], saturday_hours)
            .unwrap_err()
            .code,
        "workday_without_hours"
    );
    let unnamed = parse_holidays("2026-10-01").unwrap();
    assert_eq!(
        BusinessCalendar::new("Asia/Shanghai", office(), unnamed, vec![])
            .unwrap_err()
            .code,
        "invalid_date_name"
    );
}

#[test]
fn a_year_of_holidays_ends_the_search_at_the_first_working_day_after_it() {
    let year = parse_holidays("2026-01-01..2026-12-31 闭店").unwrap();
    let cal = BusinessCalendar::new("Asia/Shanghai", office(), year, vec![]).unwrap();
    // 1 January 2027 is a Friday.
    assert_eq!(
        cal.next_open(sh(1, 1, 0, 0)),
        Some(at("Asia/Shanghai", 2027, 1, 1, 9, 0))
    );
    assert_eq!(
        cal.add_business(sh(1, 1, 0, 0), MINUTE),
        Some(at("Asia/Shanghai", 2027, 1, 1, 9, 1))
    );
}

#[test]
fn a_paused_clock_has_no_due_time_and_resumes_with_what_was_left() {
    let cal = shanghai_2026();
    let mut clock = SlaClock::start(4 * HOUR, sh(3, 2, 9, 0)); // Monday
    clock.pause(&cal, sh(3, 2, 10, 0));
    assert_eq!(clock.due(&cal), None);
    assert_eq!(clock.consumed(&cal, sh(3, 5, 12, 0)), HOUR);
    clock.resume(sh(3, 5, 16, 0)); // Thursday: 2 h that day, 1 h on Friday.
    assert_eq!(clock.due(&cal), Some(sh(3, 6, 10, 0)));
    assert_eq!(clock.warning_at(&cal, 75), Some(sh(3, 5, 18, 0)));
}

#[test]
fn a_clock_breached_before_a_pause_keeps_its_breach_time() {
    let cal = shanghai_2026();
    let mut clock = SlaClock::start(HOUR, sh(3, 2, 9, 0));
    clock.pause(&cal, sh(3, 2, 12, 0));
    assert_eq!(clock.breached_at(), Some(sh(3, 2, 10, 0)));
    clock.resume(sh(3, 3, 9, 0));
    assert_eq!(clock.due(&cal), Some(sh(3, 2, 10, 0)));
    assert_eq!(clock.warning_at(&cal, 75), None);
}
