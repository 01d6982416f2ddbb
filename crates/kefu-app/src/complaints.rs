//! Complaints (投诉), handled fairly and with evidence (有凭有据有记录): accepted and
//! recorded, evidence attached, a decision, and closing only with a resolution summary
//! and a scheduled follow-up contact with the customer (回访).

use crate::archive::optional_text;
use crate::conversations::{conversation_changed, get_conversation};
use crate::tasks::{NewFollowUp, insert_follow_up};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::ticket::COMPLAINT;
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::complaints::{self, ComplaintRow, EvidenceRow};
use kefu_store::tasks::TaskRow;
use kefu_store::tickets::{self, TicketFields};
use kefu_store::{audit, conversations};
use serde::{Deserialize, Serialize};
use serde_json::json;

const MAX_TEXT: usize = 4_000;

/// A complaint with its evidence and follow-up, as the ticket page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplaintView {
    pub complaint: ComplaintRow,
    pub evidence: Vec<EvidenceRow>,
    pub follow_up: Option<TaskRow>,
}

fn text(field: &'static str, v: &str, hint: &str) -> AppResult<String> {
    optional_text(field, &Some(v.to_owned()), MAX_TEXT)?
        .ok_or_else(|| Invalid::new(field, "required", hint.to_owned()).into())
}

fn subject(id: i64) -> String {
    format!("conversation:{id}")
}

fn no_complaint() -> AppError {
    AppError::NotFound("complaint")
}

fn closed() -> AppError {
    AppError::Conflict {
        code: "complaint_closed",
        message: "this complaint is closed; open a new ticket for anything further".into(),
        existing_id: None,
    }
}

pub async fn get_complaint(app: &App, actor: &Actor, id: i64) -> AppResult<ComplaintView> {
    get_conversation(app, actor, id).await?;
    let complaint = complaints::find(&app.db, id)
        .await?
        .ok_or_else(no_complaint)?;
    let follow_up = match complaint.follow_up_task_id {
        Some(t) => kefu_store::tasks::find(&app.db, t).await?,
        None => None,
    };
    Ok(ComplaintView {
        evidence: complaints::evidence(&app.db, id).await?,
        complaint,
        follow_up,
    })
}

/// Accepts a complaint (受理) on a ticket: what the customer complains about. The
/// ticket becomes a complaint.
pub async fn open_complaint(
    app: &App,
    actor: &Actor,
    id: i64,
    accepted: &str,
) -> AppResult<ComplaintView> {
    actor.require(Permission::WorkConversations)?;
    let row = get_conversation(app, actor, id).await?;
    let accepted = text(
        "accepted",
        accepted,
        "write down what the customer complains about",
    )?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    if complaints::find_in_tx(&mut tx, id).await?.is_some() {
        return Err(AppError::Conflict {
            code: "complaint_exists",
            message: "this ticket already has a complaint".into(),
            existing_id: Some(id),
        });
    }
    complaints::open(&mut tx, id, &accepted, actor.user_id, now).await?;
    let fields = TicketFields {
        subject: row.subject.clone(),
        ticket_type: Some(COMPLAINT.to_owned()),
        category: row.category.clone(),
        reason_code: row.reason_code.clone(),
        priority: row.priority.clone(),
    };
    tickets::set_fields(&mut tx, id, &fields, now).await?;
    let detail = json!({ "accepted": accepted }).to_string();
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "complaint.accepted",
        &subject(id),
        &detail,
        now,
    )
    .await?;
    let entry = kefu_store::timeline::NewEntry {
        kind: "complaint",
        ref_id: Some(id),
        actor_user_id: Some(actor.user_id),
        summary: &accepted,
        detail: json!({ "ticket_number": row.ticket_number }),
        occurred_at: now,
    };
    kefu_store::timeline::record_for_contact(&mut tx, row.contact_id, &entry, now).await?;
    conversation_changed(app, tx, id, actor.user_id).await?;
    get_complaint(app, actor, id).await
}

/// A piece of evidence: a message of the ticket and/or a note (what was checked, a
/// photo's description, a call's content).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewEvidence {
    pub message_id: Option<i64>,
    pub note: String,
}

