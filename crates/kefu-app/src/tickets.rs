//! Tickets: classifying a conversation (subject, type, priority, category and reason
//! code), and merging, splitting and linking tickets.

use crate::archive::{changes, choice, present};
use crate::conversations::{conversation_changed, get_conversation};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::ticket::{Subject, reason_belongs_to};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission, Priority};
use kefu_store::conversations::{self, ConversationRow};
use kefu_store::tickets::{self, LinkRow, TicketFields};
use kefu_store::{Tx, audit};
use serde::Deserialize;
use serde_json::json;

/// A change to a ticket's classification: fields left out stay as they are, an empty
/// string clears one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TicketUpdate {
    pub subject: Option<String>,
    /// A `ticket_type` list key (`inquiry`, `complaint`, `after_sales` …).
    pub ticket_type: Option<String>,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: Option<String>,
    /// A `ticket_category` list key (问题分类).
    pub category: Option<String>,
    /// A `reason_code` list key under the category (`delivery.late`).
    pub reason_code: Option<String>,
}

/// Validates an update against the ticket as it is; the fields to store.
async fn validate(app: &App, row: &ConversationRow, u: &TicketUpdate) -> AppResult<TicketFields> {
    let keep = |given: &Option<String>, now: &Option<String>| match given {
        Some(_) => present(given).map(str::to_owned),
        None => now.clone(),
    };
    let subject = match present(&u.subject) {
        Some(s) => Some(Subject::parse(s)?.as_str().to_owned()),
        None if u.subject.is_some() => None,
        None => row.subject.clone(),
    };
    let ticket_type = keep(&u.ticket_type, &row.ticket_type);
    let ticket_type = choice(app, "ticket_type", "ticket_type", &ticket_type).await?;
    let category = keep(&u.category, &row.category);
    let category = choice(app, "category", "ticket_category", &category).await?;
    // A new category without a reason drops the old category's reason.
    let reason = match (&u.reason_code, &u.category) {
        (None, Some(_)) => row
            .reason_code
            .clone()
            .filter(|r| category.as_deref().is_some_and(|c| reason_belongs_to(r, c))),
        _ => keep(&u.reason_code, &row.reason_code),
    };
    let reason_code = choice(app, "reason_code", "reason_code", &reason).await?;
    if let Some(r) = &reason_code {
        let under = category.as_deref().is_some_and(|c| reason_belongs_to(r, c));
        if !under {
            return Err(Invalid::new(
                "reason_code",
                "reason_outside_category",
                format!("'{r}' is not a reason of the category; pick the category first"),
            )
            .into());
        }
    }
    let priority = match present(&u.priority) {
        Some(p) => Priority::parse(p)?.as_str().to_owned(),
        None => row.priority.clone(),
    };
    Ok(TicketFields {
        subject,
        ticket_type,
        category,
        reason_code,
        priority,
    })
}

/// A ticket that may still change: not merged away.
fn live(row: ConversationRow) -> AppResult<ConversationRow> {
    match row.merged_into {
        Some(survivor) => Err(AppError::Conflict {
            code: "ticket_merged",
            message: format!(
                "this ticket was merged into #{}; work on that one",
                kefu_domain::ticket::ticket_number(survivor)
            ),
            existing_id: Some(survivor),
        }),
        None => Ok(row),
    }
}

/// Sets a ticket's subject, type, priority, category and reason code (audited).
pub async fn update_ticket(
    app: &App,
    actor: &Actor,
    id: i64,
    update: &TicketUpdate,
) -> AppResult<ConversationRow> {
    actor.require(Permission::WorkConversations)?;
    let before = live(get_conversation(app, actor, id).await?)?;
    let fields = validate(app, &before, update).await?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    tickets::set_fields(&mut tx, id, &fields, now).await?;
    if fields.subject != before.subject {
        crate::conversation_search::index_subject(&mut tx, id, fields.subject.as_deref()).await?;
    }
    let after = conversations::find_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    let mut diff = changes(&json!(before), &json!(after));
    diff.retain(|k, _| {
        matches!(
            k.as_str(),
            "subject" | "ticket_type" | "priority" | "category" | "reason_code"
        )
    });
    if diff.is_empty() {
        return Ok(before);
    }
    crate::sla_clocks::on_ticket_changed(&mut tx, &after, now).await?;
    let detail = serde_json::Value::Object(diff).to_string();
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "ticket.updated",
        &subject(id),
        &detail,
        now,
    )
    .await?;
    let typed = fields.ticket_type != before.ticket_type;
    let row = conversation_changed(app, tx, id, actor.user_id).await?;
    match typed {
        true => Ok(crate::routing::route_typed(app, id).await.unwrap_or(row)),
        false => Ok(row),
    }
}

fn subject(id: i64) -> String {
    format!("conversation:{id}")
}

/// Two live tickets, both visible to the actor; the same one twice is refused.
async fn pair(
    app: &App,
    actor: &Actor,
    a: i64,
    b: i64,
) -> AppResult<(ConversationRow, ConversationRow)> {
    if a == b {
        return Err(
            Invalid::new("other", "same_ticket", "pick another ticket, not this one").into(),
        );
    }
    let first = live(get_conversation(app, actor, a).await?)?;
    let second = live(get_conversation(app, actor, b).await?)?;
    Ok((first, second))
}

