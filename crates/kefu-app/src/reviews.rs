//! Reviews of orders (评价) arriving by API, classed good / medium / bad by the store's
//! thresholds. A medium or bad review opens exactly one call-back task (中差评回访) for
//! the agent of the buyer's latest conversation, else the store's team, else the
//! supervisors; the call-back records the reason, the outcome and the reply posted,
//! and the reasons are summarised per store and week.
//!
//! Reviews are idempotent by store, order and the source's review id: the same review
//! again changes nothing, a revised one (new rating or text) updates it.

mod callback;
mod report;
mod requests;
mod view;

pub use callback::{CallbackInput, record_callback};
pub use report::{ClassCounts, ReasonCount, ReviewReasonReport, review_reasons};
pub use requests::{ReviewRequestInput, ReviewRequestView, request_review};
pub use view::{
    ReviewListQuery, StoreName, get_review, list_reviews, review_of_task, review_stores,
    reviews_of_orders,
};

use crate::archive::present;
use crate::events::{append, commit};
use crate::orders::Outcome;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::Invalid;
use kefu_domain::order::parse_number;
use kefu_domain::review::{IsoWeek, MAX_IMAGES, Rating, Thresholds, image_url};
use kefu_domain::time::now_ms;
use kefu_store::Tx;
use kefu_store::reviews::{self, OrderRef, ReviewFields};
use kefu_store::stores::StoreRow;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// The task kind of a call-back after a medium or bad review.
pub const CALLBACK_TASK: &str = "review_callback";
/// Most reviews one batch request carries.
pub const MAX_BATCH: usize = 1_000;
const MAX_TEXT: usize = 2_000;

/// A review as its marketplace or shop has it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewInput {
    /// The store's order the review is about (it must be known to kefu).
    pub order_number: String,
    /// The source's own id of the review; without one, an order has one review.
    pub source_id: Option<String>,
    /// 1 to 5 stars.
    pub rating: i64,
    pub text: Option<String>,
    /// Addresses of the buyer's pictures (at most 20).
    #[serde(default)]
    pub images: Vec<String>,
    /// When the buyer wrote it: RFC 3339, or `2026-11-23 10:05` in the store's time
    /// zone (default: now).
    pub reviewed_at: Option<String>,
}

/// What became of one review of a request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewResult {
    /// The row's position in the request, from 0.
    pub index: usize,
    pub order_number: Option<String>,
    /// `created`, `updated`, `unchanged` or `error`.
    pub outcome: Outcome,
    pub review_id: Option<i64>,
    /// `good`, `medium` or `bad`.
    pub class: Option<String>,
    /// The call-back task (medium and bad reviews).
    pub callback_task_id: Option<i64>,
    pub code: Option<String>,
    pub field: Option<String>,
    pub reason: Option<String>,
}

/// A batch's results row by row; invalid rows are skipped, the others stored together.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ReviewBatchReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub results: Vec<ReviewResult>,
}

/// A review checked against its store (its order still to be found).
pub(crate) struct ValidReview {
    pub(crate) order_number: String,
    pub(crate) source_id: String,
    rating: Rating,
    body: Option<String>,
    images: Vec<String>,
    reviewed_at: i64,
}

