//! Conversations found by what was written in them: message bodies and ticket subjects
//! (tokens built by `kefu_app::conversation_search`), and the pages of rows written
//! before search existed, for the backfill job.

use crate::schema::{ConversationSubjects, Conversations, Messages};
use crate::search::{GIN_CANDIDATES, TextQuery, gin_matches};
use crate::{Backend, Db, StoreResult, Tx};
use sea_query::{Alias, Cond, Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use std::collections::BTreeSet;

/// A conversation search: words that one message (or the subject) must all contain,
/// and/or the conversation a typed ticket number names.
#[derive(Debug, Clone, Default)]
pub struct ConversationSearch {
    pub text: Option<TextQuery>,
    pub ticket_conversation_id: Option<i64>,
}

/// Keeps only conversations with a message or subject matching `search.text`, or named by
/// its ticket number. The matches are read through the full-text index first (at most
/// [`GIN_CANDIDATES`] messages): a rare word then costs a few index pages and the page is
/// cut from those conversations. A common word falls back to walking the list newest
/// first and checking each conversation's own messages, which stops after a page because
/// the matches are dense (the same trade as `search::restrict` for contacts).
pub(crate) async fn restrict(
    db: &Db,
    q: &mut SelectStatement,
    search: &ConversationSearch,
) -> StoreResult<()> {
    let id = Expr::col((Conversations::Table, Conversations::Id));
    let ticket = search.ticket_conversation_id;
    let Some(text) = &search.text else {
        q.and_where(id.eq(ticket.unwrap_or(0)));
        return Ok(());
    };
    let messages = candidates(db, "messages", "conversation_id", text).await?;
    let subjects = candidates(db, "conversation_subjects", "id", text).await?;
    if let (Some(messages), Some(subjects)) = (messages, subjects) {
        let ids: BTreeSet<i64> = messages.into_iter().chain(subjects).chain(ticket).collect();
        q.and_where(id.is_in(ids));
        return Ok(());
    }
    let mut any = Cond::any()
        .add(Expr::exists(matching_rows(
            db.backend(),
            "messages",
            "conversation_id",
            text,
        )))
        .add(Expr::exists(matching_rows(
            db.backend(),
            "conversation_subjects",
            "id",
            text,
        )));
    if let Some(t) = ticket {
        any = any.add(id.eq(t));
    }
    q.cond_where(any);
    Ok(())
}

/// Whether conversation `id` matches `search` (the live list asks before showing a row
/// in a searched list); checks only that conversation's own rows.
pub async fn conversation_matches(
    db: &Db,
    id: i64,
    search: &ConversationSearch,
) -> StoreResult<bool> {
    let mut any = Cond::any();
    if let Some(t) = search.ticket_conversation_id {
        any = any.add(Expr::col((Conversations::Table, Conversations::Id)).eq(t));
    }
    if let Some(text) = &search.text {
        any = any
            .add(Expr::exists(matching_rows(
                db.backend(),
                "messages",
                "conversation_id",
                text,
            )))
            .add(Expr::exists(matching_rows(
                db.backend(),
                "conversation_subjects",
                "id",
                text,
            )));
    }
    let row: Option<(i64,)> = db
        .fetch_optional(
            &Query::select()
                .column(Conversations::Id)
                .from(Conversations::Table)
                .and_where(Expr::col(Conversations::Id).eq(id))
                .cond_where(any)
                .take(),
        )
        .await?;
    Ok(row.is_some())
}

/// `column` (a conversation id) of the rows of `table` matching `text`, read through the
/// full-text index alone; `None` when more than [`GIN_CANDIDATES`] rows match.
async fn candidates(
    db: &Db,
    table: &str,
    column: &str,
    text: &TextQuery,
) -> StoreResult<Option<Vec<i64>>> {
    if db.backend() == Backend::Postgres {
        return gin_matches(db, table, column, text).await;
    }
    let fts = format!("{table}_fts");
    let rows: Vec<(i64,)> = db
        .fetch_all(
            &Query::select()
                .expr(Expr::cust(column.to_owned()))
                .from(Alias::new(table))
                .and_where(Expr::cust_with_values(
                    format!(
                        "id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ? LIMIT {})",
                        GIN_CANDIDATES + 1
                    ),
                    [text.fts5.clone()],
                ))
                .take(),
        )
        .await?;
    Ok((rows.len() <= GIN_CANDIDATES).then(|| rows.into_iter().map(|(id,)| id).collect()))
}

/// The rows of `table` belonging to the outer query's conversation and matching `text`,
/// checked row by row on their stored tokens (for `EXISTS`).
fn matching_rows(b: Backend, table: &str, column: &str, text: &TextQuery) -> SelectStatement {
    let mut q = Query::select();
    q.expr(Expr::val(1))
        .from_as(Alias::new(table), Alias::new("s"))
        .and_where(Expr::cust(format!("s.{column} = conversations.id")));
    match b {
        Backend::Postgres => {
            q.and_where(Expr::cust_with_values(
                "s.search_vector @@ $1::tsquery",
                [text.tsquery.clone()],
            ));
            // Keeps the check per conversation: without it PostgreSQL turns the EXISTS
            // into a hashed subplan that reads every match first (270 ms for a word in
            // 160,000 of 1,000,000 messages, against 0.4 ms walking 60 conversations).
            q.offset(0);
        }
        Backend::Sqlite => {
            for pattern in &text.like {
                q.and_where(Expr::cust_with_values(
                    "(' ' || s.search_tokens || ' ') LIKE ?",
                    [pattern.clone()],
                ));
            }
        }
    }
    q
}

/// Stores a ticket subject's tokens (empty when it has none).
pub async fn set_subject_tokens(
    tx: &mut Tx,
    conversation_id: i64,
    tokens: &str,
) -> StoreResult<()> {
    tx.execute(
        &Query::insert()
            .into_table(ConversationSubjects::Table)
            .columns([ConversationSubjects::Id, ConversationSubjects::SearchTokens])
            .values_panic([conversation_id.into(), tokens.into()])
            .on_conflict(
                OnConflict::column(ConversationSubjects::Id)
                    .update_column(ConversationSubjects::SearchTokens)
                    .to_owned(),
            )
            .take(),
    )
    .await?;
    Ok(())
}

/// [`set_subject_tokens`] for several conversations in one statement.
pub async fn set_subject_tokens_many(tx: &mut Tx, subjects: &[(i64, String)]) -> StoreResult<()> {
    if subjects.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert();
    insert
        .into_table(ConversationSubjects::Table)
        .columns([ConversationSubjects::Id, ConversationSubjects::SearchTokens])
        .on_conflict(
            OnConflict::column(ConversationSubjects::Id)
                .update_column(ConversationSubjects::SearchTokens)
                .to_owned(),
        );
    for (id, tokens) in subjects {
        insert.values_panic([(*id).into(), tokens.as_str().into()]);
    }
    tx.execute(&insert).await?;
    Ok(())
}

/// The next `limit` messages after id `after` (id and body), for the backfill job.
pub async fn messages_after(
    tx: &mut Tx,
    after: i64,
    limit: u64,
) -> StoreResult<Vec<(i64, String)>> {
    tx.fetch_all(
        &Query::select()
            .columns([Messages::Id, Messages::Body])
            .from(Messages::Table)
            .and_where(Expr::col(Messages::Id).gt(after))
            .order_by(Messages::Id, Order::Asc)
            .limit(limit)
            .take(),
    )
    .await
}

/// Stores a message's tokens, unless its body changed since it was read (an erasure
/// in between must not get the words back).
pub async fn set_message_tokens(tx: &mut Tx, id: i64, body: &str, tokens: &str) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(Messages::Table)
            .value(Messages::SearchTokens, tokens)
            .and_where(Expr::col(Messages::Id).eq(id))
            .and_where(Expr::col(Messages::Body).eq(body))
            .take(),
    )
    .await?;
    Ok(())
}

/// The next `limit` conversations with a subject after id `after`, for the backfill job.
pub async fn subjects_after(
    tx: &mut Tx,
    after: i64,
    limit: u64,
) -> StoreResult<Vec<(i64, String)>> {
    tx.fetch_all(
        &Query::select()
            .columns([Conversations::Id, Conversations::Subject])
            .from(Conversations::Table)
            .and_where(Expr::col(Conversations::Id).gt(after))
            .and_where(Expr::col(Conversations::Subject).is_not_null())
            .order_by(Conversations::Id, Order::Asc)
            .limit(limit)
            .take(),
    )
    .await
}
