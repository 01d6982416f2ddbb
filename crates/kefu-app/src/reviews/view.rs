//! Reading reviews: lists by store, stars, class or open call-back; one review; the
//! review of a call-back task; the reviews beside a conversation's orders.

use crate::archive::present;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::Permission;
use kefu_domain::review::{Rating, RatingClass};
use kefu_store::reviews::{self, ReviewFilter, ReviewRow};
use serde::{Deserialize, Serialize};

/// What a review list is narrowed to.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ReviewListQuery {
    pub store: Option<i64>,
    /// 1 to 5 stars.
    pub rating: Option<i64>,
    /// `good`, `medium` or `bad`.
    pub class: Option<String>,
    /// `open`: only reviews whose call-back is still to be made.
    pub callback: Option<String>,
    pub order_id: Option<i64>,
    pub cursor: Option<i64>,
    pub limit: Option<u64>,
}

pub async fn list_reviews(
    app: &App,
    actor: &Actor,
    q: &ReviewListQuery,
    limit: u64,
) -> AppResult<Vec<ReviewRow>> {
    actor.require(Permission::WorkConversations)?;
    let f = ReviewFilter {
        store_id: q.store,
        rating: q
            .rating
            .map(|r| Rating::parse("rating", r))
            .transpose()?
            .map(Rating::get),
        class: present(&q.class)
            .map(RatingClass::parse)
            .transpose()?
            .map(|c| c.as_str().to_owned()),
        callback_open: present(&q.callback) == Some("open"),
        order_ids: q.order_id.into_iter().collect(),
        before_id: q.cursor,
    };
    Ok(reviews::list(&app.db, &f, limit).await?)
}

pub async fn get_review(app: &App, actor: &Actor, id: i64) -> AppResult<ReviewRow> {
    actor.require(Permission::WorkConversations)?;
    reviews::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("review"))
}

/// The review a call-back task belongs to.
pub async fn review_of_task(app: &App, actor: &Actor, task_id: i64) -> AppResult<ReviewRow> {
    actor.require(Permission::WorkConversations)?;
    reviews::find_by_task(&app.db, task_id)
        .await?
        .ok_or(AppError::NotFound("review"))
}

/// The reviews of some orders (the order panel beside a conversation).
pub async fn reviews_of_orders(
    app: &App,
    actor: &Actor,
    order_ids: &[i64],
) -> AppResult<Vec<ReviewRow>> {
    actor.require(Permission::WorkConversations)?;
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    let f = ReviewFilter {
        order_ids: order_ids.to_vec(),
        ..ReviewFilter::default()
    };
    Ok(reviews::list(&app.db, &f, 100).await?)
}

/// A store as a filter shows it.
#[derive(Debug, Clone, Serialize)]
pub struct StoreName {
    pub id: i64,
    pub name: String,
}

/// The stores reviews come from, for the page's filter (everyone may see their names).
pub async fn review_stores(app: &App, actor: &Actor) -> AppResult<Vec<StoreName>> {
    actor.require(Permission::WorkConversations)?;
    Ok(kefu_store::stores::list(&app.db)
        .await?
        .into_iter()
        .map(|s| StoreName {
            id: s.id,
            name: s.name,
        })
        .collect())
}
