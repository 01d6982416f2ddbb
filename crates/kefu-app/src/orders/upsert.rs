//! Storing orders idempotently: by store and order number, unchanged when the same
//! order comes again, ignored when an older version arrives late, one transaction per
//! batch with a per-row report.

use super::buyers;
use super::input::{ValidBuyer, ValidOrder};
use crate::{App, AppResult};
use kefu_domain::Invalid;
use kefu_store::Tx;
use kefu_store::orders::{self, ItemFields, OrderHead};
use kefu_store::stores::StoreRow;
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// What became of one order of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// A new order was stored.
    Created,
    /// The stored order was changed.
    Updated,
    /// The stored order already said exactly this: nothing was written.
    Unchanged,
    /// The stored order is newer (`updated_at`): this one was ignored.
    Stale,
    /// The row is invalid: nothing of it was stored (see `code` and `reason`).
    Error,
}

/// One row of a batch report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowResult {
    /// The row's position in the request, from 0.
    pub index: usize,
    pub order_number: Option<String>,
    pub outcome: Outcome,
    pub order_id: Option<i64>,
    pub code: Option<String>,
    pub field: Option<String>,
    pub reason: Option<String>,
}

/// What a batch did, row by row. Invalid rows are skipped (nothing of them stored) and
/// the valid ones are stored together; an error on kefu's side stores nothing.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct BatchReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub stale: usize,
    pub failed: usize,
    pub results: Vec<RowResult>,
}

impl BatchReport {
    /// Builds the report from each row's result.
    pub fn of(results: Vec<RowResult>) -> Self {
        let mut r = BatchReport::default();
        for row in &results {
            match row.outcome {
                Outcome::Created => r.created += 1,
                Outcome::Updated => r.updated += 1,
                Outcome::Unchanged => r.unchanged += 1,
                Outcome::Stale => r.stale += 1,
                Outcome::Error => r.failed += 1,
            }
        }
        r.results = results;
        r
    }
}

pub(crate) fn error_row(index: usize, number: Option<String>, e: &Invalid) -> RowResult {
    RowResult {
        index,
        order_number: number,
        outcome: Outcome::Error,
        order_id: None,
        code: Some(e.code.to_owned()),
        field: Some(e.field.to_owned()),
        reason: Some(e.message.clone()),
    }
}

fn decide(v: &ValidOrder, head: Option<&OrderHead>) -> Outcome {
    match head {
        None => Outcome::Created,
        Some(h) if h.content_hash == v.fields.content_hash => Outcome::Unchanged,
        Some(h) => match (v.fields.source_updated_at, h.source_updated_at) {
            (Some(new), Some(old)) if new < old => Outcome::Stale,
            _ => Outcome::Updated,
        },
    }
}

/// Stores a batch of validated rows of one store in `tx` (the caller commits) and
/// appends an event for each order created or changed. `rows[i]` is the row with
/// request index `i`: an `Err` is reported as it is.
pub(crate) async fn apply(
    app: &App,
    tx: &mut Tx,
    store: &StoreRow,
    rows: Vec<(Option<String>, Result<ValidOrder, Invalid>)>,
    now: i64,
) -> AppResult<Vec<RowResult>> {
    let mut seen = HashSet::new();
    let mut results: Vec<Option<RowResult>> = vec![None; rows.len()];
    let mut valid: Vec<(usize, ValidOrder)> = Vec::new();
    for (index, (number, row)) in rows.into_iter().enumerate() {
        match row {
            Err(e) => results[index] = Some(error_row(index, number, &e)),
            Ok(v) if !seen.insert(v.fields.order_number.clone()) => {
                let e = Invalid::new(
                    "order_number",
                    "duplicate_in_batch",
                    format!(
                        "order {} is already earlier in this batch; send each order once",
                        v.fields.order_number
                    ),
                );
                results[index] = Some(error_row(index, number, &e));
            }
            Ok(v) => valid.push((index, v)),
        }
    }
    let numbers: Vec<String> = valid
        .iter()
        .map(|(_, v)| v.fields.order_number.clone())
        .collect();
    let heads: HashMap<String, OrderHead> = orders::heads(tx, store.id, &numbers)
        .await?
        .into_iter()
        .map(|h| (h.order_number.clone(), h))
        .collect();
    let mut writes = Vec::new();
    for (index, v) in valid {
        let head = heads.get(&v.fields.order_number);
        let outcome = decide(&v, head);
        let result = RowResult {
            index,
            order_number: Some(v.fields.order_number.clone()),
            outcome,
            order_id: head.map(|h| h.id),
            code: None,
            field: None,
            reason: None,
        };
        if matches!(outcome, Outcome::Created | Outcome::Updated) {
            writes.push((index, v, head));
        }
        results[index] = Some(result);
    }
    // An order whose buyer was erased stays erased when the store sends it again: the
    // buyer is neither looked up nor created anew, and their name, address and remark
    // are not stored; the order stays with the erased contact.
    for (_, v, head) in writes.iter_mut() {
        if let Some(h) = head.filter(|h| h.buyer_erased) {
            v.buyer = ValidBuyer::default();
            v.fields.buyer_name = Some(crate::privacy::ERASED_NAME.to_owned());
            v.fields.address = None;
            v.fields.buyer_remark = None;
            v.fields.contact_id = h.contact_id;
        }
    }
    let buyers: Vec<_> = writes.iter().map(|(_, v, _)| &v.buyer).collect();
    let contacts = buyers::resolve(tx, &buyers, now).await?;
    let mut cleared = Vec::new();
    let mut items: Vec<(i64, &ItemFields)> = Vec::new();
    let mut events = Vec::new();
    let mut ids = Vec::with_capacity(writes.len());
    let mut converting = Vec::new();
    for ((index, v, head), contact_id) in writes.iter_mut().zip(contacts) {
        v.fields.contact_id = contact_id.or(v.fields.contact_id);
        let (id, kind) = match head {
            Some(h) => {
                if !v.placed_given {
                    v.fields.placed_at = h.placed_at;
                }
                orders::update(tx, h.id, &v.fields, now).await?;
                cleared.push(h.id);
                (h.id, "order.updated")
            }
            None => {
                if !v.placed_given {
                    v.fields.placed_at = now;
                }
                let id = orders::insert(tx, &v.fields, now).await?;
                if let Some(c) = contact_id {
                    converting.push((store.id, c, id, v.fields.placed_at));
                }
                (id, "order.created")
            }
        };
        if let Some(r) = results[*index].as_mut() {
            r.order_id = Some(id);
        }
        ids.push(id);
        items.extend(v.items.iter().map(|i| (id, i)));
        let f = &v.fields;
        events.push((
            kind,
            json!({
                "order_id": id, "store_id": store.id, "order_number": f.order_number,
                "contact_id": f.contact_id, "payment_state": f.payment_state,
                "fulfilment_state": f.fulfilment_state, "total": f.total, "currency": f.currency,
            }),
        ));
    }
    orders::replace_items(tx, &cleared, &items).await?;
    let written: Vec<(i64, &orders::OrderFields)> = ids
        .iter()
        .copied()
        .zip(writes.iter().map(|(_, v, _)| &v.fields))
        .collect();
    crate::reminders::on_orders_written(tx, store, &written, now).await?;
    // A buyer reached out to after a cart or an inquiry has now ordered.
    crate::outreach::convert_for_orders(app, tx, &converting, now).await?;
    kefu_store::events::append_many(tx, &events, now, app.hub.channel()).await?;
    Ok(results.into_iter().flatten().collect())
}
