//! The weekly summary of review reasons per store (每周开会说出问题): how many reviews
//! of each class arrived, and why the called-back buyers were unhappy.

use crate::{Actor, App, AppError, AppResult};
use kefu_domain::Permission;
use kefu_domain::review::IsoWeek;
use kefu_domain::time::now_ms;
use kefu_store::reviews;
use serde::Serialize;

/// How often a reason was given in the week.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReasonCount {
    /// A `review_reason` key.
    pub reason: String,
    pub label_en: String,
    pub label_zh: String,
    pub count: i64,
}

/// Reviews of each class in the week.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ClassCounts {
    pub good: i64,
    pub medium: i64,
    pub bad: i64,
}

/// A week's review reasons, of one store or of all.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewReasonReport {
    pub store_id: Option<i64>,
    /// `2026-W48`.
    pub week: String,
    /// The week's first instant and the next week's in the store's time zone (UTC ms);
    /// only for one store (stores may keep different time zones).
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub reviews: ClassCounts,
    /// Call-backs recorded for the week's reviews.
    pub called_back: i64,
    /// Reasons, most frequent first.
    pub reasons: Vec<ReasonCount>,
}

/// The summary of a week (default: the current one, in the store's time zone; UTC
/// for all stores). Everyone may read it: the reasons are for the whole team.
pub async fn review_reasons(
    app: &App,
    actor: &Actor,
    store_id: Option<i64>,
    week: Option<&str>,
) -> AppResult<ReviewReasonReport> {
    actor.require(Permission::WorkConversations)?;
    let zone = match store_id {
        Some(id) => {
            let store = kefu_store::stores::find(&app.db, id)
                .await?
                .ok_or(AppError::NotFound("store"))?;
            jiff::tz::TimeZone::get(&store.time_zone).unwrap_or(jiff::tz::TimeZone::UTC)
        }
        None => jiff::tz::TimeZone::UTC,
    };
    let week = match week.map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => IsoWeek::parse(w)?,
        None => IsoWeek::of(now_ms(), &zone),
    };
    let key = week.as_string();
    let labels = kefu_store::fields::choices(&app.db, "review_reason").await?;
    let counted = reviews::reason_counts(&app.db, store_id, &key).await?;
    let reasons: Vec<ReasonCount> = counted
        .into_iter()
        .map(|(reason, count)| {
            let label = labels.iter().find(|l| l.key == reason);
            ReasonCount {
                label_en: label.map_or_else(|| reason.clone(), |l| l.label_en.clone()),
                label_zh: label.map_or_else(|| reason.clone(), |l| l.label_zh.clone()),
                reason,
                count,
            }
        })
        .collect();
    let mut classes = ClassCounts::default();
    for (class, n) in reviews::class_counts(&app.db, store_id, &key).await? {
        match class.as_str() {
            "good" => classes.good = n,
            "medium" => classes.medium = n,
            "bad" => classes.bad = n,
            _ => {}
        }
    }
    let (from, to) = match store_id {
        Some(_) => {
            let (a, b) = week.bounds(&zone);
            (Some(a), Some(b))
        }
        None => (None, None),
    };
    Ok(ReviewReasonReport {
        store_id,
        week: key,
        from,
        to,
        reviews: classes,
        called_back: reasons.iter().map(|r| r.count).sum(),
        reasons,
    })
}
