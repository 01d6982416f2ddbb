//! Migration 13: files sent with messages (any channel), kept as content-addressed blobs
//! outside the database, and each inbox's size limit for them.

use crate::db::Backend;

pub(super) fn attachments(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    vec![
        // The bytes live in the blob store under `blob_key` (SHA-256 of the content, so the
        // same file is stored once); the row says who sent it where, and how to show it.
        // `inline` and `content_id` carry an email part's disposition and `cid:`.
        format!(
            "CREATE TABLE attachments (
                id {pk},
                message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
                conversation_id BIGINT NOT NULL,
                filename TEXT NOT NULL,
                content_type TEXT NOT NULL,
                size_bytes BIGINT NOT NULL,
                blob_key TEXT NOT NULL,
                inline BOOLEAN NOT NULL DEFAULT FALSE,
                content_id TEXT NULL,
                created_at BIGINT NOT NULL
            )"
        ),
        "CREATE INDEX ix_attachments_message ON attachments (message_id, id)".into(),
        // Null: the default limit (20 MiB).
        "ALTER TABLE inboxes ADD COLUMN max_attachment_bytes BIGINT NULL".into(),
    ]
}
