//! SLA policies: which tickets each covers (JSON lists; empty = any), its targets in
//! business minutes on a calendar, and their order (the first match applies).

use crate::schema::SlaPolicies;
use crate::{Db, JsonText, StoreResult, Tx};
use kefu_domain::sla::{SlaConditions, SlaTargets};
use kefu_domain::{Invalid, Priority};
use sea_query::{Expr, ExprTrait, Func, Order, Query};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct PolicyRow {
        pub id: i64,
        pub name: String,
        /// Order of evaluation, from 0; the first enabled policy that matches applies.
        pub position: i64,
        pub enabled: bool,
        /// Ticket type keys (`complaint`, `after_sales` …); empty = any type.
        #[schema(value_type = Vec<String>)]
        pub ticket_types: JsonText<Vec<String>>,
        /// `low`, `normal`, `high`, `urgent`; empty = any.
        #[schema(value_type = Vec<String>)]
        pub priorities: JsonText<Vec<String>>,
        /// Inbox channels (`widget`, `api` …); empty = any.
        #[schema(value_type = Vec<String>)]
        pub channels: JsonText<Vec<String>>,
        #[schema(value_type = Vec<i64>)]
        pub team_ids: JsonText<Vec<i64>>,
        /// Member level keys; empty = any.
        #[schema(value_type = Vec<String>)]
        pub customer_levels: JsonText<Vec<String>>,
        pub calendar_id: i64,
        pub first_response_minutes: Option<i64>,
        pub next_response_minutes: Option<i64>,
        pub resolution_minutes: Option<i64>,
        /// Warn when this share of a target is used.
        pub warning_percent: i64,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

impl PolicyRow {
    /// The policy's conditions (checked when written; an unreadable priority fails here
    /// rather than silently widening the policy to any priority).
    pub fn conditions(&self) -> Result<SlaConditions, Invalid> {
        Ok(SlaConditions {
            ticket_types: self.ticket_types.0.clone(),
            priorities: self
                .priorities
                .0
                .iter()
                .map(|p| Priority::parse(p))
                .collect::<Result<_, _>>()?,
            channels: self.channels.0.clone(),
            team_ids: self.team_ids.0.clone(),
            customer_levels: self.customer_levels.0.clone(),
        })
    }

    pub fn targets(&self) -> Result<SlaTargets, Invalid> {
        SlaTargets::new(
            self.first_response_minutes,
            self.next_response_minutes,
            self.resolution_minutes,
            Some(self.warning_percent),
        )
    }
}

/// A policy as written: its name, whether it is on, its conditions, calendar and targets.
pub struct PolicyFields<'a> {
    pub name: &'a str,
    pub enabled: bool,
    pub conditions: &'a SlaConditions,
    pub calendar_id: i64,
    pub targets: &'a SlaTargets,
}

const COLUMNS: [SlaPolicies; 16] = [
    SlaPolicies::Id,
    SlaPolicies::Name,
    SlaPolicies::Position,
    SlaPolicies::Enabled,
    SlaPolicies::TicketTypes,
    SlaPolicies::Priorities,
    SlaPolicies::Channels,
    SlaPolicies::TeamIds,
    SlaPolicies::CustomerLevels,
    SlaPolicies::CalendarId,
    SlaPolicies::FirstResponseMinutes,
    SlaPolicies::NextResponseMinutes,
    SlaPolicies::ResolutionMinutes,
    SlaPolicies::WarningPercent,
    SlaPolicies::CreatedAt,
    SlaPolicies::UpdatedAt,
];

/// Column and value of each field a write sets.
fn values(f: &PolicyFields<'_>) -> Vec<(SlaPolicies, Expr)> {
    let c = f.conditions;
    let priorities: Vec<&str> = c.priorities.iter().map(|p| p.as_str()).collect();
    vec![
        (SlaPolicies::Name, f.name.into()),
        (SlaPolicies::Enabled, f.enabled.into()),
        (
            SlaPolicies::TicketTypes,
            JsonText(&c.ticket_types).to_text().into(),
        ),
        (
            SlaPolicies::Priorities,
            JsonText(&priorities).to_text().into(),
        ),
        (
            SlaPolicies::Channels,
            JsonText(&c.channels).to_text().into(),
        ),
        (SlaPolicies::TeamIds, JsonText(&c.team_ids).to_text().into()),
        (
            SlaPolicies::CustomerLevels,
            JsonText(&c.customer_levels).to_text().into(),
        ),
        (SlaPolicies::CalendarId, f.calendar_id.into()),
        (
            SlaPolicies::FirstResponseMinutes,
            f.targets.first_response_minutes.into(),
        ),
        (
            SlaPolicies::NextResponseMinutes,
            f.targets.next_response_minutes.into(),
        ),
        (
            SlaPolicies::ResolutionMinutes,
            f.targets.resolution_minutes.into(),
        ),
        (
            SlaPolicies::WarningPercent,
            f.targets.warning_percent.into(),
        ),
    ]
}

