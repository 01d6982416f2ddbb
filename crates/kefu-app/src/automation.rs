//! Automation: rules run on the event log in order ("when a message contains 退款, set
//! type 售后 and add a label"), and the action executor macros share.
//!
//! The rules read events after a cursor that is locked and advanced in the same
//! transaction as their actions, so with several instances each event is handled once
//! in effect. Only customer-side events trigger rules and actions never write one, so
//! rules cannot set each other off in a loop.

use crate::archive::{choice, optional_text};
use crate::conversations::{Author, write_message};
use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::automation::{Action, Condition, Facts, Trigger, all_hold, check_parts};
use kefu_domain::time::now_ms;
use kefu_domain::{ConversationStatus, Invalid, MessageBody, MessageKind, Permission, Priority};
use kefu_store::automation::{self as store, RuleFields, RuleRow};
use kefu_store::conversations::{self, ConversationRow};
use kefu_store::tickets::{self, TicketFields};
use kefu_store::{Tx, audit, events, inboxes};
use serde::Deserialize;
use serde_json::json;

/// Events read per transaction.
const BATCH: u64 = 100;
const MAX_LABELS: usize = 20;

/// Who is acting: an agent applying a macro, or a rule.
#[derive(Clone, Copy)]
pub(crate) enum Doer<'a> {
    Agent(&'a Actor),
    Rule(i64),
}

