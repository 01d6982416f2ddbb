//! Settings pages: inboxes (with the widget snippet), people and teams.

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::customers::with_status;
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kefu_app::email::settings::ConnectionTest;
use kefu_app::inboxes::{self, InboxInput};
use kefu_app::{AppError, teams, users};
use serde::Deserialize;

fn base_url(s: &AppState, headers: &HeaderMap) -> String {
    if !s.config.public_url.is_empty() {
        return s.config.public_url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// The one `<script>` tag a shop pastes into its pages.
pub fn widget_snippet(base: &str, widget_token: &str) -> String {
    format!(r#"<script src="{base}/widget.js" data-kefu-inbox="{widget_token}" async></script>"#)
}

#[derive(Deserialize)]
pub struct InboxForm {
    pub csrf: String,
    pub name: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub greeting: String,
    #[serde(default)]
    pub auto_reply: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub shop_name: String,
}

impl InboxForm {
    fn input(&self) -> InboxInput<'_> {
        InboxInput {
            name: &self.name,
            greeting: Some(&self.greeting),
            auto_reply: Some(&self.auto_reply),
            team_id: self.team.parse().ok(),
            shop_name: Some(&self.shop_name),
        }
    }
}

async fn inboxes_page(s: &AppState, ui: &UiActor, error: Option<String>) -> Response {
    let inboxes = inboxes::list_inboxes(&s.app, &ui.actor)
        .await
        .unwrap_or_default();
    let teams = teams::list_teams(&s.app, &ui.actor)
        .await
        .unwrap_or_default();
    render(
        s,
        "inboxes.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { inboxes, teams, error },
    )
}

pub async fn list_inboxes(State(s): State<AppState>, ui: UiActor) -> Response {
    inboxes_page(&s, &ui, None).await
}

pub async fn create_inbox(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<InboxForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match inboxes::create_inbox(&s.app, &ui.actor, &f.channel, &f.input()).await {
        Ok(inbox) => back(&format!("/app/settings/inboxes/{}", inbox.id)),
        Err(e) => inboxes_page(&s, &ui, Some(error_text(&s, ui.actor.locale, &e))).await,
    }
}

/// What the inbox page says above its forms.
#[derive(Default, Deserialize)]
pub struct InboxNotice {
    #[serde(skip)]
    error: Option<String>,
    #[serde(skip)]
    saved: bool,
    #[serde(skip)]
    hours_saved: bool,
    /// `saved` after the mailbox form.
    #[serde(default)]
    mailbox: Option<String>,
    /// A connection test's outcome, shown above the mailbox form.
    #[serde(skip)]
    tested: Option<ConnectionTest>,
}

/// The inbox page answering its connection test, with the outcome per server.
pub async fn show_connection_test(
    s: &AppState,
    ui: &UiActor,
    id: i64,
    headers: &HeaderMap,
    tested: ConnectionTest,
) -> Response {
    let notice = InboxNotice {
        tested: Some(tested),
        ..Default::default()
    };
    inbox_page(s, ui, id, headers, notice).await
}

async fn inbox_page(
    s: &AppState,
    ui: &UiActor,
    id: i64,
    headers: &HeaderMap,
    notice: InboxNotice,
) -> Response {
    let inbox = match inboxes::get_inbox(&s.app, &ui.actor, id).await {
        Ok(i) => i,
        Err(e) => return crate::error::ApiError::from(e).into_response_html(),
    };
    let teams = teams::list_teams(&s.app, &ui.actor)
        .await
        .unwrap_or_default();
    let calendars = kefu_app::calendars::list_calendars(&s.app, &ui.actor)
        .await
        .unwrap_or_default();
    let snippet = widget_snippet(&base_url(s, headers), &inbox.widget_token);
    let can_manage = ui.actor.role.allows(kefu_domain::Permission::ManageInboxes);
    let email = if inbox.channel == "email" && can_manage {
        kefu_app::email::settings::email_settings(&s.app, &ui.actor, id)
            .await
            .ok()
    } else {
        None
    };
    let mailbox = email.as_ref().map(crate::ui::email::MailboxForm::from_view);
    let ingest_url = format!("{}/api/v1/inboxes/{id}/email/raw", base_url(s, headers));
    let InboxNotice {
        error,
        saved,
        hours_saved,
        mailbox: mailbox_saved,
        tested,
    } = notice;
    render(
        s,
        "inbox.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! {
            inbox, teams, calendars, snippet, error, saved, hours_saved, can_manage,
            email, mailbox, ingest_url, tested, mailbox_saved => mailbox_saved.is_some(),
        },
    )
}

pub async fn show_inbox(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Query(notice): Query<InboxNotice>,
) -> Response {
    inbox_page(&s, &ui, id, &headers, notice).await
}

pub async fn update_inbox(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<InboxForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match inboxes::update_inbox(&s.app, &ui.actor, id, &f.input()).await {
        Ok(_) => {
            let saved = InboxNotice {
                saved: true,
                ..Default::default()
            };
            inbox_page(&s, &ui, id, &headers, saved).await
        }
        Err(e) => {
            let refused = InboxNotice {
                error: Some(error_text(&s, ui.actor.locale, &e)),
                ..Default::default()
            };
            let page = inbox_page(&s, &ui, id, &headers, refused).await;
            with_status(page, Some(&e))
        }
    }
}

#[derive(Deserialize)]
pub struct InboxCalendarForm {
    pub csrf: String,
    /// A calendar's id, or blank for "always open".
    #[serde(default)]
    pub calendar_id: String,
}

/// Sets the business calendar an inbox keeps hours by (its out-of-hours auto-reply and the
/// automation condition read it).
pub async fn set_inbox_calendar(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<InboxCalendarForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let calendar_id = f.calendar_id.trim().parse().ok();
    let notice =
        match kefu_app::calendars::set_inbox_calendar(&s.app, &ui.actor, id, calendar_id).await {
            Ok(()) => InboxNotice {
                hours_saved: true,
                ..Default::default()
            },
            Err(e) => InboxNotice {
                error: Some(error_text(&s, ui.actor.locale, &e)),
                ..Default::default()
            },
        };
    inbox_page(&s, &ui, id, &headers, notice).await
}

/// The people page: users with their department, teams, and the admin's forms.
pub(crate) async fn team_page(s: &AppState, ui: &UiActor, error: Option<String>) -> Response {
    let users = users::list_users(&s.app, &ui.actor)
        .await
        .unwrap_or_default();
    let teams = teams::list_teams(&s.app, &ui.actor)
        .await
        .unwrap_or_default();
    let departments = crate::ui::customers::choice_labels(&s.app, &ui.actor, "department")
        .await
        .unwrap_or_default();
    let can_manage = ui.actor.role.allows(kefu_domain::Permission::ManageUsers);
    render(
        s,
        "team.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! {
            users, teams, departments, error, can_manage,
            roles => ["agent", "supervisor", "manager", "admin"],
        },
    )
}

