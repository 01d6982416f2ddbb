//! Conversation and message states, and how they change.

use crate::Invalid;
use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident, $field:literal, $code:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(input: &str) -> Result<Self, Invalid> {
                match input.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err(Invalid::new(
                        $field,
                        $code,
                        format!("'{}' is not one of: {}", other, [$($text),+].join(", ")),
                    )),
                }
            }
        }
    };
}

text_enum!(
    /// Where a conversation stands.
    ConversationStatus, "status", "invalid_status" {
        Open = "open", Pending = "pending", WaitingCustomer = "waiting_customer",
        WaitingDepartment = "waiting_department", Snoozed = "snoozed", Resolved = "resolved",
        Closed = "closed",
    }
);

text_enum!(
    /// Who wrote a message and who may see it.
    MessageKind, "kind", "invalid_message_kind" {
        Incoming = "incoming", Outgoing = "outgoing", Note = "note", Activity = "activity",
    }
);

text_enum!(
    /// An agent's availability, which routing and auto-replies respect.
    Availability, "availability", "invalid_availability" {
        Online = "online", Busy = "busy", Away = "away", Offline = "offline",
    }
);

text_enum!(
    /// How urgent a conversation is.
    Priority, "priority", "invalid_priority" {
        Low = "low", Normal = "normal", High = "high", Urgent = "urgent",
    }
);

impl ConversationStatus {
    /// The status after the customer writes: anything but open is reopened,
    /// so nothing the customer says is left unanswered.
    pub fn after_customer_message(self) -> Self {
        ConversationStatus::Open
    }

    /// Whether response and resolution clocks stop: the ball is in the customer's court
    /// (or the conversation is done).
    pub fn pauses_sla(self) -> bool {
        matches!(
            self,
            ConversationStatus::WaitingCustomer
                | ConversationStatus::Snoozed
                | ConversationStatus::Resolved
                | ConversationStatus::Closed
        )
    }

    /// Done: resolved or closed.
    pub fn is_done(self) -> bool {
        matches!(
            self,
            ConversationStatus::Resolved | ConversationStatus::Closed
        )
    }
}

impl MessageKind {
    /// Whether the customer sees messages of this kind.
    pub fn is_public(self) -> bool {
        !matches!(self, MessageKind::Note)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_reject_unknowns() {
        for s in ConversationStatus::ALL {
            assert_eq!(ConversationStatus::parse(s.as_str()).unwrap(), *s);
        }
        let err = ConversationStatus::parse("archived").unwrap_err();
        assert_eq!(err.code, "invalid_status");
        assert!(err.message.contains("open, pending, waiting_customer"));
    }

    #[test]
    fn a_customer_message_reopens_every_status() {
        for s in ConversationStatus::ALL {
            assert_eq!(s.after_customer_message(), ConversationStatus::Open);
        }
    }

    #[test]
    fn notes_are_private() {
        assert!(!MessageKind::Note.is_public());
        assert!(MessageKind::Outgoing.is_public());
    }
}
