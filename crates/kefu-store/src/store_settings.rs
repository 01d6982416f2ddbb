//! Each store's follow-up settings: the team that calls back and reaches out, the
//! review classes' thresholds, the call-back deadline and the current offer script.

use crate::schema::StoreFollowUpSettings as S;
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use serde::Serialize;

crate::record! {
    /// A store's follow-up settings (defaults until an admin saves them).
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct FollowUpSettings {
        pub store_id: i64,
        /// The team that calls back and reaches out (none: supervisors).
        pub team_id: Option<i64>,
        /// Ratings from this many stars up are good (default 4).
        pub good_from: i64,
        /// Ratings up to this many stars are bad (default 2); between is medium.
        pub bad_to: i64,
        /// Hours a call-back may take (default 24).
        pub callback_hours: i64,
        /// The shared script offered to abandoned carts and silent inquirers.
        pub offer_script_id: Option<i64>,
        pub updated_at: i64,
    }
}

impl FollowUpSettings {
    /// What a store has before an admin saves anything.
    pub fn defaults(store_id: i64) -> Self {
        Self {
            store_id,
            team_id: None,
            good_from: 4,
            bad_to: 2,
            callback_hours: 24,
            offer_script_id: None,
            updated_at: 0,
        }
    }
}

const COLUMNS: [S; 7] = [
    S::StoreId,
    S::TeamId,
    S::GoodFrom,
    S::BadTo,
    S::CallbackHours,
    S::OfferScriptId,
    S::UpdatedAt,
];

fn query(store_id: i64) -> sea_query::SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(S::Table)
        .and_where(Expr::col(S::StoreId).eq(store_id))
        .take()
}

/// A store's settings, or the defaults.
pub async fn get(db: &Db, store_id: i64) -> StoreResult<FollowUpSettings> {
    let row = db.fetch_optional(&query(store_id)).await?;
    Ok(row.unwrap_or_else(|| FollowUpSettings::defaults(store_id)))
}

/// A store's settings inside a transaction, or the defaults.
pub async fn get_in_tx(tx: &mut Tx, store_id: i64) -> StoreResult<FollowUpSettings> {
    let row = tx.fetch_optional(&query(store_id)).await?;
    Ok(row.unwrap_or_else(|| FollowUpSettings::defaults(store_id)))
}

pub async fn put(tx: &mut Tx, s: &FollowUpSettings) -> StoreResult<()> {
    tx.execute(
        &Query::insert()
            .into_table(S::Table)
            .columns(COLUMNS)
            .values_panic([
                s.store_id.into(),
                s.team_id.into(),
                s.good_from.into(),
                s.bad_to.into(),
                s.callback_hours.into(),
                s.offer_script_id.into(),
                s.updated_at.into(),
            ])
            .on_conflict(
                OnConflict::column(S::StoreId)
                    .update_columns([
                        S::TeamId,
                        S::GoodFrom,
                        S::BadTo,
                        S::CallbackHours,
                        S::OfferScriptId,
                        S::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .take(),
    )
    .await?;
    Ok(())
}
