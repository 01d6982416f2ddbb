//! Opening a case from an order: its items must be the order's and not more than were
//! bought (less what the order's other standing cases claim), the refund not more than
//! was paid and not yet refunded; kefu decides the policy window the reason falls under.

use super::case_event;
use super::config::{reason_policy, window_of};
use crate::archive::optional_text;
use crate::events::commit;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::after_sale::window::{WindowDecision, decide};
use kefu_domain::after_sale::{CaseKind, CaseStatus, PolicyKind};
use kefu_domain::order::parse_number;
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::after_sales::{self as store, CaseRow, NewCase, NewItem};
use kefu_store::orders::{self, OrderItemRow, OrderRow};
use kefu_store::{Tx, shipments, stores, timeline};
use serde::Deserialize;
use serde_json::json;

/// Most lines one case may have.
const MAX_ITEMS: usize = 100;
const MAX_DESCRIPTION_CHARS: usize = 2_000;

/// A line of the order and how many of it the case is about.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ItemClaim {
    pub order_item_id: i64,
    pub quantity: i64,
}

/// A new case as an agent or the API opens it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewCaseInput {
    /// `return`, `exchange`, `refund_only`, `reship` or `repair`.
    pub kind: String,
    /// A key of the reason taxonomy (GET /api/v1/after-sales/reasons).
    pub reason: String,
    pub items: Vec<ItemClaim>,
    /// The amount to refund in minor units (returns and refund-only cases; default: the
    /// value of the items, at most what was paid and not yet refunded).
    pub refund_minor: Option<i64>,
    /// What the buyer says is wrong.
    pub description: Option<String>,
    /// The conversation the buyer asked in.
    pub conversation_id: Option<i64>,
    pub return_carrier: Option<String>,
    /// The buyer's return waybill (退货单号), if already known.
    pub return_waybill: Option<String>,
}

/// The claimed lines checked against the order: bought, and not claimed twice.
fn claimed_items(
    claims: &[ItemClaim],
    lines: &[OrderItemRow],
    claimed_before: &[(i64, i64)],
) -> AppResult<Vec<NewItem>> {
    if claims.is_empty() || claims.len() > MAX_ITEMS {
        return Err(Invalid::new(
            "items",
            "invalid_items",
            format!("name 1 to {MAX_ITEMS} lines of the order the case is about"),
        )
        .into());
    }
    let mut out: Vec<NewItem> = Vec::new();
    for c in claims {
        let Some(line) = lines.iter().find(|l| l.id == c.order_item_id) else {
            return Err(Invalid::new(
                "items",
                "item_not_in_order",
                format!("line {} is not a line of this order", c.order_item_id),
            )
            .into());
        };
        if out.iter().any(|i| i.order_item_id == line.id) {
            return Err(Invalid::new(
                "items",
                "duplicate_item",
                format!("'{}' is listed twice; list each line once", line.name),
            )
            .into());
        }
        let before = claimed_before
            .iter()
            .find(|(id, _)| *id == line.id)
            .map_or(0, |(_, q)| *q);
        if c.quantity < 1 || c.quantity.saturating_add(before) > line.quantity {
            let left = (line.quantity - before).max(0);
            return Err(Invalid::new(
                "items",
                "too_many_items",
                format!(
                    "'{}': {} bought, {before} already in other cases; the quantity is 1 to {left}",
                    line.name, line.quantity
                ),
            )
            .into());
        }
        out.push(NewItem {
            order_item_id: line.id,
            sku: line.sku.clone(),
            name: line.name.clone(),
            spec: line.spec.clone(),
            quantity: c.quantity,
            unit_price: line.unit_price,
        });
    }
    Ok(out)
}

/// The refund of a new case: only for refunding kinds, more than zero, at most what is
/// refundable; the items' value (capped) when not given.
pub(super) fn checked_refund(
    kind: CaseKind,
    asked: Option<i64>,
    items: &[NewItem],
    refundable: i64,
) -> AppResult<i64> {
    if !kind.refunds() {
        return match asked {
            None | Some(0) => Ok(0),
            Some(_) => Err(Invalid::new(
                "refund_minor",
                "refund_not_applicable",
                "only returns and refund-only cases refund money; leave the amount empty",
            )
            .into()),
        };
    }
    let value: i64 = items
        .iter()
        .map(|i| i.unit_price.saturating_mul(i.quantity))
        .fold(0, i64::saturating_add);
    let amount = asked.unwrap_or(value.min(refundable));
    over_refund(amount, refundable)?;
    Ok(amount)
}

/// Refuses a refund of nothing or of more than `refundable`.
pub(super) fn over_refund(amount: i64, refundable: i64) -> AppResult<()> {
    if amount <= 0 {
        return Err(Invalid::new(
            "refund_minor",
            "invalid_refund",
            "the refund is more than zero (minor units)",
        )
        .into());
    }
    if amount > refundable {
        return Err(Invalid::new(
            "refund_minor",
            "over_refund",
            format!(
                "the refund is more than was paid and not yet refunded ({refundable} in minor units)"
            ),
        )
        .into());
    }
    Ok(())
}

