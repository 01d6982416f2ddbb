//! Conversations: lists, the thread, replies and notes, assignment, status.

use crate::attachments::{AttachmentInfo, MessageView, StoredFile, Upload, Viewer};
use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{ConversationStatus, Invalid, MessageBody, MessageKind, Permission};
use kefu_store::conversations::{self, ConversationFilter, ConversationRow};
use kefu_store::messages::{self, MessageRow, NewMessage};
use kefu_store::{Tx, jobs, teams, users};
use serde_json::json;

/// Largest page a list returns.
pub const MAX_PAGE: u64 = 100;

/// Which conversations a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Mine,
    Unassigned,
    All,
}

impl View {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s {
            "mine" => Ok(View::Mine),
            "unassigned" => Ok(View::Unassigned),
            "all" => Ok(View::All),
            other => Err(Invalid::new(
                "view",
                "invalid_view",
                format!("'{other}' is not a view; use mine, unassigned or all"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            View::Mine => "mine",
            View::Unassigned => "unassigned",
            View::All => "all",
        }
    }
}

/// A list request, validated.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub view: View,
    pub status: Option<ConversationStatus>,
    pub team_id: Option<i64>,
    pub inbox_id: Option<i64>,
    pub contact_id: Option<i64>,
    /// A `ticket_type` list key.
    pub ticket_type: Option<String>,
    /// Words a message or the subject must hold, or a ticket number (`#10023`).
    pub q: Option<String>,
    pub after: Option<(i64, i64)>,
    pub limit: u64,
}

/// The opaque cursor of a conversation list: `<last_activity_at>.<id>` of the last row.
pub fn cursor_of(row: &ConversationRow) -> String {
    format!("{}.{}", row.last_activity_at, row.id)
}

pub fn parse_cursor(s: &str) -> Result<(i64, i64), Invalid> {
    let bad = || {
        Invalid::new(
            "cursor",
            "invalid_cursor",
            "the cursor is not one this API returned",
        )
    };
    let (a, b) = s.split_once('.').ok_or_else(bad)?;
    Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
}

pub async fn list_conversations(
    app: &App,
    actor: &Actor,
    q: &ListQuery,
) -> AppResult<Vec<ConversationRow>> {
    actor.require(Permission::WorkConversations)?;
    let filter = ConversationFilter {
        assignee_id: (q.view == View::Mine).then_some(actor.user_id),
        unassigned: q.view == View::Unassigned,
        status: q.status.map(|s| s.as_str().to_owned()),
        team_id: q.team_id,
        inbox_id: q.inbox_id,
        contact_id: q.contact_id,
        ticket_type: q.ticket_type.clone(),
        search: crate::conversation_search::parse(q.q.as_deref()),
        after: q.after,
        limit: q.limit.clamp(1, MAX_PAGE),
    };
    Ok(conversations::list(&app.db, &filter).await?)
}

/// Whether conversation `id` belongs in a list searched for `q` (see [`ListQuery::q`]).
pub async fn matches_search(app: &App, actor: &Actor, id: i64, q: &str) -> AppResult<bool> {
    actor.require(Permission::WorkConversations)?;
    match crate::conversation_search::parse(Some(q)) {
        Some(search) => {
            Ok(kefu_store::message_search::conversation_matches(&app.db, id, &search).await?)
        }
        None => Ok(true),
    }
}

pub async fn get_conversation(app: &App, actor: &Actor, id: i64) -> AppResult<ConversationRow> {
    actor.require(Permission::WorkConversations)?;
    conversations::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("conversation"))
}

pub async fn list_messages(
    app: &App,
    actor: &Actor,
    id: i64,
    before: Option<i64>,
    limit: u64,
) -> AppResult<Vec<MessageRow>> {
    get_conversation(app, actor, id).await?;
    Ok(messages::list(&app.db, id, before, limit.clamp(1, MAX_PAGE), false).await?)
}

/// The result of posting: the message, and whether this call created it
/// (false when the client id was seen before).
pub struct Posted {
    pub message: MessageRow,
    pub created: bool,
}

