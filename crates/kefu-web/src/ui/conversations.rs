//! The conversation lists and the conversation screen.

use crate::extract::{UiActor, urlencode};
use crate::state::AppState;
use crate::ui::{back, csrf_rejection, render};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_app::attachments::Viewer;
use kefu_app::conversations::{self as conv, ListQuery, View};
use kefu_app::{AppError, contacts, teams, users};
use kefu_domain::ConversationStatus;
use kefu_store::conversations::ConversationRow;
use serde::{Deserialize, Serialize};

const PAGE_SIZE: u64 = 50;

/// The list filters, as they appear in the address bar.
#[derive(Deserialize, Serialize, Default, Clone)]
pub struct ListFilters {
    pub view: Option<String>,
    pub status: Option<String>,
    pub team: Option<i64>,
    /// Words in a message or the subject, or a ticket number.
    pub q: Option<String>,
    pub cursor: Option<String>,
}

impl ListFilters {
    fn query(&self) -> Result<ListQuery, AppError> {
        let status = match self.status.as_deref() {
            None | Some("") => Some(ConversationStatus::Open),
            Some("any") => None,
            Some(s) => Some(ConversationStatus::parse(s)?),
        };
        Ok(ListQuery {
            view: self
                .view
                .as_deref()
                .map(View::parse)
                .transpose()?
                .unwrap_or_default(),
            status,
            team_id: self.team,
            q: self.search().map(str::to_owned),
            after: self.cursor.as_deref().map(conv::parse_cursor).transpose()?,
            limit: PAGE_SIZE,
            ..Default::default()
        })
    }

    /// The query string that keeps these filters (without the cursor).
    fn keep(&self) -> String {
        let mut parts = vec![format!("view={}", self.view.as_deref().unwrap_or("mine"))];
        if let Some(s) = self.status.as_deref().filter(|s| !s.is_empty()) {
            parts.push(format!("status={s}"));
        }
        if let Some(t) = self.team {
            parts.push(format!("team={t}"));
        }
        if let Some(q) = self.search() {
            parts.push(format!("q={}", urlencode(q)));
        }
        parts.join("&")
    }

    fn search(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }
}

fn matches(row: &ConversationRow, q: &ListQuery, me: i64) -> bool {
    let view_ok = match q.view {
        View::Mine => row.assignee_id == Some(me),
        View::Unassigned => row.assignee_id.is_none(),
        View::All => true,
    };
    view_ok
        && q.status.is_none_or(|s| s.as_str() == row.status)
        && q.team_id.is_none_or(|t| row.team_id == Some(t))
}

async fn page(
    s: &AppState,
    ui: &UiActor,
    f: &ListFilters,
    open: Option<i64>,
) -> Result<Response, AppError> {
    let q = f.query()?;
    // Read first: the page's live stream starts here, so nothing falls between render and connect.
    let last_event_id = kefu_store::events::latest_id(&s.app.db).await?;
    let rows = conv::list_conversations(&s.app, &ui.actor, &q).await?;
    let next_cursor = if rows.len() as u64 >= PAGE_SIZE {
        rows.last().map(conv::cursor_of)
    } else {
        None
    };
    let teams = teams::list_teams(&s.app, &ui.actor).await?;
    let (mut current, mut messages, mut contact, mut agents) = (None, Vec::new(), None, Vec::new());
    let mut ticket = None;
    let mut orders = None;
    let mut mails = std::collections::BTreeMap::new();
    if let Some(id) = open {
        let c = conv::get_conversation(&s.app, &ui.actor, id).await?;
        let rows = conv::list_messages(&s.app, &ui.actor, id, None, 100).await?;
        let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
        for mail in kefu_app::email::read::mails_for(&s.app, &ids).await? {
            mails.insert(mail.message_id.to_string(), mail);
        }
        messages = kefu_app::attachments::with_attachments(&s.app.db, rows, Viewer::Staff).await?;
        contact = Some(contacts::get_contact(&s.app, &ui.actor, c.contact_id).await?);
        agents = users::list_users(&s.app, &ui.actor)
            .await?
            .into_iter()
            .filter(|u| !u.disabled)
            .collect();
        if c.unread_count > 0 {
            conv::mark_read(&s.app, &ui.actor, id).await?;
        }
        ticket = Some(crate::ui::tickets::panel(s, &ui.actor, &c).await?);
        let bodies: Vec<(i64, &str)> = messages
            .iter()
            .map(|m| (m.message.id, m.message.body.as_str()))
            .collect();
        orders = Some(crate::ui::orders::panel(s, &ui.actor, c.contact_id, &bodies).await?);
        current = Some(c);
    }
    let ctx = minijinja::context! {
        rows, next_cursor, teams, current, messages, mails, contact, agents, last_event_id, ticket, orders,
        view => q.view.as_str(),
        status => f.status.clone().unwrap_or_else(|| "open".into()),
        team => f.team,
        q => f.search(),
        search_param => f.search().map(|q| format!("&q={}", urlencode(q))).unwrap_or_default(),
        keep => f.keep(),
        statuses => ["open", "pending", "waiting_customer", "waiting_department", "snoozed", "resolved", "closed"],
    };
    Ok(render(
        s,
        "conversations.html",
        ui.actor.locale,
        Some(ui),
        ctx,
    ))
}

