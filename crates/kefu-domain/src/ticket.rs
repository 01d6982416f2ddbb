//! Tickets: the number a conversation is known by, its subject, and the codes that
//! classify it (type, category, reason) for routing, SLAs and statistics.

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// Ticket numbers start here: conversation 23 is ticket #10023. Derived from the id,
/// so a number is never handed out twice and needs no counter on the write path.
pub const TICKET_NUMBER_BASE: i64 = 10_000;

pub fn ticket_number(conversation_id: i64) -> i64 {
    conversation_id + TICKET_NUMBER_BASE
}

/// The conversation a ticket number names: `10023`, `#10023` or a subject containing
/// `[#10023]` (replies to kefu's mail keep it).
pub fn conversation_of(text: &str) -> Option<i64> {
    let start = text.find('#').map_or(0, |i| i + 1);
    let digits: String = text[start..]
        .chars()
        .skip_while(|c| c.is_whitespace())
        .take_while(char::is_ascii_digit)
        .collect();
    let number: i64 = digits.parse().ok()?;
    (number > TICKET_NUMBER_BASE).then(|| number - TICKET_NUMBER_BASE)
}

pub const MAX_SUBJECT_CHARS: usize = 200;

/// A ticket's subject: one trimmed line, at most [`MAX_SUBJECT_CHARS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject(String);

impl Subject {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let line = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            return Err(Invalid::new(
                "subject",
                "empty_subject",
                "the subject is empty",
            ));
        }
        if line.chars().count() > MAX_SUBJECT_CHARS {
            return Err(Invalid::new(
                "subject",
                "subject_too_long",
                format!("the subject is longer than {MAX_SUBJECT_CHARS} characters"),
            ));
        }
        Ok(Subject(line))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The built-in ticket type that complaints are handled under (有凭有据有记录).
pub const COMPLAINT: &str = "complaint";

/// A reason code belongs to one category: `delivery.late` is under `delivery`.
pub fn reason_belongs_to(reason_code: &str, category: &str) -> bool {
    reason_code
        .split_once('.')
        .is_some_and(|(parent, rest)| parent == category && !rest.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_are_found_in_subjects_and_plain_text() {
        assert_eq!(ticket_number(23), 10_023);
        assert_eq!(conversation_of("#10023"), Some(23));
        assert_eq!(conversation_of("10023"), Some(23));
        assert_eq!(conversation_of("Re: 发货问题 [#10023]"), Some(23));
        assert_eq!(conversation_of("# 10023"), Some(23));
        assert_eq!(conversation_of("#999"), None);
        assert_eq!(conversation_of("#10000"), None);
        assert_eq!(conversation_of("no number"), None);
        assert_eq!(conversation_of("#99999999999999999999999"), None);
    }

    #[test]
    fn subjects_are_one_trimmed_line() {
        assert_eq!(
            Subject::parse("  物流\n 延误 ").unwrap().as_str(),
            "物流 延误"
        );
        assert_eq!(Subject::parse(" \n").unwrap_err().code, "empty_subject");
        let long = "长".repeat(MAX_SUBJECT_CHARS + 1);
        assert_eq!(Subject::parse(&long).unwrap_err().code, "subject_too_long");
    }

    #[test]
    fn reason_codes_sit_under_their_category() {
        assert!(reason_belongs_to("delivery.late", "delivery"));
        assert!(!reason_belongs_to("delivery.late", "product"));
        assert!(!reason_belongs_to("delivery.", "delivery"));
        assert!(!reason_belongs_to("delivery", "delivery"));
    }

    proptest! {
        #[test]
        fn every_conversation_id_is_found_from_its_number(id in 1i64..1_000_000_000) {
            prop_assert_eq!(conversation_of(&format!("[#{}]", ticket_number(id))), Some(id));
        }
    }
}
