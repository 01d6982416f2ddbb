//! Settings pages for SLA policies: the ordered list (moved up and down), and a form for
//! conditions (empty = any), calendar and targets.

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::calendars::{CsrfForm, Refusal, checked_form, refusal, with_status};
use crate::ui::customers::form::{Fields, split_list};
use crate::ui::{back, csrf_rejection, render};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::sla::{self, PolicyInput};
use kefu_app::{AppError, archive, calendars, inboxes, teams};
use kefu_domain::{Invalid, Permission, Priority, UiLocale};
use kefu_store::sla_policies::PolicyRow;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/settings/sla-policies",
            get(list_policies).post(create_policy),
        )
        .route(
            "/settings/sla-policies/{id}",
            get(show_policy).post(save_policy),
        )
        .route("/settings/sla-policies/{id}/delete", post(delete_policy))
        .route("/settings/sla-policies/{id}/move", post(move_policy))
}

/// A policy form as typed, so a refused form comes back as it was.
#[derive(Serialize, Default)]
struct PolicyForm {
    name: String,
    enabled: bool,
    ticket_types: String,
    priorities: Vec<String>,
    channels: Vec<String>,
    team_ids: Vec<i64>,
    customer_levels: Vec<String>,
    calendar_id: Option<i64>,
    first_response_minutes: String,
    next_response_minutes: String,
    resolution_minutes: String,
    warning_percent: String,
}

fn text_of(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

impl PolicyForm {
    fn blank() -> Self {
        Self {
            enabled: true,
            warning_percent: "75".into(),
            ..Default::default()
        }
    }

    fn from_row(p: &PolicyRow) -> Self {
        Self {
            name: p.name.clone(),
            enabled: p.enabled,
            ticket_types: p.ticket_types.0.join(", "),
            priorities: p.priorities.0.clone(),
            channels: p.channels.0.clone(),
            team_ids: p.team_ids.0.clone(),
            customer_levels: p.customer_levels.0.clone(),
            calendar_id: Some(p.calendar_id),
            first_response_minutes: text_of(p.first_response_minutes),
            next_response_minutes: text_of(p.next_response_minutes),
            resolution_minutes: text_of(p.resolution_minutes),
            warning_percent: p.warning_percent.to_string(),
        }
    }

    fn from_fields(f: &Fields) -> Self {
        Self {
            name: f.text("name"),
            enabled: f.checked("enabled"),
            ticket_types: f.text("ticket_types"),
            priorities: f.all("priorities"),
            channels: f.all("channels"),
            team_ids: f
                .all("team_ids")
                .iter()
                .filter_map(|t| t.parse().ok())
                .collect(),
            customer_levels: f.all("customer_levels"),
            calendar_id: f.id("calendar_id"),
            first_response_minutes: f.text("first_response_minutes"),
            next_response_minutes: f.text("next_response_minutes"),
            resolution_minutes: f.text("resolution_minutes"),
            warning_percent: f.text("warning_percent"),
        }
    }

    fn input(&self) -> Result<PolicyInput, Invalid> {
        Ok(PolicyInput {
            name: self.name.clone(),
            enabled: self.enabled,
            ticket_types: split_list(&self.ticket_types),
            priorities: self.priorities.clone(),
            channels: self.channels.clone(),
            team_ids: self.team_ids.clone(),
            customer_levels: self.customer_levels.clone(),
            calendar_id: self.calendar_id,
            first_response_minutes: number("first_response_minutes", &self.first_response_minutes)?,
            next_response_minutes: number("next_response_minutes", &self.next_response_minutes)?,
            resolution_minutes: number("resolution_minutes", &self.resolution_minutes)?,
            warning_percent: number("warning_percent", &self.warning_percent)?,
        })
    }
}

/// A whole number typed in a form; blank is none.
fn number(field: &'static str, text: &str) -> Result<Option<i64>, Invalid> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse().map(Some).map_err(|_| {
        Invalid::new(
            field,
            "invalid_target",
            format!("'{t}' is not a whole number of minutes"),
        )
    })
}

/// A choice offered in the form: its key and its label in the page's language.
#[derive(Serialize)]
struct Choice {
    key: String,
    label: String,
}

/// A policy in the list, with names instead of ids.
#[derive(Serialize)]
struct Listed {
    #[serde(flatten)]
    row: PolicyRow,
    teams: Vec<String>,
    levels: Vec<String>,
    calendar: String,
}

/// Everything the forms offer: teams, member levels, calendars, priorities, channels.
#[derive(Serialize)]
struct Options {
    teams: Vec<Choice>,
    levels: Vec<Choice>,
    calendars: Vec<Choice>,
    priorities: Vec<&'static str>,
    channels: Vec<&'static str>,
}

async fn options(s: &AppState, ui: &UiActor) -> Options {
    let app = &s.app;
    let teams = teams::list_teams(app, &ui.actor).await.unwrap_or_default();
    let levels = archive::list_choices(app, &ui.actor, "member_level")
        .await
        .unwrap_or_default();
    let cals = calendars::list_calendars(app, &ui.actor)
        .await
        .unwrap_or_default();
    let zh = ui.actor.locale == UiLocale::ZhCn;
    Options {
        teams: teams
            .into_iter()
            .map(|t| Choice {
                key: t.team.id.to_string(),
                label: t.team.name,
            })
            .collect(),
        levels: levels
            .into_iter()
            .map(|c| Choice {
                label: if zh { c.label_zh } else { c.label_en },
                key: c.key,
            })
            .collect(),
        calendars: cals
            .into_iter()
            .map(|c| Choice {
                key: c.id.to_string(),
                label: c.name,
            })
            .collect(),
        priorities: Priority::ALL.iter().map(|p| p.as_str()).collect(),
        channels: inboxes::CHANNELS.to_vec(),
    }
}

