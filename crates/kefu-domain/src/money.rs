//! Money as integer minor units of an ISO 4217 currency: never floats, never mixed currencies.

use crate::Invalid;
use serde::Serialize;
use std::fmt;

/// An ISO 4217 currency code, upper case (`CNY`, `USD`, `JPY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

/// Currencies without a minor unit (ISO 4217 exponent 0).
const EXPONENT_0: [&str; 16] = [
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF",
];
/// Currencies with thousandths (ISO 4217 exponent 3).
const EXPONENT_3: [&str; 7] = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

impl Currency {
    pub const CNY: Currency = Currency(*b"CNY");

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim();
        let bytes = s.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(Invalid::new(
                "currency",
                "invalid_currency",
                format!("'{input}' is not a three-letter currency code such as CNY, USD or JPY"),
            ));
        }
        Ok(Self([
            bytes[0].to_ascii_uppercase(),
            bytes[1].to_ascii_uppercase(),
            bytes[2].to_ascii_uppercase(),
        ]))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point: 0 for JPY/KRW, 3 for BHD/KWD, 2 for most.
    pub fn exponent(self) -> u32 {
        let code = self.as_str();
        if EXPONENT_0.contains(&code) {
            0
        } else if EXPONENT_3.contains(&code) {
            3
        } else {
            2
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An amount: integer minor units (fen, cents) of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

fn bad_amount(input: &str, currency: Currency) -> Invalid {
    let places = currency.exponent();
    Invalid::new(
        "amount",
        "invalid_amount",
        format!(
            "'{input}' is not an amount in {currency}; write digits with at most {places} decimal place{}, e.g. {}",
            if places == 1 { "" } else { "s" },
            Money {
                minor: 1230 * 10_i64.pow(places) / 100,
                currency
            }
            .to_decimal()
        ),
    )
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    /// Parses a decimal amount as written in a file or form: `12.30`, `-5`, `1,299.00`,
    /// `¥12.3`. More decimals than the currency has are refused, never rounded.
    pub fn parse(input: &str, currency: Currency) -> Result<Self, Invalid> {
        let bad = || bad_amount(input, currency);
        let mut s: String = input
            .trim()
            .trim_start_matches(['¥', '￥', '$', '€', '£'])
            .chars()
            .filter(|c| *c != ',' && *c != '，' && *c != ' ')
            .collect();
        let negative = s.starts_with('-');
        if negative {
            s.remove(0);
        }
        let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
        let places = currency.exponent() as usize;
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && frac.is_empty()
            || !digits(whole)
            || !digits(frac)
            || frac.len() > places
            || (s.contains('.') && frac.is_empty())
        {
            return Err(bad());
        }
        let scale = 10_i64.pow(places as u32);
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let frac: i64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<places$}").parse().map_err(|_| bad())?
        };
        let minor = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(bad)?;
        Ok(Self {
            minor: if negative { -minor } else { minor },
            currency,
        })
    }

    /// The amount as a decimal number without the currency: `12.30`, `1200` (JPY).
    pub fn to_decimal(&self) -> String {
        let places = self.currency.exponent();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if places == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10_u64.pow(places);
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = places as usize
        )
    }

    /// The sum, if both are in the same currency and it does not overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency).then_some(())?;
        Some(Money::new(
            self.minor.checked_add(other.minor)?,
            self.currency,
        ))
    }

    /// The difference, if both are in the same currency and it does not overflow.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        (self.currency == other.currency).then_some(())?;
        Some(Money::new(
            self.minor.checked_sub(other.minor)?,
            self.currency,
        ))
    }

    /// This amount `n` times (a unit price times a quantity), if it does not overflow.
    pub fn checked_times(self, n: i64) -> Option<Money> {
        Some(Money::new(self.minor.checked_mul(n)?, self.currency))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    #[test]
    fn amounts_are_read_in_the_currency_s_minor_units() {
        assert_eq!(Money::parse("12.30", Currency::CNY).unwrap().minor, 1230);
        assert_eq!(Money::parse("12.3", Currency::CNY).unwrap().minor, 1230);
        assert_eq!(
            Money::parse("¥1,299", Currency::CNY).unwrap().minor,
            129_900
        );
        assert_eq!(Money::parse("-0.05", c("usd")).unwrap().minor, -5);
        assert_eq!(Money::parse(".5", c("EUR")).unwrap().minor, 50);
        assert_eq!(Money::parse("1200", c("JPY")).unwrap().minor, 1200);
        assert_eq!(Money::parse("1.234", c("KWD")).unwrap().minor, 1234);
    }

    #[test]
    fn more_decimals_than_the_currency_has_are_refused() {
        for (text, code) in [
            ("12.345", "CNY"),
            ("1.5", "JPY"),
            ("1.2345", "BHD"),
            ("12.", "CNY"),
            ("", "CNY"),
            ("abc", "CNY"),
            ("1.2.3", "CNY"),
            ("99999999999999999999", "CNY"),
        ] {
            let e = Money::parse(text, c(code)).unwrap_err();
            assert_eq!(e.code, "invalid_amount", "{text} {code}");
        }
    }

    #[test]
    fn currencies_have_their_iso_exponent() {
        assert_eq!(c("JPY").exponent(), 0);
        assert_eq!(c("krw").exponent(), 0);
        assert_eq!(c("CNY").exponent(), 2);
        assert_eq!(c("BHD").exponent(), 3);
        assert_eq!(c("KWD").exponent(), 3);
        assert!(Currency::parse("RMB1").is_err());
        assert!(Currency::parse("¥").is_err());
    }

    #[test]
    fn arithmetic_never_mixes_currencies() {
        let cny = Money::new(1230, Currency::CNY);
        let usd = Money::new(1230, c("USD"));
        assert_eq!(cny.checked_add(cny).unwrap().minor, 2460);
        assert!(cny.checked_add(usd).is_none());
        assert!(cny.checked_sub(usd).is_none());
        assert_eq!(cny.checked_times(3).unwrap().to_decimal(), "36.90");
        assert!(
            Money::new(i64::MAX, Currency::CNY)
                .checked_times(2)
                .is_none()
        );
        assert_eq!(Money::new(-5, c("USD")).to_decimal(), "-0.05");
        assert_eq!(Money::new(1200, c("JPY")).to_string(), "1200 JPY");
        assert_eq!(Money::new(1234, c("KWD")).to_decimal(), "1.234");
    }

    proptest! {
        #[test]
        fn writing_and_reading_an_amount_gives_it_back(minor in -1_000_000_000_000_i64..1_000_000_000_000, code in prop::sample::select(vec!["CNY", "JPY", "KWD", "USD"])) {
            let m = Money::new(minor, c(code));
            prop_assert_eq!(Money::parse(&m.to_decimal(), m.currency).unwrap(), m);
        }

        #[test]
        fn a_line_total_is_the_unit_price_times_the_quantity(unit in 0_i64..10_000_000, qty in 1_i64..10_000) {
            let total = Money::new(unit, Currency::CNY).checked_times(qty).unwrap();
            let summed = (0..qty).try_fold(Money::zero(Currency::CNY), |acc, _| acc.checked_add(Money::new(unit, Currency::CNY))).unwrap();
            prop_assert_eq!(total, summed);
        }

        #[test]
        fn any_text_is_read_or_refused_without_panicking(s in "\\PC{0,30}") {
            let _ = Money::parse(&s, Currency::CNY);
            let _ = Currency::parse(&s);
        }
    }
}
