//! Extractors: who is asking (API token, session cookie, widget visitor), the
//! request's language, and JSON/query/path parsing that answers in the error envelope.

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_app::widget::Visitor;
use kefu_app::{Actor, AppError, auth};
use kefu_domain::UiLocale;
use serde::de::DeserializeOwned;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "kefu_session";
/// The cookie remembering a signed-out visitor's chosen language.
pub const LOCALE_COOKIE: &str = "kefu_locale";

/// The value of a cookie in the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// A staff member calling the API: `Authorization: Bearer <token>`, or the UI's
/// session cookie, which must echo its CSRF token in `X-CSRF-Token` on writes.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = bearer(&parts.headers) {
            return Ok(ApiActor(auth::token_actor(&state.app, token).await?));
        }
        let session = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthorized)?;
        let (actor, csrf) = auth::session_actor(&state.app, &session).await?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let echoed = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        if !safe && echoed != Some(csrf.as_str()) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "the X-CSRF-Token header is missing or wrong; reload the page",
            ));
        }
        Ok(ApiActor(actor))
    }
}

/// A signed-in staff member using the workspace; others are sent to sign in.
pub struct UiActor {
    pub actor: Actor,
    pub csrf: String,
}

impl FromRequestParts<AppState> for UiActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || {
            // Nested routers see their own part of the path; the original has all of it.
            let uri = parts
                .extensions
                .get::<axum::extract::OriginalUri>()
                .map(|o| &o.0)
                .unwrap_or(&parts.uri);
            let next = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/app");
            Redirect::to(&format!("/login?next={}", urlencode(next))).into_response()
        };
        let Some(session) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        match auth::session_actor(&state.app, &session).await {
            Ok((actor, csrf)) => Ok(UiActor { actor, csrf }),
            Err(AppError::Unauthorized) => Err(to_login()),
            Err(e) => Err(ApiError::from(e).into_response()),
        }
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The language of a page for someone not signed in: their cookie, else their browser's.
pub struct RequestLocale(pub UiLocale);

impl<S: Send + Sync> FromRequestParts<S> for RequestLocale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(l) =
            cookie(&parts.headers, LOCALE_COOKIE).and_then(|c| UiLocale::parse(&c).ok())
        {
            return Ok(RequestLocale(l));
        }
        let accept = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        Ok(RequestLocale(UiLocale::negotiate(accept)))
    }
}

/// A widget visitor: `X-Kefu-Widget` (the inbox's widget token) and `X-Kefu-Visitor`.
pub struct WidgetVisitor(pub Visitor);

impl FromRequestParts<AppState> for WidgetVisitor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let (widget, visitor) = (header("x-kefu-widget"), header("x-kefu-visitor"));
        if widget.is_empty() || visitor.is_empty() {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "widget_auth_missing",
                "send X-Kefu-Widget and X-Kefu-Visitor headers",
            ));
        }
        Ok(WidgetVisitor(
            kefu_app::widget::visitor(&state.app, &widget, &visitor)
                .await
                .map_err(widget_error)?,
        ))
    }
}

/// Widget errors name the widget token rather than a generic record.
pub fn widget_error(e: AppError) -> ApiError {
    match e {
        AppError::NotFound(_) => ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_widget_token",
            "no inbox has this widget token; copy the snippet again from the inbox settings",
        ),
        AppError::Unauthorized => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unknown_visitor",
            "this visitor token is unknown; start a new widget session",
        ),
        other => other.into(),
    }
}

/// JSON body whose parse errors answer in the error envelope.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "json_expected",
                "send the body as JSON with Content-Type: application/json",
            )),
            Err(JsonRejection::BytesRejection(r))
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "the request body is larger than 1 MiB",
                ))
            }
            Err(r) => Err(ApiError::bad_request(
                "invalid_json",
                format!("the JSON body could not be read: {}", r.body_text()),
            )),
        }
    }
}

/// Query parameters whose parse errors answer in the error envelope.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|r: QueryRejection| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("the query string could not be read: {}", r.body_text()),
                )
            })
    }
}

/// Path parameters (ids) whose parse errors answer in the error envelope.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|r: PathRejection| {
                ApiError::bad_request(
                    "invalid_path",
                    format!("the address is not valid: {}", r.body_text()),
                )
            })
    }
}

/// A raw request body (a file, a mail) as read, or a refusal the client can act on: the
/// route's `too_large` code and message past its size limit, `unreadable_body` otherwise.
pub fn raw_body(
    body: Result<Bytes, BytesRejection>,
    too_large: (&str, &str),
) -> Result<Bytes, ApiError> {
    body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, too_large.0, too_large.1)
        } else {
            ApiError::bad_request("unreadable_body", r.body_text())
        }
    })
}
