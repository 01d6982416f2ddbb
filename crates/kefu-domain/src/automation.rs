//! Automation rules ("when this happens and these hold, do that") and macros (several
//! actions an agent applies at once): their parts, validated, and how conditions match.

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// What starts a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A new conversation (its first customer message).
    ConversationCreated,
    /// Any message from the customer.
    MessageReceived,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::ConversationCreated => "conversation_created",
            Trigger::MessageReceived => "message_received",
        }
    }
}

/// One condition on the conversation, its customer or the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum Condition {
    /// The message contains any of these words (case-insensitive).
    MessageContains {
        any: Vec<String>,
    },
    TicketType {
        is: Vec<String>,
    },
    Priority {
        is: Vec<String>,
    },
    InboxId {
        is: Vec<i64>,
    },
    /// The channel of the inbox (`widget`, `api`, `email` …).
    Channel {
        is: Vec<String>,
    },
    /// The customer's member level (from their organisation).
    CustomerLevel {
        is: Vec<String>,
    },
    /// The customer carries this tag (e.g. `VIP`).
    CustomerTag {
        has: String,
    },
    /// Now is inside (false: outside) the inbox's business hours.
    BusinessHours {
        open: bool,
    },
}

/// What a rule or macro does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Sends a reply to the customer.
    Reply {
        text: String,
    },
    /// Writes a private note.
    Note {
        text: String,
    },
    SetType {
        ticket_type: String,
    },
    SetPriority {
        priority: String,
    },
    AddLabel {
        label: String,
    },
    /// Assigns to an agent (`user_id`) and/or a team.
    Assign {
        user_id: Option<i64>,
        team_id: Option<i64>,
    },
    /// Sets the status (`resolved`, `pending`, `waiting_customer` …).
    SetStatus {
        status: String,
    },
    /// Alerts people: roles (`supervisor`, `manager`) and users, with a message.
    /// `on_duty`: only those of the roles who are online now (值班), or all of them when
    /// nobody of the roles is online.
    Notify {
        roles: Vec<String>,
        user_ids: Vec<i64>,
        text: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        on_duty: bool,
    },
}

/// What conditions are checked against.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    pub message: Option<&'a str>,
    pub ticket_type: Option<&'a str>,
    pub priority: &'a str,
    pub inbox_id: i64,
    pub channel: &'a str,
    pub customer_level: Option<&'a str>,
    pub customer_tags: &'a [String],
    /// Whether the inbox's business hours are open now (`None`: no calendar, always open).
    pub business_open: Option<bool>,
}

impl Condition {
    pub fn holds(&self, f: &Facts<'_>) -> bool {
        let is = |list: &[String], v: Option<&str>| v.is_some_and(|v| list.iter().any(|x| x == v));
        match self {
            Condition::MessageContains { any } => f.message.is_some_and(|m| {
                let m = m.to_lowercase();
                any.iter().any(|w| m.contains(&w.to_lowercase()))
            }),
            Condition::TicketType { is: l } => is(l, f.ticket_type),
            Condition::Priority { is: l } => is(l, Some(f.priority)),
            Condition::InboxId { is: l } => l.contains(&f.inbox_id),
            Condition::Channel { is: l } => is(l, Some(f.channel)),
            Condition::CustomerLevel { is: l } => is(l, f.customer_level),
            Condition::CustomerTag { has } => {
                f.customer_tags.iter().any(|t| t.eq_ignore_ascii_case(has))
            }
            Condition::BusinessHours { open } => f.business_open.unwrap_or(true) == *open,
        }
    }

    /// Checks the condition's own shape (lists not empty, words not blank).
    pub fn check(&self) -> Result<(), Invalid> {
        let empty = match self {
            Condition::MessageContains { any } => any.iter().all(|w| w.trim().is_empty()),
            Condition::TicketType { is } | Condition::Priority { is } => is.is_empty(),
            Condition::Channel { is } | Condition::CustomerLevel { is } => is.is_empty(),
            Condition::InboxId { is } => is.is_empty(),
            Condition::CustomerTag { has } => has.trim().is_empty(),
            Condition::BusinessHours { .. } => false,
        };
        if empty {
            return Err(Invalid::new(
                "conditions",
                "empty_condition",
                "a condition needs at least one value to compare with",
            ));
        }
        Ok(())
    }
}

