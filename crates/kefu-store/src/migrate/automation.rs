//! Migration 11: automation rules evaluated on the event log (with the cursor that says
//! how far they have read), macros, and labels on conversations.

use crate::db::Backend;

pub(super) fn automation(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    vec![
        // Ordered rules: trigger, conditions and actions as tagged JSON lists.
        format!(
            "CREATE TABLE automation_rules (
                id {pk},
                name TEXT NOT NULL,
                position BIGINT NOT NULL,
                enabled BOOLEAN NOT NULL DEFAULT TRUE,
                trigger TEXT NOT NULL,
                conditions TEXT NOT NULL DEFAULT '[]',
                actions TEXT NOT NULL DEFAULT '[]',
                created_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )"
        ),
        "CREATE INDEX ix_automation_rules_order ON automation_rules (enabled, position, id)".into(),
        // One row: the last event the rules have been run on. Advanced in the transaction
        // that applies the rules' actions, so every event is handled once in effect.
        "CREATE TABLE automation_cursor (
             id BIGINT PRIMARY KEY,
             last_event_id BIGINT NOT NULL
         )"
        .into(),
        "INSERT INTO automation_cursor (id, last_event_id) \
         SELECT 1, COALESCE(MAX(id), 0) FROM events"
            .into(),
        // Macros: several actions an agent applies at once; personal (owner) or shared.
        format!(
            "CREATE TABLE macros (
                id {pk},
                name TEXT NOT NULL,
                owner_id BIGINT NULL REFERENCES users (id) ON DELETE CASCADE,
                actions TEXT NOT NULL DEFAULT '[]',
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )"
        ),
        "CREATE INDEX ix_macros_owner ON macros (owner_id, name)".into(),
        "ALTER TABLE conversations ADD COLUMN labels TEXT NOT NULL DEFAULT '[]'".into(),
    ]
}
