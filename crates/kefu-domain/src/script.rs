//! Scripts (话术): canned replies with variables, one body per locale, found by typing
//! `/` and a shortcut, the title or its pinyin initials.

mod keys;

pub use keys::{initials, search_keys, search_prefix};

use crate::Invalid;
use serde::Serialize;

/// A value a script body can insert with `{{name}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Variable {
    CustomerName,
    AgentName,
    OrderNumber,
    TrackingNumber,
    ShopName,
    /// Today's date where the customer is (the contact's time zone).
    LocalDate,
    /// The carrier of the newest parcel of the order.
    Carrier,
    /// The order's total as money (`206.50 CNY`).
    Amount,
    /// What was ordered, `name × quantity` per line.
    Items,
    /// Where to follow the newest parcel.
    TrackingLink,
    /// Where the order goes, on one line.
    Address,
}

impl Variable {
    pub const ALL: [Variable; 11] = [
        Variable::CustomerName,
        Variable::AgentName,
        Variable::OrderNumber,
        Variable::TrackingNumber,
        Variable::ShopName,
        Variable::LocalDate,
        Variable::Carrier,
        Variable::Amount,
        Variable::Items,
        Variable::TrackingLink,
        Variable::Address,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Variable::CustomerName => "customer_name",
            Variable::AgentName => "agent_name",
            Variable::OrderNumber => "order_number",
            Variable::TrackingNumber => "tracking_number",
            Variable::ShopName => "shop_name",
            Variable::LocalDate => "local_date",
            Variable::Carrier => "carrier",
            Variable::Amount => "amount",
            Variable::Items => "items",
            Variable::TrackingLink => "tracking_link",
            Variable::Address => "address",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == name.trim())
    }
}

/// The longest script body, in characters: well inside a message's limit, so a body
/// with its variables filled in can still be sent.
pub const MAX_BODY_CHARS: usize = 5_000;

/// A piece of a body: text, a variable, or `{{something}}` kefu does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Var(Variable),
    Unknown(&'a str),
    /// A `{{` with no `}}` after it, and the rest of the text.
    Unclosed(&'a str),
}

fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push(Piece::Unclosed(&rest[open..]));
            return out;
        };
        out.push(match Variable::parse(&after[..close]) {
            Some(v) => Piece::Var(v),
            None => Piece::Unknown(&rest[open..open + 2 + close + 2]),
        });
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// A script body as written: trimmed, 1 to [`MAX_BODY_CHARS`] characters, and every
/// `{{…}}` one of the [`Variable`]s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ScriptBody(String);

