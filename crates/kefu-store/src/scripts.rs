//! Scripts (话术): stages, scripts (shared when they have no owner), one body per locale,
//! and the search keys the composer's `/` matches by prefix on one index.

mod stages;

pub use stages::{
    ScriptStageRow, StageFields, count_in_stage, delete_stage, find_stage, insert_stage, stages,
    update_stage,
};

use crate::schema::{ScriptBodies, ScriptKeys, ScriptStages, Scripts};
use crate::{Db, StoreResult, Tx};
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct ScriptRow {
        pub id: i64,
        pub stage_id: i64,
        /// The agent a personal script belongs to; `None` for shared scripts.
        pub owner_id: Option<i64>,
        pub title: String,
        pub shortcut: Option<String>,
        pub usage_count: i64,
        pub created_by: Option<i64>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq)]
    pub struct ScriptBodyRow {
        pub script_id: i64,
        pub locale: String,
        pub body: String,
    }
}

const COLUMNS: [Scripts; 9] = [
    Scripts::Id,
    Scripts::StageId,
    Scripts::OwnerId,
    Scripts::Title,
    Scripts::Shortcut,
    Scripts::UsageCount,
    Scripts::CreatedBy,
    Scripts::CreatedAt,
    Scripts::UpdatedAt,
];

/// A script as the use case validated it (bodies and keys are written separately).
pub struct ScriptFields<'a> {
    pub stage_id: i64,
    pub owner_id: Option<i64>,
    pub title: &'a str,
    pub shortcut: Option<&'a str>,
}

/// A shortcut already used among the shared scripts, or among the owner's, is a `Conflict`.
pub async fn insert(
    tx: &mut Tx,
    f: &ScriptFields<'_>,
    created_by: i64,
    now: i64,
) -> StoreResult<ScriptRow> {
    tx.fetch_one(
        &Query::insert()
            .into_table(Scripts::Table)
            .columns([
                Scripts::StageId,
                Scripts::OwnerId,
                Scripts::Title,
                Scripts::Shortcut,
                Scripts::CreatedBy,
                Scripts::CreatedAt,
                Scripts::UpdatedAt,
            ])
            .values_panic([
                f.stage_id.into(),
                f.owner_id.into(),
                f.title.into(),
                f.shortcut.into(),
                created_by.into(),
                now.into(),
                now.into(),
            ])
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

pub async fn update(
    tx: &mut Tx,
    id: i64,
    f: &ScriptFields<'_>,
    now: i64,
) -> StoreResult<ScriptRow> {
    tx.fetch_one(
        &Query::update()
            .table(Scripts::Table)
            .value(Scripts::StageId, f.stage_id)
            .value(Scripts::OwnerId, f.owner_id)
            .value(Scripts::Title, f.title)
            .value(Scripts::Shortcut, f.shortcut)
            .value(Scripts::UpdatedAt, now)
            .and_where(Expr::col(Scripts::Id).eq(id))
            .returning(Query::returning().columns(COLUMNS))
            .take(),
    )
    .await
}

/// Deletes a script with its bodies and keys.
pub async fn delete(tx: &mut Tx, id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::delete()
            .from_table(Scripts::Table)
            .and_where(Expr::col(Scripts::Id).eq(id))
            .take(),
    )
    .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<ScriptRow>> {
    tx.fetch_optional(
        &Query::select()
            .columns(COLUMNS)
            .from(Scripts::Table)
            .and_where(Expr::col(Scripts::Id).eq(id))
            .take(),
    )
    .await
}

/// Shared scripts and `user_id`'s own: a condition on `owner_id` of `table`.
fn visible_to(
    table: impl sea_query::IntoIden + Copy,
    owner: impl sea_query::IntoIden + Copy,
    user_id: i64,
) -> Cond {
    Cond::any()
        .add(Expr::col((table, owner)).is_null())
        .add(Expr::col((table, owner)).eq(user_id))
}

fn select_scripts() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (Scripts::Table, c)))
        .from(Scripts::Table)
        .take()
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<ScriptRow>> {
    let mut q = select_scripts();
    q.and_where(Expr::col((Scripts::Table, Scripts::Id)).eq(id));
    db.fetch_optional(&q).await
}

/// The scripts `user_id` sees (shared and their own), by stage order, oldest first.
pub async fn list_visible(
    db: &Db,
    user_id: i64,
    stage_id: Option<i64>,
) -> StoreResult<Vec<ScriptRow>> {
    let mut q = select_scripts();
    q.inner_join(
        ScriptStages::Table,
        Expr::col((ScriptStages::Table, ScriptStages::Id))
            .equals((Scripts::Table, Scripts::StageId)),
    )
    .cond_where(visible_to(Scripts::Table, Scripts::OwnerId, user_id))
    .order_by((ScriptStages::Table, ScriptStages::Position), Order::Asc)
    .order_by((Scripts::Table, Scripts::Id), Order::Asc);
    if let Some(stage) = stage_id {
        q.and_where(Expr::col((Scripts::Table, Scripts::StageId)).eq(stage));
    }
    db.fetch_all(&q).await
}