/// Validates a client-supplied idempotency id.
pub fn parse_client_id(client_id: Option<&str>) -> Result<Option<&str>, Invalid> {
    match client_id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) if id.len() > 100 || id.chars().any(char::is_control) => Err(Invalid::new(
            "client_id",
            "invalid_client_id",
            "client_id must be at most 100 printable characters",
        )),
        other => Ok(other),
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Author<'a> {
    /// A staff member: id and display name.
    Agent(i64, &'a str),
    /// The conversation's customer.
    Contact(i64),
    /// A machine writing for the customer (an out-of-office reply, a bounce, a mailing
    /// list): stored, but it neither reopens the conversation nor starts SLA clocks.
    ContactRobot(i64),
    /// kefu itself (auto-replies).
    System,
}

/// Writes a message into a conversation inside `tx`: idempotent by client id,
/// counters kept on write, the event appended. `Err(existing)` when the client id
/// was used before. The insert (with the body's search tokens) and the counters
/// (RETURNING) are one round trip on PostgreSQL, two on SQLite; then the event, and —
/// only for a repeated client id — the earlier message.
pub(crate) async fn write_message(
    app: &App,
    tx: &mut Tx,
    conversation: &ConversationRow,
    kind: MessageKind,
    body: &MessageBody,
    author: Author<'_>,
    client_id: Option<&str>,
) -> AppResult<Result<MessageRow, MessageRow>> {
    let text = Written {
        kind,
        body,
        files: &[],
    };
    write_message_with(app, tx, conversation, &text, author, client_id).await
}

/// What a message says: its kind, text and the files it carries (blobs already stored).
pub(crate) struct Written<'a> {
    pub kind: MessageKind,
    pub body: &'a MessageBody,
    pub files: &'a [StoredFile],
}

/// The list preview of a message: its text, or the names of its files.
fn preview_of(w: &Written<'_>) -> String {
    if w.body.as_str().is_empty() {
        let names: Vec<&str> = w.files.iter().map(|f| f.filename.as_str()).collect();
        return format!("📎 {}", names.join(", "))
            .chars()
            .take(140)
            .collect();
    }
    w.body.as_str().chars().take(140).collect()
}

/// [`write_message`] for a message with files: their rows are added in the same
/// transaction and the event carries them.
pub(crate) async fn write_message_with(
    app: &App,
    tx: &mut Tx,
    conversation: &ConversationRow,
    w: &Written<'_>,
    author: Author<'_>,
    client_id: Option<&str>,
) -> AppResult<Result<MessageRow, MessageRow>> {
    let (kind, body) = (w.kind, w.body);
    let now = now_ms();
    let (author_user_id, author_contact_id, author_name) = match author {
        Author::Agent(id, name) => (Some(id), None, Some(name.to_owned())),
        Author::Contact(id) | Author::ContactRobot(id) => {
            (None, Some(id), Some(conversation.contact_name.clone()))
        }
        Author::System => (None, None, None),
    };
    let new = NewMessage {
        conversation_id: conversation.id,
        kind: kind.as_str(),
        body: body.as_str(),
        author_user_id,
        author_contact_id,
        client_id,
        search_tokens: &crate::conversation_search::message_tokens(body.as_str()),
        now,
    };
    let preview = preview_of(w);
    let robot = matches!(author, Author::ContactRobot(_));
    // The message and its conversation's counters (one round trip on PostgreSQL).
    let Some(counted) = messages::insert_counted(tx, &new, &preview, !robot).await? else {
        let seen = client_id.unwrap_or_default();
        let existing = messages::find_by_client_id(tx, conversation.id, seen)
            .await?
            .ok_or(AppError::NotFound("message"))?;
        // A repeat only if the same author sent the same kind: anything else is a
        // collision, and must not hand back someone else's message (a private note).
        let same = existing.kind == kind.as_str()
            && existing.author_user_id == author_user_id
            && existing.author_contact_id == author_contact_id;
        if !same {
            return Err(AppError::Conflict {
                code: "client_id_taken",
                message: "this client_id was already used for another message; send a new one"
                    .into(),
                existing_id: None,
            });
        }
        return Ok(Err(existing));
    };
    let id = counted.id;
    let mut updated = conversation.clone();
    counted.counters.apply(&mut updated);
    let mut attachments = Vec::with_capacity(w.files.len());
    for f in w.files {
        let row = crate::attachments::attach_in_tx(tx, id, conversation.id, &f.as_new()).await?;
        attachments.push(AttachmentInfo::new(&row, Viewer::Staff));
    }
    let from_agent = matches!(author, Author::Agent(..));
    if !robot {
        let clocks = counted.has_clocks;
        crate::sla_clocks::on_message(tx, &updated, kind, from_agent, clocks, now).await?;
    }
    let message = MessageRow {
        id,
        conversation_id: conversation.id,
        kind: kind.as_str().to_owned(),
        body: body.as_str().to_owned(),
        author_user_id,
        author_contact_id,
        author_name,
        client_id: client_id.map(str::to_owned),
        created_at: now,
    };
    if kind == MessageKind::Outgoing {
        crate::email::outgoing::queue_in_tx(tx, &updated, &message, now).await?;
    }
    append(
        app,
        tx,
        "message.created",
        Some(conversation.id),
        Some(conversation.inbox_id),
        !kind.is_public(),
        &json!({
            "message": MessageView { message: message.clone(), attachments },
            "conversation": updated,
        }),
    )
    .await?;
    Ok(Ok(message))
}

