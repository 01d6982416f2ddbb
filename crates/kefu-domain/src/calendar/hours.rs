//! Opening hours within one day (`09:00-12:00`, `13:30-18:00`) and a week of them.

use crate::Invalid;
use jiff::civil::Weekday;
use std::fmt;

/// Minutes in a day; an interval may end at 24:00 (the next midnight).
pub const DAY_MINUTES: u16 = 24 * 60;

/// Monday first, as weekly hours are listed.
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

const WEEKDAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The short key of a weekday (`mon` … `sun`), as stored and written in forms.
pub fn weekday_key(day: Weekday) -> &'static str {
    WEEKDAY_KEYS[day.to_monday_zero_offset() as usize]
}

/// A weekday from its key (`mon`) or English name (`Monday`), any case.
pub fn parse_weekday(field: &'static str, input: &str) -> Result<Weekday, Invalid> {
    let s = input.trim().to_ascii_lowercase();
    WEEKDAYS
        .into_iter()
        .find(|d| {
            let key = weekday_key(*d);
            s == key || (s.len() > 3 && format!("{d:?}").eq_ignore_ascii_case(&s))
        })
        .ok_or_else(|| {
            Invalid::new(
                field,
                "invalid_weekday",
                format!("'{input}' is not a weekday; use mon, tue, wed, thu, fri, sat or sun"),
            )
        })
}

/// A span of local clock time within one day, `start` < `end`, in minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    start: u16,
    end: u16,
}

impl Interval {
    /// An interval from minute `start` to minute `end` (at most 1440, i.e. 24:00).
    pub fn new(field: &'static str, start: u16, end: u16) -> Result<Self, Invalid> {
        if start >= end || end > DAY_MINUTES {
            return Err(Invalid::new(
                field,
                "backwards_interval",
                format!(
                    "{}-{} ends before it starts; write hours like 09:00-18:00",
                    clock(start.min(DAY_MINUTES)),
                    clock(end.min(DAY_MINUTES))
                ),
            ));
        }
        Ok(Self { start, end })
    }

    /// Parses `09:00-18:00` (also `9:00–18:00` with an en dash or `~`; `24:00` ends the day).
    pub fn parse(field: &'static str, input: &str) -> Result<Self, Invalid> {
        let bad = || {
            Invalid::new(
                field,
                "invalid_hours",
                format!("'{input}' is not a span of hours such as 09:00-18:00"),
            )
        };
        let (a, b) = input.trim().split_once(['-', '–', '~']).ok_or_else(bad)?;
        let start = parse_clock(a).ok_or_else(bad)?;
        let end = parse_clock(b).ok_or_else(bad)?;
        Self::new(field, start, end)
    }

    pub fn start_minute(self) -> u16 {
        self.start
    }

    pub fn end_minute(self) -> u16 {
        self.end
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", clock(self.start), clock(self.end))
    }
}

