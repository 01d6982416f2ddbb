//! Payment reminders (催付): the store's quiet hours, read in the buyer's time zone, and
//! the buyer's zone from their country when the archive does not know it.

use crate::Invalid;
use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;

/// A wall-clock time of day, `HH:MM` (00:00 to 23:59).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime {
    minutes: u16,
}

impl ClockTime {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, Invalid> {
        let bad = || {
            Invalid::new(
                field,
                "invalid_clock_time",
                format!("'{input}' is not a time of day such as 22:00 or 08:30"),
            )
        };
        let (h, m) = input.trim().split_once(':').ok_or_else(bad)?;
        let digits = |s: &str, max: u16| {
            (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u16>().ok())
                .flatten()
                .filter(|n| *n <= max)
        };
        let (h, m) = (
            digits(h, 23).ok_or_else(bad)?,
            digits(m, 59).ok_or_else(bad)?,
        );
        Ok(Self {
            minutes: h * 60 + m,
        })
    }

    fn of(t: Time) -> Self {
        Self {
            minutes: t.hour() as u16 * 60 + t.minute() as u16,
        }
    }

    fn time(self) -> Time {
        Time::constant((self.minutes / 60) as i8, (self.minutes % 60) as i8, 0, 0)
    }
}

impl std::fmt::Display for ClockTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

/// When a store does not write to buyers: from `start` to `end` in the buyer's own time
/// zone, across midnight when `start` is later than `end` (22:00–08:00). Equal times
/// mean no quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: ClockTime,
    pub end: ClockTime,
}

/// The quiet hours a new store has: 22:00 to 08:00.
pub const DEFAULT_QUIET_HOURS: (&str, &str) = ("22:00", "08:00");

impl QuietHours {
    pub fn parse(start: &str, end: &str) -> Result<Self, Invalid> {
        Ok(Self {
            start: ClockTime::parse("quiet_hours_start", start)?,
            end: ClockTime::parse("quiet_hours_end", end)?,
        })
    }

    /// Whether a wall-clock time falls inside.
    pub fn contains(&self, t: Time) -> bool {
        let m = ClockTime::of(t);
        match self.start.cmp(&self.end) {
            std::cmp::Ordering::Equal => false,
            std::cmp::Ordering::Less => self.start <= m && m < self.end,
            std::cmp::Ordering::Greater => m >= self.start || m < self.end,
        }
    }

    /// If `now` is inside the quiet hours in `tz`, the moment they end there; `None`
    /// when it is a fine time to write. A clock change inside the night is honoured
    /// (an end time that does not exist that day is read as the moment after the gap).
    pub fn ends_after(&self, now: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let local = now.to_zoned(tz.clone());
        if !self.contains(local.time()) {
            return None;
        }
        let today = local.date();
        let end_day = if ClockTime::of(local.time()) >= self.end {
            today.tomorrow().ok()?
        } else {
            today
        };
        let end = end_day
            .to_datetime(self.end.time())
            .to_zoned(tz.clone())
            .ok()?;
        Some(end.timestamp()).filter(|t| *t > now)
    }
}

impl Default for QuietHours {
    fn default() -> Self {
        Self::parse(DEFAULT_QUIET_HOURS.0, DEFAULT_QUIET_HOURS.1).expect("valid default")
    }
}

impl QuietHours {
    /// The first instant at or after `ms` (UTC milliseconds) outside the quiet hours in `tz`.
    pub fn next_allowed(&self, ms: i64, tz: &TimeZone) -> i64 {
        Timestamp::from_millisecond(ms)
            .ok()
            .and_then(|now| self.ends_after(now, tz))
            .map_or(ms, |end| end.as_millisecond().max(ms))
    }
}

/// The main time zone of a country (its capital's, or where most people live), for
/// buyers the archive knows only the country of.
pub fn country_zone(country: &str) -> Option<&'static str> {
    let code = country.trim().to_ascii_uppercase();
    COUNTRY_ZONES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, z)| *z)
}

