//! The signed-in user's profile: language, availability and API tokens.

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::customers::with_status;
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use kefu_app::{auth, users};
use serde::Deserialize;

async fn profile_page(
    s: &AppState,
    ui: &UiActor,
    new_token: Option<String>,
    error: Option<String>,
) -> Response {
    let tokens = auth::list_tokens(&s.app, &ui.actor)
        .await
        .unwrap_or_default();
    let me_row = kefu_store::users::find(&s.app.db, ui.actor.user_id)
        .await
        .ok()
        .flatten();
    let availability = me_row
        .map(|u| u.availability)
        .unwrap_or_else(|| "offline".into());
    render(
        s,
        "profile.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { tokens, new_token, error, availability, availabilities => ["online", "busy", "away", "offline"] },
    )
}

/// The profile again, beside why a form was refused, with the refusal's status.
async fn refused(s: &AppState, ui: &UiActor, e: &kefu_app::AppError) -> Response {
    let page = profile_page(s, ui, None, Some(error_text(s, ui.actor.locale, e))).await;
    with_status(page, Some(e))
}

pub async fn show_profile(State(s): State<AppState>, ui: UiActor) -> Response {
    profile_page(&s, &ui, None, None).await
}

#[derive(Deserialize)]
pub struct ValueForm {
    pub csrf: String,
    pub value: String,
}

pub async fn set_locale(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<ValueForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match users::set_locale(&s.app, &ui.actor, &f.value).await {
        Ok(_) => back("/app/profile"),
        Err(e) => refused(&s, &ui, &e).await,
    }
}

pub async fn set_availability(
    State(s): State<AppState>,
    ui: UiActor,
    headers: HeaderMap,
    Form(f): Form<ValueForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let back_to = headers
        .get("referer")
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("/app").map(|i| r[i..].to_owned()))
        .unwrap_or_else(|| "/app/profile".into());
    match users::set_availability(&s.app, &ui.actor, &f.value).await {
        Ok(_) => back(&back_to),
        Err(e) => refused(&s, &ui, &e).await,
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    pub csrf: String,
    pub name: String,
}

pub async fn create_token(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<TokenForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match auth::create_token(&s.app, ui.actor.user_id, &f.name).await {
        Ok((secret, _)) => profile_page(&s, &ui, Some(secret), None).await,
        Err(e) => refused(&s, &ui, &e).await,
    }
}
