//! The call-back after a medium or bad review (中差评回访): opened once per review for
//! whoever looks after the buyer, and completed with the reason, the outcome and the
//! reply posted under the review, which count towards the weekly summary.

use super::CALLBACK_TASK;
use crate::archive::{choice, optional_text};
use crate::events::{append, commit};
use crate::tasks::{holds, open_task, settle_task};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::Tx;
use kefu_store::reviews::{self, CallbackRecord, ReviewFields, ReviewRow};
use kefu_store::tasks::NewTask;
use serde::Deserialize;
use serde_json::json;

const MAX_NOTE_CHARS: usize = 4_000;
const MAX_REPLY_CHARS: usize = 2_000;

/// Opens the call-back task of a review in `tx` and links it; returns the task's id.
/// Held by the agent of the buyer's latest conversation, else the store's team, else
/// the supervisors; due after the store's call-back hours.
pub(super) async fn open(
    app: &App,
    tx: &mut Tx,
    review_id: i64,
    f: &ReviewFields,
    order_number: &str,
    now: i64,
) -> AppResult<i64> {
    let settings = kefu_store::store_settings::get_in_tx(tx, f.store_id).await?;
    let agent = match f.contact_id {
        Some(c) => reviews::latest_agent_of_contact(tx, c).await?,
        None => None,
    };
    let team = agent.is_none().then_some(settings.team_id).flatten();
    let role = (agent.is_none() && team.is_none()).then_some("supervisor");
    let title = format!("{order_number} ★{}", f.rating);
    let task = open_task(
        app,
        tx,
        &NewTask {
            kind: CALLBACK_TASK,
            title: &title,
            // The buyer's words stay on the review (erased with the customer), not here.
            note: None,
            conversation_id: None,
            contact_id: f.contact_id,
            assignee_id: agent,
            department: None,
            to_role: role,
            due_at: Some(now + settings.callback_hours.saturating_mul(3_600_000)),
            created_by: None,
        },
        team,
        now,
    )
    .await?;
    if !reviews::set_callback_task(tx, review_id, task.id).await? {
        // Another call-back was linked first: this one is not needed.
        settle_task(app, tx, task.id, ("cancelled", None), None, now).await?;
    }
    Ok(task.id)
}

/// What a call-back found out.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CallbackInput {
    /// Why the buyer was unhappy: a key of the `review_reason` list.
    pub reason: String,
    /// How it ended: a key of the `review_outcome` list.
    pub outcome: String,
    /// The reply posted under the review, if one was.
    pub reply: Option<String>,
    pub note: Option<String>,
}

/// Completes a review's call-back: records the reason, outcome and reply, closes its
/// task, and counts the reason for the store's week. Whoever holds the task may.
pub async fn record_callback(
    app: &App,
    actor: &Actor,
    review_id: i64,
    input: &CallbackInput,
) -> AppResult<ReviewRow> {
    actor.require(Permission::WorkConversations)?;
    let review = reviews::find(&app.db, review_id)
        .await?
        .ok_or(AppError::NotFound("review"))?;
    let task_id = review.callback_task_id.ok_or_else(|| {
        Invalid::new(
            "review",
            "no_callback",
            "this review was good: it has no call-back to record",
        )
    })?;
    let task = kefu_store::tasks::find(&app.db, task_id)
        .await?
        .ok_or(AppError::NotFound("task"))?;
    if !holds(app, actor, &task).await? {
        return Err(AppError::Forbidden(
            "this call-back is held by someone else; ask them or a supervisor".into(),
        ));
    }
    let required = |field: &'static str, v: &str| {
        Some(v.to_owned())
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| Invalid::new(field, "required", "choose one from the list"))
    };
    let reason = choice(
        app,
        "reason",
        "review_reason",
        &Some(required("reason", &input.reason)?),
    )
    .await?
    .unwrap_or_default();
    let outcome = choice(
        app,
        "outcome",
        "review_outcome",
        &Some(required("outcome", &input.outcome)?),
    )
    .await?
    .unwrap_or_default();
    let reply = optional_text("reply", &input.reply, MAX_REPLY_CHARS)?;
    let note = optional_text("note", &input.note, MAX_NOTE_CHARS)?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let summary = note.as_deref().or(reply.as_deref());
    if !settle_task(
        app,
        &mut tx,
        task_id,
        ("done", summary),
        Some(actor.user_id),
        now,
    )
    .await?
    {
        return Err(AppError::Conflict {
            code: "callback_closed",
            message: "this call-back is already recorded or cancelled".into(),
            existing_id: Some(task_id),
        });
    }
    let record = CallbackRecord {
        reason: &reason,
        outcome: &outcome,
        reply: reply.as_deref(),
        note: note.as_deref(),
        by: actor.user_id,
    };
    reviews::record_callback(&mut tx, review_id, &record, now).await?;
    reviews::count_reason(&mut tx, review.store_id, &review.week, &reason).await?;
    let payload = json!({
        "review_id": review_id, "store_id": review.store_id, "order_id": review.order_id,
        "reason": reason, "outcome": outcome, "by": actor.user_id,
    });
    append(
        app,
        &mut tx,
        "review.called_back",
        None,
        None,
        true,
        &payload,
    )
    .await?;
    commit(app, tx).await?;
    reviews::find(&app.db, review_id)
        .await?
        .ok_or(AppError::NotFound("review"))
}
