//! Logistics cases in the workspace (物流异常): the list to work through, opening a case
//! from the order panel, and moving one on (waiting for the carrier, resolved).

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::conversations::failed;
use crate::ui::{back, csrf_rejection, render};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::AppError;
use kefu_app::logistics::{self, CaseChange, CaseInput, CaseQuery};
use kefu_domain::order::logistics::{CaseKind, CaseStatus, Resolution};
use kefu_domain::{Currency, Invalid, Money};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/logistics", get(cases_page).post(open_case))
        .route("/logistics/{id}", post(update_case))
}

fn words<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| f(*v)).collect()
}

/// Every case not resolved (or of one status), newest first.
async fn cases_page(
    State(s): State<AppState>,
    ui: UiActor,
    Query(q): Query<CaseQuery>,
) -> Response {
    let result = async {
        let cases = logistics::list_cases(&s.app, &ui.actor, &q).await?;
        let ctx = minijinja::context! {
            cases,
            status => q.status.clone().unwrap_or_default(),
            statuses => words(CaseStatus::ALL, CaseStatus::as_str),
            resolutions => words(Resolution::ALL, Resolution::as_str),
            now => kefu_domain::time::now_ms(),
        };
        Ok::<_, AppError>(render(
            &s,
            "logistics_cases.html",
            ui.actor.locale,
            Some(&ui),
            ctx,
        ))
    };
    result.await.unwrap_or_else(|e| failed(&s, &ui, e))
}

/// The kinds an agent picks from when opening a case.
pub fn case_kinds() -> Vec<&'static str> {
    words(CaseKind::ALL, CaseKind::as_str)
}

#[derive(Deserialize)]
pub struct OpenForm {
    csrf: String,
    order_id: i64,
    kind: String,
    #[serde(default)]
    note: String,
    /// The conversation page to go back to.
    conversation_id: Option<i64>,
}

async fn open_case(State(s): State<AppState>, ui: UiActor, Form(f): Form<OpenForm>) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let input = CaseInput {
        shipment_id: None,
        order_id: Some(f.order_id),
        kind: f.kind,
        note: Some(f.note),
        due_in_hours: None,
        conversation_id: f.conversation_id,
    };
    match logistics::open_case(&s.app, &ui.actor, &input).await {
        Ok(_) => back(&match f.conversation_id {
            Some(c) => format!("/app/conversations/{c}?view=all&status=any#orders"),
            None => "/app/logistics".into(),
        }),
        Err(e) => failed(&s, &ui, e),
    }
}

#[derive(Deserialize)]
pub struct ChangeForm {
    csrf: String,
    status: String,
    #[serde(default)]
    resolution: String,
    /// Compensation as money typed by a person (`20`, `20.50`).
    #[serde(default)]
    compensation: String,
    #[serde(default)]
    note: String,
}

async fn update_case(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<ChangeForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let run = async {
        let case = logistics::get_case(&s.app, &ui.actor, id).await?;
        let compensation_minor = match f.compensation.trim() {
            "" => None,
            typed => {
                let currency = Currency::parse(&case.currency)?;
                let m = Money::parse(typed, currency)
                    .map_err(|e| Invalid::new("compensation_minor", e.code, e.message))?;
                Some(m.minor)
            }
        };
        let change = CaseChange {
            status: Some(f.status.clone()),
            resolution: Some(f.resolution.clone()).filter(|r| !r.trim().is_empty()),
            compensation_minor,
            note: Some(f.note.clone()),
        };
        logistics::update_case(&s.app, &ui.actor, id, &change).await
    };
    match run.await {
        Ok(_) => back("/app/logistics"),
        Err(e) => failed(&s, &ui, e),
    }
}
