//! Automation rules, the cursor that says how far they have run on the event log,
//! macros, and conversation labels.

use crate::schema::{AutomationCursor, AutomationRules, Conversations, Macros};
use crate::{Backend, Db, JsonText, StoreResult, Tx};
use kefu_domain::automation::{Action, Condition};
use sea_query::{Cond, Expr, ExprTrait, LockType, Order, Query};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct RuleRow {
        pub id: i64,
        pub name: String,
        /// Rules run in this order (then by id).
        pub position: i64,
        pub enabled: bool,
        /// `conversation_created` or `message_received`.
        pub trigger: String,
        #[schema(value_type = Vec<Condition>)]
        pub conditions: JsonText<Vec<Condition>>,
        #[schema(value_type = Vec<Action>)]
        pub actions: JsonText<Vec<Action>>,
        pub created_by: Option<i64>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

const RULE_COLUMNS: [AutomationRules; 10] = [
    AutomationRules::Id,
    AutomationRules::Name,
    AutomationRules::Position,
    AutomationRules::Enabled,
    AutomationRules::Trigger,
    AutomationRules::Conditions,
    AutomationRules::Actions,
    AutomationRules::CreatedBy,
    AutomationRules::CreatedAt,
    AutomationRules::UpdatedAt,
];

/// A rule as written by an admin (already checked).
pub struct RuleFields<'a> {
    pub name: &'a str,
    pub position: i64,
    pub enabled: bool,
    pub trigger: &'a str,
    pub conditions: &'a [Condition],
    pub actions: &'a [Action],
}

fn rule_values(r: &RuleFields<'_>) -> Vec<(AutomationRules, sea_query::Value)> {
    vec![
        (AutomationRules::Name, r.name.into()),
        (AutomationRules::Position, r.position.into()),
        (AutomationRules::Enabled, r.enabled.into()),
        (AutomationRules::Trigger, r.trigger.into()),
        (
            AutomationRules::Conditions,
            JsonText(r.conditions.to_vec()).to_text().into(),
        ),
        (
            AutomationRules::Actions,
            JsonText(r.actions.to_vec()).to_text().into(),
        ),
    ]
}

pub async fn insert_rule(
    tx: &mut Tx,
    r: &RuleFields<'_>,
    by: i64,
    now: i64,
) -> StoreResult<RuleRow> {
    let (mut columns, mut values): (Vec<_>, Vec<_>) = rule_values(r).into_iter().unzip();
    columns.extend([
        AutomationRules::CreatedBy,
        AutomationRules::CreatedAt,
        AutomationRules::UpdatedAt,
    ]);
    values.extend([by.into(), now.into(), now.into()]);
    tx.fetch_one(
        &Query::insert()
            .into_table(AutomationRules::Table)
            .columns(columns)
            .values_panic(values.into_iter().map(Into::into))
            .returning(Query::returning().columns(RULE_COLUMNS))
            .take(),
    )
    .await
}

pub async fn update_rule(
    tx: &mut Tx,
    id: i64,
    r: &RuleFields<'_>,
    now: i64,
) -> StoreResult<Option<RuleRow>> {
    tx.fetch_optional(
        &Query::update()
            .table(AutomationRules::Table)
            .values(rule_values(r).into_iter().map(|(c, v)| (c, Expr::val(v))))
            .value(AutomationRules::UpdatedAt, now)
            .and_where(Expr::col(AutomationRules::Id).eq(id))
            .returning(Query::returning().columns(RULE_COLUMNS))
            .take(),
    )
    .await
}

pub async fn delete_rule(tx: &mut Tx, id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::delete()
            .from_table(AutomationRules::Table)
            .and_where(Expr::col(AutomationRules::Id).eq(id))
            .take(),
    )
    .await
}

/// Every rule in order; `enabled_only` for running them.
pub async fn rules(db: &Db, enabled_only: bool) -> StoreResult<Vec<RuleRow>> {
    let mut q = Query::select();
    q.columns(RULE_COLUMNS)
        .from(AutomationRules::Table)
        .order_by(AutomationRules::Position, Order::Asc)
        .order_by(AutomationRules::Id, Order::Asc);
    if enabled_only {
        q.and_where(Expr::col(AutomationRules::Enabled).eq(true));
    }
    db.fetch_all(&q).await
}

/// The last event the rules have run on (a plain read, to skip idle rounds).
pub async fn cursor(db: &Db) -> StoreResult<i64> {
    let (last,): (i64,) = db
        .fetch_one(
            &Query::select()
                .column(AutomationCursor::LastEventId)
                .from(AutomationCursor::Table)
                .and_where(Expr::col(AutomationCursor::Id).eq(1))
                .take(),
        )
        .await?;
    Ok(last)
}

