//! The routing settings page: agents' capacity and skills, teams' strategy, and the
//! ordered rules (add, edit, move, delete). Supervisors may look; admins change.

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::customers::failed;
use crate::ui::customers::form::{Fields, split_list};
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::routing::settings::{self, AgentSettings, RuleInput};
use kefu_app::{AppError, archive, inboxes};
use kefu_domain::Permission;
use kefu_store::routing::RuleRow;
use serde::{Deserialize, Serialize};

const PAGE: &str = "/app/settings/routing";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/routing", get(show_settings))
        .route("/settings/routing/agents/{id}", post(save_agent))
        .route("/settings/routing/teams/{id}", post(save_team))
        .route("/settings/routing/rules", post(create_rule))
        .route(
            "/settings/routing/rules/{id}",
            get(edit_rule).post(save_rule),
        )
        .route("/settings/routing/rules/{id}/delete", post(delete_rule))
        .route("/settings/routing/rules/{id}/move", post(move_rule))
}

/// A rule as its form shows it: lists joined for typing, kept as typed when refused.
#[derive(Debug, Default, Serialize)]
pub struct RuleDraft {
    id: Option<i64>,
    name: String,
    team_id: Option<i64>,
    inbox_ids: Vec<i64>,
    member_levels: Vec<String>,
    languages: String,
    ticket_types: String,
    keywords: String,
    required_skills: String,
}

impl RuleDraft {
    fn of(rule: &RuleRow) -> Self {
        let c = &rule.conditions.0;
        Self {
            id: Some(rule.id),
            name: rule.name.clone(),
            team_id: Some(rule.team_id),
            inbox_ids: c.inbox_ids.clone(),
            member_levels: c.member_levels.clone(),
            languages: c.languages.join(", "),
            ticket_types: c.ticket_types.join(", "),
            keywords: c.keywords.join(", "),
            required_skills: rule.required_skills.0.join(", "),
        }
    }

    fn posted(id: Option<i64>, f: &Fields) -> Self {
        Self {
            id,
            name: f.text("name"),
            team_id: f.id("team_id"),
            inbox_ids: f
                .all("inbox")
                .iter()
                .filter_map(|v| v.parse().ok())
                .collect(),
            member_levels: f.all("member_level"),
            languages: f.text("languages"),
            ticket_types: f.text("ticket_types"),
            keywords: f.text("keywords"),
            required_skills: f.text("required_skills"),
        }
    }

    fn input(&self) -> RuleInput {
        RuleInput {
            name: self.name.clone(),
            inbox_ids: self.inbox_ids.clone(),
            languages: split_list(&self.languages),
            ticket_types: split_list(&self.ticket_types),
            member_levels: self.member_levels.clone(),
            keywords: split_list(&self.keywords),
            // A missing team is refused by the use case as an unknown team.
            team_id: self.team_id.unwrap_or(0),
            required_skills: split_list(&self.required_skills),
        }
    }
}

async fn page(
    s: &AppState,
    ui: &UiActor,
    template: &str,
    draft: RuleDraft,
    error: Option<String>,
) -> Response {
    let result = async {
        let actor = &ui.actor;
        let agents = settings::list_agents(&s.app, actor).await?;
        let teams = settings::list_teams(&s.app, actor).await?;
        let rules = settings::list_rules(&s.app, actor).await?;
        let inboxes = inboxes::list_inboxes(&s.app, actor).await?;
        let levels = archive::list_choices(&s.app, actor, "member_level").await?;
        let can_manage = actor.role.allows(Permission::ManageUsers);
        Ok::<_, AppError>(render(
            s,
            template,
            actor.locale,
            Some(ui),
            minijinja::context! { agents, teams, rules, inboxes, levels, can_manage, draft, error },
        ))
    };
    result.await.unwrap_or_else(|e| failed(s, ui, e))
}

