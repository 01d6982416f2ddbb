//! Conditions and actions as form rows (a field or kind, a value, a target) and back, so
//! rules and macros can be built on a page without writing JSON.

use crate::ui::customers::form::{Fields, split_list};
use kefu_domain::Invalid;
use kefu_domain::automation::{Action, Condition};
use serde::Serialize;

/// Blank rows offered under the filled ones.
const SPARE_ROWS: usize = 3;

/// Condition fields a row can pick; the two business-hours ones take no value.
pub const CONDITION_FIELDS: [&str; 9] = [
    "message_contains",
    "ticket_type",
    "priority",
    "inbox",
    "channel",
    "customer_level",
    "customer_tag",
    "outside_business_hours",
    "inside_business_hours",
];

/// Action kinds a row can pick.
pub const ACTION_KINDS: [&str; 8] = [
    "reply",
    "note",
    "set_type",
    "set_priority",
    "add_label",
    "set_status",
    "assign",
    "notify",
];

/// One condition row as typed.
#[derive(Serialize, Default, Clone)]
pub struct ConditionRow {
    pub field: String,
    pub value: String,
}

/// One action row as typed: `target` is `user:7`, `team:2` or `role:supervisor`.
#[derive(Serialize, Default, Clone)]
pub struct ActionRow {
    pub kind: String,
    pub value: String,
    pub target: String,
}

/// An inbox as the rows name it: by id, shown by name.
pub struct InboxName<'a> {
    pub id: i64,
    pub name: &'a str,
}

fn bad(field: &'static str, message: String) -> Invalid {
    Invalid::new(field, "invalid_rule_part", message)
}