/// Most conditions or actions in one rule or macro.
pub const MAX_PARTS: usize = 10;

/// Whether every condition holds (no conditions: always).
pub fn all_hold(conditions: &[Condition], f: &Facts<'_>) -> bool {
    conditions.iter().all(|c| c.holds(f))
}

/// Checks a rule's or macro's lists: bounded, each condition well-formed, at least one
/// action, texts not blank.
pub fn check_parts(conditions: &[Condition], actions: &[Action]) -> Result<(), Invalid> {
    if conditions.len() > MAX_PARTS || actions.len() > MAX_PARTS {
        return Err(Invalid::new(
            "actions",
            "too_many",
            format!("at most {MAX_PARTS} conditions and {MAX_PARTS} actions"),
        ));
    }
    if actions.is_empty() {
        return Err(Invalid::new(
            "actions",
            "required",
            "add at least one action",
        ));
    }
    for c in conditions {
        c.check()?;
    }
    for a in actions {
        let blank = match a {
            Action::Reply { text } | Action::Note { text } | Action::Notify { text, .. } => {
                text.trim().is_empty()
            }
            Action::AddLabel { label } => label.trim().is_empty(),
            Action::Assign { user_id, team_id } => user_id.is_none() && team_id.is_none(),
            _ => false,
        };
        if blank {
            return Err(Invalid::new(
                "actions",
                "empty_action",
                "an action is missing its text or target",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(message: &str) -> Facts<'_> {
        Facts {
            message: Some(message),
            priority: "normal",
            inbox_id: 3,
            channel: "widget",
            ..Facts::default()
        }
    }

    #[test]
    fn keywords_match_in_chinese_and_english_without_case() {
        let c = Condition::MessageContains {
            any: vec!["退款".into(), "Refund".into()],
        };
        assert!(c.holds(&facts("我要退款")));
        assert!(c.holds(&facts("I want a REFUND please")));
        assert!(!c.holds(&facts("where is my parcel")));
        assert!(!c.holds(&Facts::default()), "no message, no match");
    }

    #[test]
    fn every_condition_must_hold() {
        let tags = vec!["vip".to_owned()];
        let mut f = facts("hello");
        f.customer_tags = &tags;
        f.business_open = Some(false);
        let vip_after_hours = [
            Condition::CustomerTag { has: "VIP".into() },
            Condition::BusinessHours { open: false },
        ];
        assert!(all_hold(&vip_after_hours, &f));
        f.business_open = Some(true);
        assert!(!all_hold(&vip_after_hours, &f));
        assert!(all_hold(&[], &f));
    }

    #[test]
    fn rules_are_checked_for_shape() {
        let reply = Action::Reply {
            text: "您好".into(),
        };
        assert!(check_parts(&[], std::slice::from_ref(&reply)).is_ok());
        assert_eq!(check_parts(&[], &[]).unwrap_err().code, "required");
        let blank = Condition::MessageContains {
            any: vec![" ".into()],
        };
        assert_eq!(
            check_parts(&[blank], std::slice::from_ref(&reply))
                .unwrap_err()
                .code,
            "empty_condition"
        );
        let nobody = Action::Assign {
            user_id: None,
            team_id: None,
        };
        assert_eq!(
            check_parts(&[], &[nobody]).unwrap_err().code,
            "empty_action"
        );
        assert_eq!(
            check_parts(&[], &vec![reply; 11]).unwrap_err().code,
            "too_many"
        );
    }

    #[test]
    fn rules_read_and_write_as_tagged_json() {
        let c: Condition =
            serde_json::from_str(r#"{"field":"message_contains","any":["退款"]}"#).unwrap();
        assert_eq!(
            c,
            Condition::MessageContains {
                any: vec!["退款".into()]
            }
        );
        let a: Action =
            serde_json::from_str(r#"{"action":"set_type","ticket_type":"after_sales"}"#).unwrap();
        assert_eq!(
            a,
            Action::SetType {
                ticket_type: "after_sales".into()
            }
        );
        assert!(serde_json::from_str::<Action>(r#"{"action":"explode"}"#).is_err());
    }
}