pub async fn show_team(State(s): State<AppState>, ui: UiActor) -> Response {
    team_page(&s, &ui, None).await
}

#[derive(Deserialize)]
pub struct UserForm {
    pub csrf: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub password: String,
    #[serde(default)]
    pub locale: String,
    #[serde(default)]
    pub team: String,
}

pub async fn create_user(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<UserForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let req = users::CreateUser {
        email: &f.email,
        name: &f.name,
        role: &f.role,
        password: &f.password,
        locale: Some(&f.locale)
            .filter(|l| !l.is_empty())
            .map(|l| l.as_str()),
    };
    let result = async {
        let user = users::create_user(&s.app, &ui.actor, &req).await?;
        if let Ok(team_id) = f.team.parse() {
            teams::add_member(&s.app, &ui.actor, team_id, user.id).await?;
        }
        Ok::<_, AppError>(())
    };
    match result.await {
        Ok(()) => back("/app/settings/team"),
        Err(e) => team_page(&s, &ui, Some(error_text(&s, ui.actor.locale, &e))).await,
    }
}

#[derive(Deserialize)]
pub struct TeamForm {
    pub csrf: String,
    pub name: String,
}

pub async fn create_team(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<TeamForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match teams::create_team(&s.app, &ui.actor, &f.name).await {
        Ok(_) => back("/app/settings/team"),
        Err(e) => team_page(&s, &ui, Some(error_text(&s, ui.actor.locale, &e))).await,
    }
}

#[derive(Deserialize)]
pub struct MemberForm {
    pub csrf: String,
    pub user: i64,
}

pub async fn add_member(
    State(s): State<AppState>,
    ui: UiActor,
    Path(team_id): Path<i64>,
    Form(f): Form<MemberForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match teams::add_member(&s.app, &ui.actor, team_id, f.user).await {
        Ok(()) => back("/app/settings/team"),
        Err(e) => team_page(&s, &ui, Some(error_text(&s, ui.actor.locale, &e))).await,
    }
}
