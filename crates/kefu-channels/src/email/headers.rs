//! Header fields kefu threads and addresses by: ids, mailboxes, subject, date, ticket number.

use mail_parser::{Address, HeaderValue, Message};

use super::Mailbox;

/// Ids from an id-list header (Message-ID, In-Reply-To, References), without `<>`, in order.
pub(crate) fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let raw: Vec<&str> = match value {
        HeaderValue::Text(id) => vec![id.as_ref()],
        HeaderValue::TextList(list) => list.iter().map(AsRef::as_ref).collect(),
        _ => Vec::new(),
    };
    raw.into_iter().filter_map(clean_id).collect()
}

/// An id with surrounding `<>` and whitespace removed; `None` when nothing is left.
pub(crate) fn clean_id(id: &str) -> Option<String> {
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty()).then(|| id.to_owned())
}

/// Every mailbox of an address header, groups flattened; entries without an address skipped.
pub(crate) fn mailboxes(address: Option<&Address<'_>>) -> Vec<Mailbox> {
    let Some(address) = address else {
        return Vec::new();
    };
    address
        .iter()
        .filter_map(|addr| {
            let address = addr.address.as_deref()?.trim();
            (!address.is_empty()).then(|| Mailbox {
                name: addr
                    .name
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
                address: address.to_owned(),
            })
        })
        .collect()
}

/// The `Date` header as a timestamp, when it is present and a real date.
pub(crate) fn date(message: &Message<'_>) -> Option<jiff::Timestamp> {
    let date = message.date()?;
    if !date.is_valid() {
        return None;
    }
    jiff::Timestamp::from_second(date.to_timestamp()).ok()
}

/// The first `[#digits]` (or full-width `［#digits］`) in a subject.
pub fn ticket_number(subject: &str) -> Option<u64> {
    let mut rest = subject;
    while let Some(start) = rest.find(['[', '［']) {
        let after_bracket = &rest[start..];
        let after_bracket =
            &after_bracket[after_bracket.chars().next().map_or(1, char::len_utf8)..];
        if let Some(digits_and_more) = after_bracket.strip_prefix(['#', '＃']) {
            let digits_len = digits_and_more
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(digits_and_more.len());
            let (digits, tail) = digits_and_more.split_at(digits_len);
            if !digits.is_empty()
                && tail.starts_with([']', '］'])
                && let Ok(number) = digits.parse()
            {
                return Some(number);
            }
        }
        rest = after_bracket;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_are_read_from_bracketed_hashes() {
        assert_eq!(ticket_number("Re: [#10023] 发票"), Some(10023));
        assert_eq!(ticket_number("回复：［＃42］退款"), Some(42));
        assert_eq!(ticket_number("[urgent] [#7]"), Some(7));
    }

    #[test]
    fn subjects_without_a_proper_ticket_tag_have_no_number() {
        assert_eq!(ticket_number("order #10023"), None);
        assert_eq!(ticket_number("[#] [#12a] [#99999999999999999999999]"), None);
        assert_eq!(ticket_number("[#"), None);
    }

    #[test]
    fn ids_lose_their_angle_brackets() {
        assert_eq!(clean_id(" <a@b> "), Some("a@b".to_owned()));
        assert_eq!(clean_id("<>"), None);
    }
}
