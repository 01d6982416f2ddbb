//! Set-up of the first administrator, signing in and out.

use crate::extract::{LOCALE_COOKIE, RequestLocale, SESSION_COOKIE, UiActor};
use crate::state::AppState;
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_app::{auth, users};
use kefu_domain::UiLocale;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SetupForm {
    pub name: String,
    pub email: String,
    pub password: String,
    pub locale: String,
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    pub next: String,
    pub lang: Option<String>,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

fn session_cookie(state: &AppState, value: &str, max_age_secs: i64) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    )
}

fn safe_next(next: &str) -> &str {
    if next.starts_with("/app") && !next.starts_with("//") {
        next
    } else {
        "/app"
    }
}

fn client_of(headers: &HeaderMap) -> String {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let fwd = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    format!(
        "forwarded-for={fwd}; agent={}",
        ua.chars().take(120).collect::<String>()
    )
}

pub async fn root(State(s): State<AppState>) -> Response {
    match users::needs_setup(&s.app).await {
        Ok(true) => Redirect::to("/setup").into_response(),
        _ => Redirect::to("/app").into_response(),
    }
}

pub async fn setup_page(
    State(s): State<AppState>,
    RequestLocale(locale): RequestLocale,
    Query(q): Query<NextQuery>,
) -> Response {
    if !users::needs_setup(&s.app).await.unwrap_or(false) {
        return Redirect::to("/login").into_response();
    }
    let locale = q
        .lang
        .as_deref()
        .and_then(|l| UiLocale::parse(l).ok())
        .unwrap_or(locale);
    render(
        &s,
        "setup.html",
        locale,
        None,
        minijinja::context! { error => None::<String> },
    )
}

pub async fn setup(
    State(s): State<AppState>,
    RequestLocale(locale): RequestLocale,
    Form(f): Form<SetupForm>,
) -> Response {
    let chosen = UiLocale::parse(&f.locale).unwrap_or(locale);
    match users::create_first_admin(
        &s.app,
        &f.email,
        &f.name,
        &f.password,
        Some(chosen.as_str()),
    )
    .await
    {
        Ok(_) => match auth::sign_in(&s.app, &f.email, &f.password, "setup").await {
            Ok(session) => signed_in(&s, &session, "/app"),
            Err(e) => render(
                &s,
                "login.html",
                chosen,
                None,
                minijinja::context! { error => error_text(&s, chosen, &e), next => "/app" },
            ),
        },
        Err(e) => render(
            &s,
            "setup.html",
            chosen,
            None,
            minijinja::context! { error => error_text(&s, chosen, &e), name => f.name, email => f.email },
        ),
    }
}

fn signed_in(s: &AppState, session: &auth::NewSession, next: &str) -> Response {
    let cookie = session_cookie(s, &session.cookie_value, s.app.config.session_days * 86_400);
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(safe_next(next)),
    )
        .into_response()
}

pub async fn login_page(
    State(s): State<AppState>,
    RequestLocale(locale): RequestLocale,
    Query(q): Query<NextQuery>,
) -> Response {
    if users::needs_setup(&s.app).await.unwrap_or(false) {
        return Redirect::to("/setup").into_response();
    }
    let chosen = q.lang.as_deref().and_then(|l| UiLocale::parse(l).ok());
    let locale = chosen.unwrap_or(locale);
    let page = render(
        &s,
        "login.html",
        locale,
        None,
        minijinja::context! { error => None::<String>, next => q.next },
    );
    match chosen {
        Some(l) => (
            [(
                header::SET_COOKIE,
                format!(
                    "{LOCALE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                    l.as_str()
                ),
            )],
            page,
        )
            .into_response(),
        None => page,
    }
}

pub async fn login(
    State(s): State<AppState>,
    RequestLocale(locale): RequestLocale,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    match auth::sign_in(&s.app, &f.email, &f.password, &client_of(&headers)).await {
        Ok(session) => signed_in(&s, &session, &f.next),
        Err(e) => {
            let status =
                crate::error::ApiError::from(kefu_app::AppError::Internal(String::new())).status;
            let code = match &e {
                kefu_app::AppError::TooManyAttempts { .. } => {
                    axum::http::StatusCode::TOO_MANY_REQUESTS
                }
                kefu_app::AppError::Invalid(_) => axum::http::StatusCode::UNAUTHORIZED,
                _ => status,
            };
            let page = render(
                &s,
                "login.html",
                locale,
                None,
                minijinja::context! { error => error_text(&s, locale, &e), next => f.next, email => f.email },
            );
            (code, page).into_response()
        }
    }
}

pub async fn logout(
    State(s): State<AppState>,
    ui: UiActor,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    if let Some(cookie) = crate::extract::cookie(&headers, SESSION_COOKIE) {
        let _ = auth::sign_out(&s.app, &cookie).await;
    }
    let _ = users::set_availability(&s.app, &ui.actor, "offline").await;
    (
        [(header::SET_COOKIE, session_cookie(&s, "", 0))],
        back("/login"),
    )
        .into_response()
}
