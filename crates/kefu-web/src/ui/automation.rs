//! Settings pages for automation rules (admins) and macros (everyone's own, shared by
//! supervisors), and applying a macro from the ticket panel.

mod macros;
mod parts;

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::calendars::{CsrfForm, Refusal, checked_form, refusal, with_status};
use crate::ui::customers::choice_labels;
use crate::ui::customers::form::Fields;
use crate::ui::sla_policies::SavedQuery;
use crate::ui::{back, csrf_rejection, render};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::automation::{self, RuleInput};
use kefu_app::{AppError, inboxes, teams, users};
use kefu_domain::automation::Trigger;
use kefu_domain::{Invalid, Priority};
use kefu_store::automation::RuleRow;
use kefu_store::inboxes::InboxRow;
use parts::{ActionRow, ConditionRow, InboxName};
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/automation", get(list_rules).post(create_rule))
        .route("/settings/automation/{id}", get(show_rule).post(save_rule))
        .route("/settings/automation/{id}/delete", post(delete_rule))
        .route(
            "/settings/macros",
            get(macros::list_macros).post(macros::create_macro),
        )
        .route(
            "/settings/macros/{id}",
            get(macros::show_macro).post(macros::save_macro),
        )
        .route("/settings/macros/{id}/delete", post(macros::delete_macro))
        .route("/conversations/{id}/macros", post(macros::apply_macro))
}

/// A rule form as typed, so a refused form comes back as it was.
#[derive(Serialize)]
struct RuleForm {
    name: String,
    trigger: String,
    position: String,
    enabled: bool,
    conditions: Vec<ConditionRow>,
    actions: Vec<ActionRow>,
}

fn names(inboxes: &[InboxRow]) -> Vec<InboxName<'_>> {
    inboxes
        .iter()
        .map(|i| InboxName {
            id: i.id,
            name: &i.name,
        })
        .collect()
}

impl RuleForm {
    fn blank() -> Self {
        Self {
            name: String::new(),
            trigger: Trigger::MessageReceived.as_str().into(),
            position: String::new(),
            enabled: true,
            conditions: parts::condition_rows(&[], &[]),
            actions: parts::action_rows(&[]),
        }
    }

    fn from_row(r: &RuleRow, inboxes: &[InboxRow]) -> Self {
        Self {
            name: r.name.clone(),
            trigger: r.trigger.clone(),
            position: r.position.to_string(),
            enabled: r.enabled,
            conditions: parts::condition_rows(&r.conditions.0, &names(inboxes)),
            actions: parts::action_rows(&r.actions.0),
        }
    }

    fn from_fields(f: &Fields) -> Self {
        Self {
            name: f.text("name"),
            trigger: f.text("trigger"),
            position: f.text("position"),
            enabled: f.checked("enabled"),
            conditions: parts::conditions_from(f),
            actions: parts::actions_from(f),
        }
    }

    fn input(&self, inboxes: &[InboxRow]) -> Result<RuleInput, Invalid> {
        let trigger = match self.trigger.as_str() {
            "conversation_created" => Trigger::ConversationCreated,
            "message_received" => Trigger::MessageReceived,
            other => {
                return Err(Invalid::new(
                    "trigger",
                    "invalid_rule_part",
                    format!("'{other}' is not an event rules can start on"),
                ));
            }
        };
        let position = match self.position.trim() {
            "" => None,
            p => Some(p.parse().map_err(|_| {
                Invalid::new(
                    "position",
                    "invalid_rule_part",
                    format!("'{p}' is not a whole number"),
                )
            })?),
        };
        Ok(RuleInput {
            name: self.name.clone(),
            trigger,
            conditions: parts::parse_conditions(&self.conditions, &names(inboxes))?,
            actions: parts::parse_actions(&self.actions)?,
            position,
            enabled: self.enabled,
        })
    }

    /// The form drawn again after a refusal: the rows typed, plus blank ones.
    fn with_spare_rows(mut self) -> Self {
        self.conditions.extend(parts::condition_rows(&[], &[]));
        self.actions.extend(parts::action_rows(&[]));
        self
    }
}

/// A choice in a select: its key and its label in the page's language.
#[derive(Serialize)]
struct Choice {
    key: String,
    label: String,
}

/// What the rule and macro forms offer: fields, kinds, targets and the values they take.
#[derive(Serialize)]
struct Options {
    fields: &'static [&'static str],
    kinds: &'static [&'static str],
    targets: Vec<Choice>,
    ticket_types: Vec<String>,
    priorities: Vec<&'static str>,
    statuses: Vec<&'static str>,
    inboxes: Vec<String>,
}

