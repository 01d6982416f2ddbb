//! Finding conversations by what was written in them: the tokens of every message and
//! ticket subject (cut as for the customer archive, see `search`), the typed query, and
//! the job that indexes what was written before search existed.

use crate::search::{Document, Query};
use crate::{App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_store::Tx;
use kefu_store::message_search::{self, ConversationSearch};
use serde_json::json;

/// Gives messages and subjects written before message search their tokens, a page per run.
pub const BACKFILL_SEARCH: &str = "search.backfill";

/// Rows indexed per backfill job: one transaction each, short enough not to hold the
/// writer for long.
const BACKFILL_PAGE: u64 = 1_000;

/// The search tokens of a message body.
pub fn message_tokens(body: &str) -> String {
    Document::default().text(body).finish()
}

/// Stores the search tokens of a ticket's subject (call after every subject change).
pub async fn index_subject(
    tx: &mut Tx,
    conversation_id: i64,
    subject: Option<&str>,
) -> AppResult<()> {
    let tokens = subject.map(message_tokens).unwrap_or_default();
    message_search::set_subject_tokens(tx, conversation_id, &tokens).await?;
    Ok(())
}

/// Parses what an agent typed in the conversation search: words, and a ticket number
/// (`#10023` or `10023`) that also finds its ticket. `None` when nothing is searchable.
pub fn parse(input: Option<&str>) -> Option<ConversationSearch> {
    let input = input.map(str::trim).filter(|s| !s.is_empty())?;
    let query = Query::parse(input);
    let words: Vec<&str> = input.split_whitespace().collect();
    let ticket_conversation_id = match words.as_slice() {
        [one]
            if one
                .trim_start_matches('#')
                .chars()
                .all(|c| c.is_ascii_digit()) =>
        {
            kefu_domain::ticket::conversation_of(one)
        }
        _ => None,
    };
    let text = (!query.is_empty()).then(|| query.to_text_query());
    (text.is_some() || ticket_conversation_id.is_some()).then_some(ConversationSearch {
        text,
        ticket_conversation_id,
    })
}

/// Indexes the next page of `table` (`messages` or `conversations`) after id `after` and
/// schedules the page after it; a job, so it survives restarts and runs twice harmlessly.
pub async fn backfill(app: &App, table: &str, after: i64) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    let last = match table {
        "messages" => {
            let rows = message_search::messages_after(&mut tx, after, BACKFILL_PAGE).await?;
            for (id, body) in &rows {
                message_search::set_message_tokens(&mut tx, *id, body, &message_tokens(body))
                    .await?;
            }
            rows.last().map(|(id, _)| *id)
        }
        "conversations" => {
            let rows = message_search::subjects_after(&mut tx, after, BACKFILL_PAGE).await?;
            for (id, subject) in &rows {
                index_subject(&mut tx, *id, Some(subject)).await?;
            }
            rows.last().map(|(id, _)| *id)
        }
        other => return Err(AppError::Internal(format!("no search tokens for {other}"))),
    };
    if let Some(last) = last {
        kefu_store::jobs::enqueue(
            &mut tx,
            BACKFILL_SEARCH,
            &format!("{table}:{last}"),
            &json!({ "table": table, "after": last }),
            0,
            now_ms(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_number_alone_names_its_conversation_and_is_also_searched_as_text() {
        let s = parse(Some(" #10023 ")).expect("searchable");
        assert_eq!(s.ticket_conversation_id, Some(23));
        assert_eq!(s.text.expect("text").fts5, "\"10023\"*");
        assert_eq!(
            parse(Some("10023"))
                .expect("searchable")
                .ticket_conversation_id,
            Some(23)
        );
    }

    #[test]
    fn words_or_small_numbers_name_no_ticket() {
        assert_eq!(
            parse(Some("退款 10023"))
                .expect("searchable")
                .ticket_conversation_id,
            None
        );
        assert_eq!(
            parse(Some("42"))
                .expect("searchable")
                .ticket_conversation_id,
            None
        );
        assert!(parse(Some("  ")).is_none());
        assert!(parse(Some("!!")).is_none());
        assert!(parse(None).is_none());
    }

    #[test]
    fn chinese_words_in_a_sentence_become_tokens_a_query_finds() {
        let tokens = message_tokens("你好，我上周买的蓝牙耳机还没收到发票。");
        let tokens: Vec<&str> = tokens.split(' ').collect();
        let text = parse(Some("蓝牙耳机 发票"))
            .and_then(|s| s.text)
            .expect("text");
        for pattern in &text.like {
            let token = pattern.trim_matches(['%', ' ']);
            assert!(tokens.contains(&token), "{token} in {tokens:?}");
        }
    }
}
