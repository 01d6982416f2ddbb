//! The customer side: visitors of a shop's page (widget) and bridges posting
//! through the API channel. Both arrive here as inbound messages.

use crate::attachments::{StoredFile, Upload};
use crate::auth::{random_hex, sha256_hex};
use crate::conversations::{
    Author, Posted, Written, parse_client_id, write_message, write_message_with,
};
use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, MessageBody, MessageKind, Name, Permission, UiLocale};
use kefu_store::contacts::{self, ContactFields, NewIdentity};
use kefu_store::conversations::{self, ConversationRow};
use kefu_store::inboxes::{self, InboxRow};
use kefu_store::messages::{self, MessageRow};
use kefu_store::{Tx, users};
use serde_json::json;

const VISITOR_IDENTITY: &str = "widget_visitor";

/// A visitor known by their token, in one inbox.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub inbox: InboxRow,
    pub contact_id: i64,
}

/// A started widget session; `visitor_token` is new only for a new visitor.
pub struct VisitorSession {
    pub visitor: Visitor,
    pub visitor_token: String,
    pub conversation_id: Option<i64>,
}

async fn inbox_for_widget(app: &App, widget_token: &str) -> AppResult<InboxRow> {
    inboxes::find_by_widget_token(&app.db, widget_token.trim())
        .await?
        .ok_or(AppError::NotFound("inbox for this widget token"))
}

fn identity_value(inbox_id: i64, visitor_token: &str) -> String {
    format!("{inbox_id}:{}", sha256_hex(visitor_token))
}

/// The visitor behind a widget token and visitor token (two reads, no transaction).
pub async fn visitor(app: &App, widget_token: &str, visitor_token: &str) -> AppResult<Visitor> {
    let inbox = inbox_for_widget(app, widget_token).await?;
    let value = identity_value(inbox.id, visitor_token);
    let contact_id = contacts::contact_for_identity(&app.db, VISITOR_IDENTITY, &value)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(Visitor { inbox, contact_id })
}

/// Opens the widget: continues a known visitor (their token kept in the browser)
/// or creates a new visitor contact.
pub async fn start_session(
    app: &App,
    widget_token: &str,
    visitor_token: Option<&str>,
    locale: UiLocale,
) -> AppResult<VisitorSession> {
    let inbox = inbox_for_widget(app, widget_token).await?;
    if let Some(token) = visitor_token.filter(|t| !t.is_empty())
        && let Ok(v) = visitor(app, widget_token, token).await
    {
        let mut tx = app.db.begin_read().await?;
        let conversation_id =
            conversations::latest_for_contact(&mut tx, inbox.id, v.contact_id).await?;
        return Ok(VisitorSession {
            visitor: v,
            visitor_token: token.to_owned(),
            conversation_id,
        });
    }
    let token = random_hex(24);
    let now = now_ms();
    let label = match locale {
        UiLocale::ZhCn => "访客",
        UiLocale::En => "Visitor",
    };
    let mut fields = ContactFields {
        name: format!("{label} {}", &token[..6]),
        language: Some(locale.as_str().to_owned()),
        ..Default::default()
    };
    fields.search_tokens = crate::contacts::search_tokens(&fields, &[], None);
    let mut tx = app.db.begin().await?;
    let contact = contacts::insert(&mut tx, &fields, now).await?;
    let identity = NewIdentity {
        kind: VISITOR_IDENTITY.into(),
        value: identity_value(inbox.id, &token),
        label: None,
    };
    contacts::add_identity(&mut tx, contact.id, &identity, now).await?;
    append(
        app,
        &mut tx,
        "contact.created",
        None,
        Some(inbox.id),
        true,
        &json!({ "contact": contact }),
    )
    .await?;
    commit(app, tx).await?;
    Ok(VisitorSession {
        visitor: Visitor {
            inbox,
            contact_id: contact.id,
        },
        visitor_token: token,
        conversation_id: None,
    })
}

/// The visitor's current conversation thread (public messages only).
pub async fn visitor_messages(
    app: &App,
    v: &Visitor,
    before: Option<i64>,
    limit: u64,
) -> AppResult<(Option<i64>, Vec<MessageRow>)> {
    let mut tx = app.db.begin_read().await?;
    let Some(id) = conversations::latest_for_contact(&mut tx, v.inbox.id, v.contact_id).await?
    else {
        return Ok((None, Vec::new()));
    };
    drop(tx);
    Ok((
        Some(id),
        messages::list(&app.db, id, before, limit.clamp(1, 100), true).await?,
    ))
}