/// Takes the rules' cursor for this transaction: other instances wait (PostgreSQL row
/// lock; SQLite has one writer), so each event is handled once in effect.
pub async fn lock_cursor(tx: &mut Tx) -> StoreResult<i64> {
    let mut q = Query::select();
    q.column(AutomationCursor::LastEventId)
        .from(AutomationCursor::Table)
        .and_where(Expr::col(AutomationCursor::Id).eq(1));
    if tx.backend() == Backend::Postgres {
        q.lock(LockType::Update);
    }
    let (last,): (i64,) = tx.fetch_one(&q).await?;
    Ok(last)
}

pub async fn advance_cursor(tx: &mut Tx, to: i64) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(AutomationCursor::Table)
            .value(AutomationCursor::LastEventId, to)
            .and_where(Expr::col(AutomationCursor::Id).eq(1))
            .take(),
    )
    .await?;
    Ok(())
}

/// Sets a conversation's labels (the list is kept in order, without repeats).
pub async fn set_labels(
    tx: &mut Tx,
    conversation_id: i64,
    labels: &[String],
    now: i64,
) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(Conversations::Table)
            .value(Conversations::Labels, JsonText(labels.to_vec()).to_text())
            .value(Conversations::UpdatedAt, now)
            .and_where(Expr::col(Conversations::Id).eq(conversation_id))
            .take(),
    )
    .await?;
    Ok(())
}

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct MacroRow {
        pub id: i64,
        pub name: String,
        /// The agent it belongs to; `null`: shared with everyone.
        pub owner_id: Option<i64>,
        #[schema(value_type = Vec<Action>)]
        pub actions: JsonText<Vec<Action>>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

const MACRO_COLUMNS: [Macros; 6] = [
    Macros::Id,
    Macros::Name,
    Macros::OwnerId,
    Macros::Actions,
    Macros::CreatedAt,
    Macros::UpdatedAt,
];

pub async fn insert_macro(
    tx: &mut Tx,
    name: &str,
    owner_id: Option<i64>,
    actions: &[Action],
    now: i64,
) -> StoreResult<MacroRow> {
    tx.fetch_one(
        &Query::insert()
            .into_table(Macros::Table)
            .columns([
                Macros::Name,
                Macros::OwnerId,
                Macros::Actions,
                Macros::CreatedAt,
                Macros::UpdatedAt,
            ])
            .values_panic([
                name.into(),
                owner_id.into(),
                JsonText(actions.to_vec()).to_text().into(),
                now.into(),
                now.into(),
            ])
            .returning(Query::returning().columns(MACRO_COLUMNS))
            .take(),
    )
    .await
}

/// Rewrites a macro's name, owner (`None`: shared) and actions; `None` when it is gone.
pub async fn update_macro(
    tx: &mut Tx,
    id: i64,
    name: &str,
    owner_id: Option<i64>,
    actions: &[Action],
    now: i64,
) -> StoreResult<Option<MacroRow>> {
    tx.fetch_optional(
        &Query::update()
            .table(Macros::Table)
            .value(Macros::Name, name)
            .value(Macros::OwnerId, owner_id)
            .value(Macros::Actions, JsonText(actions.to_vec()).to_text())
            .value(Macros::UpdatedAt, now)
            .and_where(Expr::col(Macros::Id).eq(id))
            .returning(Query::returning().columns(MACRO_COLUMNS))
            .take(),
    )
    .await
}

pub async fn delete_macro(tx: &mut Tx, id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::delete()
            .from_table(Macros::Table)
            .and_where(Expr::col(Macros::Id).eq(id))
            .take(),
    )
    .await
}

pub async fn find_macro(db: &Db, id: i64) -> StoreResult<Option<MacroRow>> {
    db.fetch_optional(
        &Query::select()
            .columns(MACRO_COLUMNS)
            .from(Macros::Table)
            .and_where(Expr::col(Macros::Id).eq(id))
            .take(),
    )
    .await
}

/// The shared macros and `user_id`'s own, by name.
pub async fn macros_for(db: &Db, user_id: i64) -> StoreResult<Vec<MacroRow>> {
    db.fetch_all(
        &Query::select()
            .columns(MACRO_COLUMNS)
            .from(Macros::Table)
            .cond_where(
                Cond::any()
                    .add(Expr::col(Macros::OwnerId).is_null())
                    .add(Expr::col(Macros::OwnerId).eq(user_id)),
            )
            .order_by(Macros::Name, Order::Asc)
            .take(),
    )
    .await
}
