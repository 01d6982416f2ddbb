//! Inboxes: a web widget or an API channel, with greeting, auto-reply and team.

use crate::auth::random_hex;
use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Name, Permission};
use kefu_store::inboxes::{self, InboxFields, InboxRow};
use kefu_store::teams;
use serde_json::json;

/// The channels an inbox can be today (phone and SMS come with their issues).
pub const CHANNELS: [&str; 3] = ["widget", "api", "email"];

/// An inbox's settings as they arrive.
pub struct InboxInput<'a> {
    pub name: &'a str,
    pub greeting: Option<&'a str>,
    pub auto_reply: Option<&'a str>,
    pub team_id: Option<i64>,
    /// The shop's name as scripts write it (`{{shop_name}}`).
    pub shop_name: Option<&'a str>,
}

fn optional_text<'a>(
    field: &'static str,
    value: Option<&'a str>,
) -> Result<Option<&'a str>, Invalid> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.chars().count() > 1000 => Err(Invalid::new(
            field,
            "too_long",
            format!("{field} is longer than 1000 characters"),
        )),
        other => Ok(other),
    }
}

pub(crate) async fn validate<'a>(
    app: &App,
    input: &'a InboxInput<'a>,
) -> AppResult<(Name, InboxFields<'a>)> {
    let name = Name::parse("name", input.name)?;
    if let Some(team_id) = input.team_id {
        teams::find(&app.db, team_id)
            .await?
            .ok_or(AppError::NotFound("team"))?;
    }
    let shop_name = input.shop_name.map(str::trim).filter(|s| !s.is_empty());
    if let Some(s) = shop_name {
        Name::parse("shop_name", s)?;
    }
    let fields = InboxFields {
        name: "",
        greeting: optional_text("greeting", input.greeting)?,
        auto_reply: optional_text("auto_reply", input.auto_reply)?,
        team_id: input.team_id,
        shop_name,
    };
    Ok((name, fields))
}

pub async fn create_inbox(
    app: &App,
    actor: &Actor,
    channel: &str,
    input: &InboxInput<'_>,
) -> AppResult<InboxRow> {
    actor.require(Permission::ManageInboxes)?;
    if channel == "email" {
        return Err(Invalid::new(
            "channel",
            "email_needs_mailbox",
            "an email inbox needs its mailbox settings: create it with POST /api/v1/email-inboxes",
        )
        .into());
    }
    if !CHANNELS.contains(&channel) {
        return Err(Invalid::new(
            "channel",
            "invalid_channel",
            format!("'{channel}' is not a channel; use widget or api"),
        )
        .into());
    }
    let (name, mut fields) = validate(app, input).await?;
    fields.name = name.as_str();
    let mut tx = app.db.begin().await?;
    let inbox = inboxes::insert(&mut tx, channel, &random_hex(16), &fields, now_ms()).await?;
    append(
        app,
        &mut tx,
        "inbox.created",
        None,
        Some(inbox.id),
        true,
        &json!({ "inbox": inbox }),
    )
    .await?;
    commit(app, tx).await?;
    Ok(inbox)
}

pub async fn update_inbox(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &InboxInput<'_>,
) -> AppResult<InboxRow> {
    actor.require(Permission::ManageInboxes)?;
    inboxes::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("inbox"))?;
    let (name, mut fields) = validate(app, input).await?;
    fields.name = name.as_str();
    let mut tx = app.db.begin().await?;
    let inbox = inboxes::update(&mut tx, id, &fields).await?;
    append(
        app,
        &mut tx,
        "inbox.updated",
        None,
        Some(inbox.id),
        true,
        &json!({ "inbox": inbox }),
    )
    .await?;
    commit(app, tx).await?;
    Ok(inbox)
}

pub async fn list_inboxes(app: &App, actor: &Actor) -> AppResult<Vec<InboxRow>> {
    actor.require(Permission::WorkConversations)?;
    Ok(inboxes::list(&app.db).await?)
}

pub async fn get_inbox(app: &App, actor: &Actor, id: i64) -> AppResult<InboxRow> {
    actor.require(Permission::WorkConversations)?;
    inboxes::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("inbox"))
}