impl ScriptBody {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim().replace('\0', "");
        if s.is_empty() {
            return Err(Invalid::new(
                "bodies",
                "empty_body",
                "a script body is empty",
            ));
        }
        let chars = s.chars().count();
        if chars > MAX_BODY_CHARS {
            return Err(Invalid::new(
                "bodies",
                "body_too_long",
                format!("a script body has {chars} characters; the limit is {MAX_BODY_CHARS}"),
            ));
        }
        let known = || {
            Variable::ALL
                .iter()
                .map(|v| format!("{{{{{}}}}}", v.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for piece in pieces(&s) {
            match piece {
                Piece::Unknown(raw) => {
                    return Err(Invalid::new(
                        "bodies",
                        "unknown_variable",
                        format!("{raw} is not a variable; use {}", known()),
                    ));
                }
                Piece::Unclosed(_) => {
                    return Err(Invalid::new(
                        "bodies",
                        "unclosed_variable",
                        "a {{ has no closing }}; write variables as {{customer_name}}",
                    ));
                }
                Piece::Text(_) | Piece::Var(_) => {}
            }
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A body with its variables filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    pub text: String,
    /// Variables with no value: each shows as a visible placeholder the agent fills in.
    pub missing: Vec<Variable>,
    /// The placeholders as they appear in `text`, in order, so an editor can select them.
    pub placeholders: Vec<String>,
}

/// Fills in a body's variables. A variable `value` has nothing for (or only blanks)
/// becomes `placeholder(variable)`; kefu never invents a value. Text that is not a
/// known variable stays as written.
pub fn render(
    body: &str,
    value: impl Fn(Variable) -> Option<String>,
    placeholder: impl Fn(Variable) -> String,
) -> Rendered {
    let mut out = Rendered {
        text: String::with_capacity(body.len()),
        missing: Vec::new(),
        placeholders: Vec::new(),
    };
    for piece in pieces(body) {
        match piece {
            Piece::Text(t) | Piece::Unknown(t) | Piece::Unclosed(t) => out.text.push_str(t),
            Piece::Var(v) => match value(v).filter(|s| !s.trim().is_empty()) {
                Some(filled) => out.text.push_str(filled.trim()),
                None => {
                    let shown = placeholder(v);
                    out.text.push_str(&shown);
                    if !out.missing.contains(&v) {
                        out.missing.push(v);
                        out.placeholders.push(shown);
                    }
                }
            },
        }
    }
    out
}

/// The variant a reader gets: for each preference in order (the customer's language,
/// then the agent's), an exact tag, else one of the same language (`en-US` reads `en`,
/// `zh` reads `zh-CN`); failing all, the first available.
pub fn pick_locale<'a>(available: &[&'a str], preferences: &[&str]) -> Option<&'a str> {
    let primary = |tag: &str| {
        tag.split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    for wanted in preferences.iter().filter(|w| !w.trim().is_empty()) {
        if let Some(hit) = available.iter().find(|a| a.eq_ignore_ascii_case(wanted)) {
            return Some(hit);
        }
        if let Some(hit) = available.iter().find(|a| primary(a) == primary(wanted)) {
            return Some(hit);
        }
    }
    available.first().copied()
}

/// A shortcut typed after `/`: trimmed, a leading `/` dropped, lower-cased; 1 to 30
/// letters, digits, `-`, `_` or `.`. Blank means none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Shortcut(String);

impl Shortcut {
    pub fn parse(input: &str) -> Result<Option<Self>, Invalid> {
        let s = input.trim().trim_start_matches('/').to_lowercase();
        if s.is_empty() {
            return Ok(None);
        }
        let ok = s.chars().count() <= 30
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            return Err(Invalid::new(
                "shortcut",
                "invalid_shortcut",
                "a shortcut is 1 to 30 letters, digits, - _ or . with no spaces, e.g. hi or 欢迎",
            ));
        }
        Ok(Some(Self(s)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Today's date in a time zone (`None` when kefu does not know the zone).
pub fn local_date(time_zone: &str, now: jiff::Timestamp) -> Option<jiff::civil::Date> {
    let tz = jiff::tz::TimeZone::get(time_zone.trim()).ok()?;
    Some(now.to_zoned(tz).date())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn values(v: Variable) -> Option<String> {
        match v {
            Variable::CustomerName => Some("王芳".into()),
            Variable::AgentName => Some("小李".into()),
            Variable::ShopName => Some("丝施品牌店".into()),
            _ => None,
        }
    }

    fn marked(v: Variable) -> String {
        format!("【{}】", v.as_str())
    }

    #[test]
    fn variables_are_filled_and_missing_ones_are_marked_not_invented() {
        let r = render(
            "亲，{{ customer_name }}您好！欢迎光临{{shop_name}}，我是客服{{agent_name}}。订单{{order_number}}，单号{{order_number}}",
            values,
            marked,
        );
        assert_eq!(
            r.text,
            "亲，王芳您好！欢迎光临丝施品牌店，我是客服小李。订单【order_number】，单号【order_number】"
        );
        assert_eq!(r.missing, vec![Variable::OrderNumber]);
        assert_eq!(r.placeholders, vec!["【order_number】".to_owned()]);
    }

    #[test]
    fn a_blank_value_counts_as_missing() {
        let r = render("Hi {{customer_name}}", |_| Some("  ".into()), marked);
        assert_eq!(r.text, "Hi 【customer_name】");
        assert_eq!(r.missing, vec![Variable::CustomerName]);
    }

    #[test]
    fn text_that_is_not_a_variable_stays_as_written() {
        let r = render("{{nope}} and {single} and {{ unclosed", values, marked);
        assert_eq!(r.text, "{{nope}} and {single} and {{ unclosed");
        assert!(r.missing.is_empty());
    }

    #[test]
    fn bodies_accept_known_variables_only() {
        assert!(ScriptBody::parse("您好 {{customer_name}}，{{local_date}}").is_ok());
        assert_eq!(
            ScriptBody::parse("Hi {{buyer}}").unwrap_err().code,
            "unknown_variable"
        );
        assert_eq!(
            ScriptBody::parse("Hi {{customer_name").unwrap_err().code,
            "unclosed_variable"
        );
        assert_eq!(ScriptBody::parse("   ").unwrap_err().code, "empty_body");
        let long = "好".repeat(MAX_BODY_CHARS + 1);
        assert_eq!(ScriptBody::parse(&long).unwrap_err().code, "body_too_long");
        assert_eq!(ScriptBody::parse("  hi \n").unwrap().as_str(), "hi");
    }

    #[test]
    fn the_customers_language_wins_then_the_agents_then_any() {
        let available = ["en", "zh-CN"];
        assert_eq!(pick_locale(&available, &["zh-CN", "en"]), Some("zh-CN"));
        assert_eq!(pick_locale(&available, &["en-US", "zh-CN"]), Some("en"));
        assert_eq!(pick_locale(&available, &["zh", "en"]), Some("zh-CN"));
        assert_eq!(pick_locale(&available, &["ru", "zh-CN"]), Some("zh-CN"));
        assert_eq!(pick_locale(&available, &["", "en"]), Some("en"));
        assert_eq!(pick_locale(&["ru"], &["en", "zh-CN"]), Some("ru"));
        assert_eq!(pick_locale(&[], &["en"]), None);
    }

    #[test]
    fn shortcuts_are_lower_cased_without_the_slash() {
        assert_eq!(Shortcut::parse(" /Hi ").unwrap().unwrap().as_str(), "hi");
        assert_eq!(Shortcut::parse("欢迎").unwrap().unwrap().as_str(), "欢迎");
        assert_eq!(Shortcut::parse("").unwrap(), None);
        assert_eq!(
            Shortcut::parse("two words").unwrap_err().code,
            "invalid_shortcut"
        );
        assert!(Shortcut::parse(&"a".repeat(31)).is_err());
    }

    #[test]
    fn the_local_date_is_the_customers_calendar_day() {
        let now: jiff::Timestamp = "2026-01-01T15:30:00Z".parse().unwrap();
        assert_eq!(
            local_date("Pacific/Auckland", now).unwrap().to_string(),
            "2026-01-02"
        );
        assert_eq!(
            local_date("America/Los_Angeles", now).unwrap().to_string(),
            "2026-01-01"
        );
        assert_eq!(local_date("Mars/Olympus", now), None);
    }

    proptest! {
        #[test]
        fn rendering_never_panics_and_fills_every_known_variable(body in ".{0,200}") {
            let r = render(&body, |v| Some(v.as_str().to_uppercase()), marked);
            prop_assert!(r.missing.is_empty());
            if ScriptBody::parse(&body).is_ok() {
                for v in Variable::ALL {
                    let needle = format!("{{{{{}}}}}", v.as_str());
                    prop_assert!(!r.text.contains(&needle));
                }
            }
        }

        #[test]
        fn every_missing_variable_shows_its_placeholder(
            picks in proptest::collection::vec(0usize..Variable::ALL.len(), 0..8),
            filler in "[a-z 好]{0,10}",
        ) {
            let body: String = picks
                .iter()
                .map(|i| format!("{filler}{{{{{}}}}}", Variable::ALL[*i].as_str()))
                .collect();
            let r = render(&body, |_| None, marked);
            for i in &picks {
                let v = Variable::ALL[*i];
                prop_assert!(r.missing.contains(&v));
                prop_assert!(r.text.contains(&marked(v)));
            }
            prop_assert_eq!(r.missing.len(), r.placeholders.len());
        }
    }
}