/// Applies actions to a conversation inside `tx`, then announces the change. An agent's
/// bad action is an error; a rule's is skipped and logged (a rule must not stall the log).
pub(crate) async fn apply_actions(
    app: &App,
    tx: &mut Tx,
    id: i64,
    actions: &[Action],
    doer: Doer<'_>,
) -> AppResult<ConversationRow> {
    for action in actions {
        match apply_one(app, tx, id, action, doer).await {
            Ok(()) => {}
            Err(e) if matches!(doer, Doer::Rule(_)) && !matches!(e, AppError::Store(_)) => {
                tracing::warn!(conversation = id, error = %e, "an automation action was skipped");
            }
            Err(e) => return Err(e),
        }
    }
    let row = conversations::find_in_tx(tx, id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    let (by, rule) = match doer {
        Doer::Agent(a) => (json!(a.user_id), json!(null)),
        Doer::Rule(r) => (json!(null), json!(r)),
    };
    append(
        app,
        tx,
        "conversation.updated",
        Some(id),
        Some(row.inbox_id),
        true,
        &json!({ "conversation": row, "by": by, "automation_rule": rule }),
    )
    .await?;
    Ok(row)
}

async fn apply_one(
    app: &App,
    tx: &mut Tx,
    id: i64,
    action: &Action,
    doer: Doer<'_>,
) -> AppResult<()> {
    let now = now_ms();
    let row = conversations::find_in_tx(tx, id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    let fields = |row: &ConversationRow| TicketFields {
        subject: row.subject.clone(),
        ticket_type: row.ticket_type.clone(),
        category: row.category.clone(),
        reason_code: row.reason_code.clone(),
        priority: row.priority.clone(),
    };
    match action {
        Action::Reply { text } | Action::Note { text } => {
            let kind = if matches!(action, Action::Reply { .. }) {
                MessageKind::Outgoing
            } else {
                MessageKind::Note
            };
            let author = match doer {
                Doer::Agent(a) => Author::Agent(a.user_id, &a.name),
                Doer::Rule(_) => Author::System,
            };
            let body = MessageBody::parse(text)?;
            write_message(app, tx, &row, kind, &body, author, None)
                .await?
                .ok();
        }
        Action::SetType { ticket_type } => {
            let t = choice(
                app,
                "ticket_type",
                "ticket_type",
                &Some(ticket_type.clone()),
            )
            .await?;
            tickets::set_fields(
                tx,
                id,
                &TicketFields {
                    ticket_type: t,
                    ..fields(&row)
                },
                now,
            )
            .await?;
            ticket_changed(tx, id, now).await?;
        }
        Action::SetPriority { priority } => {
            let p = Priority::parse(priority)?.as_str().to_owned();
            tickets::set_fields(
                tx,
                id,
                &TicketFields {
                    priority: p,
                    ..fields(&row)
                },
                now,
            )
            .await?;
            ticket_changed(tx, id, now).await?;
        }
        Action::AddLabel { label } => {
            let label = crate::archive::tags("label", std::slice::from_ref(label))?;
            let mut labels = row.labels.0.clone();
            for l in label {
                if !labels.contains(&l) {
                    labels.push(l);
                }
            }
            if labels.len() > MAX_LABELS {
                return Err(Invalid::new(
                    "label",
                    "too_many",
                    format!("at most {MAX_LABELS} labels"),
                )
                .into());
            }
            store::set_labels(tx, id, &labels, now).await?;
        }
        Action::Assign { user_id, team_id } => {
            if let Doer::Agent(a) = doer {
                a.require(Permission::AssignOthers)?;
            }
            if let Some(u) = user_id {
                kefu_store::users::find(&app.db, *u)
                    .await?
                    .filter(|u| !u.disabled)
                    .ok_or(AppError::NotFound("user"))?;
            }
            let team = team_id.or(row.team_id);
            conversations::assign(tx, id, user_id.or(row.assignee_id), team, None, now).await?;
        }
        Action::SetStatus { status } => {
            let s = ConversationStatus::parse(status)?;
            if s == ConversationStatus::Snoozed {
                return Err(Invalid::new(
                    "status",
                    "snooze_in_action",
                    "snoozing needs a time; snooze by hand",
                )
                .into());
            }
            conversations::set_status(tx, id, s.as_str(), None, now).await?;
            crate::sla_clocks::status_changed(tx, id, now).await?;
        }
        Action::Notify {
            roles,
            user_ids,
            text,
            on_duty,
        } => {
            let text = optional_text("text", &Some(text.clone()), 500)?.unwrap_or_default();
            // On duty: those of the roles who are online now, else (nobody is) all of them.
            let (roles, user_ids) = match on_duty {
                true => {
                    let online = kefu_store::users::online_with_roles(tx, roles).await?;
                    match online.is_empty() {
                        true => (roles.clone(), user_ids.clone()),
                        false => (Vec::new(), [user_ids.as_slice(), &online].concat()),
                    }
                }
                false => (roles.clone(), user_ids.clone()),
            };
            append(
                app,
                tx,
                "notification",
                Some(id),
                Some(row.inbox_id),
                true,
                &json!({ "notify": { "roles": roles, "user_ids": user_ids }, "text": text,
                         "conversation_id": id, "ticket_number": row.ticket_number }),
            )
            .await?;
        }
    }
    Ok(())
}

/// Re-targets the SLA clocks after a rule or macro changed the type or priority.
async fn ticket_changed(tx: &mut Tx, id: i64, now: i64) -> AppResult<()> {
    if let Some(row) = conversations::find_in_tx(tx, id).await? {
        crate::sla_clocks::on_ticket_changed(tx, &row, now).await?;
    }
    Ok(())
}

/// The facts a rule's conditions are checked against, read in the rules' transaction.
async fn facts_of(
    tx: &mut Tx,
    row: &ConversationRow,
) -> AppResult<(String, Option<String>, Vec<String>)> {
    let channel = inboxes::find_in_tx(tx, row.inbox_id)
        .await?
        .map(|i| i.channel)
        .unwrap_or_default();
    let contact = kefu_store::contacts::find_in_tx(tx, row.contact_id).await?;
    let level = match contact.as_ref().and_then(|c| c.organisation_id) {
        Some(o) => kefu_store::organisations::find_in_tx(tx, o)
            .await?
            .and_then(|o| o.member_level),
        None => None,
    };
    let tags = contact.map(|c| c.tags.0).unwrap_or_default();
    Ok((channel, level, tags))
}

/// Runs the rules on every event not yet handled; returns how many events were read.
/// The background worker calls it every second; tests call it directly.
pub async fn run_pending(app: &App) -> AppResult<usize> {
    let mut read = 0;
    loop {
        // Read outside the write transaction: idle rounds (the usual case) write nothing,
        // and the writer is not held while these reads wait.
        let seen = store::cursor(&app.db).await?;
        let batch = events::list_after(&app.db, seen, None, BATCH).await?;
        let Some(last) = batch.last().map(|e| e.id) else {
            return Ok(read);
        };
        let rules = store::rules(&app.db, true).await?;
        let mut tx = app.db.begin().await?;
        if store::lock_cursor(&mut tx).await? != seen {
            // Another instance handled these meanwhile; look again.
            tx.commit().await?;
            continue;
        }
        let mut typed = Vec::new();
        for event in &batch {
            if let Some(trigger) = trigger_of(event)
                && run_rules(app, &mut tx, &rules, trigger, event).await?
                && let Some(id) = event.conversation_id
            {
                typed.push(id);
            }
        }
        store::advance_cursor(&mut tx, last).await?;
        commit(app, tx).await?;
        typed.sort_unstable();
        typed.dedup();
        for id in typed {
            crate::routing::route_typed(app, id).await;
        }
        read += batch.len();
    }
}

/// The trigger an event fires: only what customers do (never what rules or agents do).
fn trigger_of(e: &events::EventRow) -> Option<Trigger> {
    match e.kind.as_str() {
        "conversation.created" => Some(Trigger::ConversationCreated),
        "message.created" if e.payload.contains(r#""kind":"incoming""#) => {
            Some(Trigger::MessageReceived)
        }
        _ => None,
    }
}

/// Whether an action list sets the ticket type (routing then looks at it again).
pub(crate) fn sets_type(actions: &[Action]) -> bool {
    actions.iter().any(|a| matches!(a, Action::SetType { .. }))
}

/// Runs the trigger's rules on the event's conversation; `true` when one that sets the
/// ticket type applied.
async fn run_rules(
    app: &App,
    tx: &mut Tx,
    rules: &[RuleRow],
    trigger: Trigger,
    event: &events::EventRow,
) -> AppResult<bool> {
    let Some(id) = event.conversation_id else {
        return Ok(false);
    };
    let mut typed = false;
    let payload: serde_json::Value = serde_json::from_str(&event.payload).unwrap_or_default();
    let message = payload["message"]["body"].as_str().map(str::to_owned);
    for rule in rules.iter().filter(|r| r.trigger == trigger.as_str()) {
        // Each rule sees what the rules before it did.
        let Some(row) = conversations::find_in_tx(tx, id).await? else {
            return Ok(typed);
        };
        let (channel, level, tags) = facts_of(tx, &row).await?;
        let facts = Facts {
            message: message.as_deref(),
            ticket_type: row.ticket_type.as_deref(),
            priority: &row.priority,
            inbox_id: row.inbox_id,
            channel: &channel,
            customer_level: level.as_deref(),
            customer_tags: &tags,
            business_open: crate::calendars::inbox_open(tx, row.inbox_id, now_ms()).await?,
        };
        if all_hold(&rule.conditions.0, &facts) {
            apply_actions(app, tx, id, &rule.actions.0, Doer::Rule(rule.id)).await?;
            typed |= sets_type(&rule.actions.0);
        }
    }
    Ok(typed)
}

/// A rule as an admin writes it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RuleInput {
    pub name: String,
    pub trigger: Trigger,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
    /// Where it runs among the rules (lower first; default: last).
    pub position: Option<i64>,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

pub async fn list_rules(app: &App, actor: &Actor) -> AppResult<Vec<RuleRow>> {
    actor.require(Permission::ManageAutomation)?;
    Ok(store::rules(&app.db, false).await?)
}

async fn save_rule(app: &App, actor: &Actor, id: Option<i64>, r: &RuleInput) -> AppResult<RuleRow> {
    actor.require(Permission::ManageAutomation)?;
    let name = optional_text("name", &Some(r.name.clone()), 120)?
        .ok_or_else(|| Invalid::new("name", "required", "give the rule a name"))?;
    check_parts(&r.conditions, &r.actions)?;
    let trigger = r.trigger.as_str();
    let existing = store::rules(&app.db, false).await?;
    let position = r
        .position
        .unwrap_or_else(|| existing.iter().map(|x| x.position + 1).max().unwrap_or(0));
    let fields = RuleFields {
        name: &name,
        position,
        enabled: r.enabled,
        trigger,
        conditions: &r.conditions,
        actions: &r.actions,
    };
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let row = match id {
        None => store::insert_rule(&mut tx, &fields, actor.user_id, now).await?,
        Some(id) => store::update_rule(&mut tx, id, &fields, now)
            .await?
            .ok_or(AppError::NotFound("rule"))?,
    };
    let action = if id.is_some() {
        "automation.rule_updated"
    } else {
        "automation.rule_created"
    };
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        action,
        &format!("rule:{}", row.id),
        &json!(row).to_string(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn create_rule(app: &App, actor: &Actor, r: &RuleInput) -> AppResult<RuleRow> {
    save_rule(app, actor, None, r).await
}

pub async fn update_rule(app: &App, actor: &Actor, id: i64, r: &RuleInput) -> AppResult<RuleRow> {
    save_rule(app, actor, Some(id), r).await
}

pub async fn delete_rule(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    actor.require(Permission::ManageAutomation)?;
    let mut tx = app.db.begin().await?;
    if store::delete_rule(&mut tx, id).await? == 0 {
        return Err(AppError::NotFound("rule"));
    }
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "automation.rule_deleted",
        &format!("rule:{id}"),
        "{}",
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