/// The customer and conversation of a new case; the conversation must be the buyer's.
async fn whose(
    app: &App,
    actor: &Actor,
    order: &OrderRow,
    conversation_id: Option<i64>,
) -> AppResult<(Option<i64>, Option<i64>)> {
    let Some(id) = conversation_id else {
        return Ok((None, order.contact_id));
    };
    let c = crate::conversations::get_conversation(app, actor, id).await?;
    if order.contact_id.is_some_and(|buyer| buyer != c.contact_id) {
        return Err(Invalid::new(
            "conversation_id",
            "not_the_buyer",
            "this conversation is with someone other than the order's buyer",
        )
        .into());
    }
    Ok((Some(id), Some(c.contact_id)))
}

/// The latest day a parcel of the order was signed for.
async fn delivered_at(app: &App, order_id: i64) -> AppResult<Option<jiff::Timestamp>> {
    let parcels = shipments::of_order(&app.db, order_id).await?;
    Ok(parcels
        .iter()
        .filter_map(|s| s.delivered_at)
        .max()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()))
}

/// The buyer's return parcel, if given; only for cases that take goods back.
fn return_parcel(
    kind: CaseKind,
    input: &NewCaseInput,
) -> AppResult<(Option<String>, Option<String>)> {
    let carrier = optional_text("return_carrier", &input.return_carrier, 64)?;
    let waybill = optional_text("return_waybill", &input.return_waybill, 64)?
        .map(|w| parse_number("return_waybill", &w))
        .transpose()?;
    if waybill.is_some() && !kind.takes_goods_back() {
        return Err(Invalid::new(
            "return_waybill",
            "no_return",
            "nothing is sent back in this kind of case; leave the waybill empty",
        )
        .into());
    }
    Ok((carrier, waybill))
}

/// Whether a request now is inside the store's window for `policy`, counted in the
/// store's time zone from the latest delivery of the order.
async fn window_decision(
    app: &App,
    order: &OrderRow,
    policy: PolicyKind,
    now: i64,
) -> AppResult<WindowDecision> {
    let store_row = stores::find(&app.db, order.store_id)
        .await?
        .ok_or(AppError::NotFound("store"))?;
    let window = window_of(app, order.store_id, policy).await?;
    let tz = jiff::tz::TimeZone::get(&store_row.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let asked_at =
        jiff::Timestamp::from_millisecond(now).unwrap_or_else(|_| jiff::Timestamp::now());
    Ok(decide(
        window,
        delivered_at(app, order.id).await?,
        asked_at,
        &tz,
    ))
}

/// Opens a case of an order (status `requested`), with the policy decision kefu made.
pub async fn open_case(
    app: &App,
    actor: &Actor,
    order_id: i64,
    input: &NewCaseInput,
) -> AppResult<CaseRow> {
    actor.require(Permission::WorkConversations)?;
    let kind = CaseKind::parse(&input.kind)?;
    let policy = reason_policy(app, &input.reason).await?;
    let description = optional_text("description", &input.description, MAX_DESCRIPTION_CHARS)?;
    let (carrier, waybill) = return_parcel(kind, input)?;
    let order = orders::find(&app.db, order_id)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    let (conversation_id, contact_id) = whose(app, actor, &order, input.conversation_id).await?;
    let lines = orders::items(&app.db, order_id).await?;
    let now = now_ms();
    let decision = window_decision(app, &order, policy, now).await?;
    let mut tx = app.db.begin().await?;
    let (paid, refunded) = store::lock_order(&mut tx, order_id)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    let claimed = store::claimed_quantities(&mut tx, order_id).await?;
    let items = claimed_items(&input.items, &lines, &claimed)?;
    let refund = checked_refund(kind, input.refund_minor, &items, paid - refunded)?;
    let new = NewCase {
        store_id: order.store_id,
        order_id,
        conversation_id,
        contact_id,
        kind: kind.as_str().to_owned(),
        reason: input.reason.trim().to_owned(),
        description,
        currency: order.currency.clone(),
        refund_minor: refund,
        return_carrier: carrier,
        return_waybill: waybill,
        policy: policy.as_str().to_owned(),
        policy_days: decision.days,
        delivered_on: decision.delivered_on.map(|d| d.to_string()),
        policy_last_day: decision.last_day.map(|d| d.to_string()),
        policy_inside: decision.inside,
        created_by: actor.user_id,
    };
    let requested = CaseStatus::Requested.as_str();
    let id = store::insert(&mut tx, &new, &items, requested, now).await?;
    store::add_history(&mut tx, id, None, requested, None, actor.user_id, now).await?;
    let case = store::find_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("after-sales case"))?;
    on_timeline(&mut tx, actor, &case, now).await?;
    case_event(app, &mut tx, "after_sale.opened", &case, actor.user_id).await?;
    commit(app, tx).await?;
    Ok(case)
}

async fn on_timeline(tx: &mut Tx, actor: &Actor, case: &CaseRow, now: i64) -> AppResult<()> {
    let Some(contact) = case.contact_id else {
        return Ok(());
    };
    let summary = format!("{} {} · {}", case.order_number, case.kind, case.reason);
    let entry = timeline::NewEntry {
        kind: "after_sale",
        ref_id: Some(case.id),
        actor_user_id: Some(actor.user_id),
        summary: &summary,
        detail: json!({ "order_id": case.order_id, "kind": case.kind, "reason": case.reason }),
        occurred_at: now,
    };
    timeline::record_for_contact(tx, contact, &entry, now).await?;
    Ok(())
}