/// Merges ticket `from` into `survivor`: every message and task moves, the merged ticket
/// is closed and points to the survivor, both stay linked. Only tickets of one customer
/// merge (merge the customers first).
pub async fn merge_tickets(
    app: &App,
    actor: &Actor,
    survivor: i64,
    from: i64,
) -> AppResult<ConversationRow> {
    actor.require(Permission::WorkConversations)?;
    let (keep, gone) = pair(app, actor, survivor, from).await?;
    if keep.status == "closed" {
        return Err(Invalid::new(
            "from",
            "survivor_closed",
            "this ticket is closed and takes no more messages; merge it into the open one instead",
        )
        .into());
    }
    if keep.contact_id != gone.contact_id {
        return Err(Invalid::new(
            "from",
            "different_customers",
            "these tickets belong to different customers; merge the customers first",
        )
        .into());
    }
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    if tickets::mark_merged(&mut tx, from, survivor, now).await? == 0 {
        return Err(live(gone)
            .err()
            .unwrap_or(AppError::NotFound("conversation")));
    }
    let messages = tickets::move_messages(&mut tx, from, survivor, None).await?;
    let tasks = tickets::move_tasks(&mut tx, from, survivor).await?;
    tickets::recount(&mut tx, from, now).await?;
    tickets::recount(&mut tx, survivor, now).await?;
    tickets::link(&mut tx, survivor, from, "merged", Some(actor.user_id), now).await?;
    let detail = json!({ "from": from, "messages": messages, "tasks": tasks }).to_string();
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "ticket.merged",
        &subject(survivor),
        &detail,
        now,
    )
    .await?;
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "ticket.merged_into",
        &subject(from),
        &json!({ "into": survivor }).to_string(),
        now,
    )
    .await?;
    announce(app, &mut tx, from, actor.user_id).await?;
    conversation_changed(app, tx, survivor, actor.user_id).await
}

/// Splits a ticket: message `message_id` and every later one start a new ticket for the
/// same customer in the same inbox, linked to the first. Returns the new ticket.
pub async fn split_ticket(
    app: &App,
    actor: &Actor,
    id: i64,
    message_id: i64,
) -> AppResult<ConversationRow> {
    actor.require(Permission::WorkConversations)?;
    let row = live(get_conversation(app, actor, id).await?)?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    if !tickets::message_in(&mut tx, id, message_id).await? {
        return Err(AppError::NotFound("message"));
    }
    let opening = conversations::Opening {
        inbox_id: row.inbox_id,
        contact_id: row.contact_id,
        team_id: row.team_id,
        subject: None,
        actor_user_id: Some(actor.user_id),
        summary: &row.inbox_name,
        detail: json!({ "inbox_id": row.inbox_id, "split_from": id }),
        now,
    };
    let new_id = conversations::open(&mut tx, &opening).await?.id;
    let moved = tickets::move_messages(&mut tx, id, new_id, Some(message_id)).await?;
    tickets::recount(&mut tx, id, now).await?;
    let left = conversations::find_in_tx(&mut tx, id)
        .await?
        .map_or(0, |r| r.messages_count);
    if left == 0 {
        return Err(Invalid::new(
            "message_id",
            "split_everything",
            "that is the first message: splitting there would leave this ticket empty",
        )
        .into());
    }
    let fields = TicketFields {
        subject: row.subject.clone(),
        ticket_type: row.ticket_type.clone(),
        category: None,
        reason_code: None,
        priority: row.priority.clone(),
    };
    tickets::set_fields(&mut tx, new_id, &fields, now).await?;
    crate::conversation_search::index_subject(&mut tx, new_id, fields.subject.as_deref()).await?;
    if row.assignee_id.is_some() {
        conversations::assign(&mut tx, new_id, row.assignee_id, row.team_id, None, now).await?;
    }
    tickets::recount(&mut tx, new_id, now).await?;
    tickets::link(&mut tx, id, new_id, "split", Some(actor.user_id), now).await?;
    let detail = json!({ "into": new_id, "from_message": message_id, "messages": moved });
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "ticket.split",
        &subject(id),
        &detail.to_string(),
        now,
    )
    .await?;
    announce(app, &mut tx, id, actor.user_id).await?;
    let created = conversations::find_in_tx(&mut tx, new_id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    crate::events::append(
        app,
        &mut tx,
        "conversation.created",
        Some(new_id),
        Some(created.inbox_id),
        true,
        &json!({ "conversation": created, "by": actor.user_id }),
    )
    .await?;
    crate::events::commit(app, tx).await?;
    Ok(created)
}

/// Appends `conversation.updated` for a ticket changed alongside another one.
async fn announce(app: &App, tx: &mut Tx, id: i64, by: i64) -> AppResult<()> {
    let row = conversations::find_in_tx(tx, id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    crate::events::append(
        app,
        tx,
        "conversation.updated",
        Some(id),
        Some(row.inbox_id),
        true,
        &json!({ "conversation": row, "by": by }),
    )
    .await?;
    Ok(())
}

/// Links two related tickets (both show the other).
pub async fn link_tickets(
    app: &App,
    actor: &Actor,
    id: i64,
    other: i64,
) -> AppResult<Vec<LinkRow>> {
    actor.require(Permission::WorkConversations)?;
    pair(app, actor, id, other).await?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    tickets::link(&mut tx, id, other, "related", Some(actor.user_id), now).await?;
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "ticket.linked",
        &subject(id),
        &json!({ "other": other }).to_string(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(tickets::links(&app.db, id).await?)
}

pub async fn unlink_tickets(
    app: &App,
    actor: &Actor,
    id: i64,
    other: i64,
) -> AppResult<Vec<LinkRow>> {
    actor.require(Permission::WorkConversations)?;
    get_conversation(app, actor, id).await?;
    let mut tx = app.db.begin().await?;
    if tickets::unlink(&mut tx, id, other).await? == 0 {
        return Err(AppError::NotFound("link"));
    }
    tx.commit().await?;
    Ok(tickets::links(&app.db, id).await?)
}

pub async fn list_links(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<LinkRow>> {
    get_conversation(app, actor, id).await?;
    Ok(tickets::links(&app.db, id).await?)
}
