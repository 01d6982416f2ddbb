//! Reviews (评价): ratings and the good / medium / bad classes a store's thresholds
//! give them (中差评 open a call-back), the pictures a buyer attached, and the week a
//! review is counted in for the weekly summary of reasons.

use crate::Invalid;
use serde::Serialize;

/// Most pictures one review keeps.
pub const MAX_IMAGES: usize = 20;
const MAX_URL_CHARS: usize = 1_000;

/// A star rating from 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rating(u8);

impl Rating {
    pub fn parse(field: &'static str, value: i64) -> Result<Self, Invalid> {
        match u8::try_from(value) {
            Ok(v @ 1..=5) => Ok(Self(v)),
            _ => Err(Invalid::new(
                field,
                "invalid_rating",
                format!("a rating is 1 to 5 stars ({value} was given)"),
            )),
        }
    }

    pub fn get(self) -> i64 {
        i64::from(self.0)
    }
}

/// What a rating means for the store: good needs nothing, medium and bad are called back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RatingClass {
    Good,
    Medium,
    Bad,
}

impl RatingClass {
    pub const ALL: [RatingClass; 3] = [RatingClass::Good, RatingClass::Medium, RatingClass::Bad];

    pub fn as_str(self) -> &'static str {
        match self {
            RatingClass::Good => "good",
            RatingClass::Medium => "medium",
            RatingClass::Bad => "bad",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == input.trim().to_lowercase())
            .ok_or_else(|| Invalid::new("class", "invalid_class", "use good, medium or bad"))
    }

    /// Whether a review of this class opens a call-back (中差评回访).
    pub fn needs_callback(self) -> bool {
        self != RatingClass::Good
    }
}

/// Where a store draws its lines: `good_from` stars and up are good, `bad_to` and
/// down are bad, anything between is medium (default 4–5 good, 3 medium, 1–2 bad).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    good_from: u8,
    bad_to: u8,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            good_from: 4,
            bad_to: 2,
        }
    }
}

impl Thresholds {
    /// `bad_to` must be below `good_from`, both within 1 to 5 (medium may be empty).
    pub fn new(good_from: i64, bad_to: i64) -> Result<Self, Invalid> {
        let (g, b) = (
            Rating::parse("good_from", good_from)?,
            Rating::parse("bad_to", bad_to)?,
        );
        if b >= g {
            return Err(Invalid::new(
                "bad_to",
                "invalid_thresholds",
                "bad reviews must have fewer stars than good ones (e.g. good from 4, bad up to 2)",
            ));
        }
        Ok(Self {
            good_from: g.0,
            bad_to: b.0,
        })
    }

    pub fn good_from(self) -> i64 {
        i64::from(self.good_from)
    }

    pub fn bad_to(self) -> i64 {
        i64::from(self.bad_to)
    }

    pub fn classify(self, rating: Rating) -> RatingClass {
        if rating.0 >= self.good_from {
            RatingClass::Good
        } else if rating.0 <= self.bad_to {
            RatingClass::Bad
        } else {
            RatingClass::Medium
        }
    }
}

/// A picture's address: an http(s) URL without spaces, at most 1,000 characters.
pub fn image_url(input: &str) -> Result<String, Invalid> {
    let s = input.trim();
    let scheme_ok = s.starts_with("https://") || s.starts_with("http://");
    if !scheme_ok
        || s.chars().count() > MAX_URL_CHARS
        || s.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Invalid::new(
            "images",
            "invalid_image_url",
            "each picture is an http(s) address of at most 1,000 characters",
        ));
    }
    Ok(s.to_owned())
}

/// An ISO week (`2026-W48`, Monday to Sunday), the unit of the weekly summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek(jiff::civil::ISOWeekDate);

