//! Tickets: classification, merge, split and links; hand-offs and follow-up tasks;
//! complaints with their evidence.

use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use kefu_app::complaints::{self, CloseComplaint, ComplaintView, NewEvidence};
use kefu_app::tasks::{self, Escalation, NewFollowUp, TaskDone, TaskScope};
use kefu_app::tickets::{self, TicketUpdate};
use kefu_store::conversations::ConversationRow;
use kefu_store::tasks::TaskRow;
use kefu_store::tickets::LinkRow;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/conversations/{id}/ticket", put(update_ticket))
        .route("/conversations/{id}/merge", post(merge_tickets))
        .route("/conversations/{id}/split", post(split_ticket))
        .route(
            "/conversations/{id}/links",
            get(list_links).post(link_tickets),
        )
        .route("/conversations/{id}/links/{other}", delete(unlink_tickets))
        .route("/conversations/{id}/escalate", post(escalate))
        .route("/conversations/{id}/tasks", get(ticket_tasks))
        .route(
            "/conversations/{id}/complaint",
            get(get_complaint).post(open_complaint),
        )
        .route("/conversations/{id}/complaint/evidence", post(add_evidence))
        .route(
            "/conversations/{id}/complaint/decision",
            post(decide_complaint),
        )
        .route("/conversations/{id}/complaint/close", post(close_complaint))
        .route("/tasks", get(list_tasks).post(create_follow_up))
        .route("/tasks/{id}/complete", post(complete_task))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        update_ticket,
        merge_tickets,
        split_ticket,
        list_links,
        link_tickets,
        unlink_tickets,
        escalate,
        ticket_tasks,
        get_complaint,
        open_complaint,
        add_evidence,
        decide_complaint,
        close_complaint,
        list_tasks,
        create_follow_up,
        complete_task
    ),
    components(schemas(TaskScope, kefu_app::tasks::HandTo))
)]
pub struct TicketsApi;

type Errors = crate::error::ErrorBody;

/// Sets a ticket's subject, type, priority, category and reason code; fields left out
/// stay, an empty string clears one.
#[utoipa::path(put, path = "/api/v1/conversations/{id}/ticket", tag = "tickets", params(("id" = i64, Path)),
    request_body = TicketUpdate,
    responses((status = 200, body = ConversationRow), (status = 404, body = Errors),
        (status = 409, description = "the ticket was merged into another (existing_id)", body = Errors),
        (status = 422, description = "an unknown type, category or reason, or a reason outside the category", body = Errors)))]
