//! Each ticket's SLA clocks as stored, and the breaches recorded for reports.

use crate::{Db, StoreResult, Tx};
use sea_query::{Alias, Expr, ExprTrait, OnConflict, Order, Query};
use serde::Serialize;

fn t() -> Alias {
    Alias::new("sla_clocks")
}

fn col(c: &str) -> Alias {
    Alias::new(c)
}

const COLUMNS: [&str; 13] = [
    "conversation_id",
    "kind",
    "policy_id",
    "calendar_id",
    "warning_percent",
    "target_ms",
    "consumed_ms",
    "running_since",
    "breached_at",
    "due_at",
    "warned",
    "breached",
    "done_at",
];

crate::record! {
    /// One SLA clock of a ticket: `first_response`, `next_response` or `resolution`.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct ClockRow {
        pub conversation_id: i64,
        pub kind: String,
        pub policy_id: Option<i64>,
        pub calendar_id: i64,
        pub warning_percent: i64,
        pub target_ms: i64,
        /// Business time used before the current run.
        pub consumed_ms: i64,
        /// When the current run began; null while paused.
        pub running_since: Option<i64>,
        pub breached_at: Option<i64>,
        /// When the target runs out (null while paused or done).
        pub due_at: Option<i64>,
        pub warned: bool,
        pub breached: bool,
        /// When the clock stopped for good (answered, resolved).
        pub done_at: Option<i64>,
    }
}

fn of_ticket(id: i64) -> sea_query::SelectStatement {
    Query::select()
        .columns(COLUMNS.map(col))
        .from(t())
        .and_where(Expr::col(col("conversation_id")).eq(id))
        .order_by(col("kind"), Order::Asc)
        .take()
}

/// Whether a ticket has any clock (a statement to embed: the message path asks it in the
/// same round trip as the message's insert).
pub(crate) fn any_of(id: i64) -> sea_query::SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(t())
        .and_where(Expr::col(col("conversation_id")).eq(id))
        .take()
}

/// A ticket's clocks inside the transaction that changes them.
pub async fn of_conversation(tx: &mut Tx, id: i64) -> StoreResult<Vec<ClockRow>> {
    tx.fetch_all(&of_ticket(id)).await
}

/// A ticket's clocks, for showing them.
pub async fn list(db: &Db, id: i64) -> StoreResult<Vec<ClockRow>> {
    db.fetch_all(&of_ticket(id)).await
}

/// Writes a clock (insert or replace).
pub async fn save(tx: &mut Tx, c: &ClockRow) -> StoreResult<()> {
    let values: Vec<sea_query::SimpleExpr> = vec![
        c.conversation_id.into(),
        c.kind.clone().into(),
        c.policy_id.into(),
        c.calendar_id.into(),
        c.warning_percent.into(),
        c.target_ms.into(),
        c.consumed_ms.into(),
        c.running_since.into(),
        c.breached_at.into(),
        c.due_at.into(),
        c.warned.into(),
        c.breached.into(),
        c.done_at.into(),
    ];
    tx.execute(
        &Query::insert()
            .into_table(t())
            .columns(COLUMNS.map(col))
            .values_panic(values)
            .on_conflict(
                OnConflict::columns([col("conversation_id"), col("kind")])
                    .update_columns(COLUMNS[2..].iter().map(|c| col(c)))
                    .to_owned(),
            )
            .take(),
    )
    .await?;
    Ok(())
}

/// Records a breach for reports.
pub async fn record_breach(
    tx: &mut Tx,
    c: &ClockRow,
    assignee_id: Option<i64>,
    team_id: Option<i64>,
    now: i64,
) -> StoreResult<()> {
    tx.execute(
        &Query::insert()
            .into_table(Alias::new("sla_breaches"))
            .columns(
                [
                    "conversation_id",
                    "kind",
                    "policy_id",
                    "due_at",
                    "assignee_id",
                    "team_id",
                    "created_at",
                ]
                .map(col),
            )
            .values_panic([
                c.conversation_id.into(),
                c.kind.clone().into(),
                c.policy_id.into(),
                c.breached_at.or(c.due_at).unwrap_or(now).into(),
                assignee_id.into(),
                team_id.into(),
                now.into(),
            ])
            .take(),
    )
    .await?;
    Ok(())
}

/// Breaches recorded since `since` (reports).
pub async fn breaches_since(db: &Db, since: i64) -> StoreResult<i64> {
    let (n,): (i64,) = db
        .fetch_one(
            &Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from(Alias::new("sla_breaches"))
                .and_where(Expr::col(col("created_at")).gte(since))
                .take(),
        )
        .await?;
    Ok(n)
}
