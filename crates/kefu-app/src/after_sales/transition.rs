//! Moving a case along its status machine. An illegal step is refused (409) and a step
//! without what it needs (a reason, the waybill, a refund within what was paid) is
//! refused (422); either way nothing changes. A refund adds to the order's refunded
//! amount in the same transaction; refunds and re-shipment costs are shared over the
//! case's items for the loss view.

use super::open::over_refund;
use super::{case_event, needs_decision};
use crate::archive::optional_text;
use crate::events::commit;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::after_sale::share::allocate;
use kefu_domain::after_sale::{CaseKind, CaseStatus, Refusal, check};
use kefu_domain::order::parse_number;
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::Tx;
use kefu_store::after_sales::{self as store, CaseChange, CaseRow};
use serde::Deserialize;

const MAX_NOTE_CHARS: usize = 2_000;

/// A step of a case.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TransitionInput {
    /// The status to move to.
    pub to: String,
    /// Why (required to reject, or to close a case nothing was done for), or a note.
    pub note: Option<String>,
    /// A changed refund in minor units (on approving, after inspection, or on refunding).
    pub refund_minor: Option<i64>,
    /// What re-shipping cost in minor units (on `reshipped`).
    pub reship_cost_minor: Option<i64>,
    /// The buyer's return parcel (on `goods_returned`, unless the case has it already).
    pub return_carrier: Option<String>,
    pub return_waybill: Option<String>,
}

/// The words of a stored case (a row kefu wrote itself).
fn words(case: &CaseRow) -> AppResult<(CaseKind, CaseStatus)> {
    Ok((
        CaseKind::parse(&case.kind)?,
        CaseStatus::parse(&case.status)?,
    ))
}

fn refused(kind: CaseKind, r: Refusal) -> AppError {
    match r {
        Refusal::Illegal { from, to, allowed } => {
            let allowed: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            let next = if allowed.is_empty() {
                "nowhere: it is finished".to_owned()
            } else {
                allowed.join(", ")
            };
            AppError::Conflict {
                code: "illegal_transition",
                message: format!(
                    "a {} case cannot go from {} to {}; from {} it can go to {next}",
                    kind.as_str(),
                    from.as_str(),
                    to.as_str(),
                    from.as_str()
                ),
                existing_id: None,
            }
        }
        Refusal::ReasonRequired => Invalid::new(
            "note",
            "reason_required",
            "say why: a rejection or a withdrawal needs a reason the buyer can be told",
        )
        .into(),
    }
}

fn not_here(field: &'static str, what: &str) -> AppError {
    Invalid::new(
        field,
        "not_applicable",
        format!("{what} does not apply to this step or kind of case; leave it empty"),
    )
    .into()
}

/// What the step writes besides the status, checked against the case and the step.
fn change_for(
    case: &CaseRow,
    kind: CaseKind,
    to: CaseStatus,
    input: &TransitionInput,
    note: &Option<String>,
) -> AppResult<CaseChange> {
    let mut change = CaseChange {
        settled: to.is_settled(),
        closed: to.is_final(),
        ..CaseChange::default()
    };
    if let Some(r) = input.refund_minor {
        let when = matches!(
            to,
            CaseStatus::Approved | CaseStatus::Inspected | CaseStatus::Refunded
        );
        if !kind.refunds() || !when {
            return Err(not_here("refund_minor", "a refund amount"));
        }
        change.refund_minor = Some(r);
    }
    if let Some(c) = input.reship_cost_minor {
        if to != CaseStatus::Reshipped {
            return Err(not_here("reship_cost_minor", "a re-shipment cost"));
        }
        if c < 0 {
            return Err(Invalid::new(
                "reship_cost_minor",
                "invalid_cost",
                "the cost is zero or more (minor units)",
            )
            .into());
        }
        change.reship_cost_minor = Some(c);
    }
    let waybill = optional_text("return_waybill", &input.return_waybill, 64)?
        .map(|w| parse_number("return_waybill", &w))
        .transpose()?;
    if waybill.is_some() && to != CaseStatus::GoodsReturned {
        return Err(not_here("return_waybill", "a return waybill"));
    }
    if to == CaseStatus::GoodsReturned && waybill.is_none() && case.return_waybill.is_none() {
        return Err(Invalid::new(
            "return_waybill",
            "waybill_required",
            "record the buyer's return waybill (退货单号) so the parcel can be matched and put back in stock",
        )
        .into());
    }
    if waybill.is_some() {
        change.return_carrier = optional_text("return_carrier", &input.return_carrier, 64)?;
        change.return_waybill = waybill;
    }
    if to == CaseStatus::Rejected {
        change.rejection_reason = note.clone();
    }
    Ok(change)
}

