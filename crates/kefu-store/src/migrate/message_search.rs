//! Migration 15: full-text search over what was written in conversations — message
//! bodies and ticket subjects — and a job that gives messages and subjects written
//! before this migration their tokens.
//!
//! Message tokens are a column of `messages`, not a side table: the one insert that
//! writes a message carries them (no second statement on the write path), the FTS5
//! rowid is the message id as for contacts (so `search::restrict` and the triggers work
//! unchanged), and erasure blanks body and tokens in the same row update.
//!
//! Subject tokens are a side table keyed by conversation id: a conversation row is
//! rewritten on every message (counters), and on PostgreSQL each such update would
//! otherwise insert the subject's words into the GIN index again.

use super::archive::search_index;
use crate::db::Backend;

pub(super) fn message_search(b: Backend) -> Vec<String> {
    let pk = match b {
        // A rowid alias, so the FTS5 table's rowid is the conversation id.
        Backend::Sqlite => "INTEGER PRIMARY KEY",
        Backend::Postgres => "BIGINT PRIMARY KEY",
    };
    let mut out = vec![
        "ALTER TABLE messages ADD COLUMN search_tokens TEXT NOT NULL DEFAULT ''".to_owned(),
        format!(
            "CREATE TABLE conversation_subjects (
                id {pk} REFERENCES conversations (id) ON DELETE CASCADE,
                search_tokens TEXT NOT NULL DEFAULT ''
            )"
        ),
    ];
    for table in ["messages", "conversation_subjects"] {
        match b {
            // External-content FTS5 table kept by triggers, as for contacts.
            Backend::Sqlite => out.extend(search_index(b, table)),
            // A stored vector, as contacts have since migration 3: a search that walks
            // conversations checks their messages' vectors without casting each row.
            Backend::Postgres => out.extend([
                format!(
                    "ALTER TABLE {table} ADD COLUMN search_vector tsvector \
                     GENERATED ALWAYS AS (search_tokens::tsvector) STORED"
                ),
                format!("CREATE INDEX ix_{table}_search ON {table} USING gin (search_vector)"),
            ]),
        }
    }
    // A search for a common word walks conversations newest first and checks each one's
    // messages: without this index a list of every status read all conversations and
    // sorted them (300 ms at 100,000 on SQLite) instead of stopping after a page.
    out.push(
        "CREATE INDEX ix_conversations_activity ON conversations (last_activity_at, id)".to_owned(),
    );
    // Scheduled only where there is something to index (an empty install has no job).
    out.extend([
        "INSERT INTO jobs (kind, dedupe_key, payload, run_at, created_at)
         SELECT 'search.backfill', 'messages:0', '{\"table\":\"messages\",\"after\":0}', 0, 0
         WHERE EXISTS (SELECT 1 FROM messages)"
            .to_owned(),
        "INSERT INTO jobs (kind, dedupe_key, payload, run_at, created_at)
         SELECT 'search.backfill', 'conversations:0', '{\"table\":\"conversations\",\"after\":0}', 0, 0
         WHERE EXISTS (SELECT 1 FROM conversations WHERE subject IS NOT NULL)"
            .to_owned(),
    ]);
    out
}