/// A visitor writes in the widget.
pub async fn visitor_post(
    app: &App,
    v: &Visitor,
    body: &str,
    client_id: Option<&str>,
) -> AppResult<Posted> {
    receive(app, &v.inbox, v.contact_id, body, client_id, &[]).await
}

/// A visitor sends files (images, documents) in the widget, with or without text. The
/// files are checked against the inbox's limit and stored before anything is written.
pub async fn visitor_post_with_files(
    app: &App,
    v: &Visitor,
    body: &str,
    client_id: Option<&str>,
    uploads: &[Upload],
) -> AppResult<Posted> {
    MessageBody::parse_beside_files(body, uploads.len())?;
    parse_client_id(client_id)?;
    let limit = crate::attachments::limit_for_inbox(&v.inbox);
    let files = crate::attachments::store_uploads(app, uploads, limit).await?;
    receive(app, &v.inbox, v.contact_id, body, client_id, &files).await
}

/// A bridge (WeChat, WhatsApp, marketplace …) posts a customer's message to an API inbox.
/// The customer is found by their handle on that channel, or created.
pub async fn api_inbound(
    app: &App,
    actor: &Actor,
    inbox_id: i64,
    handle: &str,
    name: &str,
    body: &str,
    client_id: Option<&str>,
) -> AppResult<Posted> {
    actor.require(Permission::WorkConversations)?;
    let inbox = inboxes::find(&app.db, inbox_id)
        .await?
        .ok_or(AppError::NotFound("inbox"))?;
    if inbox.channel != "api" {
        return Err(Invalid::new(
            "inbox_id",
            "not_an_api_inbox",
            "messages can be posted from outside only to an API inbox",
        )
        .into());
    }
    let handle = Name::parse("contact_handle", handle)?;
    let name = Name::parse("contact_name", name)?;
    MessageBody::parse(body)?;
    let key = format!("{inbox_id}:{}", handle.as_str());
    let mut tx = app.db.begin().await?;
    let contact_id = match contacts::find_by_identity(&mut tx, "api", &key).await? {
        Some(id) => id,
        None => {
            let now = now_ms();
            let mut fields = ContactFields {
                name: name.into_inner(),
                ..Default::default()
            };
            fields.search_tokens = crate::contacts::search_tokens(&fields, &[], None);
            let contact = contacts::insert(&mut tx, &fields, now).await?;
            let identity = NewIdentity {
                kind: "api".into(),
                value: key,
                label: None,
            };
            contacts::add_identity(&mut tx, contact.id, &identity, now).await?;
            contact.id
        }
    };
    tx.commit().await?;
    receive(app, &inbox, contact_id, body, client_id, &[]).await
}

/// Where an inbound message goes.
#[derive(Debug, Clone)]
pub(crate) enum Thread {
    /// The contact's latest conversation in the inbox, opened if none (chat).
    Latest,
    /// This conversation, as just read (an email reply found by its thread).
    Into(Box<ConversationRow>),
    /// A conversation of its own (a new email subject).
    New,
}

/// An inbound message as every channel hands it over.
pub(crate) struct Arrival<'a> {
    pub inbox: &'a InboxRow,
    pub contact_id: i64,
    pub body: &'a MessageBody,
    pub client_id: Option<&'a str>,
    pub thread: Thread,
    /// Written by a machine (auto-reply, bounce, list mail): never reopens the
    /// conversation, starts no SLA clock and gets no auto-reply.
    pub automatic: bool,
    /// Files it carries, their blobs already stored.
    pub files: &'a [StoredFile],
    /// The ticket subject a conversation it opens gets (a mail's subject line).
    pub subject: Option<&'a str>,
}

/// What an arrival left: the conversation as it is now, the message, and whether the
/// conversation was opened by it. `Err` holds the earlier message of a repeated client id.
pub(crate) type Arrived = Result<(ConversationRow, MessageRow, bool), MessageRow>;

