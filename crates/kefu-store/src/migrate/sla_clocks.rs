//! Migration 12: each ticket's SLA clocks (first response, next response, resolution),
//! kept as they change so no page recomputes them, the breaches for reports, and each
//! inbox's business calendar.

use crate::db::Backend;

pub(super) fn sla_clocks(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    vec![
        // A clock is its target, the business time used before the current run, when that
        // run began (null while paused) and when it was breached: `SlaClock` stored.
        "CREATE TABLE sla_clocks (
             conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
             kind TEXT NOT NULL,
             policy_id BIGINT NULL REFERENCES sla_policies (id) ON DELETE SET NULL,
             calendar_id BIGINT NOT NULL,
             warning_percent BIGINT NOT NULL,
             target_ms BIGINT NOT NULL,
             consumed_ms BIGINT NOT NULL DEFAULT 0,
             running_since BIGINT NULL,
             breached_at BIGINT NULL,
             due_at BIGINT NULL,
             warned BOOLEAN NOT NULL DEFAULT FALSE,
             breached BOOLEAN NOT NULL DEFAULT FALSE,
             done_at BIGINT NULL,
             PRIMARY KEY (conversation_id, kind)
         )"
        .into(),
        "CREATE INDEX ix_sla_clocks_due ON sla_clocks (done_at, due_at)".into(),
        format!(
            "CREATE TABLE sla_breaches (
                id {pk},
                conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                policy_id BIGINT NULL REFERENCES sla_policies (id) ON DELETE SET NULL,
                due_at BIGINT NOT NULL,
                assignee_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                team_id BIGINT NULL,
                created_at BIGINT NOT NULL
            )"
        ),
        "CREATE INDEX ix_sla_breaches_time ON sla_breaches (created_at, id)".into(),
        // An inbox's business hours: outside them its auto-reply goes out, and automation
        // rules can tell (no calendar: always open).
        "ALTER TABLE inboxes ADD COLUMN calendar_id BIGINT NULL \
         REFERENCES business_calendars (id) ON DELETE SET NULL"
            .into(),
    ]
}