/// Moves a case to another status, with what that step needs.
pub async fn transition_case(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &TransitionInput,
) -> AppResult<CaseRow> {
    actor.require(Permission::WorkConversations)?;
    let to = CaseStatus::parse(&input.to)?;
    let note = optional_text("note", &input.note, MAX_NOTE_CHARS)?;
    let case = store::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("after-sales case"))?;
    let (kind, from) = words(&case)?;
    check(kind, from, to, note.is_some()).map_err(|r| refused(kind, r))?;
    if needs_decision(to) {
        actor.require(Permission::DecideAfterSales)?;
    }
    let change = change_for(&case, kind, to, input, &note)?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let (paid, refunded) = store::lock_order(&mut tx, case.order_id)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    let refund = change.refund_minor.unwrap_or(case.refund_minor);
    if change.refund_minor.is_some() || to == CaseStatus::Refunded {
        over_refund(refund, paid - refunded)?;
    }
    if !store::change_status(&mut tx, id, from.as_str(), to.as_str(), &change, now).await? {
        return Err(changed_meanwhile());
    }
    if to.is_settled() {
        settle(&mut tx, &case, to, &change, now).await?;
    }
    store::add_history(
        &mut tx,
        id,
        Some(from.as_str()),
        to.as_str(),
        note.as_deref(),
        actor.user_id,
        now,
    )
    .await?;
    let case = store::find_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("after-sales case"))?;
    case_event(app, &mut tx, "after_sale.updated", &case, actor.user_id).await?;
    commit(app, tx).await?;
    Ok(case)
}

fn changed_meanwhile() -> AppError {
    AppError::Conflict {
        code: "case_changed",
        message: "someone moved this case meanwhile; reload it and try again".into(),
        existing_id: None,
    }
}

/// Money or goods go out: a refund adds to the order's refunded amount, and the refund
/// or re-shipment cost is shared over the case's items.
async fn settle(
    tx: &mut Tx,
    case: &CaseRow,
    to: CaseStatus,
    change: &CaseChange,
    now: i64,
) -> AppResult<()> {
    let refund = match to {
        CaseStatus::Refunded => change.refund_minor.unwrap_or(case.refund_minor),
        _ => 0,
    };
    if refund > 0 && !store::refund_order(tx, case.order_id, refund, now).await? {
        return Err(Invalid::new(
            "refund_minor",
            "over_refund",
            "the order's refundable amount changed meanwhile; reload it and try again",
        )
        .into());
    }
    let cost = change.reship_cost_minor.unwrap_or(case.reship_cost_minor);
    share_out(tx, case.id, refund, cost).await
}

/// Shares the refund and the re-shipment cost over the case's items by their value.
async fn share_out(tx: &mut Tx, id: i64, refund: i64, cost: i64) -> AppResult<()> {
    let items = store::items_in_tx(tx, id).await?;
    let weights: Vec<i64> = items
        .iter()
        .map(|i| i.unit_price.saturating_mul(i.quantity))
        .collect();
    let refunds = allocate(refund, &weights);
    let costs = allocate(cost, &weights);
    let shares: Vec<(i64, i64, i64)> = items
        .iter()
        .zip(refunds.into_iter().zip(costs))
        .map(|(i, (r, c))| (i.id, r, c))
        .collect();
    store::set_shares(tx, &shares).await?;
    Ok(())
}

/// The buyer's return parcel, recorded before it arrives.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReturnShipment {
    pub carrier: Option<String>,
    /// The return waybill (退货单号).
    pub waybill: String,
}

/// Records the return waybill of a case that takes goods back and is not yet received.
pub async fn set_return_shipment(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &ReturnShipment,
) -> AppResult<CaseRow> {
    actor.require(Permission::WorkConversations)?;
    let waybill = parse_number("waybill", &input.waybill)?;
    let carrier = optional_text("carrier", &input.carrier, 64)?;
    let case = store::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("after-sales case"))?;
    let (kind, status) = words(&case)?;
    if !kind.takes_goods_back() {
        return Err(not_here("waybill", "a return waybill"));
    }
    if !matches!(status, CaseStatus::Requested | CaseStatus::Approved) {
        return Err(AppError::Conflict {
            code: "goods_already_back",
            message: format!(
                "the case is {}; the return waybill is recorded until the goods are back",
                status.as_str()
            ),
            existing_id: None,
        });
    }
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let set = store::set_return_shipment(
        &mut tx,
        id,
        status.as_str(),
        carrier.as_deref(),
        &waybill,
        now,
    )
    .await?;
    if !set {
        return Err(changed_meanwhile());
    }
    let case = store::find_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("after-sales case"))?;
    case_event(app, &mut tx, "after_sale.updated", &case, actor.user_id).await?;
    commit(app, tx).await?;
    Ok(case)
}