/// An agent replies to the customer, or writes a private note.
pub async fn post_message(
    app: &App,
    actor: &Actor,
    id: i64,
    body: &str,
    private: bool,
    client_id: Option<&str>,
) -> AppResult<Posted> {
    post_message_with_files(app, actor, id, body, private, client_id, &[]).await
}

/// An agent replies or writes a note with files. The files are checked against the
/// inbox's limit and stored before the message's transaction; a refused file stores
/// nothing and writes no message.
pub async fn post_message_with_files(
    app: &App,
    actor: &Actor,
    id: i64,
    body: &str,
    private: bool,
    client_id: Option<&str>,
    uploads: &[Upload],
) -> AppResult<Posted> {
    actor.require(Permission::WorkConversations)?;
    let body = MessageBody::parse_beside_files(body, uploads.len())?;
    let client_id = parse_client_id(client_id)?;
    let kind = if private {
        MessageKind::Note
    } else {
        MessageKind::Outgoing
    };
    let files = if uploads.is_empty() {
        Vec::new()
    } else {
        let limit = crate::attachments::limit_for_conversation(app, id).await?;
        crate::attachments::store_uploads(app, uploads, limit).await?
    };
    let mut tx = app.db.begin().await?;
    let conversation = conversations::find_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    let author = Author::Agent(actor.user_id, &actor.name);
    let written = Written {
        kind,
        body: &body,
        files: &files,
    };
    let result =
        write_message_with(app, &mut tx, &conversation, &written, author, client_id).await?;
    // A repeat answers only from committed data: the first post may share our batch.
    commit(app, tx).await?;
    Ok(match result {
        Ok(message) => Posted {
            message,
            created: true,
        },
        Err(existing) => Posted {
            message: existing,
            created: false,
        },
    })
}

pub(crate) async fn conversation_changed(
    app: &App,
    mut tx: Tx,
    id: i64,
    by: i64,
) -> AppResult<ConversationRow> {
    let row = conversations::find_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    append(
        app,
        &mut tx,
        "conversation.updated",
        Some(id),
        Some(row.inbox_id),
        true,
        &json!({ "conversation": row, "by": by }),
    )
    .await?;
    commit(app, tx).await?;
    Ok(row)
}

