//! A case's page: its order, items, policy decision and history, the steps it may take
//! next, the return waybill and hand-offs to a department.

use super::{reason_labels, refused};
use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::customers::choice_labels;
use crate::ui::{back, csrf_rejection, render};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::AppError;
use kefu_app::after_sales::{
    self as cases, HandoffInput, ReturnShipment, TransitionInput, needs_decision,
};
use kefu_domain::after_sale::CaseStatus;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/after-sales/{id}", get(case_page))
        .route("/after-sales/{id}/transition", post(take_step))
        .route("/after-sales/{id}/return-shipment", post(record_return))
        .route("/after-sales/{id}/handoff", post(hand_off))
}

async fn case_page(State(s): State<AppState>, ui: UiActor, Path(id): Path<i64>) -> Response {
    let result = async {
        let (app, actor) = (&s.app, &ui.actor);
        let case = cases::get_case(app, actor, id).await?;
        // The steps shown: decisions only to those who may take them.
        let steps: Vec<&str> = case
            .next
            .iter()
            .filter(|to| {
                CaseStatus::parse(to).is_ok_and(|to| case.can_decide || !needs_decision(to))
            })
            .map(String::as_str)
            .collect();
        let waiting_for_decision = steps.len() < case.next.len();
        let (_, reason_label) = reason_labels(app, actor).await?;
        let ctx = minijinja::context! {
            steps, waiting_for_decision,
            reason_label,
            departments => choice_labels(app, actor, "department").await?,
            takes_goods_back => ["return", "exchange", "repair"].contains(&case.case.kind.as_str()),
            refunds => ["return", "refund_only"].contains(&case.case.kind.as_str()),
            case,
        };
        Ok::<_, AppError>(render(&s, "after_sale.html", actor.locale, Some(&ui), ctx))
    };
    result.await.unwrap_or_else(|e| refused(&s, &ui, e))
}

fn to_case(id: i64) -> Response {
    back(&format!("/app/after-sales/{id}"))
}

#[derive(Deserialize)]
struct StepForm {
    csrf: String,
    to: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    refund: String,
    #[serde(default)]
    reship_cost: String,
    #[serde(default)]
    return_carrier: String,
    #[serde(default)]
    return_waybill: String,
}

async fn take_step(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let result = async {
        let case = cases::get_case(&s.app, &ui.actor, id).await?.case;
        let amount = |field, text: &str| cases::parse_amount(field, text, &case.currency);
        let input = TransitionInput {
            to: f.to,
            note: Some(f.note),
            refund_minor: amount("refund_minor", &f.refund)?,
            reship_cost_minor: amount("reship_cost_minor", &f.reship_cost)?,
            return_carrier: Some(f.return_carrier),
            return_waybill: Some(f.return_waybill),
        };
        cases::transition_case(&s.app, &ui.actor, id, &input).await
    };
    match result.await {
        Ok(_) => to_case(id),
        Err(e) => refused(&s, &ui, e),
    }
}

#[derive(Deserialize)]
struct ReturnForm {
    csrf: String,
    #[serde(default)]
    carrier: String,
    waybill: String,
}

async fn record_return(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<ReturnForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let input = ReturnShipment {
        carrier: Some(f.carrier),
        waybill: f.waybill,
    };
    match cases::set_return_shipment(&s.app, &ui.actor, id, &input).await {
        Ok(_) => to_case(id),
        Err(e) => refused(&s, &ui, e),
    }
}

#[derive(Deserialize)]
struct HandoffForm {
    csrf: String,
    department: String,
    note: String,
    /// Hours until the deadline.
    #[serde(default)]
    due_hours: String,
}

async fn hand_off(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<HandoffForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let due_in_minutes = match f.due_hours.trim() {
        "" => None,
        h => Some(h.parse::<i64>().map_or(0, |h| h.saturating_mul(60))),
    };
    let input = HandoffInput {
        department: f.department,
        note: f.note,
        due_in_minutes,
    };
    match cases::hand_off(&s.app, &ui.actor, id, &input).await {
        Ok(_) => to_case(id),
        Err(e) => refused(&s, &ui, e),
    }
}
