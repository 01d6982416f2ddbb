//! Migration 3: one timeline per customer, indexes for reading the audit log, and on
//! PostgreSQL stored search vectors (casting the tokens on every row checked cost ~9 µs
//! a row when a search walks the newest contacts first).

use crate::db::Backend;

pub(super) fn timeline(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    let mut out = vec![
        // Every feature that has something to show on a customer's page writes an entry
        // here in its own transaction (kind + the id in its own table + a summary).
        format!(
            "CREATE TABLE timeline_entries (
                id {pk},
                contact_id BIGINT NULL REFERENCES contacts (id) ON DELETE CASCADE,
                organisation_id BIGINT NULL REFERENCES organisations (id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                ref_id BIGINT NULL,
                actor_user_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                summary TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT '{{}}',
                occurred_at BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )"
        ),
        "CREATE INDEX ix_timeline_contact ON timeline_entries (contact_id, occurred_at, id)".into(),
        "CREATE INDEX ix_timeline_organisation ON timeline_entries (organisation_id, occurred_at, id)"
            .into(),
        "CREATE INDEX ix_timeline_ref ON timeline_entries (kind, ref_id)".into(),
        // Conversations that existed before the timeline: one entry each.
        "INSERT INTO timeline_entries (contact_id, organisation_id, kind, ref_id, summary, detail, occurred_at, created_at)
             SELECT c.contact_id, ct.organisation_id, 'conversation', c.id,
                    COALESCE(c.last_message_preview, ''), '{}', c.created_at, c.created_at
             FROM conversations c JOIN contacts ct ON ct.id = c.contact_id"
            .into(),
        "CREATE INDEX ix_audit_log_subject ON audit_log (subject, id)".into(),
        "CREATE INDEX ix_audit_log_actor ON audit_log (actor_user_id, id)".into(),
        "CREATE INDEX ix_audit_log_action ON audit_log (action, id)".into(),
    ];
    if b == Backend::Postgres {
        for table in ["contacts", "organisations"] {
            out.extend([
                format!(
                    "ALTER TABLE {table} ADD COLUMN search_vector tsvector \
                     GENERATED ALWAYS AS (search_tokens::tsvector) STORED"
                ),
                format!("DROP INDEX ix_{table}_search"),
                format!("CREATE INDEX ix_{table}_search ON {table} USING gin (search_vector)"),
            ]);
        }
    }
    out
}
