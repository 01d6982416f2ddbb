//! The ticket panel beside a conversation (classification, hand-offs, complaint, links,
//! merge and split) and the task list.

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::calendars::CsrfForm;
use crate::ui::conversations::failed;
use crate::ui::customers::choice_labels;
use crate::ui::{back, csrf_rejection, render};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::complaints::{self, CloseComplaint, NewEvidence};
use kefu_app::tasks::{self, Escalation, HandTo, TaskDone, TaskScope};
use kefu_app::tickets::{self, TicketUpdate};
use kefu_app::{Actor, AppError};
use kefu_domain::{Invalid, Permission, ticket};
use kefu_store::conversations::ConversationRow;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/conversations/{id}/ticket", post(update_ticket))
        .route("/conversations/{id}/escalate", post(escalate))
        .route("/conversations/{id}/merge", post(merge_ticket))
        .route("/conversations/{id}/split", post(split_ticket))
        .route("/conversations/{id}/links", post(link_ticket))
        .route(
            "/conversations/{id}/links/{other}/delete",
            post(unlink_ticket),
        )
        .route("/conversations/{id}/complaint", post(open_complaint))
        .route("/conversations/{id}/complaint/evidence", post(add_evidence))
        .route("/conversations/{id}/complaint/decision", post(decide))
        .route("/conversations/{id}/complaint/close", post(close_complaint))
        .route("/tasks", get(tasks_page))
        .route("/tasks/{id}/complete", post(complete_task))
}

/// What the ticket panel of a conversation shows.
pub async fn panel(
    s: &AppState,
    actor: &Actor,
    row: &ConversationRow,
) -> Result<minijinja::Value, AppError> {
    let app = &s.app;
    let complaint = match complaints::get_complaint(app, actor, row.id).await {
        Ok(c) => Some(c),
        Err(AppError::NotFound(_)) => None,
        Err(e) => return Err(e),
    };
    Ok(minijinja::context! {
        ticket_types => choice_labels(app, actor, "ticket_type").await?,
        categories => choice_labels(app, actor, "ticket_category").await?,
        reasons => choice_labels(app, actor, "reason_code").await?,
        departments => choice_labels(app, actor, "department").await?,
        priorities => ["low", "normal", "high", "urgent"],
        tasks => tasks::ticket_tasks(app, actor, row.id).await?,
        links => tickets::list_links(app, actor, row.id).await?,
        complaint,
        clocks => kefu_app::sla_clocks::clocks(app, actor, row.id).await?,
        can_decide => actor.role.allows(Permission::AssignOthers),
        macros => kefu_app::macros::list_macros(app, actor).await?,
    })
}

fn to_ticket(id: i64) -> Response {
    back(&format!(
        "/app/conversations/{id}?view=all&status=any#ticket"
    ))
}

/// Runs a form's use case after the CSRF check; back to the ticket, or the error.
async fn submit<T>(
    s: &AppState,
    ui: &UiActor,
    csrf: &str,
    id: i64,
    run: impl Future<Output = Result<T, AppError>>,
) -> Response {
    submit_then(s, ui, csrf, run, |_| to_ticket(id)).await
}

/// Like [`submit`], with where to go next decided by the result.
async fn submit_then<T>(
    s: &AppState,
    ui: &UiActor,
    csrf: &str,
    run: impl Future<Output = Result<T, AppError>>,
    next: impl FnOnce(T) -> Response,
) -> Response {
    if let Some(r) = csrf_rejection(ui, csrf) {
        return r;
    }
    match run.await {
        Ok(done) => next(done),
        Err(e) => failed(s, ui, e),
    }
}

/// A ticket number typed as `#10023` or `10023`.
fn ticket_number(field: &'static str, typed: &str) -> Result<i64, AppError> {
    ticket::conversation_of(typed).ok_or_else(|| {
        Invalid::new(
            field,
            "invalid_ticket_number",
            "type a ticket number such as #10023",
        )
        .into()
    })
}

#[derive(Deserialize)]
pub struct TicketForm {
    csrf: String,
    subject: String,
    ticket_type: String,
    priority: String,
    category: String,
    reason_code: String,
}

async fn update_ticket(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<TicketForm>,
) -> Response {
    let update = TicketUpdate {
        subject: Some(f.subject),
        ticket_type: Some(f.ticket_type),
        priority: Some(f.priority),
        category: Some(f.category),
        reason_code: Some(f.reason_code),
    };
    submit(
        &s,
        &ui,
        &f.csrf,
        id,
        tickets::update_ticket(&s.app, &ui.actor, id, &update),
    )
    .await
}

#[derive(Deserialize)]
pub struct EscalateForm {
    csrf: String,
    /// `supervisor`, `manager` or `department:<key>`.
    to: String,
    note: String,
    due_in_minutes: Option<i64>,
}