async fn refused(s: &AppState, ui: &UiActor, e: &AppError) -> Response {
    let error = error_text(s, ui.actor.locale, e);
    page(
        s,
        ui,
        "routing_settings.html",
        RuleDraft::default(),
        Some(error),
    )
    .await
}

pub async fn show_settings(State(s): State<AppState>, ui: UiActor) -> Response {
    page(&s, &ui, "routing_settings.html", RuleDraft::default(), None).await
}

#[derive(Deserialize)]
pub struct AgentForm {
    pub csrf: String,
    pub capacity: String,
    #[serde(default)]
    pub skills: String,
}

pub async fn save_agent(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<AgentForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let input = AgentSettings {
        // Not a number: refused with the capacity's own message.
        capacity: f.capacity.trim().parse().unwrap_or(-1),
        skills: split_list(&f.skills),
    };
    match settings::update_agent(&s.app, &ui.actor, id, &input).await {
        Ok(_) => back(PAGE),
        Err(e) => refused(&s, &ui, &e).await,
    }
}

#[derive(Deserialize)]
pub struct TeamForm {
    pub csrf: String,
    pub strategy: String,
}

pub async fn save_team(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<TeamForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match settings::update_team(&s.app, &ui.actor, id, &f.strategy).await {
        Ok(_) => back(PAGE),
        Err(e) => refused(&s, &ui, &e).await,
    }
}

pub async fn create_rule(
    State(s): State<AppState>,
    ui: UiActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(pairs);
    if let Some(r) = csrf_rejection(&ui, &f.text("csrf")) {
        return r;
    }
    let draft = RuleDraft::posted(None, &f);
    match settings::create_rule(&s.app, &ui.actor, &draft.input()).await {
        Ok(_) => back(PAGE),
        Err(e) => {
            let error = error_text(&s, ui.actor.locale, &e);
            page(&s, &ui, "routing_settings.html", draft, Some(error)).await
        }
    }
}

pub async fn edit_rule(State(s): State<AppState>, ui: UiActor, Path(id): Path<i64>) -> Response {
    let rules = match settings::list_rules(&s.app, &ui.actor).await {
        Ok(rules) => rules,
        Err(e) => return failed(&s, &ui, e),
    };
    match rules.iter().find(|r| r.id == id) {
        Some(rule) => page(&s, &ui, "routing_rule.html", RuleDraft::of(rule), None).await,
        None => failed(&s, &ui, AppError::NotFound("routing rule")),
    }
}

pub async fn save_rule(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(pairs);
    if let Some(r) = csrf_rejection(&ui, &f.text("csrf")) {
        return r;
    }
    let draft = RuleDraft::posted(Some(id), &f);
    match settings::update_rule(&s.app, &ui.actor, id, &draft.input()).await {
        Ok(_) => back(PAGE),
        Err(e) => {
            let error = error_text(&s, ui.actor.locale, &e);
            page(&s, &ui, "routing_rule.html", draft, Some(error)).await
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

pub async fn delete_rule(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match settings::delete_rule(&s.app, &ui.actor, id).await {
        Ok(()) => back(PAGE),
        Err(e) => refused(&s, &ui, &e).await,
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    pub csrf: String,
    /// `up` (tried earlier) or `down`.
    pub direction: String,
}

pub async fn move_rule(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let result = async {
        let mut ids: Vec<i64> = settings::list_rules(&s.app, &ui.actor)
            .await?
            .iter()
            .map(|r| r.id)
            .collect();
        let at = ids
            .iter()
            .position(|&r| r == id)
            .ok_or(AppError::NotFound("routing rule"))?;
        let other = if f.direction == "up" {
            at.checked_sub(1)
        } else {
            Some(at + 1).filter(|&i| i < ids.len())
        };
        if let Some(other) = other {
            ids.swap(at, other);
            settings::reorder_rules(&s.app, &ui.actor, &ids).await?;
        }
        Ok::<_, AppError>(())
    };
    match result.await {
        Ok(()) => back(PAGE),
        Err(e) => refused(&s, &ui, &e).await,
    }
}