pub(crate) fn failed(s: &AppState, ui: &UiActor, e: AppError) -> Response {
    crate::ui::customers::failed(s, ui, e)
}

pub async fn list_page(
    State(s): State<AppState>,
    ui: UiActor,
    Query(f): Query<ListFilters>,
) -> Response {
    page(&s, &ui, &f, None)
        .await
        .unwrap_or_else(|e| failed(&s, &ui, e))
}

pub async fn conversation_page(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Query(f): Query<ListFilters>,
) -> Response {
    page(&s, &ui, &f, Some(id))
        .await
        .unwrap_or_else(|e| failed(&s, &ui, e))
}

/// One list row, for the live list: 204 when the conversation no longer belongs in this list.
pub async fn row_fragment(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Query(f): Query<ListFilters>,
) -> Response {
    let result = async {
        let q = f.query()?;
        let row = conv::get_conversation(&s.app, &ui.actor, id).await?;
        let searched = match f.search() {
            Some(text) => conv::matches_search(&s.app, &ui.actor, id, text).await?,
            None => true,
        };
        if !searched || !matches(&row, &q, ui.actor.user_id) {
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        let ctx = minijinja::context! { row, keep => f.keep(), current_id => None::<i64> };
        Ok::<_, AppError>(render(
            &s,
            "conversation_row.html",
            ui.actor.locale,
            Some(&ui),
            ctx,
        ))
    };
    result.await.unwrap_or_else(|e| failed(&s, &ui, e))
}

#[derive(Deserialize)]
pub struct ReplyForm {
    pub csrf: String,
    pub body: String,
    #[serde(default)]
    pub private: Option<String>,
    #[serde(default)]
    pub keep: String,
}

pub async fn reply(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<ReplyForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match conv::post_message(&s.app, &ui.actor, id, &f.body, f.private.is_some(), None).await {
        Ok(_) => back(&format!("/app/conversations/{id}?{}", f.keep)),
        Err(e) => failed(&s, &ui, e),
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    pub csrf: String,
    /// "me", "none" or a user id.
    pub assignee: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub keep: String,
}

pub async fn assign(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let assignee = match f.assignee.as_str() {
        "me" => Some(ui.actor.user_id),
        "none" | "" => None,
        other => other.parse().ok(),
    };
    let team = f.team.parse().ok();
    match conv::assign(&s.app, &ui.actor, id, assignee, team).await {
        Ok(_) => back(&format!("/app/conversations/{id}?{}", f.keep)),
        Err(e) => failed(&s, &ui, e),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    pub csrf: String,
    pub status: String,
    /// For snoozing: hours from now.
    #[serde(default)]
    pub snooze_hours: Option<i64>,
    #[serde(default)]
    pub keep: String,
}

pub async fn change_status(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let until = f
        .snooze_hours
        .map(|h| kefu_domain::time::now_ms() + h.clamp(1, 24 * 90) * 3_600_000);
    match conv::set_status(&s.app, &ui.actor, id, &f.status, until).await {
        Ok(_) => back(&format!("/app/conversations/{id}?{}", f.keep)),
        Err(e) => failed(&s, &ui, e),
    }
}
