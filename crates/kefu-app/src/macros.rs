//! Macros: several actions an agent applies to a conversation at once (reply, set type,
//! label, assign, resolve …). Personal ones are the agent's own; shared ones are written
//! by supervisors and up.

use crate::archive::optional_text;
use crate::automation::{Doer, apply_actions};
use crate::conversations::get_conversation;
use crate::events::commit;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::automation::{Action, check_parts};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::automation::{self as store, MacroRow};
use kefu_store::conversations::ConversationRow;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct MacroInput {
    pub name: String,
    pub actions: Vec<Action>,
    /// Shared with everyone (supervisors and up) rather than your own.
    #[serde(default)]
    pub shared: bool,
}

pub async fn list_macros(app: &App, actor: &Actor) -> AppResult<Vec<MacroRow>> {
    actor.require(Permission::WorkConversations)?;
    Ok(store::macros_for(&app.db, actor.user_id).await?)
}

/// A macro as typed, checked: its name, its owner (`None`: shared) and its actions.
fn checked(actor: &Actor, m: &MacroInput) -> AppResult<(String, Option<i64>)> {
    actor.require(Permission::WorkConversations)?;
    if m.shared {
        actor.require(Permission::AssignOthers)?;
    }
    let name = optional_text("name", &Some(m.name.clone()), 120)?
        .ok_or_else(|| Invalid::new("name", "required", "give the macro a name"))?;
    check_parts(&[], &m.actions)?;
    Ok((name, (!m.shared).then_some(actor.user_id)))
}

pub async fn create_macro(app: &App, actor: &Actor, m: &MacroInput) -> AppResult<MacroRow> {
    let (name, owner) = checked(actor, m)?;
    let mut tx = app.db.begin().await?;
    let row = store::insert_macro(&mut tx, &name, owner, &m.actions, now_ms()).await?;
    tx.commit().await?;
    Ok(row)
}

/// Rewrites a macro the actor may use, with the checks of a new one: an agent edits their
/// own; a shared one (or making one shared) takes a supervisor.
pub async fn update_macro(
    app: &App,
    actor: &Actor,
    id: i64,
    m: &MacroInput,
) -> AppResult<MacroRow> {
    let (name, owner) = checked(actor, m)?;
    let before = usable(app, actor, id).await?;
    if before.owner_id.is_none() {
        actor.require(Permission::AssignOthers)?;
    }
    let mut tx = app.db.begin().await?;
    let row = store::update_macro(&mut tx, id, &name, owner, &m.actions, now_ms())
        .await?
        .ok_or(AppError::NotFound("macro"))?;
    tx.commit().await?;
    Ok(row)
}

/// A macro the actor may use, to show it for editing.
pub async fn get_macro(app: &App, actor: &Actor, id: i64) -> AppResult<MacroRow> {
    actor.require(Permission::WorkConversations)?;
    usable(app, actor, id).await
}

/// A macro the actor may use: shared, or their own.
async fn usable(app: &App, actor: &Actor, id: i64) -> AppResult<MacroRow> {
    store::find_macro(&app.db, id)
        .await?
        .filter(|m| m.owner_id.is_none_or(|o| o == actor.user_id))
        .ok_or(AppError::NotFound("macro"))
}

pub async fn delete_macro(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    let m = usable(app, actor, id).await?;
    if m.owner_id.is_none() {
        actor.require(Permission::AssignOthers)?;
    }
    let mut tx = app.db.begin().await?;
    store::delete_macro(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Applies a macro's actions to a conversation, all or none.
pub async fn apply_macro(
    app: &App,
    actor: &Actor,
    conversation_id: i64,
    macro_id: i64,
) -> AppResult<ConversationRow> {
    actor.require(Permission::WorkConversations)?;
    get_conversation(app, actor, conversation_id).await?;
    let m = usable(app, actor, macro_id).await?;
    let mut tx = app.db.begin().await?;
    let row = apply_actions(
        app,
        &mut tx,
        conversation_id,
        &m.actions.0,
        Doer::Agent(actor),
    )
    .await?;
    commit(app, tx).await?;
    if crate::automation::sets_type(&m.actions.0) {
        return Ok(crate::routing::route_typed(app, conversation_id)
            .await
            .unwrap_or(row));
    }
    Ok(row)
}