async fn options(s: &AppState, ui: &UiActor, inboxes: &[InboxRow]) -> Options {
    let app = &s.app;
    let mut targets = vec![
        Choice {
            key: "role:supervisor".into(),
            label: s.i18n.text(ui.actor.locale, "role-supervisor", &[]),
        },
        Choice {
            key: "duty:supervisor".into(),
            label: s
                .i18n
                .text(ui.actor.locale, "auto-target-duty-supervisor", &[]),
        },
        Choice {
            key: "role:manager".into(),
            label: s.i18n.text(ui.actor.locale, "role-manager", &[]),
        },
    ];
    for t in teams::list_teams(app, &ui.actor).await.unwrap_or_default() {
        targets.push(Choice {
            key: format!("team:{}", t.team.id),
            label: format!("👥 {}", t.team.name),
        });
    }
    for u in users::list_users(app, &ui.actor).await.unwrap_or_default() {
        targets.push(Choice {
            key: format!("user:{}", u.id),
            label: u.name,
        });
    }
    let ticket_types = choice_labels(app, &ui.actor, "ticket_type")
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|c| format!("{} ({})", c.key, c.label))
        .collect();
    Options {
        fields: &parts::CONDITION_FIELDS,
        kinds: &parts::ACTION_KINDS,
        targets,
        ticket_types,
        priorities: Priority::ALL.iter().map(|p| p.as_str()).collect(),
        statuses: vec![
            "open",
            "pending",
            "resolved",
            "waiting_customer",
            "waiting_department",
            "closed",
        ],
        inboxes: inboxes.iter().map(|i| i.name.clone()).collect(),
    }
}

async fn all_inboxes(s: &AppState, ui: &UiActor) -> Vec<InboxRow> {
    inboxes::list_inboxes(&s.app, &ui.actor)
        .await
        .unwrap_or_default()
}

async fn rules_page(
    s: &AppState,
    ui: &UiActor,
    form: RuleForm,
    error: Option<Refusal>,
) -> Response {
    let rules = match automation::list_rules(&s.app, &ui.actor).await {
        Ok(r) => r,
        Err(e) => return crate::error::ApiError::from(e).into_response_html(),
    };
    let inboxes = all_inboxes(s, ui).await;
    let options = options(s, ui, &inboxes).await;
    let page = render(
        s,
        "automation.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { rules, form, options, error => &error },
    );
    with_status(page, error.as_ref())
}

pub async fn list_rules(State(s): State<AppState>, ui: UiActor) -> Response {
    rules_page(&s, &ui, RuleForm::blank(), None).await
}

/// Creates (`id` absent) or changes a rule from its form.
async fn save(
    s: &AppState,
    ui: &UiActor,
    id: Option<i64>,
    form: &RuleForm,
) -> Result<RuleRow, AppError> {
    let input = form.input(&all_inboxes(s, ui).await)?;
    match id {
        Some(id) => automation::update_rule(&s.app, &ui.actor, id, &input).await,
        None => automation::create_rule(&s.app, &ui.actor, &input).await,
    }
}

pub async fn create_rule(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let f = checked_form(&ui, f)?;
    let form = RuleForm::from_fields(&f);
    Ok(match save(&s, &ui, None, &form).await {
        Ok(_) => back("/app/settings/automation"),
        Err(e) => {
            let error = refusal(&s, &ui, &e);
            rules_page(&s, &ui, form.with_spare_rows(), Some(error)).await
        }
    })
}

async fn rule_page(
    s: &AppState,
    ui: &UiActor,
    id: i64,
    form: Option<RuleForm>,
    error: Option<Refusal>,
    saved: bool,
) -> Response {
    let rules = match automation::list_rules(&s.app, &ui.actor).await {
        Ok(r) => r,
        Err(e) => return crate::error::ApiError::from(e).into_response_html(),
    };
    let Some(rule) = rules.into_iter().find(|r| r.id == id) else {
        return crate::error::ApiError::from(AppError::NotFound("rule")).into_response_html();
    };
    let inboxes = all_inboxes(s, ui).await;
    let form = form.unwrap_or_else(|| RuleForm::from_row(&rule, &inboxes));
    let options = options(s, ui, &inboxes).await;
    let page = render(
        s,
        "automation_rule.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { rule, form, options, error => &error, saved },
    );
    with_status(page, error.as_ref())
}

pub async fn show_rule(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Response {
    rule_page(&s, &ui, id, None, None, q.saved.is_some()).await
}

pub async fn save_rule(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let f = checked_form(&ui, f)?;
    let form = RuleForm::from_fields(&f);
    Ok(match save(&s, &ui, Some(id), &form).await {
        Ok(_) => back(&format!("/app/settings/automation/{id}?saved=1")),
        Err(e) => {
            let error = refusal(&s, &ui, &e);
            rule_page(
                &s,
                &ui,
                id,
                Some(form.with_spare_rows()),
                Some(error),
                false,
            )
            .await
        }
    })
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
    match automation::delete_rule(&s.app, &ui.actor, id).await {
        Ok(()) => back("/app/settings/automation"),
        Err(e) => {
            let error = refusal(&s, &ui, &e);
            rule_page(&s, &ui, id, None, Some(error), false).await
        }
    }
}