/// The buyer's time zone: their own if the archive has it, else their country's main
/// zone, else the store's.
pub fn buyer_zone(own: Option<&str>, country: Option<&str>, store: &str) -> TimeZone {
    own.and_then(|z| TimeZone::get(z.trim()).ok())
        .or_else(|| {
            country
                .and_then(country_zone)
                .and_then(|z| TimeZone::get(z).ok())
        })
        .or_else(|| TimeZone::get(store).ok())
        .unwrap_or(TimeZone::UTC)
}

const COUNTRY_ZONES: &[(&str, &str)] = &[
    ("AE", "Asia/Dubai"),
    ("AR", "America/Argentina/Buenos_Aires"),
    ("AT", "Europe/Vienna"),
    ("AU", "Australia/Sydney"),
    ("BD", "Asia/Dhaka"),
    ("BE", "Europe/Brussels"),
    ("BG", "Europe/Sofia"),
    ("BR", "America/Sao_Paulo"),
    ("BY", "Europe/Minsk"),
    ("CA", "America/Toronto"),
    ("CH", "Europe/Zurich"),
    ("CL", "America/Santiago"),
    ("CN", "Asia/Shanghai"),
    ("CO", "America/Bogota"),
    ("CZ", "Europe/Prague"),
    ("DE", "Europe/Berlin"),
    ("DK", "Europe/Copenhagen"),
    ("EG", "Africa/Cairo"),
    ("ES", "Europe/Madrid"),
    ("FI", "Europe/Helsinki"),
    ("FR", "Europe/Paris"),
    ("GB", "Europe/London"),
    ("GR", "Europe/Athens"),
    ("HK", "Asia/Hong_Kong"),
    ("HU", "Europe/Budapest"),
    ("ID", "Asia/Jakarta"),
    ("IE", "Europe/Dublin"),
    ("IL", "Asia/Jerusalem"),
    ("IN", "Asia/Kolkata"),
    ("IT", "Europe/Rome"),
    ("JP", "Asia/Tokyo"),
    ("KE", "Africa/Nairobi"),
    ("KR", "Asia/Seoul"),
    ("KZ", "Asia/Almaty"),
    ("MA", "Africa/Casablanca"),
    ("MN", "Asia/Ulaanbaatar"),
    ("MO", "Asia/Macau"),
    ("MX", "America/Mexico_City"),
    ("MY", "Asia/Kuala_Lumpur"),
    ("NG", "Africa/Lagos"),
    ("NL", "Europe/Amsterdam"),
    ("NO", "Europe/Oslo"),
    ("NZ", "Pacific/Auckland"),
    ("PE", "America/Lima"),
    ("PH", "Asia/Manila"),
    ("PK", "Asia/Karachi"),
    ("PL", "Europe/Warsaw"),
    ("PT", "Europe/Lisbon"),
    ("RO", "Europe/Bucharest"),
    ("RU", "Europe/Moscow"),
    ("SA", "Asia/Riyadh"),
    ("SE", "Europe/Stockholm"),
    ("SG", "Asia/Singapore"),
    ("TH", "Asia/Bangkok"),
    ("TR", "Europe/Istanbul"),
    ("TW", "Asia/Taipei"),
    ("UA", "Europe/Kyiv"),
    ("US", "America/New_York"),
    ("UZ", "Asia/Tashkent"),
    ("VN", "Asia/Ho_Chi_Minh"),
    ("ZA", "Africa/Johannesburg"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn night() -> QuietHours {
        QuietHours::parse("22:00", "08:00").unwrap()
    }

    #[test]
    fn times_of_day_are_read_strictly() {
        assert_eq!(ClockTime::parse("f", "8:05").unwrap().to_string(), "08:05");
        assert_eq!(
            ClockTime::parse("f", " 23:59 ").unwrap().to_string(),
            "23:59"
        );
        for bad in [
            "24:00", "12:60", "1200", "", "ab:cd", "-1:00", "12:5x", "123:00",
        ] {
            assert_eq!(
                ClockTime::parse("f", bad).unwrap_err().code,
                "invalid_clock_time",
                "{bad}"
            );
        }
    }

    #[test]
    fn quiet_hours_cross_midnight_and_end_the_next_morning() {
        let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
        // 23:30 in Shanghai: quiet until 08:00 the next day.
        assert_eq!(
            night().ends_after(at("2026-03-10T15:30:00Z"), &shanghai),
            Some(at("2026-03-11T00:00:00Z"))
        );
        // 06:00: quiet until 08:00 the same day.
        assert_eq!(
            night().ends_after(at("2026-03-09T22:00:00Z"), &shanghai),
            Some(at("2026-03-10T00:00:00Z"))
        );
        // 08:00 sharp and 21:59 are fine.
        assert_eq!(
            night().ends_after(at("2026-03-10T00:00:00Z"), &shanghai),
            None
        );
        assert_eq!(
            night().ends_after(at("2026-03-10T13:59:00Z"), &shanghai),
            None
        );
    }

    #[test]
    fn the_same_moment_is_night_for_one_buyer_and_day_for_another() {
        let now = at("2026-03-10T03:00:00Z");
        let moscow = TimeZone::get("Europe/Moscow").unwrap();
        let new_york = TimeZone::get("America/New_York").unwrap();
        assert_eq!(
            night().ends_after(now, &moscow),
            Some(at("2026-03-10T05:00:00Z"))
        );
        assert_eq!(
            night().ends_after(now, &new_york),
            Some(at("2026-03-10T12:00:00Z"))
        );
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        assert_eq!(night().ends_after(now, &tokyo), None, "12:00 in Tokyo");
    }

    #[test]
    fn a_clock_change_in_the_night_moves_the_end_in_utc() {
        // New York springs forward on 2026-03-08: 08:00 EDT is 12:00 UTC, not 13:00.
        let ny = TimeZone::get("America/New_York").unwrap();
        assert_eq!(
            night().ends_after(at("2026-03-08T04:00:00Z"), &ny),
            Some(at("2026-03-08T12:00:00Z"))
        );
    }

    #[test]
    fn a_window_within_one_day_and_an_empty_one() {
        let utc = TimeZone::UTC;
        let noon = QuietHours::parse("12:00", "14:00").unwrap();
        assert_eq!(
            noon.ends_after(at("2026-01-01T13:00:00Z"), &utc),
            Some(at("2026-01-01T14:00:00Z"))
        );
        assert_eq!(noon.ends_after(at("2026-01-01T14:00:00Z"), &utc), None);
        let none = QuietHours::parse("00:00", "00:00").unwrap();
        assert_eq!(none.ends_after(at("2026-01-01T03:00:00Z"), &utc), None);
    }

    #[test]
    fn the_buyer_s_zone_comes_from_them_then_their_country_then_the_store() {
        let name = |tz: TimeZone| tz.iana_name().unwrap_or_default().to_owned();
        assert_eq!(
            name(buyer_zone(Some("Asia/Tokyo"), Some("US"), "Asia/Shanghai")),
            "Asia/Tokyo"
        );
        assert_eq!(
            name(buyer_zone(None, Some("ru"), "Asia/Shanghai")),
            "Europe/Moscow"
        );
        assert_eq!(
            name(buyer_zone(Some("Mars/Base"), Some("XX"), "Asia/Shanghai")),
            "Asia/Shanghai"
        );
    }

    #[test]
    fn every_country_zone_is_in_the_bundled_database() {
        for (country, zone) in COUNTRY_ZONES {
            assert!(TimeZone::get(zone).is_ok(), "{country} → {zone}");
        }
        assert!(
            COUNTRY_ZONES.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, unique"
        );
    }

    proptest::proptest! {
        #[test]
        fn the_next_allowed_time_is_never_in_the_night_nor_before_the_asked_one(ms in 0i64..4_102_444_800_000) {
            let q = QuietHours::default();
            for name in ["Asia/Shanghai", "America/Santiago", "Europe/London", "America/New_York"] {
                let zone = TimeZone::get(name).unwrap();
                let next = q.next_allowed(ms, &zone);
                proptest::prop_assert!(next >= ms);
                proptest::prop_assert!(next - ms <= 11 * 3_600_000, "{}: at most the night long", name);
                let local = Timestamp::from_millisecond(next).unwrap().to_zoned(zone.clone()).time();
                proptest::prop_assert!(!q.contains(local), "{}: {} is quiet", name, local);
            }
        }
    }
}
