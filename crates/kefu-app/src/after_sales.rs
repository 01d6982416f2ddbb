//! After-sales cases (售后): returns, exchanges, refunds, re-shipments and repairs of an
//! order's items, with the reason, the policy window kefu decided, the return waybill,
//! the status machine of `kefu_domain::after_sale`, hand-offs to the warehouse, QC or
//! finance as tasks with deadlines, the returns register (退货登记表) and the loss view.
//!
//! Everyone who works conversations opens and works cases; approving, rejecting and
//! refunding, exporting the register and reading losses need a supervisor
//! (`Permission::DecideAfterSales`).

pub mod config;
mod handoff;
mod open;
pub mod register;
mod transition;

pub use handoff::{HandoffInput, hand_off};
pub use open::{ItemClaim, NewCaseInput, open_case};
pub use transition::{ReturnShipment, TransitionInput, set_return_shipment, transition_case};

use crate::events::append;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::after_sale::{CaseKind, CaseStatus, allowed_next};
use kefu_domain::{Currency, Invalid, Money, Permission};
use kefu_store::Tx;
use kefu_store::after_sales::register::{self as case_list, CaseFilter};
use kefu_store::after_sales::{self as store, CaseItemRow, CaseRow, HistoryRow};
use kefu_store::orders::OrderItemRow;
use kefu_store::tasks::TaskRow;
use serde::Serialize;
use serde_json::json;

/// A case with its items, its status history, its hand-offs and where it may go next.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: CaseRow,
    pub items: Vec<CaseItemRow>,
    pub history: Vec<HistoryRow>,
    pub tasks: Vec<TaskRow>,
    /// The statuses the case may move to now (whoever asks).
    pub next: Vec<String>,
    /// Whether the asker may approve, reject and refund.
    pub can_decide: bool,
}

/// The statuses only a supervisor or above may move a case to.
pub fn needs_decision(to: CaseStatus) -> bool {
    matches!(
        to,
        CaseStatus::Approved | CaseStatus::Rejected | CaseStatus::Refunded
    )
}

/// Where a stored case may go next (nothing when its words are not known).
pub fn next_of(case: &CaseRow) -> Vec<CaseStatus> {
    match (CaseKind::parse(&case.kind), CaseStatus::parse(&case.status)) {
        (Ok(k), Ok(s)) => allowed_next(k, s),
        _ => Vec::new(),
    }
}

pub async fn get_case(app: &App, actor: &Actor, id: i64) -> AppResult<CaseDetail> {
    actor.require(Permission::WorkConversations)?;
    let case = store::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("after-sales case"))?;
    let mut tasks = Vec::new();
    for task_id in store::task_ids(&app.db, id).await? {
        tasks.extend(kefu_store::tasks::find(&app.db, task_id).await?);
    }
    Ok(CaseDetail {
        items: store::items_of(&app.db, &[id]).await?,
        history: store::history(&app.db, id).await?,
        tasks,
        next: next_of(&case)
            .into_iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        can_decide: actor.role.allows(Permission::DecideAfterSales),
        case,
    })
}

/// An order beside a conversation: its lines (to open a case) and its open cases.
#[derive(Debug, Serialize)]
pub struct OrderCases {
    pub order_id: i64,
    pub items: Vec<OrderItemRow>,
    pub open: Vec<CaseRow>,
}

/// The lines and open cases of a few orders (the order panel's).
pub async fn order_cases(
    app: &App,
    actor: &Actor,
    order_ids: &[i64],
) -> AppResult<Vec<OrderCases>> {
    actor.require(Permission::WorkConversations)?;
    let mut out = Vec::new();
    for id in order_ids {
        let filter = CaseFilter {
            order_id: Some(*id),
            open_only: true,
            ..CaseFilter::default()
        };
        out.push(OrderCases {
            order_id: *id,
            items: kefu_store::orders::items(&app.db, *id).await?,
            open: case_list::list(&app.db, &filter, 20).await?,
        });
    }
    Ok(out)
}

/// An amount typed in a form (`12.30`, `¥12.3`) as minor units of `currency`; empty is none.
pub fn parse_amount(field: &'static str, text: &str, currency: &str) -> AppResult<Option<i64>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let money = Money::parse(text, Currency::parse(currency)?)
        .map_err(|e| Invalid::new(field, e.code, e.message))?;
    Ok(Some(money.minor))
}

/// Appends a case event for the workspace (staff only), on the case's conversation if any.
async fn case_event(app: &App, tx: &mut Tx, kind: &str, case: &CaseRow, by: i64) -> AppResult<()> {
    let inbox = match case.conversation_id {
        Some(c) => kefu_store::conversations::find_in_tx(tx, c)
            .await?
            .map(|r| r.inbox_id),
        None => None,
    };
    let payload = json!({
        "case_id": case.id, "order_id": case.order_id, "status": case.status, "by": by,
    });
    append(app, tx, kind, case.conversation_id, inbox, true, &payload).await
}
