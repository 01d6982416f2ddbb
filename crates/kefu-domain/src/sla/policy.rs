//! Which tickets an SLA policy covers and what it promises.

use crate::{Invalid, Priority};

/// The longest target: a year of business time, in minutes.
pub const MAX_TARGET_MINUTES: i64 = 365 * 24 * 60;

/// The share of a target after which a warning goes out unless configured otherwise.
pub const DEFAULT_WARNING_PERCENT: i64 = 75;

/// What is known about a ticket when its policy is chosen. `None` matches only
/// conditions that accept anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketFacts {
    pub ticket_type: Option<String>,
    pub priority: Option<Priority>,
    /// The inbox's channel (`widget`, `api`, …).
    pub channel: Option<String>,
    pub team_id: Option<i64>,
    /// The customer's member level key.
    pub customer_level: Option<String>,
}

/// A policy's conditions; an empty list accepts any value, a non-empty one requires the
/// ticket's value to be in it. All conditions must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlaConditions {
    pub ticket_types: Vec<String>,
    pub priorities: Vec<Priority>,
    pub channels: Vec<String>,
    pub team_ids: Vec<i64>,
    pub customer_levels: Vec<String>,
}

fn holds<T: PartialEq>(list: &[T], fact: Option<&T>) -> bool {
    list.is_empty() || fact.is_some_and(|f| list.contains(f))
}

impl SlaConditions {
    pub fn matches(&self, facts: &TicketFacts) -> bool {
        holds(&self.ticket_types, facts.ticket_type.as_ref())
            && holds(&self.priorities, facts.priority.as_ref())
            && holds(&self.channels, facts.channel.as_ref())
            && holds(&self.team_ids, facts.team_id.as_ref())
            && holds(&self.customer_levels, facts.customer_level.as_ref())
    }
}

/// A key of a configurable list (ticket type, member level): 1 to 40 lower-case
/// letters, digits, `_` or `-`.
pub fn parse_key(field: &'static str, input: &str) -> Result<String, Invalid> {
    let s = input.trim();
    let ok = !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(s.to_owned())
    } else {
        Err(Invalid::new(
            field,
            "invalid_key",
            format!(
                "'{input}' is not a key such as after_sales (lower-case letters, digits, _ or -)"
            ),
        ))
    }
}

/// A policy's targets in business minutes and when to warn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaTargets {
    pub first_response_minutes: Option<i64>,
    pub next_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    /// Warn when this share of a target has been used, 1 to 99.
    pub warning_percent: i64,
}

impl SlaTargets {
    /// Checks each target (1 minute to a year), at least one target, and the warning share.
    pub fn new(
        first_response_minutes: Option<i64>,
        next_response_minutes: Option<i64>,
        resolution_minutes: Option<i64>,
        warning_percent: Option<i64>,
    ) -> Result<Self, Invalid> {
        for (field, value) in [
            ("first_response_minutes", first_response_minutes),
            ("next_response_minutes", next_response_minutes),
            ("resolution_minutes", resolution_minutes),
        ] {
            if value.is_some_and(|m| !(1..=MAX_TARGET_MINUTES).contains(&m)) {
                return Err(Invalid::new(
                    field,
                    "invalid_target",
                    format!("a target is between 1 and {MAX_TARGET_MINUTES} minutes (a year)"),
                ));
            }
        }
        if first_response_minutes.is_none()
            && next_response_minutes.is_none()
            && resolution_minutes.is_none()
        {
            return Err(Invalid::new(
                "first_response_minutes",
                "no_targets",
                "set at least one target: first response, next response or resolution",
            ));
        }
        let warning_percent = warning_percent.unwrap_or(DEFAULT_WARNING_PERCENT);
        if !(1..=99).contains(&warning_percent) {
            return Err(Invalid::new(
                "warning_percent",
                "invalid_warning_percent",
                "the warning comes at 1 to 99 percent of a target",
            ));
        }
        Ok(Self {
            first_response_minutes,
            next_response_minutes,
            resolution_minutes,
            warning_percent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> TicketFacts {
        TicketFacts {
            ticket_type: Some("complaint".into()),
            priority: Some(Priority::High),
            channel: Some("widget".into()),
            team_id: Some(3),
            customer_level: Some("vip".into()),
        }
    }

    #[test]
    fn empty_conditions_match_any_ticket_even_without_facts() {
        assert!(SlaConditions::default().matches(&facts()));
        assert!(SlaConditions::default().matches(&TicketFacts::default()));
    }

    #[test]
    fn every_listed_condition_must_hold() {
        let c = SlaConditions {
            priorities: vec![Priority::High, Priority::Urgent],
            customer_levels: vec!["vip".into()],
            ..Default::default()
        };
        assert!(c.matches(&facts()));
        let normal = TicketFacts {
            priority: Some(Priority::Normal),
            ..facts()
        };
        assert!(!c.matches(&normal));
        let unknown_level = TicketFacts {
            customer_level: None,
            ..facts()
        };
        assert!(
            !c.matches(&unknown_level),
            "a listed condition needs the fact"
        );
        let other_team = SlaConditions {
            team_ids: vec![4],
            ..Default::default()
        };
        assert!(!other_team.matches(&facts()));
    }

    #[test]
    fn targets_are_bounded_and_one_is_required() {
        let t = SlaTargets::new(Some(60), None, Some(1440), None).unwrap();
        assert_eq!(t.warning_percent, 75);
        assert_eq!(
            SlaTargets::new(None, None, None, None).unwrap_err().code,
            "no_targets"
        );
        assert_eq!(
            SlaTargets::new(Some(0), None, None, None).unwrap_err().code,
            "invalid_target"
        );
        assert_eq!(
            SlaTargets::new(Some(60), None, None, Some(100))
                .unwrap_err()
                .code,
            "invalid_warning_percent"
        );
    }

    #[test]
    fn keys_are_plain_slugs() {
        assert_eq!(parse_key("k", " after_sales ").unwrap(), "after_sales");
        assert!(parse_key("k", "After Sales").is_err());
        assert!(parse_key("k", "").is_err());
    }
}
