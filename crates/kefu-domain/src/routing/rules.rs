//! Routing rules' conditions and the facts of a new conversation they are checked against.

use super::LanguageCode;
use crate::Invalid;
use serde::{Deserialize, Serialize};

/// The most keywords one rule can list.
pub const MAX_KEYWORDS: usize = 50;
/// The most entries any other condition list can hold.
const MAX_ENTRIES: usize = 50;

/// What a rule looks at. An empty list means "any"; a conversation matches a list when
/// it matches one entry, and matches the rule when it matches every non-empty list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conditions {
    /// Inboxes the conversation arrived in.
    #[serde(default)]
    pub inbox_ids: Vec<i64>,
    /// Languages detected in the first message (ISO 639 codes: zh, en, ru …).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Ticket types (inquiry, complaint, after_sales …).
    #[serde(default)]
    pub ticket_types: Vec<String>,
    /// Customer levels (the contact's member level, e.g. trading).
    #[serde(default)]
    pub member_levels: Vec<String>,
    /// Words or phrases, any of which in the first message matches (ignoring case).
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// What is known about a new conversation when it is routed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub inbox_id: i64,
    /// The language detected in the first message, when it could be told.
    pub language: Option<String>,
    pub ticket_type: Option<String>,
    pub member_level: Option<String>,
    /// The first message, lower case (set with [`Facts::with_text`]).
    text: String,
}

impl Facts {
    pub fn new(inbox_id: i64) -> Self {
        Self {
            inbox_id,
            ..Self::default()
        }
    }

    /// The first message, kept in lower case for keyword matching.
    pub fn with_text(mut self, text: &str) -> Self {
        self.text = text.to_lowercase();
        self
    }
}

fn one_of(list: &[String], fact: Option<&str>) -> bool {
    list.is_empty() || fact.is_some_and(|f| list.iter().any(|x| x == f))
}

fn bounded(
    field: &'static str,
    max_chars: usize,
    inputs: &[String],
    lower: bool,
) -> Result<Vec<String>, Invalid> {
    let mut out = Vec::new();
    for input in inputs {
        let s = input.trim();
        let s = if lower {
            s.to_lowercase()
        } else {
            s.to_owned()
        };
        let chars = s.chars().count();
        if chars == 0 || chars > max_chars || s.chars().any(char::is_control) {
            return Err(Invalid::new(
                field,
                "invalid_condition",
                format!(
                    "'{}' cannot be a condition: use 1 to {max_chars} characters",
                    input.trim()
                ),
            ));
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    let max = if field == "keywords" {
        MAX_KEYWORDS
    } else {
        MAX_ENTRIES
    };
    if out.len() > max {
        return Err(Invalid::new(
            field,
            "too_many_conditions",
            format!("list at most {max} entries"),
        ));
    }
    Ok(out)
}

impl Conditions {
    /// Checks and normalises conditions as they arrive (languages and keywords lower
    /// case, duplicates dropped). Whether inboxes and member levels exist is the
    /// caller's to check.
    pub fn parse(self) -> Result<Self, Invalid> {
        let mut inbox_ids = self.inbox_ids;
        inbox_ids.sort_unstable();
        inbox_ids.dedup();
        if inbox_ids.len() > MAX_ENTRIES {
            return Err(Invalid::new(
                "inbox_ids",
                "too_many_conditions",
                format!("list at most {MAX_ENTRIES} entries"),
            ));
        }
        let mut languages = self
            .languages
            .iter()
            .map(|l| LanguageCode::parse(l).map(|l| l.as_str().to_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        languages.dedup();
        Ok(Self {
            inbox_ids,
            languages: bounded("languages", 3, &languages, true)?,
            ticket_types: bounded("ticket_types", 40, &self.ticket_types, false)?,
            member_levels: bounded("member_levels", 40, &self.member_levels, false)?,
            keywords: bounded("keywords", 50, &self.keywords, true)?,
        })
    }

    /// Whether a conversation with these facts matches.
    pub fn matches(&self, facts: &Facts) -> bool {
        (self.inbox_ids.is_empty() || self.inbox_ids.contains(&facts.inbox_id))
            && one_of(&self.languages, facts.language.as_deref())
            && one_of(&self.ticket_types, facts.ticket_type.as_deref())
            && one_of(&self.member_levels, facts.member_level.as_deref())
            && (self.keywords.is_empty() || self.keywords.iter().any(|k| facts.text.contains(k)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn empty_conditions_match_everything() {
        assert!(Conditions::default().matches(&Facts::new(3).with_text("hi")));
    }

    #[test]
    fn every_non_empty_condition_must_match() {
        let c = Conditions {
            inbox_ids: vec![1, 2],
            languages: strings(&["en"]),
            member_levels: strings(&["trading"]),
            ..Conditions::default()
        };
        let mut facts = Facts::new(2);
        facts.language = Some("en".into());
        facts.member_level = Some("trading".into());
        assert!(c.matches(&facts));
        facts.member_level = None;
        assert!(
            !c.matches(&facts),
            "an unknown level does not match a level list"
        );
        facts.member_level = Some("trading".into());
        facts.inbox_id = 9;
        assert!(!c.matches(&facts));
    }

    #[test]
    fn keywords_match_anywhere_ignoring_case() {
        let c = Conditions {
            keywords: strings(&["refund", "退款"]),
            ..Conditions::default()
        }
        .parse()
        .unwrap();
        assert!(c.matches(&Facts::new(1).with_text("I want a REFUND please")));
        assert!(c.matches(&Facts::new(1).with_text("我要退款")));
        assert!(!c.matches(&Facts::new(1).with_text("where is my parcel")));
    }

    #[test]
    fn a_ticket_type_condition_is_checked_like_the_others() {
        let c = Conditions {
            ticket_types: strings(&["complaint"]),
            ..Conditions::default()
        };
        let mut facts = Facts::new(1);
        assert!(!c.matches(&facts));
        facts.ticket_type = Some("complaint".into());
        assert!(c.matches(&facts));
    }

    #[test]
    fn parsing_normalises_and_refuses_bad_entries() {
        let c = Conditions {
            inbox_ids: vec![3, 1, 3],
            languages: strings(&["EN", "en", "zh"]),
            keywords: strings(&[" Refund ", "refund"]),
            ..Conditions::default()
        }
        .parse()
        .unwrap();
        assert_eq!(c.inbox_ids, vec![1, 3]);
        assert_eq!(c.languages, strings(&["en", "zh"]));
        assert_eq!(c.keywords, strings(&["refund"]));
        let bad = Conditions {
            languages: strings(&["english"]),
            ..Conditions::default()
        };
        assert_eq!(bad.parse().unwrap_err().code, "invalid_language_code");
        let empty = Conditions {
            keywords: strings(&["  "]),
            ..Conditions::default()
        };
        assert_eq!(empty.parse().unwrap_err().field, "keywords");
    }

    proptest! {
        #[test]
        fn a_keyword_taken_from_the_message_matches_it(text in "[a-zA-Z0-9 退款物流发票]{1,80}", start in 0usize..80, len in 1usize..10) {
            let chars: Vec<char> = text.chars().collect();
            let start = start % chars.len();
            let word: String = chars[start..(start + len).min(chars.len())].iter().collect();
            if let Ok(c) = (Conditions { keywords: vec![word], ..Conditions::default() }).parse() {
                prop_assert!(c.matches(&Facts::new(1).with_text(&text)));
            }
        }
    }
}
