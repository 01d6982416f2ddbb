//! Email addresses, checked at the edge and stored lower-cased in the domain part.

use crate::Invalid;
use serde::Serialize;

/// A syntactically plausible email address (`local@domain.tld`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let bad = |why: &str| {
            Invalid::new(
                "email",
                "invalid_email",
                format!("'{input}' is not a valid email address: {why}"),
            )
        };
        let s = input.trim();
        if s.is_empty() || s.len() > 254 {
            return Err(bad("it must be 1 to 254 characters"));
        }
        if s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\\\"".contains(c))
        {
            return Err(bad(
                "it contains spaces or characters not allowed in an address",
            ));
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(|| bad("it has no '@'"))?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(bad("the part before '@' is empty or too long"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels
                .iter()
                .any(|l| l.is_empty() || l.len() > 63 || l.starts_with('-') || l.ends_with('-'))
        {
            return Err(bad("the domain after '@' is not a valid host name"));
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        assert_eq!(
            EmailAddress::parse(" Li.Wei@Example.COM ")
                .unwrap()
                .as_str(),
            "Li.Wei@example.com"
        );
        assert!(EmailAddress::parse("buyer+tag@shop.co.uk").is_ok());
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "no-at-sign",
            "@example.com",
            "a@b",
            "a b@example.com",
            "a@-x.com",
            "a@x..com",
            "<a@x.com>",
        ] {
            let err = EmailAddress::parse(bad).unwrap_err();
            assert_eq!(err.code, "invalid_email", "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parsing_is_idempotent(local in "[a-z0-9._+-]{1,20}", domain in "[a-z0-9]{1,10}\\.[a-z]{2,5}") {
            let first = EmailAddress::parse(&format!("{local}@{domain}")).unwrap();
            let second = EmailAddress::parse(first.as_str()).unwrap();
            prop_assert_eq!(first, second);
        }

        #[test]
        fn never_panics(s in ".{0,300}") {
            let _ = EmailAddress::parse(&s);
        }
    }
}
