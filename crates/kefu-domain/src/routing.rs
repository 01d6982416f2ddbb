//! Routing: the values admins set (strategy, capacity, skills, languages), which team a
//! new conversation goes to (`rules`), and who in the team takes it (`choice`).

mod choice;
mod rules;

pub use choice::{Candidate, choose};
pub use rules::{Conditions, Facts, MAX_KEYWORDS};

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// How a team hands its conversations to its agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Each available agent in turn (a cursor on the team remembers whose turn it is).
    #[default]
    RoundRobin,
    /// The available agent with the fewest open conversations.
    LeastLoad,
}

impl Strategy {
    pub const ALL: [Strategy; 2] = [Strategy::RoundRobin, Strategy::LeastLoad];

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::RoundRobin => "round_robin",
            Strategy::LeastLoad => "least_load",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "round_robin" => Ok(Strategy::RoundRobin),
            "least_load" => Ok(Strategy::LeastLoad),
            other => Err(Invalid::new(
                "strategy",
                "invalid_strategy",
                format!("'{other}' is not a strategy; use round_robin or least_load"),
            )),
        }
    }
}

/// The most conversations an agent can be given at once.
pub const MAX_CAPACITY: i64 = 200;
/// The capacity of an agent nobody has set one for.
pub const DEFAULT_CAPACITY: i64 = 10;

/// How many open conversations routing may give an agent at once (0: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Capacity(i64);

impl Capacity {
    pub fn parse(input: i64) -> Result<Self, Invalid> {
        if (0..=MAX_CAPACITY).contains(&input) {
            Ok(Self(input))
        } else {
            Err(Invalid::new(
                "capacity",
                "invalid_capacity",
                format!(
                    "capacity must be between 0 and {MAX_CAPACITY} conversations; {input} is not"
                ),
            ))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// The most skills an agent (or a rule) can list.
pub const MAX_SKILLS: usize = 30;

/// A skill: a language, product line or channel an agent handles, written as a tag
/// (`lang:en`, `product:手机`, `channel:email`). Trimmed, lower case, 1 to 40
/// characters, no commas or control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Skill(String);

impl Skill {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim().to_lowercase();
        let len = s.chars().count();
        if len == 0 || len > 40 || s.chars().any(|c| c.is_control() || c == ',') {
            return Err(Invalid::new(
                "skills",
                "invalid_skill",
                format!(
                    "'{}' is not a skill: use 1 to 40 characters without commas, e.g. lang:en or product:phones",
                    input.trim()
                ),
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A list of skills: each parsed, sorted, duplicates dropped, at most [`MAX_SKILLS`].
    pub fn parse_list<S: AsRef<str>>(inputs: &[S]) -> Result<Vec<String>, Invalid> {
        let mut out = inputs
            .iter()
            .map(|s| Skill::parse(s.as_ref()).map(|s| s.0))
            .collect::<Result<Vec<_>, _>>()?;
        out.sort();
        out.dedup();
        if out.len() > MAX_SKILLS {
            return Err(Invalid::new(
                "skills",
                "too_many_skills",
                format!("list at most {MAX_SKILLS} skills"),
            ));
        }
        Ok(out)
    }
}

/// A language as routing names it: an ISO 639 code (`zh`, `en`, `ru`, `fil`), lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct LanguageCode(String);

impl LanguageCode {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim().to_ascii_lowercase();
        if (2..=3).contains(&s.len()) && s.chars().all(|c| c.is_ascii_lowercase()) {
            Ok(Self(s))
        } else {
            Err(Invalid::new(
                "languages",
                "invalid_language_code",
                format!(
                    "'{}' is not a language code; use two or three letters such as zh, en or ru",
                    input.trim()
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Strategy;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strategies_round_trip_and_reject_unknowns() {
        for s in Strategy::ALL {
            assert_eq!(Strategy::parse(s.as_str()).unwrap(), s);
        }
        assert_eq!(
            Strategy::parse("random").unwrap_err().code,
            "invalid_strategy"
        );
    }

    #[test]
    fn capacity_is_bounded() {
        assert_eq!(Capacity::parse(0).unwrap().get(), 0);
        assert_eq!(Capacity::parse(MAX_CAPACITY).unwrap().get(), MAX_CAPACITY);
        assert_eq!(Capacity::parse(-1).unwrap_err().code, "invalid_capacity");
        assert!(Capacity::parse(MAX_CAPACITY + 1).is_err());
    }

    #[test]
    fn skills_are_normalised_sorted_and_deduplicated() {
        let skills = Skill::parse_list(&[" Lang:EN ", "product:手机", "lang:en"]).unwrap();
        assert_eq!(skills, vec!["lang:en", "product:手机"]);
        assert_eq!(Skill::parse("a,b").unwrap_err().code, "invalid_skill");
        assert_eq!(Skill::parse("  ").unwrap_err().code, "invalid_skill");
        let many: Vec<String> = (0..31).map(|i| format!("s{i}")).collect();
        assert_eq!(
            Skill::parse_list(&many).unwrap_err().code,
            "too_many_skills"
        );
    }

    #[test]
    fn language_codes_are_two_or_three_letters() {
        assert_eq!(LanguageCode::parse(" EN ").unwrap().as_str(), "en");
        assert_eq!(LanguageCode::parse("fil").unwrap().as_str(), "fil");
        assert!(LanguageCode::parse("zh-CN").is_err());
        assert!(LanguageCode::parse("e").is_err());
    }

    proptest! {
        #[test]
        fn a_parsed_skill_parses_to_itself(input in "\\PC{0,50}") {
            if let Ok(skill) = Skill::parse(&input) {
                prop_assert_eq!(Skill::parse(skill.as_str()).unwrap(), skill.clone());
                prop_assert!(!skill.as_str().contains(','));
            }
        }
    }
}