impl IsoWeek {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let bad = || {
            Invalid::new(
                "week",
                "invalid_week",
                format!("'{input}' is not a week; write it as 2026-W48"),
            )
        };
        let (year, week) = input.trim().split_once(['W', 'w']).ok_or_else(bad)?;
        let year: i16 = year.trim_end_matches('-').parse().map_err(|_| bad())?;
        let week: i8 = week.parse().map_err(|_| bad())?;
        jiff::civil::ISOWeekDate::new(year, week, jiff::civil::Weekday::Monday)
            .map(Self)
            .map_err(|_| bad())
    }

    /// The week an instant falls in, in a time zone.
    pub fn of(ms: i64, zone: &jiff::tz::TimeZone) -> Self {
        let ts = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let date = ts.to_zoned(zone.clone()).date().iso_week_date();
        Self(
            jiff::civil::ISOWeekDate::new(date.year(), date.week(), jiff::civil::Weekday::Monday)
                .unwrap_or(date),
        )
    }

    /// Its first and the next week's first instant in a time zone (UTC ms, half-open).
    pub fn bounds(self, zone: &jiff::tz::TimeZone) -> (i64, i64) {
        let monday = self.0.date();
        let start = |d: jiff::civil::Date| {
            d.to_zoned(zone.clone())
                .map(|z| z.timestamp().as_millisecond())
                .unwrap_or(0)
        };
        let next = monday.checked_add(jiff::ToSpan::days(7)).unwrap_or(monday);
        (start(monday), start(next))
    }

    pub fn as_string(self) -> String {
        format!("{:04}-W{:02}", self.0.year(), self.0.week())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_default_lines_are_four_and_two() {
        let t = Thresholds::default();
        let class = |r| t.classify(Rating::parse("rating", r).unwrap());
        assert_eq!(
            [class(5), class(4), class(3), class(2), class(1)],
            [
                RatingClass::Good,
                RatingClass::Good,
                RatingClass::Medium,
                RatingClass::Bad,
                RatingClass::Bad
            ]
        );
    }

    #[test]
    fn ratings_outside_one_to_five_and_crossed_lines_are_refused() {
        assert_eq!(
            Rating::parse("rating", 0).unwrap_err().code,
            "invalid_rating"
        );
        assert_eq!(
            Rating::parse("rating", 6).unwrap_err().code,
            "invalid_rating"
        );
        assert_eq!(
            Thresholds::new(3, 3).unwrap_err().code,
            "invalid_thresholds"
        );
        assert!(
            Thresholds::new(5, 4).is_ok(),
            "a strict store: 4 is already bad"
        );
    }

    #[test]
    fn weeks_are_read_and_written_the_iso_way() {
        let w = IsoWeek::parse("2026-W48").unwrap();
        assert_eq!(w.as_string(), "2026-W48");
        assert_eq!(IsoWeek::parse("2026W48").unwrap(), w);
        assert!(IsoWeek::parse("2026-W54").is_err());
        assert!(IsoWeek::parse("next week").is_err());
        let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let (from, to) = w.bounds(&shanghai);
        // Monday 23 November 2026 00:00 in Shanghai is 16:00 UTC the day before.
        assert_eq!(
            from,
            "2026-11-22T16:00:00Z"
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_millisecond()
        );
        assert_eq!(to - from, 7 * 24 * 3_600_000);
        assert_eq!(IsoWeek::of(from, &shanghai), w);
        assert_ne!(
            IsoWeek::of(from - 1, &shanghai),
            w,
            "Sunday night is last week"
        );
    }

    #[test]
    fn pictures_are_web_addresses() {
        assert!(image_url(" https://img.example.com/a.jpg ").is_ok());
        assert!(image_url("javascript:alert(1)").is_err());
        assert!(image_url("https://a b").is_err());
    }

    proptest! {
        #[test]
        fn every_rating_has_exactly_the_class_its_lines_give(good in 1i64..=5, bad in 1i64..=5, r in 1i64..=5) {
            prop_assume!(bad < good);
            let t = Thresholds::new(good, bad).unwrap();
            let class = t.classify(Rating::parse("rating", r).unwrap());
            let expected = if r >= good { RatingClass::Good } else if r <= bad { RatingClass::Bad } else { RatingClass::Medium };
            prop_assert_eq!(class, expected);
        }

        #[test]
        fn a_week_holds_every_instant_it_is_the_week_of(ms in 0i64..4_102_444_800_000) {
            for name in ["Asia/Shanghai", "America/Santiago", "Europe/London"] {
                let zone = jiff::tz::TimeZone::get(name).unwrap();
                let (from, to) = IsoWeek::of(ms, &zone).bounds(&zone);
                prop_assert!(from <= ms && ms < to, "{name}: {from} <= {ms} < {to}");
            }
        }
    }
}
