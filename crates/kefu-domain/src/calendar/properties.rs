//! Properties of business-time arithmetic on random calendars: random zones (with and
//! without clock changes), weekly hours, holidays and make-up days, instants from late
//! 2025 to early 2028, and pausable SLA clocks.

use super::*;
use crate::sla::SlaClock;
use jiff::civil::date;
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

const ZONES: [&str; 6] = [
    "Asia/Shanghai",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "America/Santiago",
    "UTC",
];

fn day_hours() -> impl Strategy<Value = DayHours> {
    // Up to four cut points on a 15-minute grid become up to two intervals.
    proptest::collection::btree_set(0u16..=96, 0..=4).prop_map(|cuts| {
        let cuts: Vec<u16> = cuts.into_iter().map(|c| c * 15).collect();
        let intervals = cuts
            .chunks_exact(2)
            .map(|p| Interval::new("h", p[0], p[1]).unwrap())
            .collect();
        DayHours::new("h", intervals).unwrap()
    })
}

fn weekly() -> impl Strategy<Value = WeeklyHours> {
    proptest::array::uniform7(day_hours()).prop_map(|mut days| {
        if days.iter().all(DayHours::is_closed) {
            days[0] = DayHours::parse_line("h", "09:00-17:00").unwrap();
        }
        WeeklyHours::new(days)
    })
}

/// Days after 2025-12-01 (the range the random instants fall in, and a little more).
fn day_offset() -> impl Strategy<Value = i32> {
    0i32..800
}

fn calendar() -> impl Strategy<Value = BusinessCalendar> {
    (
        proptest::sample::select(&ZONES[..]),
        weekly(),
        proptest::collection::btree_set(day_offset(), 0..40),
        proptest::collection::btree_set(day_offset(), 0..12),
        day_hours(),
    )
        .prop_map(|(zone, weekly, holidays, workdays, own_hours)| {
            let start = date(2025, 12, 1);
            let day = |n: i32| start.checked_add(n.days()).unwrap();
            let holidays: Vec<Holiday> = holidays
                .iter()
                .map(|&n| Holiday {
                    date: day(n),
                    name: "假日".into(),
                    provisional: false,
                })
                .collect();
            let workdays = workdays
                .iter()
                .filter(|n| !holidays.iter().any(|h| h.date == day(**n)))
                .map(|&n| Workday {
                    date: day(n),
                    name: "调休".into(),
                    provisional: false,
                    hours: if own_hours.is_closed() {
                        WorkdayHours::SameAs(open_weekday(&weekly))
                    } else {
                        WorkdayHours::Hours(own_hours.clone())
                    },
                })
                .collect();
            BusinessCalendar::new(zone, weekly, holidays, workdays).unwrap()
        })
}

fn open_weekday(weekly: &WeeklyHours) -> jiff::civil::Weekday {
    WEEKDAYS
        .into_iter()
        .find(|d| !weekly.on(*d).is_closed())
        .unwrap()
}

/// Instants from December 2025 to early 2028, to the second.
fn instant() -> impl Strategy<Value = Timestamp> {
    let from = Timestamp::from_second(1_764_547_200).unwrap().as_second(); // 2025-12-01
    (from..from + 790 * 86_400).prop_map(|s| Timestamp::from_second(s).unwrap())
}