pub async fn add_evidence(
    app: &App,
    actor: &Actor,
    id: i64,
    e: &NewEvidence,
) -> AppResult<ComplaintView> {
    actor.require(Permission::WorkConversations)?;
    get_conversation(app, actor, id).await?;
    let note = text("note", &e.note, "say what this evidence shows")?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let complaint = complaints::find_in_tx(&mut tx, id)
        .await?
        .ok_or_else(no_complaint)?;
    if complaint.status != "open" {
        return Err(closed());
    }
    if let Some(m) = e.message_id
        && !tickets::message_in(&mut tx, id, m).await?
    {
        return Err(AppError::NotFound("message"));
    }
    let evidence =
        complaints::add_evidence(&mut tx, id, e.message_id, &note, actor.user_id, now).await?;
    let detail = json!({ "evidence": evidence, "message_id": e.message_id }).to_string();
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "complaint.evidence_added",
        &subject(id),
        &detail,
        now,
    )
    .await?;
    conversation_changed(app, tx, id, actor.user_id).await?;
    get_complaint(app, actor, id).await
}

/// Records the decision on a complaint (what the shop will do); a supervisor's call.
pub async fn decide(app: &App, actor: &Actor, id: i64, decision: &str) -> AppResult<ComplaintView> {
    actor.require(Permission::AssignOthers)?;
    get_conversation(app, actor, id).await?;
    let decision = text("decision", decision, "write the decision")?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    complaints::find_in_tx(&mut tx, id)
        .await?
        .ok_or_else(no_complaint)?;
    if complaints::decide(&mut tx, id, &decision).await? == 0 {
        return Err(closed());
    }
    let detail = json!({ "decision": decision }).to_string();
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "complaint.decided",
        &subject(id),
        &detail,
        now,
    )
    .await?;
    conversation_changed(app, tx, id, actor.user_id).await?;
    get_complaint(app, actor, id).await
}

/// Closing a complaint: the resolution summary and when to contact the customer again.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CloseComplaint {
    pub resolution: String,
    /// When to follow up with the customer (UTC milliseconds).
    pub follow_up_at: i64,
    /// Who follows up (default: whoever closes).
    pub follow_up_assignee_id: Option<i64>,
}

/// Closes a complaint: needs a resolution summary, schedules the follow-up contact and
/// resolves the ticket.
pub async fn close_complaint(
    app: &App,
    actor: &Actor,
    id: i64,
    c: &CloseComplaint,
) -> AppResult<ComplaintView> {
    actor.require(Permission::WorkConversations)?;
    let row = get_conversation(app, actor, id).await?;
    let resolution = text(
        "resolution",
        &c.resolution,
        "a complaint closes only with a summary of how it was resolved",
    )?;
    if c.follow_up_assignee_id.is_some_and(|u| u != actor.user_id) {
        actor.require(Permission::AssignOthers)?;
    }
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let complaint = complaints::find_in_tx(&mut tx, id)
        .await?
        .ok_or_else(no_complaint)?;
    if complaint.status != "open" {
        return Err(closed());
    }
    let follow_up = NewFollowUp {
        title: format!(
            "#{} {}",
            row.ticket_number,
            complaint.accepted.chars().take(80).collect::<String>()
        ),
        note: Some(resolution.clone()),
        contact_id: Some(row.contact_id),
        conversation_id: Some(id),
        assignee_id: c.follow_up_assignee_id,
        due_at: c.follow_up_at,
    };
    let task = insert_follow_up(&mut tx, actor, &follow_up, row.contact_id, now)
        .await
        .map_err(|e| match e {
            AppError::Invalid(i) if i.field == "due_at" => {
                Invalid::new("follow_up_at", i.code, i.message).into()
            }
            other => other,
        })?;
    complaints::close(&mut tx, id, &resolution, task.id, actor.user_id, now).await?;
    conversations::set_status(&mut tx, id, "resolved", None, now).await?;
    crate::sla_clocks::status_changed(&mut tx, id, now).await?;
    let detail = json!({ "resolution": resolution, "follow_up_task": task.id }).to_string();
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "complaint.closed",
        &subject(id),
        &detail,
        now,
    )
    .await?;
    conversation_changed(app, tx, id, actor.user_id).await?;
    get_complaint(app, actor, id).await
}
