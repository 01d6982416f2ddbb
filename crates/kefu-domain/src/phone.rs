//! Phone numbers normalised to E.164 with the `phonenumber` crate (libphonenumber's data).

use crate::Invalid;
use serde::Serialize;

/// A valid phone number in E.164 form, e.g. `+8613812345678`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PhoneE164(String);

impl PhoneE164 {
    /// Parses what a person typed. Numbers without `+country` are read in
    /// `default_region` (ISO 3166 alpha-2, e.g. "CN").
    pub fn parse(input: &str, default_region: &str) -> Result<Self, Invalid> {
        let bad = || {
            Invalid::new(
                "phone",
                "invalid_phone",
                format!(
                    "'{input}' is not a valid phone number; write it with its country code, e.g. +86 138 1234 5678"
                ),
            )
        };
        let trimmed = input.trim();
        if trimmed.is_empty() || trimmed.len() > 40 {
            return Err(bad());
        }
        // A number with its own country code is read on its own; the default region
        // only fills in for numbers written the local way.
        let region = if trimmed.starts_with('+') {
            None
        } else {
            default_region.parse::<phonenumber::country::Id>().ok()
        };
        let number = phonenumber::parse(region, trimmed).map_err(|_| bad())?;
        if !phonenumber::is_valid(&number) {
            return Err(bad());
        }
        Ok(Self(
            number.format().mode(phonenumber::Mode::E164).to_string(),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The national significant number's digits (`13800138000` for `+8613800138000`).
    pub fn national_digits(&self) -> String {
        phonenumber::parse(None, &self.0)
            .map(|n| n.national().value().to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_numbers_from_several_countries() {
        let cases = [
            ("138 1234 5678", "CN", "+8613812345678"),
            ("+86 138-1234-5678", "US", "+8613812345678"),
            ("(415) 555-2671", "US", "+14155552671"),
            ("+44 20 7946 0958", "CN", "+442079460958"),
            ("+7 912 345-67-89", "CN", "+79123456789"),
        ];
        for (input, region, want) in cases {
            assert_eq!(
                PhoneE164::parse(input, region).unwrap().as_str(),
                want,
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_what_is_not_a_phone_number() {
        for bad in ["", "hello", "123", "+999 1234"] {
            assert_eq!(
                PhoneE164::parse(bad, "CN").unwrap_err().code,
                "invalid_phone",
                "{bad}"
            );
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,60}") {
            let _ = PhoneE164::parse(&s, "CN");
        }

        #[test]
        fn e164_output_parses_to_itself(n in 13000000000u64..13999999999u64) {
            if let Ok(p) = PhoneE164::parse(&n.to_string(), "CN") {
                prop_assert_eq!(PhoneE164::parse(p.as_str(), "US").unwrap(), p);
            }
        }
    }
}
