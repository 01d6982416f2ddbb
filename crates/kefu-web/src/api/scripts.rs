//! Scripts (话术): stages, personal and shared scripts, and the composer's `/` picker.

use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::i18n::I18n;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use fluent_bundle::FluentValue;
use kefu_app::scripts::{
    self, PickerQuery, ScriptInput, ScriptMatch, ScriptView, StageInput, Wording,
};
use kefu_domain::UiLocale;
use kefu_domain::script::Variable;
use kefu_store::scripts::ScriptStageRow;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/script-stages",
            get(list_script_stages).post(create_script_stage),
        )
        .route(
            "/script-stages/{id}",
            put(update_script_stage).delete(delete_script_stage),
        )
        .route("/scripts", get(list_scripts).post(create_script))
        .route(
            "/scripts/{id}",
            get(get_script).put(update_script).delete(delete_script),
        )
        .route("/scripts/{id}/uses", post(count_script_use))
        .route("/conversations/{id}/scripts", get(scripts_for_conversation))
}

#[derive(OpenApi)]
#[openapi(paths(
    list_script_stages,
    create_script_stage,
    update_script_stage,
    delete_script_stage,
    list_scripts,
    create_script,
    get_script,
    update_script,
    delete_script,
    count_script_use,
    scripts_for_conversation
))]
pub struct ScriptsApi;

/// Placeholders and dates in the body's language, from the Fluent translations.
pub struct FluentWording<'a>(pub &'a I18n);

impl Wording for FluentWording<'_> {
    fn placeholder(&self, variable: Variable, language: &str) -> String {
        let locale = UiLocale::from_tag(language).unwrap_or(UiLocale::En);
        let name = self
            .0
            .text(locale, &format!("script-var-{}", variable.as_str()), &[]);
        self.0.text(
            locale,
            "script-placeholder",
            &[("name", FluentValue::from(name))],
        )
    }

    fn date(&self, date: jiff::civil::Date, language: &str) -> String {
        let locale = UiLocale::from_tag(language).unwrap_or(UiLocale::En);
        let part = |n: i16| FluentValue::from(format!("{n:02}"));
        self.0.text(
            locale,
            "script-date",
            &[
                ("year", FluentValue::from(date.year().to_string())),
                ("month", part(date.month().into())),
                ("day", part(date.day().into())),
            ],
        )
    }
}

/// Every stage, in the order agents meet them.
#[utoipa::path(get, path = "/api/v1/script-stages", tag = "scripts",
    responses((status = 200, body = Vec<ScriptStageRow>)))]
pub async fn list_script_stages(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<ScriptStageRow>>> {
    Ok(Json(scripts::list_stages(&s.app, &actor).await?))
}

/// Adds a stage (supervisors and above).
#[utoipa::path(post, path = "/api/v1/script-stages", tag = "scripts", request_body = StageInput,
    responses((status = 201, body = ScriptStageRow), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_script_stage(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<StageInput>,
) -> ApiResult<(StatusCode, Json<ScriptStageRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(scripts::create_stage(&s.app, &actor, &req).await?),
    ))
}

/// Renames or moves a stage (supervisors and above).
#[utoipa::path(put, path = "/api/v1/script-stages/{id}", tag = "scripts", params(("id" = i64, Path)), request_body = StageInput,
    responses((status = 200, body = ScriptStageRow), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_script_stage(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<StageInput>,
) -> ApiResult<Json<ScriptStageRow>> {
    Ok(Json(scripts::update_stage(&s.app, &actor, id, &req).await?))
}

/// Removes an empty stage (supervisors and above); 409 while scripts are in it.
#[utoipa::path(delete, path = "/api/v1/script-stages/{id}", tag = "scripts", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn delete_script_stage(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    scripts::delete_stage(&s.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ScriptFilter {
    /// Only this stage's scripts.
    pub stage_id: Option<i64>,
}

/// The scripts you see: the shared ones and your own, by stage, oldest first.
#[utoipa::path(get, path = "/api/v1/scripts", tag = "scripts", params(ScriptFilter),
    responses((status = 200, body = Vec<ScriptView>)))]
pub async fn list_scripts(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(f): ApiQuery<ScriptFilter>,
) -> ApiResult<Json<Vec<ScriptView>>> {
    Ok(Json(
        scripts::list_scripts(&s.app, &actor, f.stage_id).await?,
    ))
}

/// Writes a script: your own, or with `shared` one for the whole team (supervisors and above).
#[utoipa::path(post, path = "/api/v1/scripts", tag = "scripts", request_body = ScriptInput,
    responses((status = 201, body = ScriptView), (status = 403, body = crate::error::ErrorBody), (status = 409, description = "the shortcut is taken", body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_script(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<ScriptInput>,
) -> ApiResult<(StatusCode, Json<ScriptView>)> {
    Ok((
        StatusCode::CREATED,
        Json(scripts::create_script(&s.app, &actor, &req).await?),
    ))
}

/// One script you see (another agent's personal scripts are not found).
#[utoipa::path(get, path = "/api/v1/scripts/{id}", tag = "scripts", params(("id" = i64, Path)),
    responses((status = 200, body = ScriptView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_script(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ScriptView>> {
    Ok(Json(scripts::get_script(&s.app, &actor, id).await?))
}

/// Replaces a script (its bodies too). Shared scripts: supervisors and above.
#[utoipa::path(put, path = "/api/v1/scripts/{id}", tag = "scripts", params(("id" = i64, Path)), request_body = ScriptInput,
    responses((status = 200, body = ScriptView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_script(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ScriptInput>,
) -> ApiResult<Json<ScriptView>> {
    Ok(Json(
        scripts::update_script(&s.app, &actor, id, &req).await?,
    ))
}

/// Deletes a script. Shared scripts: supervisors and above.
#[utoipa::path(delete, path = "/api/v1/scripts/{id}", tag = "scripts", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_script(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    scripts::delete_script(&s.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Counts one insertion of a script into a reply (the picker calls it; most used scripts
/// come first).
#[utoipa::path(post, path = "/api/v1/scripts/{id}/uses", tag = "scripts", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn count_script_use(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    scripts::count_use(&s.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The scripts matching what follows `/` in the composer (shortcut, title, a title word
/// or pinyin initials, by prefix), each rendered for this conversation in the
/// customer's language (else yours, else any): customer and agent names, the inbox's
/// shop name and the customer's local date filled in. Order and tracking numbers come
/// only from the query; anything without a value shows a marked placeholder
/// (`【订单号】`, `[order number]`) for the agent to fill in.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/scripts", tag = "scripts", params(("id" = i64, Path), PickerQuery),
    responses((status = 200, body = Vec<ScriptMatch>), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn scripts_for_conversation(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<PickerQuery>,
) -> ApiResult<Json<Vec<ScriptMatch>>> {
    let wording = FluentWording(&s.i18n);
    Ok(Json(
        scripts::scripts_for_conversation(&s.app, &actor, id, &q, &wording).await?,
    ))
}
