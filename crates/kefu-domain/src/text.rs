//! Bounded free text: names and message bodies.

use crate::Invalid;
use serde::Serialize;

/// The longest message body kefu accepts, in characters (documented in the API).
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// A message body: trimmed, not empty, at most [`MAX_MESSAGE_CHARS`] characters.
/// Stored as plain text; every renderer escapes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MessageBody(String);

impl MessageBody {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim();
        if s.is_empty() {
            return Err(Invalid::new(
                "body",
                "empty_message",
                "the message is empty; write something to send",
            ));
        }
        let chars = s.chars().count();
        if chars > MAX_MESSAGE_CHARS {
            return Err(Invalid::new(
                "body",
                "message_too_long",
                format!("the message has {chars} characters; the limit is {MAX_MESSAGE_CHARS}"),
            ));
        }
        Ok(Self(s.replace('\0', "")))
    }

    /// As [`parse`](Self::parse), but a message that carries files may have no text.
    pub fn parse_beside_files(input: &str, files: usize) -> Result<Self, Invalid> {
        if files > 0 && input.trim().is_empty() {
            return Ok(Self(String::new()));
        }
        Self::parse(input)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A display name (person, team, inbox): trimmed, 1 to 120 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, Invalid> {
        let s = input.trim();
        if s.is_empty() {
            return Err(Invalid::new(
                field,
                "required",
                format!("{field} is required"),
            ));
        }
        if s.chars().count() > 120 {
            return Err(Invalid::new(
                field,
                "too_long",
                format!("{field} is longer than 120 characters"),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(Invalid::new(
                field,
                "control_characters",
                format!("{field} contains control characters"),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn message_bodies_are_trimmed_and_bounded() {
        assert_eq!(MessageBody::parse("  你好 ").unwrap().as_str(), "你好");
        assert_eq!(
            MessageBody::parse(" \n ").unwrap_err().code,
            "empty_message"
        );
        let long = "字".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(
            MessageBody::parse(&long).unwrap_err().code,
            "message_too_long"
        );
        assert!(MessageBody::parse(&"字".repeat(MAX_MESSAGE_CHARS)).is_ok());
    }

    #[test]
    fn markup_is_kept_as_text() {
        let body = MessageBody::parse("<script>alert(1)</script>").unwrap();
        assert_eq!(body.as_str(), "<script>alert(1)</script>");
    }

    #[test]
    fn names_reject_blank_long_and_control_text() {
        assert_eq!(Name::parse("name", "  ").unwrap_err().code, "required");
        assert_eq!(
            Name::parse("name", &"a".repeat(121)).unwrap_err().code,
            "too_long"
        );
        assert_eq!(
            Name::parse("name", "a\u{7}b").unwrap_err().code,
            "control_characters"
        );
        assert_eq!(Name::parse("name", " 售前 ").unwrap().as_str(), "售前");
    }

    proptest! {
        #[test]
        fn accepted_bodies_are_never_empty(s in "\\PC{0,50}") {
            if let Ok(b) = MessageBody::parse(&s) {
                prop_assert!(!b.as_str().trim().is_empty());
            }
        }
    }
}
