//! Importing reviews: one row per review of a known order, stored like the reviews API
//! (a medium or bad one opens its one call-back), so the same file twice changes
//! nothing. Marketplace exports that give 好评 / 中评 / 差评 instead of stars are read
//! as 5, 3 and 1 stars.

use super::mapping::{Context, Values};
use super::orders::Stores;
use super::{Action, bad_row};
use crate::orders::Outcome;
use crate::reviews::{self, ReviewInput, ValidReview};
use crate::{App, AppResult};
use kefu_domain::Invalid;
use kefu_sheets::Row;
use kefu_store::Tx;
use kefu_store::imports::{Counts, NewImportError};
use std::collections::BTreeMap;

/// An error in a cell, naming its column.
fn cell_error(ctx: &Context, row: &Row, field: &str, e: &Invalid) -> NewImportError {
    let reason = match ctx.column_of(field) {
        Some(column) => format!("column \"{column}\": {}", e.message),
        None => e.message.clone(),
    };
    bad_row(row, e.code, reason)
}

fn rating(cell: &str) -> Result<i64, Invalid> {
    let c = cell.trim().trim_end_matches(['星', '分']);
    match c {
        "好评" => Ok(5),
        "中评" => Ok(3),
        "差评" => Ok(1),
        _ => c
            .parse::<f64>()
            .ok()
            .filter(|r| r.fract() == 0.0)
            .map(|r| r as i64)
            .ok_or_else(|| {
                Invalid::new(
                    "rating",
                    "invalid_rating",
                    format!("'{cell}' is not a rating; write 1 to 5, or 好评, 中评 or 差评"),
                )
            }),
    }
}

/// Reads a row: its store (by index) and the review, checked as the API checks it.
fn read_row(
    ctx: &Context,
    stores: &Stores,
    row: &Row,
    now: i64,
) -> Result<(usize, ValidReview), NewImportError> {
    let v = Values::of(&ctx.columns, row);
    let err = |field: &str, e: Invalid| cell_error(ctx, row, field, &e);
    let name = v.first("store").unwrap_or_default();
    let store = stores.find(&name).ok_or_else(|| {
        err(
            "store",
            Invalid::new(
                "store",
                "unknown_store",
                format!("there is no store named '{name}'"),
            ),
        )
    })?;
    let stars = rating(&v.first("rating").unwrap_or_default()).map_err(|e| err("rating", e))?;
    let input = ReviewInput {
        order_number: v.first("order_number").unwrap_or_default(),
        source_id: v.first("source_id"),
        rating: stars,
        text: v.first("text"),
        images: v.list("images"),
        reviewed_at: v.first("reviewed_at"),
    };
    let valid = reviews::validate(&input, stores.get(store), now).map_err(|e| err(e.field, e))?;
    Ok((store, valid))
}

/// Rows by store, in file order, and the bad rows.
type Read = (
    BTreeMap<usize, Vec<(usize, ValidReview)>>,
    Vec<(usize, NewImportError)>,
);

fn read_rows(ctx: &Context, stores: &Stores, rows: &[Row], now: i64) -> Read {
    let (mut good, mut bad): Read = Default::default();
    for (i, row) in rows.iter().enumerate() {
        match read_row(ctx, stores, row, now) {
            Ok((store, v)) => good.entry(store).or_default().push((i, v)),
            Err(e) => bad.push((i, e)),
        }
    }
    (good, bad)
}

/// What each row of a preview would do.
pub(super) async fn plan_rows(
    tx: &mut Tx,
    ctx: &Context,
    stores: &Stores,
    rows: &[Row],
    now: i64,
) -> AppResult<Vec<Result<Action, NewImportError>>> {
    let (good, bad) = read_rows(ctx, stores, rows, now);
    let mut out: Vec<Result<Action, NewImportError>> = vec![Ok(Action::Create); rows.len()];
    for (i, e) in bad {
        out[i] = Err(e);
    }
    for (store, list) in good {
        let store_id = stores.get(store).id;
        for (i, v) in list {
            let orders = kefu_store::reviews::order_refs(
                tx,
                store_id,
                std::slice::from_ref(&v.order_number),
            )
            .await?;
            let Some(order) = orders.first() else {
                let e = Invalid::new(
                    "order_number",
                    "order_not_found",
                    format!("the store has no order {}", v.order_number),
                );
                out[i] = Err(cell_error(ctx, &rows[i], "order_number", &e));
                continue;
            };
            if let Some(h) = kefu_store::reviews::head(tx, store_id, order.id, &v.source_id).await?
            {
                out[i] = Ok(Action::Update(h.id));
            }
        }
    }
    Ok(out)
}

/// Stores the reviews of a run of rows in `tx`; returns the bad rows and adds the
/// rows' outcomes to `counts`.
pub(super) async fn write_rows(
    app: &App,
    tx: &mut Tx,
    ctx: &Context,
    stores: &Stores,
    rows: &[Row],
    counts: &mut Counts,
    now: i64,
) -> AppResult<Vec<NewImportError>> {
    let (good, bad) = read_rows(ctx, stores, rows, now);
    let mut errors: Vec<(usize, NewImportError)> = bad;
    for (store, list) in good {
        let (index, valid): (Vec<usize>, Vec<ValidReview>) = list.into_iter().unzip();
        let checked = valid.into_iter().map(Ok).collect();
        let stored = reviews::store_reviews_in(app, tx, stores.get(store), checked, now).await?;
        for (i, r) in index.into_iter().zip(stored) {
            match r {
                Ok(s) => match s.outcome {
                    Outcome::Created => counts.created += 1,
                    Outcome::Updated => counts.updated += 1,
                    _ => counts.unchanged += 1,
                },
                Err(e) => {
                    let field = if e.code == "order_not_found" {
                        "order_number"
                    } else {
                        "source_id"
                    };
                    errors.push((i, cell_error(ctx, &rows[i], field, &e)));
                }
            }
        }
    }
    errors.sort_by_key(|(i, _)| *i);
    Ok(errors.into_iter().map(|(_, e)| e).collect())
}
