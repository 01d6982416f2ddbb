//! Automation rules (admins) and macros (agents' own, or shared by supervisors).

use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use kefu_app::automation::{self, RuleInput};
use kefu_app::macros::{self, MacroInput};
use kefu_store::automation::{MacroRow, RuleRow};
use kefu_store::conversations::ConversationRow;
use utoipa::OpenApi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/automation/rules", get(list_rules).post(create_rule))
        .route(
            "/automation/rules/{id}",
            put(update_rule).delete(delete_rule),
        )
        .route("/macros", get(list_macros).post(create_macro))
        .route("/macros/{id}", put(update_macro).delete(delete_macro))
        .route("/conversations/{id}/macros/{macro_id}", post(apply_macro))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_rules,
        create_rule,
        update_rule,
        delete_rule,
        list_macros,
        create_macro,
        update_macro,
        delete_macro,
        apply_macro
    ),
    components(schemas(
        kefu_domain::automation::Trigger,
        kefu_domain::automation::Condition,
        kefu_domain::automation::Action
    ))
)]
pub struct AutomationApi;

type Errors = crate::error::ErrorBody;

/// The rules in the order they run (admins).
#[utoipa::path(get, path = "/api/v1/automation/rules", tag = "automation",
    responses((status = 200, body = Vec<RuleRow>), (status = 403, body = Errors)))]
pub async fn list_rules(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<RuleRow>>> {
    Ok(Json(automation::list_rules(&s.app, &actor).await?))
}

/// Adds a rule: when `trigger` happens and every condition holds, the actions run, in
/// rule order, once per event.
#[utoipa::path(post, path = "/api/v1/automation/rules", tag = "automation", request_body = RuleInput,
    responses((status = 201, body = RuleRow), (status = 403, body = Errors), (status = 422, body = Errors)))]
pub async fn create_rule(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<RuleInput>,
) -> ApiResult<(StatusCode, Json<RuleRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(automation::create_rule(&s.app, &actor, &req).await?),
    ))
}

#[utoipa::path(put, path = "/api/v1/automation/rules/{id}", tag = "automation", params(("id" = i64, Path)), request_body = RuleInput,
    responses((status = 200, body = RuleRow), (status = 403, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn update_rule(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RuleInput>,
) -> ApiResult<Json<RuleRow>> {
    Ok(Json(
        automation::update_rule(&s.app, &actor, id, &req).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/automation/rules/{id}", tag = "automation", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Errors), (status = 404, body = Errors)))]
pub async fn delete_rule(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    automation::delete_rule(&s.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Shared macros and your own.
#[utoipa::path(get, path = "/api/v1/macros", tag = "automation", responses((status = 200, body = Vec<MacroRow>)))]
pub async fn list_macros(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<MacroRow>>> {
    Ok(Json(macros::list_macros(&s.app, &actor).await?))
}

#[utoipa::path(post, path = "/api/v1/macros", tag = "automation", request_body = MacroInput,
    responses((status = 201, body = MacroRow), (status = 403, description = "shared macros are for supervisors and up", body = Errors), (status = 422, body = Errors)))]
pub async fn create_macro(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<MacroInput>,
) -> ApiResult<(StatusCode, Json<MacroRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(macros::create_macro(&s.app, &actor, &req).await?),
    ))
}

/// Rewrites a macro (your own; a shared one takes a supervisor), checked as a new one.
#[utoipa::path(put, path = "/api/v1/macros/{id}", tag = "automation", params(("id" = i64, Path)), request_body = MacroInput,
    responses((status = 200, body = MacroRow), (status = 403, description = "shared macros are for supervisors and up", body = Errors), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn update_macro(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MacroInput>,
) -> ApiResult<Json<MacroRow>> {
    Ok(Json(macros::update_macro(&s.app, &actor, id, &req).await?))
}

#[utoipa::path(delete, path = "/api/v1/macros/{id}", tag = "automation", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Errors), (status = 404, body = Errors)))]
pub async fn delete_macro(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    macros::delete_macro(&s.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Applies a macro's actions to the conversation, all or none.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/macros/{macro_id}", tag = "automation", params(("id" = i64, Path), ("macro_id" = i64, Path)),
    responses((status = 200, body = ConversationRow), (status = 403, body = Errors), (status = 404, body = Errors), (status = 422, body = Errors)))]
pub async fn apply_macro(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, macro_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<ConversationRow>> {
    Ok(Json(
        macros::apply_macro(&s.app, &actor, id, macro_id).await?,
    ))
}
