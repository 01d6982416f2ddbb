//! The 售后 / After-sales pages: the returns register (filters, export links) with the
//! loss view, the order panel's cases and form to open one, and (in `case`) a case's page.

mod case;

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::after_sales::register::{self, LossQuery, RegisterQuery};
use kefu_app::after_sales::{self as cases, ItemClaim, NewCaseInput, config};
use kefu_app::{Actor, App, AppError};
use kefu_domain::after_sale::{CaseKind, CaseStatus};
use kefu_domain::{Permission, UiLocale};
use kefu_store::orders::OrderRow;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/after-sales", get(register_page))
        .route("/orders/{id}/after-sales", post(open_case))
        .merge(case::routes())
}

/// A reason in the page's language.
#[derive(Serialize)]
pub(crate) struct ReasonChoice {
    key: String,
    label: String,
}

/// The reasons in their order, and reason key → label, in the page's language.
pub(crate) async fn reason_labels(
    app: &App,
    actor: &Actor,
) -> Result<(Vec<ReasonChoice>, BTreeMap<String, String>), AppError> {
    let zh = actor.locale == UiLocale::ZhCn;
    let list: Vec<ReasonChoice> = config::list_reasons(app, actor)
        .await?
        .into_iter()
        .map(|r| ReasonChoice {
            label: if zh { r.label_zh } else { r.label_en },
            key: r.key,
        })
        .collect();
    let map = list
        .iter()
        .map(|r| (r.key.clone(), r.label.clone()))
        .collect();
    Ok((list, map))
}

/// A refused page or form: the translated sentence with the API's status (409 for a
/// step the case cannot take, 422 for a missing field …).
pub(crate) fn refused(s: &AppState, ui: &UiActor, e: AppError) -> Response {
    let text = error_text(s, ui.actor.locale, &e);
    let status = crate::error::ApiError::from(e).status;
    (status, text).into_response()
}

fn kinds() -> Vec<&'static str> {
    CaseKind::ALL.iter().map(|k| k.as_str()).collect()
}

/// What the order panel shows under each order: its open cases and the form's lines.
pub async fn order_parts(
    s: &AppState,
    actor: &Actor,
    orders: &[OrderRow],
) -> Result<minijinja::Value, AppError> {
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let by_order: BTreeMap<String, cases::OrderCases> = cases::order_cases(&s.app, actor, &ids)
        .await?
        .into_iter()
        .map(|p| (p.order_id.to_string(), p))
        .collect();
    let (reasons, reason_label) = reason_labels(&s.app, actor).await?;
    Ok(minijinja::context! { orders => by_order, reasons, reason_label, kinds => kinds() })
}

/// The register's filters as a form sends them (empty fields are no filter).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct RegisterForm {
    #[serde(default)]
    store_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default, skip_serializing)]
    cursor: Option<i64>,
    #[serde(default)]
    loss_from: String,
    #[serde(default)]
    loss_to: String,
}

impl RegisterForm {
    fn query(&self) -> RegisterQuery {
        let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        RegisterQuery {
            store_id: self.store_id.trim().parse().ok(),
            status: text(&self.status),
            reason: text(&self.reason),
            kind: text(&self.kind),
            sku: text(&self.sku),
            from: text(&self.from),
            to: text(&self.to),
            cursor: self.cursor,
            ..RegisterQuery::default()
        }
    }

    /// The filters as a query string (export links, the next page).
    fn keep(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

/// This month so far, in the mainland-China days stores use by default.
fn this_month() -> (String, String) {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC))
        .date();
    (today.first_of_month().to_string(), today.to_string())
}

const PAGE_SIZE: u64 = 50;

async fn register_page(
    State(s): State<AppState>,
    ui: UiActor,
    Query(f): Query<RegisterForm>,
) -> Response {
    let result = async {
        let (app, actor) = (&s.app, &ui.actor);
        let rows = register::list_cases(app, actor, &f.query(), PAGE_SIZE).await?;
        let next_cursor = (rows.len() as u64 >= PAGE_SIZE)
            .then(|| rows.last().map(|r| r.case.id))
            .flatten();
        let can_decide = actor.role.allows(Permission::DecideAfterSales);
        let (month_start, today) = this_month();
        let pick = |v: &str, default: String| {
            Some(v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or(default)
        };
        let loss_query = LossQuery {
            from: pick(&f.loss_from, month_start),
            to: pick(&f.loss_to, today),
            store_id: f.query().store_id,
            tz: None,
        };
        let losses = if can_decide {
            Some(register::loss_view(app, actor, &loss_query).await?)
        } else {
            None
        };
        let stores: Vec<(i64, String)> = config::store_names(app, actor).await?;
        let (reasons, reason_label) = reason_labels(app, actor).await?;
        let ctx = minijinja::context! {
            rows, next_cursor, can_decide, losses, stores,
            filters => &f,
            keep => f.keep(),
            loss_from => loss_query.from,
            loss_to => loss_query.to,
            reasons, reason_label,
            kinds => kinds(),
            statuses => CaseStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        };
        Ok::<_, AppError>(render(&s, "after_sales.html", actor.locale, Some(&ui), ctx))
    };
    result.await.unwrap_or_else(|e| refused(&s, &ui, e))
}

/// Opens a case from the order panel: `qty_<line id>` for each line, amounts as decimals.
async fn open_case(
    State(s): State<AppState>,
    ui: UiActor,
    Path(order_id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if let Some(r) = csrf_rejection(&ui, field("csrf")) {
        return r;
    }
    let result = async {
        let order = kefu_app::orders::view::get_order(&s.app, &ui.actor, order_id).await?;
        let mut items = Vec::new();
        for line in &order.items {
            let typed = field(&format!("qty_{}", line.id)).trim();
            let quantity: i64 = if typed.is_empty() {
                0
            } else {
                typed.parse().unwrap_or(-1)
            };
            if quantity != 0 {
                items.push(ItemClaim {
                    order_item_id: line.id,
                    quantity,
                });
            }
        }
        let text = |k: &str| Some(field(k).to_owned());
        let input = NewCaseInput {
            kind: field("kind").to_owned(),
            reason: field("reason").to_owned(),
            items,
            refund_minor: cases::parse_amount(
                "refund_minor",
                field("refund"),
                &order.order.currency,
            )?,
            description: text("description"),
            conversation_id: field("conversation_id").trim().parse().ok(),
            return_carrier: text("return_carrier"),
            return_waybill: text("return_waybill"),
        };
        cases::open_case(&s.app, &ui.actor, order_id, &input).await
    };
    match result.await {
        Ok(case) => match case.conversation_id {
            Some(c) => back(&format!(
                "/app/conversations/{c}?view=all&status=any#after-sales-order-{order_id}"
            )),
            None => back(&format!("/app/after-sales/{}", case.id)),
        },
        Err(e) => refused(&s, &ui, e),
    }
}