/// The scripts `user_id` sees with a key starting with `prefix` (lower case), most used
/// first: one range scan of the key index.
pub async fn search(
    db: &Db,
    user_id: i64,
    prefix: &str,
    limit: u64,
) -> StoreResult<Vec<ScriptRow>> {
    let k = ScriptKeys::Table;
    let mut q = select_scripts();
    q.distinct()
        .inner_join(
            k,
            Expr::col((k, ScriptKeys::ScriptId)).equals((Scripts::Table, Scripts::Id)),
        )
        .and_where(Expr::col((k, ScriptKeys::Key)).gte(prefix))
        .cond_where(visible_to(k, ScriptKeys::OwnerId, user_id))
        .order_by((Scripts::Table, Scripts::UsageCount), Order::Desc)
        .order_by((Scripts::Table, Scripts::Id), Order::Asc)
        .limit(limit);
    if let Some(upper) = prefix_end(prefix) {
        q.and_where(Expr::col((k, ScriptKeys::Key)).lt(upper));
    }
    db.fetch_all(&q).await
}

/// The smallest string above every string that starts with `prefix`, in code point
/// (= UTF-8 byte) order: the prefix with its last character stepped up by one.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The scripts `user_id` sees, most used first (what `/` alone offers).
pub async fn most_used(db: &Db, user_id: i64, limit: u64) -> StoreResult<Vec<ScriptRow>> {
    let mut q = select_scripts();
    q.cond_where(visible_to(Scripts::Table, Scripts::OwnerId, user_id))
        .order_by((Scripts::Table, Scripts::UsageCount), Order::Desc)
        .order_by((Scripts::Table, Scripts::Id), Order::Asc)
        .limit(limit);
    db.fetch_all(&q).await
}

/// The bodies of these scripts, by script then locale.
pub async fn bodies(db: &Db, script_ids: &[i64]) -> StoreResult<Vec<ScriptBodyRow>> {
    if script_ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        &Query::select()
            .columns([
                ScriptBodies::ScriptId,
                ScriptBodies::Locale,
                ScriptBodies::Body,
            ])
            .from(ScriptBodies::Table)
            .and_where(Expr::col(ScriptBodies::ScriptId).is_in(script_ids.iter().copied()))
            .order_by(ScriptBodies::ScriptId, Order::Asc)
            .order_by(ScriptBodies::Locale, Order::Asc)
            .take(),
    )
    .await
}

/// Replaces a script's bodies: `(locale, body)` pairs.
pub async fn replace_bodies(
    tx: &mut Tx,
    script_id: i64,
    bodies: &[(String, String)],
) -> StoreResult<()> {
    tx.execute(
        &Query::delete()
            .from_table(ScriptBodies::Table)
            .and_where(Expr::col(ScriptBodies::ScriptId).eq(script_id))
            .take(),
    )
    .await?;
    let mut insert = Query::insert()
        .into_table(ScriptBodies::Table)
        .columns([
            ScriptBodies::ScriptId,
            ScriptBodies::Locale,
            ScriptBodies::Body,
        ])
        .take();
    for (locale, body) in bodies {
        insert.values_panic([script_id.into(), locale.into(), body.into()]);
    }
    if !bodies.is_empty() {
        tx.execute(&insert).await?;
    }
    Ok(())
}

/// Replaces a script's search keys (owner copied in, so visibility is read off the index).
pub async fn replace_keys(
    tx: &mut Tx,
    script_id: i64,
    owner_id: Option<i64>,
    keys: &[String],
) -> StoreResult<()> {
    tx.execute(
        &Query::delete()
            .from_table(ScriptKeys::Table)
            .and_where(Expr::col(ScriptKeys::ScriptId).eq(script_id))
            .take(),
    )
    .await?;
    let mut insert = Query::insert()
        .into_table(ScriptKeys::Table)
        .columns([ScriptKeys::Key, ScriptKeys::ScriptId, ScriptKeys::OwnerId])
        .take();
    for key in keys {
        insert.values_panic([key.into(), script_id.into(), owner_id.into()]);
    }
    if !keys.is_empty() {
        tx.execute(&insert).await?;
    }
    Ok(())
}

/// Counts one use of a script `user_id` sees; false when there is no such script.
pub async fn count_use(db: &Db, user_id: i64, id: i64) -> StoreResult<bool> {
    let n = db
        .execute(
            &Query::update()
                .table(Scripts::Table)
                .value(Scripts::UsageCount, Expr::col(Scripts::UsageCount).add(1))
                .and_where(Expr::col(Scripts::Id).eq(id))
                .cond_where(visible_to(Scripts::Table, Scripts::OwnerId, user_id))
                .take(),
        )
        .await?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn the_prefix_end_is_above_every_string_with_the_prefix() {
        assert_eq!(prefix_end("hy").as_deref(), Some("hz"));
        assert_eq!(prefix_end("欢迎").as_deref(), Some("欢迏"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        for s in ["hyy", "hy", "hyz\u{10FFFF}"] {
            assert!(s < prefix_end("hy").unwrap().as_str());
        }
        assert_eq!(prefix_end(""), None);
    }
}
