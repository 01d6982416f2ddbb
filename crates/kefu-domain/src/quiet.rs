//! Quiet hours: buyers are not contacted at night where they are (22:00 to 08:00 in
//! their time zone), and the time zone a country gives when the customer has none.

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// When the night starts and ends, in the buyer's own clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: Time,
    pub end: Time,
}

impl Default for QuietHours {
    fn default() -> Self {
        Self {
            start: Time::constant(22, 0, 0, 0),
            end: Time::constant(8, 0, 0, 0),
        }
    }
}

impl QuietHours {
    fn is_quiet(self, t: Time) -> bool {
        if self.start <= self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// The first instant at or after `ms` outside quiet hours in `zone` (UTC ms).
    pub fn next_allowed(self, ms: i64, zone: &TimeZone) -> i64 {
        let Ok(ts) = Timestamp::from_millisecond(ms) else {
            return ms;
        };
        let local = ts.to_zoned(zone.clone());
        if !self.is_quiet(local.time()) {
            return ms;
        }
        let mut day = local.date();
        if local.time() >= self.end {
            day = day.checked_add(1.day()).unwrap_or(day);
        }
        // A clock change may skip the end time; `compatible` then moves it forward.
        day.to_datetime(self.end)
            .to_zoned(zone.clone())
            .map(|z| z.timestamp().as_millisecond().max(ms))
            .unwrap_or(ms)
    }
}

/// The time zone of a country that has one (or one that nearly everyone lives in);
/// `None` for countries spread over several (the store's time zone applies then).
pub fn country_time_zone(country: &str) -> Option<&'static str> {
    const ZONES: &[(&str, &str)] = &[
        ("CN", "Asia/Shanghai"),
        ("HK", "Asia/Hong_Kong"),
        ("MO", "Asia/Macau"),
        ("TW", "Asia/Taipei"),
        ("JP", "Asia/Tokyo"),
        ("KR", "Asia/Seoul"),
        ("SG", "Asia/Singapore"),
        ("MY", "Asia/Kuala_Lumpur"),
        ("TH", "Asia/Bangkok"),
        ("VN", "Asia/Ho_Chi_Minh"),
        ("PH", "Asia/Manila"),
        ("IN", "Asia/Kolkata"),
        ("AE", "Asia/Dubai"),
        ("SA", "Asia/Riyadh"),
        ("IL", "Asia/Jerusalem"),
        ("TR", "Europe/Istanbul"),
        ("GB", "Europe/London"),
        ("IE", "Europe/Dublin"),
        ("FR", "Europe/Paris"),
        ("DE", "Europe/Berlin"),
        ("IT", "Europe/Rome"),
        ("NL", "Europe/Amsterdam"),
        ("BE", "Europe/Brussels"),
        ("CH", "Europe/Zurich"),
        ("AT", "Europe/Vienna"),
        ("PL", "Europe/Warsaw"),
        ("SE", "Europe/Stockholm"),
        ("NO", "Europe/Oslo"),
        ("DK", "Europe/Copenhagen"),
        ("FI", "Europe/Helsinki"),
        ("GR", "Europe/Athens"),
        ("CZ", "Europe/Prague"),
        ("NZ", "Pacific/Auckland"),
        ("ZA", "Africa/Johannesburg"),
        ("EG", "Africa/Cairo"),
        ("NG", "Africa/Lagos"),
        ("CL", "America/Santiago"),
        ("AR", "America/Argentina/Buenos_Aires"),
        ("CO", "America/Bogota"),
        ("PE", "America/Lima"),
    ];
    let c = country.trim().to_ascii_uppercase();
    ZONES.iter().find(|(k, _)| *k == c).map(|(_, z)| *z)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn a_late_evening_waits_for_the_morning_and_a_day_time_stays() {
        let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
        let q = QuietHours::default();
        // 23:30 in Shanghai → 08:00 the next morning.
        assert_eq!(
            q.next_allowed(at("2026-11-23T15:30:00Z"), &shanghai),
            at("2026-11-24T00:00:00Z")
        );
        // 03:00 → 08:00 the same morning.
        assert_eq!(
            q.next_allowed(at("2026-11-23T19:00:00Z"), &shanghai),
            at("2026-11-24T00:00:00Z")
        );
        // 14:00 stays.
        let day = at("2026-11-24T06:00:00Z");
        assert_eq!(q.next_allowed(day, &shanghai), day);
    }

    #[test]
    fn countries_with_one_zone_give_it() {
        assert_eq!(country_time_zone("cn"), Some("Asia/Shanghai"));
        assert_eq!(
            country_time_zone("US"),
            None,
            "several zones: the store's applies"
        );
        for (_, zone) in ["CN", "GB", "CL", "AR"].map(|c| (c, country_time_zone(c).unwrap())) {
            assert!(TimeZone::get(zone).is_ok(), "{zone} is in the database");
        }
    }

    proptest! {
        #[test]
        fn the_time_given_is_never_in_the_night_nor_before_the_asked_one(ms in 0i64..4_102_444_800_000) {
            let q = QuietHours::default();
            for name in ["Asia/Shanghai", "America/Santiago", "Europe/London", "America/New_York"] {
                let zone = TimeZone::get(name).unwrap();
                let next = q.next_allowed(ms, &zone);
                prop_assert!(next >= ms);
                prop_assert!(next - ms <= 11 * 3_600_000, "{name}: at most the night long");
                let local = Timestamp::from_millisecond(next).unwrap().to_zoned(zone.clone()).time();
                prop_assert!(!q.is_quiet(local), "{name}: {local} is quiet");
            }
        }
    }
}