async fn escalate(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<EscalateForm>,
) -> Response {
    let (to, department) = match f.to.split_once(':') {
        Some(("department", d)) => (HandTo::Department, Some(d.to_owned())),
        _ if f.to == "manager" => (HandTo::Manager, None),
        _ => (HandTo::Supervisor, None),
    };
    let e = Escalation {
        to,
        department,
        user_id: None,
        note: f.note,
        due_in_minutes: f.due_in_minutes,
    };
    submit(
        &s,
        &ui,
        &f.csrf,
        id,
        tasks::escalate(&s.app, &ui.actor, id, &e),
    )
    .await
}

#[derive(Deserialize)]
pub struct OtherTicketForm {
    csrf: String,
    other: String,
}

async fn merge_ticket(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<OtherTicketForm>,
) -> Response {
    let run = async {
        let from = ticket_number("other", &f.other)?;
        tickets::merge_tickets(&s.app, &ui.actor, id, from).await
    };
    submit(&s, &ui, &f.csrf, id, run).await
}

async fn link_ticket(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<OtherTicketForm>,
) -> Response {
    let run = async {
        let other = ticket_number("other", &f.other)?;
        tickets::link_tickets(&s.app, &ui.actor, id, other).await
    };
    submit(&s, &ui, &f.csrf, id, run).await
}

async fn unlink_ticket(
    State(s): State<AppState>,
    ui: UiActor,
    Path((id, other)): Path<(i64, i64)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let run = tickets::unlink_tickets(&s.app, &ui.actor, id, other);
    submit(&s, &ui, &f.csrf, id, run).await
}

#[derive(Deserialize)]
pub struct SplitForm {
    csrf: String,
    message_id: i64,
}

async fn split_ticket(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<SplitForm>,
) -> Response {
    let run = tickets::split_ticket(&s.app, &ui.actor, id, f.message_id);
    submit_then(&s, &ui, &f.csrf, run, |created| to_ticket(created.id)).await
}

#[derive(Deserialize)]
pub struct TextForm {
    csrf: String,
    text: String,
}

async fn open_complaint(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<TextForm>,
) -> Response {
    submit(
        &s,
        &ui,
        &f.csrf,
        id,
        complaints::open_complaint(&s.app, &ui.actor, id, &f.text),
    )
    .await
}

async fn decide(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<TextForm>,
) -> Response {
    submit(
        &s,
        &ui,
        &f.csrf,
        id,
        complaints::decide(&s.app, &ui.actor, id, &f.text),
    )
    .await
}

#[derive(Deserialize)]
pub struct EvidenceForm {
    csrf: String,
    note: String,
    #[serde(default)]
    message_id: String,
}

async fn add_evidence(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<EvidenceForm>,
) -> Response {
    let e = NewEvidence {
        message_id: f.message_id.trim().parse().ok(),
        note: f.note,
    };
    submit(
        &s,
        &ui,
        &f.csrf,
        id,
        complaints::add_evidence(&s.app, &ui.actor, id, &e),
    )
    .await
}

#[derive(Deserialize)]
pub struct CloseForm {
    csrf: String,
    resolution: String,
    /// Days from now until the follow-up contact.
    follow_up_days: i64,
}

async fn close_complaint(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<CloseForm>,
) -> Response {
    let c = CloseComplaint {
        resolution: f.resolution,
        follow_up_at: kefu_domain::time::now_ms() + f.follow_up_days.clamp(0, 366) * 86_400_000,
        follow_up_assignee_id: None,
    };
    submit(
        &s,
        &ui,
        &f.csrf,
        id,
        complaints::close_complaint(&s.app, &ui.actor, id, &c),
    )
    .await
}

#[derive(Deserialize)]
pub struct CompleteForm {
    csrf: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    cancel: Option<String>,
}

async fn complete_task(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<CompleteForm>,
) -> Response {
    let done = TaskDone {
        result: Some(f.result),
        cancel: f.cancel.is_some(),
    };
    let run = tasks::complete_task(&s.app, &ui.actor, id, &done);
    submit_then(&s, &ui, &f.csrf, run, |_| back("/app/tasks")).await
}

/// Open tasks the agent holds (theirs, their department's, their role's) and, for
/// supervisors, every overdue one.
async fn tasks_page(State(s): State<AppState>, ui: UiActor) -> Response {
    let result = async {
        let mine = tasks::list_tasks(&s.app, &ui.actor, TaskScope::Mine).await?;
        let overdue = if ui.actor.role.allows(Permission::AssignOthers) {
            tasks::list_tasks(&s.app, &ui.actor, TaskScope::Overdue).await?
        } else {
            Vec::new()
        };
        let departments = choice_labels(&s.app, &ui.actor, "department").await?;
        let ctx = minijinja::context! { mine, overdue, departments };
        Ok::<_, AppError>(render(&s, "tasks.html", ui.actor.locale, Some(&ui), ctx))
    };
    result.await.unwrap_or_else(|e| failed(&s, &ui, e))
}