/// The rows of a rule, with spare blank ones to fill in.
pub fn condition_rows(conditions: &[Condition], inboxes: &[InboxName<'_>]) -> Vec<ConditionRow> {
    let mut rows: Vec<ConditionRow> = conditions
        .iter()
        .map(|c| condition_row(c, inboxes))
        .collect();
    rows.extend(std::iter::repeat_n(ConditionRow::default(), SPARE_ROWS));
    rows
}

fn condition_row(c: &Condition, inboxes: &[InboxName<'_>]) -> ConditionRow {
    let row = |field: &str, value: String| ConditionRow {
        field: field.into(),
        value,
    };
    match c {
        Condition::MessageContains { any } => row("message_contains", any.join(", ")),
        Condition::TicketType { is } => row("ticket_type", is.join(", ")),
        Condition::Priority { is } => row("priority", is.join(", ")),
        Condition::Channel { is } => row("channel", is.join(", ")),
        Condition::CustomerLevel { is } => row("customer_level", is.join(", ")),
        Condition::CustomerTag { has } => row("customer_tag", has.clone()),
        Condition::InboxId { is } => row(
            "inbox",
            is.iter()
                .map(|id| {
                    inboxes
                        .iter()
                        .find(|i| i.id == *id)
                        .map_or_else(|| id.to_string(), |i| i.name.to_owned())
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Condition::BusinessHours { open: false } => row("outside_business_hours", String::new()),
        Condition::BusinessHours { open: true } => row("inside_business_hours", String::new()),
    }
}

/// Reads the condition rows of a posted form; rows without a field, or without a value
/// where one is needed, are left out.
pub fn conditions_from(f: &Fields) -> Vec<ConditionRow> {
    f.all("cond_field")
        .into_iter()
        .zip(f.all("cond_value"))
        .filter(|(field, value)| {
            !field.is_empty() && (!value.is_empty() || field.ends_with("business_hours"))
        })
        .map(|(field, value)| ConditionRow { field, value })
        .collect()
}

/// The conditions the rows describe.
pub fn parse_conditions(
    rows: &[ConditionRow],
    inboxes: &[InboxName<'_>],
) -> Result<Vec<Condition>, Invalid> {
    rows.iter()
        .map(|r| {
            let list = || split_list(&r.value);
            Ok(match r.field.as_str() {
                "message_contains" => Condition::MessageContains { any: list() },
                "ticket_type" => Condition::TicketType { is: list() },
                "priority" => Condition::Priority { is: list() },
                "channel" => Condition::Channel { is: list() },
                "customer_level" => Condition::CustomerLevel { is: list() },
                "customer_tag" => Condition::CustomerTag {
                    has: r.value.clone(),
                },
                "inbox" => Condition::InboxId {
                    is: list()
                        .iter()
                        .map(|typed| inbox_id(typed, inboxes))
                        .collect::<Result<_, _>>()?,
                },
                "outside_business_hours" => Condition::BusinessHours { open: false },
                "inside_business_hours" => Condition::BusinessHours { open: true },
                other => {
                    return Err(bad(
                        "conditions",
                        format!("'{other}' is not a condition kefu knows"),
                    ));
                }
            })
        })
        .collect()
}

fn inbox_id(typed: &str, inboxes: &[InboxName<'_>]) -> Result<i64, Invalid> {
    inboxes
        .iter()
        .find(|i| i.name == typed || i.id.to_string() == typed)
        .map(|i| i.id)
        .ok_or_else(|| bad("conditions", format!("there is no inbox called '{typed}'")))
}

/// The rows of a rule's or macro's actions, with spare blank ones.
pub fn action_rows(actions: &[Action]) -> Vec<ActionRow> {
    let mut rows: Vec<ActionRow> = actions.iter().map(action_row).collect();
    rows.extend(std::iter::repeat_n(ActionRow::default(), SPARE_ROWS));
    rows
}

fn action_row(a: &Action) -> ActionRow {
    let row = |kind: &str, value: &str, target: String| ActionRow {
        kind: kind.into(),
        value: value.into(),
        target,
    };
    match a {
        Action::Reply { text } => row("reply", text, String::new()),
        Action::Note { text } => row("note", text, String::new()),
        Action::SetType { ticket_type } => row("set_type", ticket_type, String::new()),
        Action::SetPriority { priority } => row("set_priority", priority, String::new()),
        Action::AddLabel { label } => row("add_label", label, String::new()),
        Action::SetStatus { status } => row("set_status", status, String::new()),
        Action::Assign { user_id, team_id } => row(
            "assign",
            "",
            match (user_id, team_id) {
                (Some(u), _) => format!("user:{u}"),
                (None, Some(t)) => format!("team:{t}"),
                (None, None) => String::new(),
            },
        ),
        Action::Notify {
            roles,
            user_ids,
            text,
            on_duty,
        } => row(
            "notify",
            text,
            roles
                .first()
                .map(|r| match on_duty {
                    true => format!("duty:{r}"),
                    false => format!("role:{r}"),
                })
                .or_else(|| user_ids.first().map(|u| format!("user:{u}")))
                .unwrap_or_default(),
        ),
    }
}

/// Reads the action rows of a posted form; rows without a kind are left out.
pub fn actions_from(f: &Fields) -> Vec<ActionRow> {
    let kinds = f.all("act_kind");
    let values = f.all("act_value");
    let targets = f.all("act_target");
    kinds
        .into_iter()
        .enumerate()
        .filter(|(_, k)| !k.is_empty())
        .map(|(i, kind)| ActionRow {
            kind,
            value: values.get(i).cloned().unwrap_or_default(),
            target: targets.get(i).cloned().unwrap_or_default(),
        })
        .collect()
}

/// `user:7` → (`user`, 7).
fn target(t: &str) -> Option<(&str, &str)> {
    t.split_once(':')
}

fn target_id(t: &str, kind: &str) -> Result<Option<i64>, Invalid> {
    match target(t) {
        Some((k, id)) if k == kind => id
            .parse()
            .map(Some)
            .map_err(|_| bad("actions", format!("'{t}' is not a valid choice"))),
        _ => Ok(None),
    }
}

/// The actions the rows describe; the use case checks what each one needs.
pub fn parse_actions(rows: &[ActionRow]) -> Result<Vec<Action>, Invalid> {
    rows.iter()
        .map(|r| {
            let value = r.value.clone();
            Ok(match r.kind.as_str() {
                "reply" => Action::Reply { text: value },
                "note" => Action::Note { text: value },
                "set_type" => Action::SetType { ticket_type: value },
                "set_priority" => Action::SetPriority { priority: value },
                "add_label" => Action::AddLabel { label: value },
                "set_status" => Action::SetStatus { status: value },
                "assign" => Action::Assign {
                    user_id: target_id(&r.target, "user")?,
                    team_id: target_id(&r.target, "team")?,
                },
                "notify" => Action::Notify {
                    roles: match target(&r.target) {
                        Some(("role" | "duty", role)) => vec![role.to_owned()],
                        _ => Vec::new(),
                    },
                    user_ids: target_id(&r.target, "user")?.into_iter().collect(),
                    text: value,
                    on_duty: matches!(target(&r.target), Some(("duty", _))),
                },
                other => {
                    return Err(bad(
                        "actions",
                        format!("'{other}' is not an action kefu knows"),
                    ));
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inboxes() -> Vec<InboxName<'static>> {
        vec![InboxName {
            id: 3,
            name: "官网",
        }]
    }

    #[test]
    fn rows_read_back_as_the_same_conditions() {
        let conditions = vec![
            Condition::MessageContains {
                any: vec!["退款".into(), "refund".into()],
            },
            Condition::InboxId { is: vec![3] },
            Condition::BusinessHours { open: false },
            Condition::CustomerTag { has: "VIP".into() },
        ];
        let rows = condition_rows(&conditions, &inboxes());
        assert_eq!(rows[1].value, "官网");
        let kept: Vec<ConditionRow> = rows.into_iter().filter(|r| !r.field.is_empty()).collect();
        assert_eq!(parse_conditions(&kept, &inboxes()).unwrap(), conditions);
    }

    #[test]
    fn rows_read_back_as_the_same_actions() {
        let actions = vec![
            Action::SetType {
                ticket_type: "after_sales".into(),
            },
            Action::Assign {
                user_id: None,
                team_id: Some(2),
            },
            Action::Notify {
                roles: vec!["supervisor".into()],
                user_ids: vec![],
                text: "VIP 来信".into(),
                on_duty: false,
            },
            Action::Notify {
                roles: vec!["supervisor".into()],
                user_ids: vec![],
                text: "VIP 非工作时间来信".into(),
                on_duty: true,
            },
        ];
        let rows: Vec<ActionRow> = action_rows(&actions)
            .into_iter()
            .filter(|r| !r.kind.is_empty())
            .collect();
        assert_eq!(parse_actions(&rows).unwrap(), actions);
    }

    #[test]
    fn an_unknown_inbox_or_kind_is_refused_with_its_name() {
        let row = ConditionRow {
            field: "inbox".into(),
            value: "淘宝".into(),
        };
        let e = parse_conditions(&[row], &inboxes()).unwrap_err();
        assert!(e.message.contains("淘宝"), "{}", e.message);
        let row = ActionRow {
            kind: "explode".into(),
            ..Default::default()
        };
        assert!(parse_actions(&[row]).is_err());
    }
}
