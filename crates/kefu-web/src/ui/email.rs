//! Email pages: a new email inbox, an email inbox's mailbox settings with a connection
//! test, the sender block-list, a mail's HTML in an isolated frame, retrying a reply.

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::calendars::{CsrfForm, Refusal, checked_form, refusal, with_status};
use crate::ui::customers::form::Fields;
use crate::ui::{back, csrf_rejection, render};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::email::settings::{self, EmailSettings, ServerSettings};
use kefu_app::email::{blocklist, outgoing, read};
use kefu_app::inboxes::InboxInput;
use kefu_app::teams;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/settings/inboxes/new-email",
            get(new_email_inbox).post(create_email_inbox),
        )
        .route("/settings/inboxes/{id}/email", post(save_email_settings))
        .route("/settings/inboxes/{id}/email/test", post(test_email))
        .route(
            "/settings/email-blocklist",
            get(list_blocked).post(block_sender),
        )
        .route(
            "/settings/email-blocklist/{id}/delete",
            post(unblock_sender),
        )
        .route("/messages/{id}/mail", get(mail_document))
        .route("/messages/{id}/retry", post(retry_reply))
}

/// The mailbox part of a form as typed, so a refused form comes back as it was. Secrets
/// are never sent back to the page.
#[derive(Serialize, Default, Clone)]
pub struct MailboxForm {
    pub address: String,
    pub sender_name: String,
    pub imap_host: String,
    pub imap_port: String,
    pub imap_security: String,
    pub imap_username: String,
    pub imap_auth: String,
    pub imap_mailbox: String,
    pub imap_has_secret: bool,
    pub smtp_host: String,
    pub smtp_port: String,
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_auth: String,
    pub smtp_has_secret: bool,
    pub signature_text: String,
    pub signature_html: String,
    pub tls_ca_pem: String,
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

impl MailboxForm {
    fn blank() -> Self {
        Self {
            imap_security: "tls".into(),
            imap_auth: "password".into(),
            imap_mailbox: "INBOX".into(),
            smtp_security: "starttls".into(),
            smtp_auth: "password".into(),
            ..Default::default()
        }
    }

    pub fn from_view(v: &settings::EmailSettingsView) -> Self {
        let mut f = Self::blank();
        f.address = v.address.clone();
        f.sender_name = text(&v.sender_name);
        if let Some(i) = &v.imap {
            f.imap_host = i.host.clone();
            f.imap_port = i.port.to_string();
            f.imap_security = i.security.clone();
            f.imap_username = text(&i.username);
            f.imap_auth = i.auth.clone();
            f.imap_mailbox = i.mailbox.clone().unwrap_or_else(|| "INBOX".into());
            f.imap_has_secret = i.has_secret;
        }
        if let Some(s) = &v.smtp {
            f.smtp_host = s.host.clone();
            f.smtp_port = s.port.to_string();
            f.smtp_security = s.security.clone();
            f.smtp_username = text(&s.username);
            f.smtp_auth = s.auth.clone();
            f.smtp_has_secret = s.has_secret;
        }
        f.signature_text = text(&v.signature_text);
        f.signature_html = text(&v.signature_html);
        f.tls_ca_pem = text(&v.tls_ca_pem);
        f
    }