/// Adds a policy after the last one.
pub async fn insert(tx: &mut Tx, f: &PolicyFields<'_>, now: i64) -> StoreResult<PolicyRow> {
    let next: (i64,) = tx
        .fetch_one(
            &Query::select()
                .expr(Func::coalesce([
                    Expr::col(SlaPolicies::Position).max().add(1),
                    Expr::val(0),
                ]))
                .from(SlaPolicies::Table)
                .take(),
        )
        .await?;
    let (mut columns, mut row): (Vec<_>, Vec<_>) = values(f).into_iter().unzip();
    columns.extend([
        SlaPolicies::Position,
        SlaPolicies::CreatedAt,
        SlaPolicies::UpdatedAt,
    ]);
    row.extend([next.0.into(), now.into(), now.into()]);
    tx.fetch_one(
        &Query::insert()
            .into_table(SlaPolicies::Table)
            .columns(columns)
            .values_panic(row)
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

pub async fn update(
    tx: &mut Tx,
    id: i64,
    f: &PolicyFields<'_>,
    now: i64,
) -> StoreResult<PolicyRow> {
    let mut q = Query::update();
    q.table(SlaPolicies::Table)
        .values(values(f))
        .value(SlaPolicies::UpdatedAt, now)
        .and_where(Expr::col(SlaPolicies::Id).eq(id))
        .returning(Query::returning().columns(COLUMNS));
    tx.fetch_one(&q).await
}

pub async fn delete(tx: &mut Tx, id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::delete()
            .from_table(SlaPolicies::Table)
            .and_where(Expr::col(SlaPolicies::Id).eq(id))
            .take(),
    )
    .await
}

/// Puts the policies in the order of `ids` (which must name every policy once).
pub async fn reorder(tx: &mut Tx, ids: &[i64], now: i64) -> StoreResult<()> {
    for (position, id) in ids.iter().enumerate() {
        tx.execute(
            &Query::update()
                .table(SlaPolicies::Table)
                .value(SlaPolicies::Position, position as i64)
                .value(SlaPolicies::UpdatedAt, now)
                .and_where(Expr::col(SlaPolicies::Id).eq(*id))
                .take(),
        )
        .await?;
    }
    Ok(())
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(SlaPolicies::Table)
        .order_by(SlaPolicies::Position, Order::Asc)
        .order_by(SlaPolicies::Id, Order::Asc)
        .take()
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<PolicyRow>> {
    tx.fetch_optional(&select().and_where(Expr::col(SlaPolicies::Id).eq(id)).take())
        .await
}

/// The enabled policies in evaluation order, inside a transaction (the message path).
pub async fn list_enabled_in_tx(tx: &mut Tx) -> StoreResult<Vec<PolicyRow>> {
    tx.fetch_all(
        &select()
            .and_where(Expr::col(SlaPolicies::Enabled).eq(true))
            .take(),
    )
    .await
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<PolicyRow>> {
    db.fetch_optional(&select().and_where(Expr::col(SlaPolicies::Id).eq(id)).take())
        .await
}

/// Every policy in evaluation order.
pub async fn list(db: &Db) -> StoreResult<Vec<PolicyRow>> {
    db.fetch_all(&select()).await
}

/// Every policy in evaluation order, inside a transaction (reordering checks the ids).
pub async fn list_in_tx(tx: &mut Tx) -> StoreResult<Vec<PolicyRow>> {
    tx.fetch_all(&select()).await
}

/// The enabled policies in evaluation order.
pub async fn list_enabled(db: &Db) -> StoreResult<Vec<PolicyRow>> {
    db.fetch_all(
        &select()
            .and_where(Expr::col(SlaPolicies::Enabled).eq(true))
            .take(),
    )
    .await
}

/// How many policies use a calendar.
pub async fn count_using_calendar(tx: &mut Tx, calendar_id: i64) -> StoreResult<i64> {
    let (n,): (i64,) = tx
        .fetch_one(
            &Query::select()
                .expr(Expr::col(SlaPolicies::Id).count())
                .from(SlaPolicies::Table)
                .and_where(Expr::col(SlaPolicies::CalendarId).eq(calendar_id))
                .take(),
        )
        .await?;
    Ok(n)
}
