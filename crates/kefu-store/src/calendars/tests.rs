//! The shipped mainland-China calendar against the State Council's 2026 notice, and the
//! JSON form's round trip.

use super::*;
use jiff::civil::{Date, Weekday, date};

fn cn() -> BusinessCalendar {
    mainland_china().expect("the shipped calendar is valid")
}

fn dates<'a>(items: impl Iterator<Item = (&'a Date, bool)>, year: i16) -> Vec<Date> {
    items
        .filter(|(d, _)| d.year() == year)
        .map(|(d, _)| *d)
        .collect()
}

#[test]
fn the_2026_holidays_are_those_of_the_notice() {
    let cal = cn();
    let holidays = dates(cal.holidays().map(|h| (&h.date, h.provisional)), 2026);
    // 元旦 3, 春节 9, 清明 3, 劳动节 5, 端午 3, 中秋 3, 国庆 7.
    assert_eq!(holidays.len(), 33);
    for (first, last) in [
        (date(2026, 1, 1), date(2026, 1, 3)),
        (date(2026, 2, 15), date(2026, 2, 23)),
        (date(2026, 4, 4), date(2026, 4, 6)),
        (date(2026, 5, 1), date(2026, 5, 5)),
        (date(2026, 6, 19), date(2026, 6, 21)),
        (date(2026, 9, 25), date(2026, 9, 27)),
        (date(2026, 10, 1), date(2026, 10, 7)),
    ] {
        assert!(
            holidays.contains(&first) && holidays.contains(&last),
            "{first}..{last}"
        );
    }
    // The weekdays the notice names: 春节 from Sunday 15 February to Monday the 23rd …
    assert_eq!(date(2026, 2, 15).weekday(), Weekday::Sunday);
    assert_eq!(date(2026, 2, 23).weekday(), Weekday::Monday);
    assert_eq!(date(2026, 10, 7).weekday(), Weekday::Wednesday);
    assert!(
        cal.holidays()
            .filter(|h| h.date.year() == 2026)
            .all(|h| !h.provisional)
    );
}

#[test]
fn the_2026_make_up_days_are_the_notices_weekend_dates() {
    let cal = cn();
    let worked: Vec<Date> = cal.workdays().map(|w| w.date).collect();
    assert_eq!(
        worked,
        [
            date(2026, 1, 4),
            date(2026, 2, 14),
            date(2026, 2, 28),
            date(2026, 5, 9),
            date(2026, 9, 20),
            date(2026, 10, 10),
        ]
    );
    for d in worked {
        assert!(
            matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
            "{d}"
        );
        assert_eq!(cal.hours_on(d).to_string(), "09:00-18:00");
    }
}

#[test]
fn the_2027_dates_are_provisional_and_follow_the_statutory_rules() {
    let cal = cn();
    let y2027: Vec<_> = cal.holidays().filter(|h| h.date.year() == 2027).collect();
    assert!(y2027.iter().all(|h| h.provisional));
    let listed: Vec<Date> = y2027.iter().map(|h| h.date).collect();
    // Statutory days on their 2027 dates (春节 from 除夕 2027-02-05; lunar and solar-term
    // dates checked against a Chinese calendar library).
    for d in [
        date(2027, 1, 1),
        date(2027, 2, 5),
        date(2027, 2, 6),
        date(2027, 2, 7),
        date(2027, 2, 8),
        date(2027, 4, 5),
        date(2027, 5, 1),
        date(2027, 5, 2),
        date(2027, 6, 9),
        date(2027, 9, 15),
        date(2027, 10, 1),
        date(2027, 10, 2),
        date(2027, 10, 3),
    ] {
        assert!(listed.contains(&d), "{d}");
    }
    // One weekday in lieu (补假) for each statutory day on a weekend: 2 + 2 + 2.
    let statutory_on_weekends = [
        date(2027, 2, 6),
        date(2027, 2, 7),
        date(2027, 5, 1),
        date(2027, 5, 2),
        date(2027, 10, 2),
        date(2027, 10, 3),
    ];
    assert!(
        statutory_on_weekends
            .iter()
            .all(|d| matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday))
    );
    let in_lieu: Vec<_> = y2027.iter().filter(|h| h.name.ends_with("补假")).collect();
    assert_eq!(in_lieu.len(), statutory_on_weekends.len());
    assert!(
        in_lieu
            .iter()
            .all(|h| !matches!(h.date.weekday(), Weekday::Saturday | Weekday::Sunday))
    );
    assert!(cal.workdays().all(|w| w.date.year() == 2026));
}

#[test]
fn a_ticket_before_national_day_is_due_after_it() {
    let cal = cn();
    let tz = cal.time_zone().clone();
    let opened = date(2026, 9, 30)
        .at(17, 0, 0, 0)
        .to_zoned(tz.clone())
        .unwrap();
    let due = cal
        .add_business(opened.timestamp(), std::time::Duration::from_secs(2 * 3600))
        .unwrap();
    assert_eq!(
        due.to_zoned(tz).datetime(),
        date(2026, 10, 8).at(10, 0, 0, 0)
    );
}

#[test]
fn the_json_form_round_trips_in_normal_form() {
    let cal = cn();
    let doc = CalendarDoc::from_calendar(&cal);
    assert_eq!(doc.weekly_hours.mon, ["09:00-18:00"]);
    assert!(doc.weekly_hours.sat.is_empty());
    assert_eq!(doc.workdays[0].hours_of.as_deref(), Some("mon"));
    let again = doc.parse().unwrap();
    assert_eq!(CalendarDoc::from_calendar(&again), doc);
    let json = serde_json::to_string(&doc.holidays).unwrap();
    let back: Vec<HolidayDoc> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, doc.holidays);
}

#[test]
fn json_with_mistakes_is_refused_with_the_field_at_fault() {
    let mut doc = CalendarDoc::from_calendar(&cn());
    doc.workdays[0].hours = Some(vec!["09:00-12:00".into()]);
    assert_eq!(doc.parse().unwrap_err().code, "hours_twice");
    let mut doc = CalendarDoc::from_calendar(&cn());
    doc.weekly_hours.tue = vec!["09:00-12:00".into(), "11:00-13:00".into()];
    let err = doc.parse().unwrap_err();
    assert_eq!((err.field, err.code), ("weekly_hours", "overlapping_hours"));
    let mut doc = CalendarDoc::from_calendar(&cn());
    doc.holidays[0].date = "2026/01/01".into();
    assert_eq!(doc.parse().unwrap_err().code, "invalid_date");
}
