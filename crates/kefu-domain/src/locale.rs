//! Languages, countries and time zones of people kefu talks to, and the UI locales it speaks.

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// The languages kefu's own screens are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum UiLocale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl UiLocale {
    pub const ALL: [UiLocale; 2] = [UiLocale::ZhCn, UiLocale::En];

    pub fn as_str(self) -> &'static str {
        match self {
            UiLocale::ZhCn => "zh-CN",
            UiLocale::En => "en",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Self::from_tag(input).ok_or_else(|| {
            Invalid::new(
                "locale",
                "invalid_locale",
                format!("'{input}' is not a supported locale; use zh-CN or en"),
            )
        })
    }

    /// The UI locale for a language tag such as `zh-Hans-CN` or `en-GB`.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(UiLocale::ZhCn),
            "en" => Some(UiLocale::En),
            _ => None,
        }
    }

    /// Picks from an `Accept-Language` header (quality values respected), falling back to zh-CN.
    pub fn negotiate(accept_language: &str) -> Self {
        let mut best: Option<(f32, UiLocale)> = None;
        for part in accept_language.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(locale) = Self::from_tag(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
}

/// A BCP 47 language tag as customers' browsers and apps report it (`en`, `zh-CN`, `ru`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct LanguageTag(String);

impl LanguageTag {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim().replace('_', "-");
        let mut parts = s.split('-');
        let primary = parts.next().unwrap_or_default();
        let ok_primary =
            (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
        let ok_rest = parts
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if !ok_primary || !ok_rest || s.len() > 35 {
            return Err(Invalid::new(
                "language",
                "invalid_language",
                format!("'{input}' is not a language tag such as en, zh-CN or ru"),
            ));
        }
        let mut out = primary.to_ascii_lowercase();
        for p in s.split('-').skip(1) {
            out.push('-');
            out.push_str(&if p.len() == 2 {
                p.to_ascii_uppercase()
            } else {
                p.to_owned()
            });
        }
        Ok(Self(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim();
        if s.len() != 2 || !s.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(Invalid::new(
                "country",
                "invalid_country",
                format!("'{input}' is not a two-letter country code such as CN, US or RU"),
            ));
        }
        Ok(Self(s.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IANA time zone name known to the bundled tz database (`Asia/Shanghai`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim();
        match jiff::tz::TimeZone::get(s) {
            Ok(_) if !s.is_empty() => Ok(Self(s.to_owned())),
            _ => Err(Invalid::new(
                "time_zone",
                "invalid_time_zone",
                format!("'{input}' is not a time zone name such as Asia/Shanghai or Europe/Moscow"),
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The local wall-clock time there now, e.g. `2026-11-23 21:05`.
    pub fn local_time_now(&self) -> Option<String> {
        let tz = jiff::tz::TimeZone::get(&self.0).ok()?;
        Some(
            jiff::Timestamp::now()
                .to_zoned(tz)
                .strftime("%Y-%m-%d %H:%M")
                .to_string(),
        )
    }

    /// Whether it is daytime there now (08:00–20:59), when calls and messages are welcome.
    pub fn is_daytime_now(&self) -> Option<bool> {
        let tz = jiff::tz::TimeZone::get(&self.0).ok()?;
        let hour = jiff::Timestamp::now().to_zoned(tz).hour();
        Some((8..21).contains(&hour))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported_locale() {
        assert_eq!(UiLocale::negotiate("en-US,en;q=0.9,zh;q=0.8"), UiLocale::En);
        assert_eq!(
            UiLocale::negotiate("fr;q=1,zh-CN;q=0.5,en;q=0.4"),
            UiLocale::ZhCn
        );
        assert_eq!(UiLocale::negotiate("de"), UiLocale::ZhCn);
        assert_eq!(UiLocale::negotiate(""), UiLocale::ZhCn);
    }

    #[test]
    fn language_tags_are_normalised() {
        assert_eq!(LanguageTag::parse("zh_cn").unwrap().as_str(), "zh-CN");
        assert_eq!(LanguageTag::parse("RU").unwrap().as_str(), "ru");
        assert!(LanguageTag::parse("english!").is_err());
    }

    #[test]
    fn countries_and_time_zones_are_checked() {
        assert_eq!(CountryCode::parse("cn").unwrap().as_str(), "CN");
        assert!(CountryCode::parse("China").is_err());
        assert!(TimeZoneName::parse("Europe/Moscow").is_ok());
        assert_eq!(
            TimeZoneName::parse("Mars/Olympus").unwrap_err().code,
            "invalid_time_zone"
        );
        assert!(
            TimeZoneName::parse("Asia/Shanghai")
                .unwrap()
                .local_time_now()
                .is_some()
        );
    }
}
