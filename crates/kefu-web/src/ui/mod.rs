//! The agent workspace: server-rendered pages (minijinja, zh-CN and English) and
//! their form posts. Live parts are in assets/app.js.

pub mod after_sales;
pub mod auth;
pub mod automation;
pub mod calendars;
pub mod choices;
pub mod conversations;
pub mod customers;
pub mod duplicates;
pub mod email;
pub mod logistics;
pub mod order_changes;
pub mod orders;
pub mod profile;
pub mod reviews;
pub mod routing;
pub mod scripts;
pub mod settings;
pub mod sla_policies;
pub mod stores;
mod templates;
pub mod tickets;
pub mod transfer;

pub use templates::environment;

use crate::error::ApiError;
use crate::extract::UiActor;
use crate::state::AppState;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use fluent_bundle::FluentValue;
use kefu_domain::UiLocale;
use serde::Serialize;

const APP_JS: &str = include_str!("../../assets/app.js");
const APP_CSS: &str = include_str!("../../assets/app.css");

/// Renders a template with the common context (language, the signed-in user, CSRF token).
pub fn render(
    state: &AppState,
    name: &str,
    locale: UiLocale,
    ui: Option<&UiActor>,
    ctx: minijinja::Value,
) -> Response {
    let common = minijinja::context! {
        locale => locale.as_str(),
        me => ui.map(|u| &u.actor),
        csrf => ui.map(|u| u.csrf.as_str()),
    };
    let merged = minijinja::context! { ..ctx, ..common };
    match state
        .templates
        .get_template(name)
        .and_then(|t| t.render(merged))
    {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, template = name, "template failed");
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the page could not be drawn",
            )
            .into_response()
        }
    }
}

/// A form's outcome: back to a page, or the page again with an error.
pub fn back(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The response refusing a form whose CSRF token is wrong (`None` when it is right).
pub fn csrf_rejection(ui: &UiActor, posted: &str) -> Option<Response> {
    if posted == ui.csrf {
        None
    } else {
        Some(
            ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "csrf_failed",
                "this form has expired; reload the page and try again",
            )
            .into_response(),
        )
    }
}

/// The translated sentence for an error, for showing beside a form.
pub fn error_text(state: &AppState, locale: UiLocale, e: &kefu_app::AppError) -> String {
    use kefu_app::AppError as E;
    let key = match e {
        E::Invalid(inv) => format!("error-{}", inv.code),
        E::NotFound(_) => "error-not_found".into(),
        E::Forbidden(_) => "error-forbidden".into(),
        E::Conflict { code, .. } => format!("error-{code}"),
        E::TooManyAttempts { .. } => "error-too_many_attempts".into(),
        _ => "error-internal".into(),
    };
    // A conflict names the record it is about (a merged ticket's survivor …): its id and
    // ticket number are there for the sentence.
    let about = match e {
        E::Conflict {
            existing_id: Some(id),
            ..
        } => Some((
            id.to_string(),
            kefu_domain::ticket::ticket_number(*id).to_string(),
        )),
        _ => None,
    };
    // What the refusal says in detail (a file's problem, a line that disagrees): some
    // texts quote it.
    let detail = match e {
        E::Invalid(inv) => inv.message.clone(),
        E::Conflict { message, .. } => message.clone(),
        other => other.to_string(),
    };
    let mut args: Vec<(&str, FluentValue<'_>)> =
        vec![("detail", FluentValue::from(detail.as_str()))];
    if let Some((id, number)) = &about {
        args.push(("id", FluentValue::from(id.as_str())));
        args.push(("number", FluentValue::from(number.as_str())));
    }
    let text = state.i18n.text(locale, &key, &args);
    if text == key { e.to_string() } else { text }
}

pub async fn app_js() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        APP_JS,
    )
        .into_response()
}

pub async fn app_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        APP_CSS,
    )
        .into_response()
}

#[derive(Serialize)]
pub struct Flash<'a> {
    pub error: Option<&'a str>,
}