/// The one path every inbound customer message takes, inside the caller's transaction:
/// continue or open the conversation, route it, write the message, and auto-reply once
/// when nobody is online or the inbox is closed.
pub(crate) async fn arrive(app: &App, tx: &mut Tx, a: &Arrival<'_>) -> AppResult<Arrived> {
    let (conversation, created) = match a.thread {
        Thread::Latest => open_conversation(tx, a.inbox, a.contact_id).await?,
        Thread::Into(ref row) => ((**row).clone(), false),
        Thread::New => new_conversation(tx, a.inbox, a.contact_id, a.subject).await?,
    };
    // Routing first: its locks come before the event log's (see routing.rs).
    let conversation =
        crate::routing::route_arrival(app, tx, conversation, created, a.body.as_str()).await?;
    if created {
        let payload = json!({ "conversation": conversation });
        let id = Some(conversation.id);
        append(
            app,
            tx,
            "conversation.created",
            id,
            Some(a.inbox.id),
            true,
            &payload,
        )
        .await?;
    }
    let author = if a.automatic {
        Author::ContactRobot(a.contact_id)
    } else {
        Author::Contact(a.contact_id)
    };
    let written = Written {
        kind: MessageKind::Incoming,
        body: a.body,
        files: a.files,
    };
    let message =
        match write_message_with(app, tx, &conversation, &written, author, a.client_id).await? {
            Ok(m) => m,
            Err(existing) => return Ok(Err(existing)),
        };
    if !a.automatic {
        auto_reply(app, tx, a.inbox, &conversation).await?;
    }
    Ok(Ok((conversation, message, created)))
}

/// The inbox's auto-reply, once per conversation, when nobody of the team is online or
/// the inbox is outside its business hours.
async fn auto_reply(
    app: &App,
    tx: &mut Tx,
    inbox: &InboxRow,
    conversation: &ConversationRow,
) -> AppResult<()> {
    let Some(text) = inbox.auto_reply.as_deref() else {
        return Ok(());
    };
    // Once per conversation: one that has had its auto-reply reads nothing more.
    if conversation.auto_replied {
        return Ok(());
    }
    let closed = crate::calendars::inbox_open(tx, inbox.id, now_ms()).await? == Some(false);
    if (closed || !users::anyone_online(tx, inbox.team_id).await?)
        && conversations::claim_auto_reply(tx, conversation.id).await?
    {
        let reply = MessageBody::parse(text)?;
        write_message(
            app,
            tx,
            conversation,
            MessageKind::Outgoing,
            &reply,
            Author::System,
            None,
        )
        .await?
        .ok();
    }
    Ok(())
}

/// A chat message: into the contact's open conversation, in its own transaction.
async fn receive(
    app: &App,
    inbox: &InboxRow,
    contact_id: i64,
    body: &str,
    client_id: Option<&str>,
    files: &[StoredFile],
) -> AppResult<Posted> {
    let body = MessageBody::parse_beside_files(body, files.len())?;
    let client_id = parse_client_id(client_id)?;
    let mut tx = app.db.begin().await?;
    let arrival = Arrival {
        inbox,
        contact_id,
        body: &body,
        client_id,
        thread: Thread::Latest,
        automatic: false,
        files,
        subject: None,
    };
    let posted = match arrive(app, &mut tx, &arrival).await? {
        Ok((_, message, _)) => Posted {
            message,
            created: true,
        },
        // Answer only from committed data: the first post may share our batch.
        Err(existing) => Posted {
            message: existing,
            created: false,
        },
    };
    commit(app, tx).await?;
    Ok(posted)
}

/// The contact's conversation in this inbox, opened if they have none; `true` when
/// opened now (the caller announces it, once routed).
async fn open_conversation(
    tx: &mut Tx,
    inbox: &InboxRow,
    contact_id: i64,
) -> AppResult<(ConversationRow, bool)> {
    if let Some(row) = conversations::latest_row_for_contact(tx, inbox.id, contact_id).await? {
        return Ok((row, false));
    }
    new_conversation(tx, inbox, contact_id, None).await
}

/// A new conversation for the contact in this inbox, on their timeline.
async fn new_conversation(
    tx: &mut Tx,
    inbox: &InboxRow,
    contact_id: i64,
    subject: Option<&str>,
) -> AppResult<(ConversationRow, bool)> {
    let opening = conversations::Opening {
        inbox_id: inbox.id,
        contact_id,
        team_id: inbox.team_id,
        subject,
        actor_user_id: None,
        summary: &inbox.name,
        detail: json!({ "inbox_id": inbox.id, "channel": inbox.channel }),
        now: now_ms(),
    };
    Ok((conversations::open(tx, &opening).await?, true))
}