fn text(field: &'static str, v: &Option<String>, max: usize) -> Result<Option<String>, Invalid> {
    match present(v) {
        Some(t) if t.chars().count() > max => Err(Invalid::new(
            field,
            "too_long",
            format!("at most {max} characters"),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

pub(crate) fn validate(
    input: &ReviewInput,
    store: &StoreRow,
    now: i64,
) -> Result<ValidReview, Invalid> {
    if input.images.len() > MAX_IMAGES {
        return Err(Invalid::new(
            "images",
            "too_many_images",
            format!("a review keeps at most {MAX_IMAGES} pictures"),
        ));
    }
    Ok(ValidReview {
        order_number: parse_number("order_number", &input.order_number)?,
        source_id: text("source_id", &input.source_id, 100)?.unwrap_or_default(),
        rating: Rating::parse("rating", input.rating)?,
        body: text("text", &input.text, MAX_TEXT)?,
        images: input
            .images
            .iter()
            .map(|u| image_url(u))
            .collect::<Result<_, _>>()?,
        reviewed_at: match present(&input.reviewed_at) {
            Some(t) => crate::orders::input::parse_time("reviewed_at", t, &store.time_zone)?,
            None => now,
        },
    })
}

/// Stores one valid review in `tx`, opening its call-back when it needs one.
async fn store_one(
    app: &App,
    tx: &mut Tx,
    ctx: (&StoreRow, Thresholds, &OrderRef),
    v: ValidReview,
    now: i64,
) -> AppResult<(Outcome, i64, String, Option<i64>)> {
    let (store, lines, order) = ctx;
    let class = lines.classify(v.rating);
    let zone = jiff::tz::TimeZone::get(&store.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let fields = ReviewFields {
        store_id: store.id,
        order_id: order.id,
        contact_id: order.contact_id,
        source_id: v.source_id,
        rating: v.rating.get(),
        class: class.as_str().to_owned(),
        body: v.body,
        images: v.images,
        reviewed_at: v.reviewed_at,
        week: IsoWeek::of(v.reviewed_at, &zone).as_string(),
    };
    let head = reviews::head(tx, store.id, order.id, &fields.source_id).await?;
    let (outcome, id, mut task) = match &head {
        Some(h)
            if (h.rating, &h.body, &h.images.0, h.reviewed_at)
                == (
                    fields.rating,
                    &fields.body,
                    &fields.images,
                    fields.reviewed_at,
                ) =>
        {
            return Ok((
                Outcome::Unchanged,
                h.id,
                class.as_str().into(),
                h.callback_task_id,
            ));
        }
        Some(h) => {
            reviews::update(tx, h.id, &fields, now).await?;
            (Outcome::Updated, h.id, h.callback_task_id)
        }
        None => (
            Outcome::Created,
            reviews::insert(tx, &fields, now).await?,
            None,
        ),
    };
    if class.needs_callback() && task.is_none() {
        task = Some(callback::open(app, tx, id, &fields, &order.order_number, now).await?);
    }
    if outcome == Outcome::Created
        && let Some(contact) = fields.contact_id
    {
        let entry = kefu_store::timeline::NewEntry {
            kind: "review",
            ref_id: Some(id),
            actor_user_id: None,
            summary: &format!("★{} {}", fields.rating, order.order_number),
            detail: json!({ "rating": fields.rating, "class": fields.class, "text": fields.body }),
            occurred_at: fields.reviewed_at,
        };
        kefu_store::timeline::record_for_contact(tx, contact, &entry, now).await?;
    }
    let kind = if outcome == Outcome::Created {
        "review.created"
    } else {
        "review.updated"
    };
    let payload = json!({
        "review_id": id, "store_id": store.id, "order_id": order.id, "rating": fields.rating,
        "class": fields.class, "callback_task_id": task,
    });
    append(app, tx, kind, None, None, true, &payload).await?;
    Ok((outcome, id, fields.class, task))
}

/// A review stored: what became of it, its id and class, and its call-back task.
pub(crate) struct Stored {
    pub(crate) outcome: Outcome,
    id: i64,
    class: String,
    task: Option<i64>,
}

fn order_not_found(number: &str) -> Invalid {
    Invalid::new(
        "order_number",
        "order_not_found",
        format!("the store has no order {number}; send the order first"),
    )
}

/// Stores reviews of a store in one transaction; per row, what was stored or why not.
async fn store_reviews(
    app: &App,
    store: &StoreRow,
    checked: Vec<Result<ValidReview, Invalid>>,
    now: i64,
) -> AppResult<Vec<Result<Stored, Invalid>>> {
    let mut tx = app.db.begin().await?;
    let results = store_reviews_in(app, &mut tx, store, checked, now).await?;
    commit(app, tx).await?;
    Ok(results)
}

/// Stores reviews of a store in `tx` (the caller commits); per row, what was stored or why not.
pub(crate) async fn store_reviews_in(
    app: &App,
    tx: &mut Tx,
    store: &StoreRow,
    checked: Vec<Result<ValidReview, Invalid>>,
    now: i64,
) -> AppResult<Vec<Result<Stored, Invalid>>> {
    let lines = settings_lines(app, store.id).await?;
    let numbers: Vec<String> = checked
        .iter()
        .flatten()
        .map(|v| v.order_number.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let orders: HashMap<String, OrderRef> = reviews::order_refs(tx, store.id, &numbers)
        .await?
        .into_iter()
        .map(|o| (o.order_number.clone(), o))
        .collect();
    let mut seen = HashSet::new();
    let mut results = Vec::with_capacity(checked.len());
    for row in checked {
        let v = match row {
            Ok(v) => v,
            Err(e) => {
                results.push(Err(e));
                continue;
            }
        };
        let Some(order) = orders.get(&v.order_number) else {
            results.push(Err(order_not_found(&v.order_number)));
            continue;
        };
        if !seen.insert((order.id, v.source_id.clone())) {
            results.push(Err(Invalid::new(
                "source_id",
                "duplicate_in_batch",
                "this review is already earlier in the batch; send each review once",
            )));
            continue;
        }
        let (outcome, id, class, task) = store_one(app, tx, (store, lines, order), v, now).await?;
        results.push(Ok(Stored {
            outcome,
            id,
            class,
            task,
        }));
    }
    Ok(results)
}

fn result_row(index: usize, input: &ReviewInput, r: Result<Stored, Invalid>) -> ReviewResult {
    let number = Some(input.order_number.trim().to_owned()).filter(|n| !n.is_empty());
    match r {
        Ok(s) => ReviewResult {
            index,
            order_number: number,
            outcome: s.outcome,
            review_id: Some(s.id),
            class: Some(s.class),
            callback_task_id: s.task,
            code: None,
            field: None,
            reason: None,
        },
        Err(e) => ReviewResult {
            index,
            order_number: number,
            outcome: Outcome::Error,
            review_id: None,
            class: None,
            callback_task_id: None,
            code: Some(e.code.to_owned()),
            field: Some(e.field.to_owned()),
            reason: Some(e.message),
        },
    }
}

async fn settings_lines(app: &App, store_id: i64) -> AppResult<Thresholds> {
    let s = kefu_store::store_settings::get(&app.db, store_id).await?;
    Ok(Thresholds::new(s.good_from, s.bad_to).unwrap_or_default())
}

/// Creates or updates one review of a store; an invalid review is refused whole (422).
pub async fn upsert_review(
    app: &App,
    actor: &Actor,
    store_id: i64,
    input: &ReviewInput,
) -> AppResult<ReviewResult> {
    let store = crate::orders::stores::store_for_sync(app, actor, store_id).await?;
    let now = now_ms();
    let valid = validate(input, &store, now)?;
    let stored = store_reviews(app, &store, vec![Ok(valid)], now)
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal("a review upsert reported nothing".into()))?;
    Ok(result_row(0, input, Ok(stored?)))
}

/// Creates or updates up to [`MAX_BATCH`] reviews of a store, reporting each row.
pub async fn upsert_batch(
    app: &App,
    actor: &Actor,
    store_id: i64,
    inputs: &[ReviewInput],
) -> AppResult<ReviewBatchReport> {
    let store = crate::orders::stores::store_for_sync(app, actor, store_id).await?;
    if inputs.len() > MAX_BATCH {
        return Err(Invalid::new(
            "reviews",
            "batch_too_large",
            format!(
                "send at most {MAX_BATCH} reviews a request ({} were sent)",
                inputs.len()
            ),
        )
        .into());
    }
    let now = now_ms();
    let checked = inputs.iter().map(|i| validate(i, &store, now)).collect();
    let stored = store_reviews(app, &store, checked, now).await?;
    let mut r = ReviewBatchReport::default();
    for (index, (input, row)) in inputs.iter().zip(stored).enumerate() {
        let row = result_row(index, input, row);
        match row.outcome {
            Outcome::Created => r.created += 1,
            Outcome::Updated => r.updated += 1,
            Outcome::Unchanged | Outcome::Stale => r.unchanged += 1,
            Outcome::Error => r.failed += 1,
        }
        r.results.push(row);
    }
    Ok(r)
}