/// Assigns a conversation to an agent and/or a team (`None` clears). Agents may
/// take a conversation or let it go; assigning others needs a supervisor.
pub async fn assign(
    app: &App,
    actor: &Actor,
    id: i64,
    assignee_id: Option<i64>,
    team_id: Option<i64>,
) -> AppResult<ConversationRow> {
    actor.require(Permission::WorkConversations)?;
    let current = get_conversation(app, actor, id).await?;
    let touches_others = assignee_id.is_some_and(|a| a != actor.user_id)
        || current
            .assignee_id
            .is_some_and(|a| a != actor.user_id && assignee_id != Some(a));
    if touches_others {
        actor.require(Permission::AssignOthers)?;
    }
    if let Some(user_id) = assignee_id {
        users::find(&app.db, user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(AppError::NotFound("user"))?;
    }
    if let Some(team_id) = team_id {
        teams::find(&app.db, team_id)
            .await?
            .ok_or(AppError::NotFound("team"))?;
    }
    // Without the right to assign others, the change holds only if nobody else took
    // the conversation meanwhile (two agents pressing "take" at once: one wins).
    let only_if_free_for = (!actor.role.allows(Permission::AssignOthers)).then_some(actor.user_id);
    let mut tx = app.db.begin().await?;
    crate::routing::lock_holders(&mut tx, &[current.assignee_id, assignee_id]).await?;
    let changed = conversations::assign(
        &mut tx,
        id,
        assignee_id,
        team_id,
        only_if_free_for,
        now_ms(),
    )
    .await?;
    if changed == 0 {
        return Err(AppError::Conflict {
            code: "already_assigned",
            message: "a colleague took this conversation a moment ago".into(),
            existing_id: None,
        });
    }
    let joined =
        crate::routing::place_after_assignment(&mut tx, &current, assignee_id, team_id).await?;
    let row = conversation_changed(app, tx, id, actor.user_id).await?;
    let released = current.assignee_id.filter(|a| assignee_id != Some(*a));
    crate::routing::after_assignment(app, joined, released).await;
    if joined.is_some() {
        // Routing may have given it to someone already.
        return get_conversation(app, actor, id).await;
    }
    Ok(row)
}

/// Resolves, reopens, marks pending or snoozes (until a time in the future) a conversation.
pub async fn set_status(
    app: &App,
    actor: &Actor,
    id: i64,
    status: &str,
    snooze_until: Option<i64>,
) -> AppResult<ConversationRow> {
    actor.require(Permission::WorkConversations)?;
    let status = ConversationStatus::parse(status)?;
    let now = now_ms();
    let until = match (status, snooze_until) {
        (ConversationStatus::Snoozed, Some(t)) if t > now => Some(t),
        (ConversationStatus::Snoozed, _) => {
            return Err(Invalid::new(
                "snooze_until",
                "snooze_needs_future_time",
                "snoozing needs snooze_until, a time in the future",
            )
            .into());
        }
        _ => None,
    };
    let before = get_conversation(app, actor, id).await?;
    let mut tx = app.db.begin().await?;
    conversations::set_status(&mut tx, id, status.as_str(), until, now).await?;
    crate::sla_clocks::status_changed(&mut tx, id, now).await?;
    if let Some(t) = until {
        jobs::enqueue(
            &mut tx,
            crate::jobs::WAKE_SNOOZED,
            &format!("{id}:{t}"),
            &json!({ "conversation_id": id }),
            t,
            now,
        )
        .await?;
    }
    let row = conversation_changed(app, tx, id, actor.user_id).await?;
    if before.status == "open"
        && row.status != "open"
        && let Some(agent) = row.assignee_id
    {
        crate::routing::agent_freed(app, agent).await;
    }
    Ok(row)
}

/// The agent has read the conversation: unread goes to zero.
pub async fn mark_read(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    get_conversation(app, actor, id).await?;
    let mut tx = app.db.begin().await?;
    if conversations::mark_read(&mut tx, id).await? == 0 {
        return Ok(());
    }
    conversation_changed(app, tx, id, actor.user_id)
        .await
        .map(|_| ())
}

/// Wakes a snoozed conversation whose time has come; running it twice changes nothing.
pub(crate) async fn wake_snoozed(app: &App, id: i64) -> AppResult<bool> {
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let Some(row) = conversations::find_in_tx(&mut tx, id).await? else {
        return Ok(false);
    };
    if row.status != "snoozed" || row.snoozed_until.is_none_or(|t| t > now) {
        return Ok(false);
    }
    conversations::set_status(&mut tx, id, "open", None, now).await?;
    crate::sla_clocks::status_changed(&mut tx, id, now).await?;
    conversation_changed(app, tx, id, 0).await?;
    Ok(true)
}
