//! Teams and their members.

use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Name, Permission};
use kefu_store::teams::{self, TeamRow};
use kefu_store::users;
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamWithMembers {
    #[serde(flatten)]
    pub team: TeamRow,
    pub member_ids: Vec<i64>,
}

pub async fn create_team(app: &App, actor: &Actor, name: &str) -> AppResult<TeamRow> {
    actor.require(Permission::ManageUsers)?;
    let name = Name::parse("name", name)?;
    let mut tx = app.db.begin().await?;
    let team = teams::insert(&mut tx, name.as_str(), now_ms())
        .await
        .map_err(|e| match e {
            kefu_store::StoreError::Conflict(_) => AppError::Conflict {
                code: "team_name_taken",
                message: format!("a team named {} already exists", name.as_str()),
                existing_id: None,
            },
            other => other.into(),
        })?;
    append(
        app,
        &mut tx,
        "team.created",
        None,
        None,
        true,
        &json!({ "team": team }),
    )
    .await?;
    commit(app, tx).await?;
    Ok(team)
}

pub async fn list_teams(app: &App, actor: &Actor) -> AppResult<Vec<TeamWithMembers>> {
    actor.require(Permission::WorkConversations)?;
    let mut out = Vec::new();
    for team in teams::list(&app.db).await? {
        let member_ids = teams::member_ids(&app.db, team.id).await?;
        out.push(TeamWithMembers { team, member_ids });
    }
    Ok(out)
}

pub async fn add_member(app: &App, actor: &Actor, team_id: i64, user_id: i64) -> AppResult<()> {
    actor.require(Permission::ManageUsers)?;
    teams::find(&app.db, team_id)
        .await?
        .ok_or(AppError::NotFound("team"))?;
    users::find(&app.db, user_id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let mut tx = app.db.begin().await?;
    teams::add_member(&mut tx, team_id, user_id).await?;
    append(
        app,
        &mut tx,
        "team.member_added",
        None,
        None,
        true,
        &json!({ "team_id": team_id, "user_id": user_id }),
    )
    .await?;
    commit(app, tx).await?;
    // A new member may take what the team's queue holds.
    crate::routing::team_changed(app, team_id).await;
    Ok(())
}

pub async fn remove_member(app: &App, actor: &Actor, team_id: i64, user_id: i64) -> AppResult<()> {
    actor.require(Permission::ManageUsers)?;
    let mut tx = app.db.begin().await?;
    if teams::remove_member(&mut tx, team_id, user_id).await? == 0 {
        return Err(AppError::NotFound("team member"));
    }
    append(
        app,
        &mut tx,
        "team.member_removed",
        None,
        None,
        true,
        &json!({ "team_id": team_id, "user_id": user_id }),
    )
    .await?;
    commit(app, tx).await
}