    fn from_fields(f: &Fields) -> Self {
        Self {
            address: f.text("address"),
            sender_name: f.text("sender_name"),
            imap_host: f.text("imap_host"),
            imap_port: f.text("imap_port"),
            imap_security: f.text("imap_security"),
            imap_username: f.text("imap_username"),
            imap_auth: f.text("imap_auth"),
            imap_mailbox: f.text("imap_mailbox"),
            imap_has_secret: false,
            smtp_host: f.text("smtp_host"),
            smtp_port: f.text("smtp_port"),
            smtp_security: f.text("smtp_security"),
            smtp_username: f.text("smtp_username"),
            smtp_auth: f.text("smtp_auth"),
            smtp_has_secret: false,
            signature_text: f.text("signature_text"),
            signature_html: f.text("signature_html"),
            tls_ca_pem: f.text("tls_ca_pem"),
        }
    }
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A port as typed: blank for the default; anything else that isn't a port is refused by
/// the use case as port 0.
fn port(s: &str) -> Option<u16> {
    some(s).map(|p| p.parse().unwrap_or(0))
}

/// The settings a posted mailbox form describes (a blank host: no such server).
fn settings_of(form: &MailboxForm, f: &Fields) -> EmailSettings {
    let server =
        |prefix: &str, host: &str, port_text: &str, security: &str, user: &str, auth: &str| {
            some(host).map(|host| ServerSettings {
                host,
                port: port(port_text),
                security: security.to_owned(),
                username: some(user),
                auth: auth.to_owned(),
                secret: f.optional(&format!("{prefix}_secret")),
                mailbox: (prefix == "imap").then(|| form.imap_mailbox.clone()),
            })
        };
    EmailSettings {
        address: form.address.clone(),
        sender_name: some(&form.sender_name),
        imap: server(
            "imap",
            &form.imap_host,
            &form.imap_port,
            &form.imap_security,
            &form.imap_username,
            &form.imap_auth,
        ),
        smtp: server(
            "smtp",
            &form.smtp_host,
            &form.smtp_port,
            &form.smtp_security,
            &form.smtp_username,
            &form.smtp_auth,
        ),
        signature_text: some(&form.signature_text),
        signature_html: some(&form.signature_html),
        tls_ca_pem: some(&form.tls_ca_pem),
    }
}

/// The new-email-inbox page: the inbox's own fields and its mailbox.
#[derive(Serialize, Default)]
struct NewInboxForm {
    name: String,
    auto_reply: String,
    team: String,
    mailbox: MailboxForm,
}

async fn new_page(
    s: &AppState,
    ui: &UiActor,
    form: NewInboxForm,
    error: Option<Refusal>,
) -> Response {
    let teams = teams::list_teams(&s.app, &ui.actor)
        .await
        .unwrap_or_default();
    let page = render(
        s,
        "email_inbox_new.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { form, teams, error => &error },
    );
    with_status(page, error.as_ref())
}

pub async fn new_email_inbox(State(s): State<AppState>, ui: UiActor) -> Response {
    let form = NewInboxForm {
        mailbox: MailboxForm::blank(),
        ..Default::default()
    };
    new_page(&s, &ui, form, None).await
}

pub async fn create_email_inbox(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let f = checked_form(&ui, f)?;
    let form = NewInboxForm {
        name: f.text("name"),
        auto_reply: f.text("auto_reply"),
        team: f.text("team"),
        mailbox: MailboxForm::from_fields(&f),
    };
    let input = InboxInput {
        name: &form.name,
        greeting: None,
        auto_reply: Some(&form.auto_reply),
        team_id: form.team.parse().ok(),
        shop_name: None,
    };
    let email = settings_of(&form.mailbox, &f);
    Ok(
        match settings::create_email_inbox(&s.app, &ui.actor, &input, &email).await {
            Ok(inbox) => back(&format!("/app/settings/inboxes/{}", inbox.id)),
            Err(e) => {
                let error = refusal(&s, &ui, &e);
                new_page(&s, &ui, form, Some(error)).await
            }
        },
    )
}

pub async fn save_email_settings(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let f = checked_form(&ui, f)?;
    let form = MailboxForm::from_fields(&f);
    let email = settings_of(&form, &f);
    Ok(
        match settings::update_email_settings(&s.app, &ui.actor, id, &email).await {
            Ok(_) => back(&format!("/app/settings/inboxes/{id}?mailbox=saved#mailbox")),
            Err(e) => {
                let (status, text) = (
                    crate::ui::customers::status_of(&e),
                    crate::ui::error_text(&s, ui.actor.locale, &e),
                );
                (status, format!("{text} ({e})")).into_response()
            }
        },
    )
}

pub async fn test_email(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match settings::test_connection(&s.app, &ui.actor, id).await {
        Ok(tested) => {
            crate::ui::settings::show_connection_test(&s, &ui, id, &headers, tested).await
        }
        Err(e) => crate::ui::customers::failed(&s, &ui, e),
    }
}

async fn blocklist_page(s: &AppState, ui: &UiActor, error: Option<Refusal>) -> Response {
    let blocked = match blocklist::list(&s.app, &ui.actor).await {
        Ok(b) => b,
        Err(e) => return crate::error::ApiError::from(e).into_response_html(),
    };
    let page = render(
        s,
        "email_blocklist.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { blocked, error => &error },
    );
    with_status(page, error.as_ref())
}

pub async fn list_blocked(State(s): State<AppState>, ui: UiActor) -> Response {
    blocklist_page(&s, &ui, None).await
}

#[derive(Deserialize)]
pub struct BlockForm {
    csrf: String,
    pattern: String,
}

pub async fn block_sender(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<BlockForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match blocklist::add(&s.app, &ui.actor, &f.pattern).await {
        Ok(_) => back("/app/settings/email-blocklist"),
        Err(e) => {
            let error = refusal(&s, &ui, &e);
            blocklist_page(&s, &ui, Some(error)).await
        }
    }
}

pub async fn unblock_sender(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match blocklist::remove(&s.app, &ui.actor, id).await {
        Ok(()) => back("/app/settings/email-blocklist"),
        Err(e) => crate::ui::customers::failed(&s, &ui, e),
    }
}

#[derive(Deserialize)]
pub struct MailQuery {
    /// `1`: load the mail's remote images (the agent allowed them).
    pub images: Option<String>,
}

/// A mail's HTML as its own document, for a sandboxed frame: the response's own CSP
/// sandboxes it and forbids scripts and every load but (allowed) images.
pub async fn mail_document(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Query(q): Query<MailQuery>,
) -> Response {
    let images = q.images.as_deref() == Some("1");
    match read::mail_document(&s.app, &ui.actor, id, images).await {
        Ok((doc, img)) => {
            let csp = format!(
                "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; \
                 img-src {img}; style-src 'unsafe-inline'; form-action 'none'; \
                 frame-ancestors 'self'"
            );
            (
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
                    (header::CONTENT_SECURITY_POLICY, csp),
                    (header::CACHE_CONTROL, "private, no-store".to_owned()),
                    (header::REFERRER_POLICY, "no-referrer".to_owned()),
                ],
                doc,
            )
                .into_response()
        }
        Err(e) => crate::ui::customers::failed(&s, &ui, e),
    }
}

#[derive(Deserialize)]
pub struct RetryForm {
    csrf: String,
    conversation_id: i64,
}

pub async fn retry_reply(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<RetryForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match outgoing::retry(&s.app, &ui.actor, id).await {
        Ok(()) => back(&format!(
            "/app/conversations/{}?view=all&status=any",
            f.conversation_id
        )),
        Err(e) => crate::ui::customers::failed(&s, &ui, e),
    }
}
