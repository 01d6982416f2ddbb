//! Full-text conditions over a table's `search_tokens`: FTS5 on SQLite, `tsvector` on PostgreSQL.

use crate::schema::EntityTags;
use crate::{Backend, Db, StoreResult};
use sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};

/// A search query already rendered for both databases (see `kefu_app::search::Query`).
#[derive(Debug, Clone)]
pub struct TextQuery {
    /// FTS5 syntax: `"华强" AND "li"*`.
    pub fts5: String,
    /// `tsquery` literal: `'华强' & 'li':*`.
    pub tsquery: String,
    /// `LIKE` patterns that a row's tokens, wrapped in spaces, must all match
    /// (`% 华强 %`, `% li%`): SQLite's per-row check where a search walks rows
    /// instead of reading the full-text index.
    pub like: Vec<String>,
}

/// Most matches read through PostgreSQL's GIN index before a search falls back to
/// walking the table newest first (see [`restrict`]).
pub(crate) const GIN_CANDIDATES: usize = 5_000;

/// Keeps only rows of `table` whose tokens match `text`. On SQLite the rows then come
/// newest first in the full-text index's own order (by rowid, which is the row's id), so
/// a page stops after `limit` matches instead of sorting every match of a common word.
///
/// On PostgreSQL the planner cannot estimate prefix terms (`'1380013':*`) and may walk
/// the whole table newest first looking for a phone number that matches once (hundreds
/// of milliseconds on a million rows). So the matches are first read through the GIN
/// index alone, at most [`GIN_CANDIDATES`] of them: a rare term then costs a few index
/// pages and the page is cut from those ids; only a common term, whose matches are dense
/// enough for the newest-first walk to stop early, is left to the planner.
pub(crate) async fn restrict(
    db: &Db,
    q: &mut SelectStatement,
    table: &str,
    text: &TextQuery,
    before_id: Option<i64>,
) -> StoreResult<()> {
    match db.backend() {
        Backend::Sqlite => {
            let fts = format!("{table}_fts");
            q.inner_join(
                Alias::new(fts.clone()),
                Expr::cust(format!("{fts}.rowid = {table}.id")),
            )
            .and_where(Expr::cust_with_values(
                format!("{fts} MATCH ?"),
                [text.fts5.clone()],
            ))
            .clear_order_by()
            .order_by_expr(Expr::cust(format!("{fts}.rowid")), Order::Desc);
            if let Some(id) = before_id {
                q.and_where(Expr::cust_with_values(format!("{fts}.rowid < ?"), [id]));
            }
        }
        Backend::Postgres => match gin_matches(db, table, "id", text).await? {
            Some(ids) => {
                q.and_where(Expr::cust(format!("{table}.id")).is_in(ids));
            }
            None => {
                q.and_where(Expr::cust_with_values(
                    format!("{table}.search_vector @@ $1::tsquery"),
                    [text.tsquery.clone()],
                ));
            }
        },
    }
    Ok(())
}

/// `column` (an id) of every row of `table` matching `text` through the GIN index (the
/// planner may use nothing else), or `None` when more than [`GIN_CANDIDATES`] rows match.
pub(crate) async fn gin_matches(
    db: &Db,
    table: &str,
    column: &str,
    text: &TextQuery,
) -> StoreResult<Option<Vec<i64>>> {
    let mut tx = db.begin_read().await?;
    tx.execute_raw("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        .await?;
    let rows: Vec<(i64,)> = tx
        .fetch_all(
            &Query::select()
                .expr(Expr::cust(column.to_owned()))
                .from(Alias::new(table))
                .and_where(Expr::cust_with_values(
                    "search_vector @@ $1::tsquery",
                    [text.tsquery.clone()],
                ))
                .limit(GIN_CANDIDATES as u64 + 1)
                .take(),
        )
        .await?;
    tx.commit().await?;
    Ok((rows.len() <= GIN_CANDIDATES).then(|| rows.into_iter().map(|(id,)| id).collect()))
}

/// Keeps rows whose custom field `key` (a checked identifier) equals `value`, or
/// contains it when the field holds several values.
pub(crate) fn custom_equals(
    q: &mut SelectStatement,
    backend: Backend,
    table: &str,
    key: &str,
    value: &str,
) {
    debug_assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    let sql = match backend {
        Backend::Sqlite => format!(
            "EXISTS (SELECT 1 FROM json_each({table}.custom, '$.{key}') AS v \
             WHERE CAST(v.value AS TEXT) = ?)"
        ),
        Backend::Postgres => format!(
            "EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE \
             WHEN jsonb_typeof({table}.custom::jsonb -> '{key}') = 'array' \
             THEN {table}.custom::jsonb -> '{key}' \
             ELSE jsonb_build_array({table}.custom::jsonb -> '{key}') END) AS v \
             WHERE v = $1)"
        ),
    };
    q.and_where(Expr::cust_with_values(sql, [value.to_owned()]));
}

/// The ids of `entity` (`contact`, `organisation`) carrying `tag`, as a subquery.
pub(crate) fn tagged(entity: &str, tag: &str) -> SelectStatement {
    Query::select()
        .column(EntityTags::EntityId)
        .from(EntityTags::Table)
        .and_where(Expr::col(EntityTags::Entity).eq(entity))
        .and_where(Expr::col(EntityTags::Tag).eq(tag))
        .take()
}
