//! Contacts.

use crate::api::Page;
use crate::api::PageParams;
use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_app::contacts::{self, ContactInput, ContactListQuery, ContactView};
use kefu_store::contacts::ContactRow;

/// Contacts newest first, searched and filtered; every filter given must hold.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", params(ContactListQuery, PageParams),
    responses((status = 200, body = Page<ContactRow>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list_contacts(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ContactListQuery>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<ContactRow>>> {
    let limit = crate::api::page_limit(page.limit);
    let rows = contacts::list_contacts(&s.app, &actor, &q, page.cursor, limit).await?;
    Ok(Json(Page::new(rows, limit, |c| c.id.to_string())))
}

#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts", request_body = ContactInput,
    responses((status = 201, body = ContactView), (status = 409, description = "email or phone belongs to existing_id", body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_contact(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<ContactInput>,
) -> ApiResult<(StatusCode, Json<ContactView>)> {
    Ok((
        StatusCode::CREATED,
        Json(contacts::create_contact(&s.app, &actor, &req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = i64, Path)), responses((status = 200, body = ContactView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_contact(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ContactView>> {
    Ok(Json(contacts::get_contact(&s.app, &actor, id).await?))
}

#[utoipa::path(put, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = i64, Path)), request_body = ContactInput,
    responses((status = 200, body = ContactView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_contact(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ContactInput>,
) -> ApiResult<Json<ContactView>> {
    Ok(Json(
        contacts::update_contact(&s.app, &actor, id, &req).await?,
    ))
}