fn label_of(choices: &[Choice], key: &str) -> String {
    choices
        .iter()
        .find(|c| c.key == key)
        .map_or_else(|| key.to_owned(), |c| c.label.clone())
}

fn listed(row: PolicyRow, o: &Options) -> Listed {
    Listed {
        teams: row
            .team_ids
            .0
            .iter()
            .map(|t| label_of(&o.teams, &t.to_string()))
            .collect(),
        levels: row
            .customer_levels
            .0
            .iter()
            .map(|l| label_of(&o.levels, l))
            .collect(),
        calendar: label_of(&o.calendars, &row.calendar_id.to_string()),
        row,
    }
}

async fn list_page(
    s: &AppState,
    ui: &UiActor,
    form: PolicyForm,
    error: Option<Refusal>,
) -> Response {
    let options = options(s, ui).await;
    let policies: Vec<Listed> = sla::list_policies(&s.app, &ui.actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|p| listed(p, &options))
        .collect();
    let can_manage = ui.actor.role.allows(Permission::ManageSla);
    let page = render(
        s,
        "sla_policies.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { policies, options, form, error => &error, can_manage },
    );
    with_status(page, error.as_ref())
}

pub async fn list_policies(State(s): State<AppState>, ui: UiActor) -> Response {
    list_page(&s, &ui, PolicyForm::blank(), None).await
}

async fn save(
    s: &AppState,
    ui: &UiActor,
    id: Option<i64>,
    form: &PolicyForm,
) -> Result<PolicyRow, AppError> {
    let input = form.input()?;
    match id {
        Some(id) => sla::update_policy(&s.app, &ui.actor, id, &input).await,
        None => sla::create_policy(&s.app, &ui.actor, &input).await,
    }
}

pub async fn create_policy(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let f = checked_form(&ui, f)?;
    let form = PolicyForm::from_fields(&f);
    Ok(match save(&s, &ui, None, &form).await {
        Ok(_) => back("/app/settings/sla-policies"),
        Err(e) => {
            let error = refusal(&s, &ui, &e);
            list_page(&s, &ui, form, Some(error)).await
        }
    })
}

async fn policy_page(
    s: &AppState,
    ui: &UiActor,
    id: i64,
    form: Option<PolicyForm>,
    error: Option<Refusal>,
    saved: bool,
) -> Response {
    let row = match sla::get_policy(&s.app, &ui.actor, id).await {
        Ok(row) => row,
        Err(e) => return crate::error::ApiError::from(e).into_response_html(),
    };
    let options = options(s, ui).await;
    let form = form.unwrap_or_else(|| PolicyForm::from_row(&row));
    let can_manage = ui.actor.role.allows(Permission::ManageSla);
    let page = render(
        s,
        "sla_policy.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { policy => row, options, form, error => &error, saved, can_manage },
    );
    with_status(page, error.as_ref())
}

#[derive(Deserialize)]
pub struct SavedQuery {
    pub saved: Option<String>,
}

pub async fn show_policy(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Response {
    policy_page(&s, &ui, id, None, None, q.saved.is_some()).await
}

pub async fn save_policy(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let f = checked_form(&ui, f)?;
    let form = PolicyForm::from_fields(&f);
    Ok(match save(&s, &ui, Some(id), &form).await {
        Ok(_) => back(&format!("/app/settings/sla-policies/{id}?saved=1")),
        Err(e) => {
            let error = refusal(&s, &ui, &e);
            policy_page(&s, &ui, id, Some(form), Some(error), false).await
        }
    })
}

pub async fn delete_policy(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match sla::delete_policy(&s.app, &ui.actor, id).await {
        Ok(()) => back("/app/settings/sla-policies"),
        Err(e) => {
            let error = refusal(&s, &ui, &e);
            policy_page(&s, &ui, id, None, Some(error), false).await
        }
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    pub csrf: String,
    /// `up` or `down`.
    pub direction: String,
}

/// Moves a policy one place up or down in the order.
pub async fn move_policy(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let mut ids: Vec<i64> = sla::list_policies(&s.app, &ui.actor)
        .await
        .unwrap_or_default()
        .iter()
        .map(|p| p.id)
        .collect();
    if let Some(at) = ids.iter().position(|&p| p == id) {
        let other = if f.direction == "up" {
            at.checked_sub(1)
        } else {
            Some(at + 1)
        };
        if let Some(other) = other.filter(|&o| o < ids.len()) {
            ids.swap(at, other);
        }
    }
    match sla::reorder_policies(&s.app, &ui.actor, &ids).await {
        Ok(_) => back("/app/settings/sla-policies"),
        Err(e) => {
            let error = refusal(&s, &ui, &e);
            list_page(&s, &ui, PolicyForm::blank(), Some(error)).await
        }
    }
}
