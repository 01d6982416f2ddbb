//! The archive's configuration: choice lists and custom field definitions.

use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_app::archive::{self, CustomFieldInput};
use kefu_store::fields::{ChoiceRow, CustomFieldRow};
use serde::Deserialize;
use utoipa::IntoParams;

/// A choice list: `member_level`, `source_channel`, `ticket_type`, `ticket_category`,
/// `reason_code` or `department`.
#[utoipa::path(get, path = "/api/v1/choices/{kind}", tag = "archive", params(("kind" = String, Path)),
    responses((status = 200, body = Vec<ChoiceRow>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_choices(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(kind): ApiPath<String>,
) -> ApiResult<Json<Vec<ChoiceRow>>> {
    Ok(Json(archive::list_choices(&s.app, &actor, &kind).await?))
}

/// Adds an entry to a choice list (admins).
#[utoipa::path(post, path = "/api/v1/choices/{kind}", tag = "archive", params(("kind" = String, Path)),
    request_body = archive::NewChoice,
    responses((status = 201, body = ChoiceRow), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "the key is in the list already", body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_choice(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(kind): ApiPath<String>,
    ApiJson(req): ApiJson<archive::NewChoice>,
) -> ApiResult<(StatusCode, Json<ChoiceRow>)> {
    let row = archive::add_choice(&s.app, &actor, &kind, &req).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FieldsOf {
    /// `contact` or `organisation`.
    pub entity: String,
}

#[utoipa::path(get, path = "/api/v1/custom-fields", tag = "archive", params(FieldsOf), responses((status = 200, body = Vec<CustomFieldRow>)))]
pub async fn list_custom_fields(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<FieldsOf>,
) -> ApiResult<Json<Vec<CustomFieldRow>>> {
    Ok(Json(
        archive::list_custom_fields(&s.app, &actor, &q.entity).await?,
    ))
}

/// Defines a custom field (admins).
#[utoipa::path(post, path = "/api/v1/custom-fields", tag = "archive", request_body = CustomFieldInput,
    responses((status = 201, body = CustomFieldRow), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_custom_field(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<CustomFieldInput>,
) -> ApiResult<(StatusCode, Json<CustomFieldRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(archive::create_custom_field(&s.app, &actor, &req).await?),
    ))
}
