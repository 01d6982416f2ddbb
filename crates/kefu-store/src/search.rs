//! Full-text conditions over a table's `search_tokens`: FTS5 on SQLite, `tsvector` on PostgreSQL.

use crate::Backend;
use crate::schema::EntityTags;
use sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};

/// A search query already rendered for both databases (see `kefu_app::search::Query`).
#[derive(Debug, Clone)]
pub struct TextQuery {
    /// FTS5 syntax: `"华强" AND "li"*`.
    pub fts5: String,
    /// `tsquery` literal: `'华强' & 'li':*`.
    pub tsquery: String,
}

/// Keeps only rows of `table` whose tokens match `text`. On SQLite the rows then come
/// newest first in the full-text index's own order (by rowid, which is the row's id), so
/// a page stops after `limit` matches instead of sorting every match of a common word.
pub(crate) fn restrict(
    q: &mut SelectStatement,
    backend: Backend,
    table: &str,
    text: &TextQuery,
    before_id: Option<i64>,
) {
    match backend {
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
        Backend::Postgres => {
            q.and_where(Expr::cust_with_values(
                format!("{table}.search_vector @@ $1::tsquery"),
                [text.tsquery.clone()],
            ));
        }
    }
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