fn clock(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// `HH:MM` (or `H:MM`) as minutes after midnight; `24:00` is the only hour-24 time.
fn parse_clock(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// The hours of one day: intervals in order that do not overlap (touching is fine).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DayHours(Vec<Interval>);

/// Closed all day.
pub static CLOSED: DayHours = DayHours(Vec::new());

impl DayHours {
    /// Sorts the intervals and refuses overlapping ones.
    pub fn new(field: &'static str, mut intervals: Vec<Interval>) -> Result<Self, Invalid> {
        intervals.sort();
        for pair in intervals.windows(2) {
            if pair[1].start < pair[0].end {
                return Err(Invalid::new(
                    field,
                    "overlapping_hours",
                    format!("{} overlaps {}", pair[0], pair[1]),
                ));
            }
        }
        Ok(Self(intervals))
    }

    /// Parses a list such as `["09:00-12:00", "13:30-18:00"]`.
    pub fn parse_all<S: AsRef<str>>(field: &'static str, items: &[S]) -> Result<Self, Invalid> {
        let intervals = items
            .iter()
            .map(|s| Interval::parse(field, s.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(field, intervals)
    }

    /// Parses one line of comma-separated spans (`09:00-12:00, 13:30-18:00`); blank is closed.
    pub fn parse_line(field: &'static str, line: &str) -> Result<Self, Invalid> {
        let items: Vec<&str> = line
            .split([',', '，', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        Self::parse_all(field, &items)
    }

    pub fn intervals(&self) -> &[Interval] {
        &self.0
    }

    pub fn is_closed(&self) -> bool {
        self.0.is_empty()
    }

    /// Open minutes on a day without clock changes.
    pub fn minutes(&self) -> u32 {
        self.0.iter().map(|i| u32::from(i.end - i.start)).sum()
    }

    /// The spans as text (`09:00-12:00`), in order.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(Interval::to_string).collect()
    }
}

impl fmt::Display for DayHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_strings().join(", "))
    }
}

/// Opening hours for each weekday, Monday first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeeklyHours([DayHours; 7]);

impl WeeklyHours {
    pub fn new(days: [DayHours; 7]) -> Self {
        Self(days)
    }

    /// The same hours Monday to Friday, closed at weekends.
    pub fn weekdays(hours: DayHours) -> Self {
        let mut days: [DayHours; 7] = Default::default();
        for day in days.iter_mut().take(5) {
            *day = hours.clone();
        }
        Self(days)
    }

    pub fn on(&self, day: Weekday) -> &DayHours {
        &self.0[day.to_monday_zero_offset() as usize]
    }

    /// Open minutes in a week without clock changes or holidays.
    pub fn minutes_per_week(&self) -> u32 {
        self.0.iter().map(DayHours::minutes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn intervals_parse_and_print_in_one_form() {
        let i = Interval::parse("h", " 9:00 – 18:30 ").unwrap();
        assert_eq!(i.to_string(), "09:00-18:30");
        assert_eq!(
            Interval::parse("h", "00:00-24:00").unwrap().end_minute(),
            1440
        );
        for bad in [
            "",
            "9-18",
            "09:00",
            "25:00-26:00",
            "09:60-10:00",
            "24:30-24:40",
        ] {
            assert_eq!(
                Interval::parse("h", bad).unwrap_err().code,
                "invalid_hours",
                "{bad}"
            );
        }
        assert_eq!(
            Interval::parse("h", "18:00-09:00").unwrap_err().code,
            "backwards_interval"
        );
        assert_eq!(
            Interval::parse("h", "09:00-09:00").unwrap_err().code,
            "backwards_interval"
        );
    }

    #[test]
    fn day_hours_are_sorted_and_refuse_overlaps() {
        let day = DayHours::parse_line("h", "13:30-18:00, 09:00-12:00").unwrap();
        assert_eq!(day.to_string(), "09:00-12:00, 13:30-18:00");
        assert_eq!(day.minutes(), 3 * 60 + 4 * 60 + 30);
        assert!(DayHours::parse_line("h", "09:00-12:00,12:00-13:00").is_ok());
        let err = DayHours::parse_line("h", "09:00-12:00, 11:00-13:00").unwrap_err();
        assert_eq!(err.code, "overlapping_hours");
        assert!(err.message.contains("09:00-12:00 overlaps 11:00-13:00"));
        assert!(DayHours::parse_line("h", "  ").unwrap().is_closed());
    }

    #[test]
    fn weekdays_have_keys_and_names() {
        for day in WEEKDAYS {
            assert_eq!(parse_weekday("d", weekday_key(day)).unwrap(), day);
        }
        assert_eq!(parse_weekday("d", "Saturday").unwrap(), Weekday::Saturday);
        assert_eq!(
            parse_weekday("d", "mo").unwrap_err().code,
            "invalid_weekday"
        );
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in ".{0,40}") {
            let _ = Interval::parse("h", &s);
            let _ = DayHours::parse_line("h", &s);
        }

        #[test]
        fn printed_intervals_parse_back(a in 0u16..1440, len in 1u16..1440) {
            let end = (a + len).min(1440);
            prop_assume!(end > a);
            let i = Interval::new("h", a, end).unwrap();
            prop_assert_eq!(Interval::parse("h", &i.to_string()).unwrap(), i);
        }
    }
}