pub async fn update_ticket(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<TicketUpdate>,
) -> ApiResult<Json<ConversationRow>> {
    Ok(Json(
        tickets::update_ticket(&s.app, &actor, id, &req).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeTickets {
    /// The ticket merged into the one in the path (its messages move; it closes).
    pub from: i64,
}

/// Merges ticket `from` into this one: messages and tasks move, `from` closes and
/// points here (`merged_into`); both stay linked. Both must be the same customer's.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/merge", tag = "tickets", params(("id" = i64, Path, description = "the ticket that stays")),
    request_body = MergeTickets,
    responses((status = 200, body = ConversationRow), (status = 404, body = Errors),
        (status = 409, description = "one of them was merged already", body = Errors),
        (status = 422, description = "the same ticket, or different customers", body = Errors)))]
pub async fn merge_tickets(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MergeTickets>,
) -> ApiResult<Json<ConversationRow>> {
    Ok(Json(
        tickets::merge_tickets(&s.app, &actor, id, req.from).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SplitTicket {
    /// This message and every later one start the new ticket.
    pub message_id: i64,
}

/// Splits a ticket: a message and the ones after it become a new ticket of the same
/// customer, linked to this one.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/split", tag = "tickets", params(("id" = i64, Path)),
    request_body = SplitTicket,
    responses((status = 201, description = "the new ticket", body = ConversationRow), (status = 404, body = Errors),
        (status = 422, description = "splitting at the first message would leave nothing", body = Errors)))]
pub async fn split_ticket(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<SplitTicket>,
) -> ApiResult<(StatusCode, Json<ConversationRow>)> {
    let created = tickets::split_ticket(&s.app, &actor, id, req.message_id).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/links", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<LinkRow>), (status = 404, body = Errors)))]
pub async fn list_links(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<LinkRow>>> {
    Ok(Json(tickets::list_links(&s.app, &actor, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkTicket {
    pub other: i64,
}

/// Links a related ticket; both show the link.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/links", tag = "tickets", params(("id" = i64, Path)),
    request_body = LinkTicket,
    responses((status = 200, body = Vec<LinkRow>), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn link_tickets(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<LinkTicket>,
) -> ApiResult<Json<Vec<LinkRow>>> {
    Ok(Json(
        tickets::link_tickets(&s.app, &actor, id, req.other).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/conversations/{id}/links/{other}", tag = "tickets", params(("id" = i64, Path), ("other" = i64, Path)),
    responses((status = 200, body = Vec<LinkRow>), (status = 404, body = Errors)))]
pub async fn unlink_tickets(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, other)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<Vec<LinkRow>>> {
    Ok(Json(
        tickets::unlink_tickets(&s.app, &actor, id, other).await?,
    ))
}

/// Hands the ticket to a supervisor, a manager, a department or a colleague as a task
/// with a deadline; the ticket shows who holds it since when until the task is answered.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/escalate", tag = "tickets", params(("id" = i64, Path)),
    request_body = Escalation,
    responses((status = 201, body = TaskRow), (status = 404, body = Errors),
        (status = 409, description = "already handed off", body = Errors), (status = 422, body = Errors)))]
pub async fn escalate(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<Escalation>,
) -> ApiResult<(StatusCode, Json<TaskRow>)> {
    let task = tasks::escalate(&s.app, &actor, id, &req).await?;
    Ok((StatusCode::CREATED, Json(task)))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/tasks", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, description = "the ticket's hand-offs and follow-ups, soonest deadline first", body = Vec<TaskRow>), (status = 404, body = Errors)))]
pub async fn ticket_tasks(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<TaskRow>>> {
    Ok(Json(tasks::ticket_tasks(&s.app, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/complaint", tag = "complaints", params(("id" = i64, Path)),
    responses((status = 200, body = ComplaintView), (status = 404, body = Errors)))]
pub async fn get_complaint(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ComplaintView>> {
    Ok(Json(complaints::get_complaint(&s.app, &actor, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AcceptComplaint {
    /// What the customer complains about, as accepted (受理).
    pub accepted: String,
}

/// Accepts a complaint on the ticket, which becomes of type `complaint`.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/complaint", tag = "complaints", params(("id" = i64, Path)),
    request_body = AcceptComplaint,
    responses((status = 201, body = ComplaintView), (status = 404, body = Errors),
        (status = 409, description = "the ticket already has a complaint", body = Errors), (status = 422, body = Errors)))]
pub async fn open_complaint(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<AcceptComplaint>,
) -> ApiResult<(StatusCode, Json<ComplaintView>)> {
    let view = complaints::open_complaint(&s.app, &actor, id, &req.accepted).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/complaint/evidence", tag = "complaints", params(("id" = i64, Path)),
    request_body = NewEvidence,
    responses((status = 200, body = ComplaintView), (status = 404, description = "no complaint, or the message is not in this ticket", body = Errors),
        (status = 409, description = "the complaint is closed", body = Errors), (status = 422, body = Errors)))]
pub async fn add_evidence(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<NewEvidence>,
) -> ApiResult<Json<ComplaintView>> {
    Ok(Json(
        complaints::add_evidence(&s.app, &actor, id, &req).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Decision {
    pub decision: String,
}

/// Records the decision on a complaint (supervisors and up).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/complaint/decision", tag = "complaints", params(("id" = i64, Path)),
    request_body = Decision,
    responses((status = 200, body = ComplaintView), (status = 403, body = Errors), (status = 404, body = Errors),
        (status = 409, body = Errors), (status = 422, body = Errors)))]
pub async fn decide_complaint(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<Decision>,
) -> ApiResult<Json<ComplaintView>> {
    Ok(Json(
        complaints::decide(&s.app, &actor, id, &req.decision).await?,
    ))
}

/// Closes a complaint: a resolution summary is required and a follow-up contact with the
/// customer is scheduled as a task; the ticket is resolved.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/complaint/close", tag = "complaints", params(("id" = i64, Path)),
    request_body = CloseComplaint,
    responses((status = 200, body = ComplaintView), (status = 404, body = Errors),
        (status = 409, description = "already closed", body = Errors), (status = 422, description = "no resolution, or a follow-up time not in the future", body = Errors)))]
pub async fn close_complaint(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CloseComplaint>,
) -> ApiResult<Json<ComplaintView>> {
    Ok(Json(
        complaints::close_complaint(&s.app, &actor, id, &req).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TaskListParams {
    /// `mine` (default: open tasks you, your department or your role hold) or
    /// `overdue` (supervisors and up).
    pub scope: Option<TaskScope>,
}

#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(TaskListParams),
    responses((status = 200, description = "soonest deadline first", body = Vec<TaskRow>), (status = 403, body = Errors)))]
pub async fn list_tasks(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<TaskListParams>,
) -> ApiResult<Json<Vec<TaskRow>>> {
    let scope = q.scope.unwrap_or(TaskScope::Mine);
    Ok(Json(tasks::list_tasks(&s.app, &actor, scope).await?))
}

/// Schedules a follow-up contact with a customer (回访).
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", request_body = NewFollowUp,
    responses((status = 201, body = TaskRow), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn create_follow_up(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<NewFollowUp>,
) -> ApiResult<(StatusCode, Json<TaskRow>)> {
    let task = tasks::create_follow_up(&s.app, &actor, &req).await?;
    Ok((StatusCode::CREATED, Json(task)))
}

/// Completes or cancels a task. Answering a hand-off notes the answer on the ticket and
/// gives it back to its assignee.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/complete", tag = "tasks", params(("id" = i64, Path)),
    request_body = TaskDone,
    responses((status = 200, body = TaskRow), (status = 403, description = "someone else holds it", body = Errors),
        (status = 404, body = Errors), (status = 409, description = "already closed", body = Errors), (status = 422, body = Errors)))]
pub async fn complete_task(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<TaskDone>,
) -> ApiResult<Json<TaskRow>> {
    Ok(Json(tasks::complete_task(&s.app, &actor, id, &req).await?))
}