/// Business durations up to 30 days, to the second.
fn duration() -> impl Strategy<Value = Duration> {
    (0u64..30 * 86_400).prop_map(Duration::from_secs)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn business_between_undoes_add_business(cal in calendar(), start in instant(), d in duration()) {
        let due = cal.add_business(start, d).unwrap();
        prop_assert!(due >= start);
        prop_assert_eq!(cal.business_between(start, due), d);
        if !d.is_zero() {
            prop_assert!(cal.is_open(due.checked_sub(jiff::SignedDuration::from_nanos(1)).unwrap()),
                "a due time ends open time, never sits inside closed time");
        }
    }

    #[test]
    fn add_business_undoes_business_between_up_to_closed_time(cal in calendar(), from in instant(), to in instant()) {
        let between = cal.business_between(from, to);
        let back = cal.add_business(from, between).unwrap();
        if to > from {
            prop_assert!(back <= to);
            prop_assert_eq!(cal.business_between(back, to), Duration::ZERO);
        } else {
            prop_assert_eq!(back, from);
        }
    }

    #[test]
    fn due_times_grow_with_the_target_and_the_start(cal in calendar(), s1 in instant(), s2 in instant(), d1 in duration(), d2 in duration()) {
        let (s1, s2) = (s1.min(s2), s1.max(s2));
        let (d1, d2) = (d1.min(d2), d1.max(d2));
        prop_assert!(cal.add_business(s1, d1).unwrap() <= cal.add_business(s1, d2).unwrap());
        prop_assert!(cal.add_business(s1, d1).unwrap() <= cal.add_business(s2, d1).unwrap());
    }

    #[test]
    fn business_time_adds_up_over_consecutive_spans(cal in calendar(), a in instant(), b in instant(), c in instant()) {
        let mut v = [a, b, c];
        v.sort();
        let [a, b, c] = v;
        prop_assert_eq!(cal.business_between(a, c), cal.business_between(a, b) + cal.business_between(b, c));
        prop_assert!(cal.business_between(a, b) <= cal.business_between(a, c));
    }

    #[test]
    fn next_open_is_the_first_open_instant(cal in calendar(), t in instant()) {
        let next = cal.next_open(t).unwrap();
        prop_assert!(next >= t);
        prop_assert!(cal.is_open(next));
        prop_assert_eq!(cal.business_between(t, next), Duration::ZERO);
        if cal.is_open(t) {
            prop_assert_eq!(next, t);
        }
    }

    #[test]
    fn each_date_has_its_listed_hours(cal in calendar(), n in day_offset()) {
        let day = date(2025, 12, 1).checked_add(n.days()).unwrap();
        let tz = cal.time_zone().clone();
        let start = day.to_zoned(tz.clone()).unwrap();
        let end = day.tomorrow().unwrap().to_zoned(tz).unwrap();
        let worked = cal.business_between(start.timestamp(), end.timestamp());
        let listed = Duration::from_secs(u64::from(cal.hours_on(day).minutes()) * 60);
        if cal.holidays().any(|h| h.date == day) {
            prop_assert_eq!(worked, Duration::ZERO);
        }
        // A day of exactly 24 hours had no clock change. Comparing the offsets at its two ends
        // is not enough: where the clocks spring forward at midnight (America/Santiago) the day
        // starts at 01:00 and both ends share an offset, yet its first hour never happens.
        let length = end.timestamp().duration_since(start.timestamp());
        if length == jiff::SignedDuration::from_hours(24) {
            prop_assert_eq!(worked, listed, "no clock change on {}", day);
        } else {
            let diff = worked.abs_diff(listed);
            prop_assert!(diff <= 2 * HOUR, "a clock change shifts a day by at most its size");
        }
    }

    #[test]
    fn a_running_clock_is_due_when_the_rest_of_its_target_is_used(
        cal in calendar(),
        start in instant(),
        target in duration(),
        toggles in proptest::collection::vec(0u64..5 * 86_400, 0..6),
        after in 0u64..10 * 86_400,
    ) {
        let mut clock = SlaClock::start(target, start);
        let mut t = start;
        let mut runs = vec![];
        let mut run_start = Some(start);
        for gap in toggles {
            t = t.checked_add(Duration::from_secs(gap)).unwrap();
            match run_start.take() {
                Some(s) => { clock.pause(&cal, t); runs.push((s, t)); }
                None => { clock.resume(t); run_start = Some(t); }
            }
        }
        let now = t.checked_add(Duration::from_secs(after)).unwrap();
        let mut expected: Duration = runs.iter().map(|&(a, b)| cal.business_between(a, b)).sum();
        if let Some(s) = run_start { expected += cal.business_between(s, now); }
        prop_assert_eq!(clock.consumed(&cal, now), expected);
        match (run_start, clock.due(&cal)) {
            (None, due) => prop_assert_eq!(due, None),
            (Some(_), None) => prop_assert!(false, "a running clock has a due time"),
            (Some(_), Some(due)) => {
                let consumed = clock.consumed(&cal, now);
                if consumed <= target {
                    prop_assert_eq!(cal.business_between(now, due), target - consumed);
                } else {
                    prop_assert!(due <= now);
                }
                // Whenever it is, the running spans hold exactly the target up to it.
                let mut used: Duration = runs.iter().map(|&(a, b)| cal.business_between(a, b.min(due))).sum();
                used += cal.business_between(run_start.unwrap(), due);
                prop_assert_eq!(used, target);
            }
        }
    }
}
