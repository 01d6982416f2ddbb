//! The customer side: visitors of a shop's page (widget) and bridges posting
//! through the API channel. Both arrive here as inbound messages.

use crate::auth::{random_hex, sha256_hex};
use crate::conversations::{Author, Posted, parse_client_id, write_message};
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
    receive(app, &v.inbox, v.contact_id, body, client_id).await
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
    receive(app, &inbox, contact_id, body, client_id).await
}

/// The one path every inbound customer message takes: continue or open the
/// conversation, write the message, and auto-reply once if no agent is online.
async fn receive(
    app: &App,
    inbox: &InboxRow,
    contact_id: i64,
    body: &str,
    client_id: Option<&str>,
) -> AppResult<Posted> {
    let body = MessageBody::parse(body)?;
    let client_id = parse_client_id(client_id)?;
    let mut tx = app.db.begin().await?;
    let (conversation, created) = open_conversation(&mut tx, inbox, contact_id).await?;
    // Routing first: its locks come before the event log's (see routing.rs).
    let conversation =
        crate::routing::route_arrival(app, &mut tx, conversation, created, body.as_str()).await?;
    if created {
        let payload = json!({ "conversation": conversation });
        let id = Some(conversation.id);
        append(
            app,
            &mut tx,
            "conversation.created",
            id,
            Some(inbox.id),
            true,
            &payload,
        )
        .await?;
    }
    let message = match write_message(
        app,
        &mut tx,
        &conversation,
        MessageKind::Incoming,
        &body,
        Author::Contact(contact_id),
        client_id,
    )
    .await?
    {
        Ok(m) => m,
        Err(existing) => {
            // Answer only from committed data: the first post may share our batch.
            commit(app, tx).await?;
            return Ok(Posted {
                message: existing,
                created: false,
            });
        }
    };
    // Nobody of the team online, or outside the inbox's business hours: once per conversation.
    let closed = crate::calendars::inbox_open(&mut tx, inbox.id, now_ms()).await? == Some(false);
    if let Some(text) = inbox.auto_reply.as_deref()
        && (closed || !users::anyone_online(&mut tx, inbox.team_id).await?)
        && conversations::claim_auto_reply(&mut tx, conversation.id).await?
    {
        let reply = MessageBody::parse(text)?;
        let author = Author::System;
        write_message(
            app,
            &mut tx,
            &conversation,
            MessageKind::Outgoing,
            &reply,
            author,
            None,
        )
        .await?
        .ok();
    }
    commit(app, tx).await?;
    Ok(Posted {
        message,
        created: true,
    })
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
    let now = now_ms();
    let id = conversations::insert(tx, inbox.id, contact_id, inbox.team_id, now).await?;
    let entry = kefu_store::timeline::NewEntry {
        kind: "conversation",
        ref_id: Some(id),
        actor_user_id: None,
        summary: &inbox.name,
        detail: json!({ "inbox_id": inbox.id, "channel": inbox.channel }),
        occurred_at: now,
    };
    kefu_store::timeline::record_for_contact(tx, contact_id, &entry, now).await?;
    let row = conversations::find_in_tx(tx, id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    Ok((row, true))
}
