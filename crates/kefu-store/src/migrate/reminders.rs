//! Migration 18: payment reminders (催付) — each store's quiet hours and reminder script,
//! one reminder per order, counted with the payments that follow — and logistics cases
//! (物流异常) — each store's "no movement" threshold, when each parcel last moved, and
//! one open case per parcel and kind.

use crate::db::Backend;

pub(super) fn reminders(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    vec![
        // Quiet hours are wall-clock times read in the buyer's time zone. The script is a
        // shared script of the 催付 stage, or the store's own text (`{{variables}}`).
        "ALTER TABLE stores ADD COLUMN quiet_hours_start TEXT NOT NULL DEFAULT '22:00'".into(),
        "ALTER TABLE stores ADD COLUMN quiet_hours_end TEXT NOT NULL DEFAULT '08:00'".into(),
        "ALTER TABLE stores ADD COLUMN reminder_script_id BIGINT NULL REFERENCES scripts (id) ON DELETE SET NULL".into(),
        "ALTER TABLE stores ADD COLUMN reminder_text TEXT NULL".into(),
        "ALTER TABLE stores ADD COLUMN stale_after_days BIGINT NOT NULL DEFAULT 3".into(),
        // When the parcel last moved (its newest event, else when it shipped or was
        // recorded): the periodic check reads parcels still on their way by this index.
        "ALTER TABLE shipments ADD COLUMN moved_at BIGINT NULL".into(),
        "UPDATE shipments SET moved_at = COALESCE(last_event_at, shipped_at, created_at)".into(),
        "CREATE INDEX ix_shipments_moved ON shipments (status, moved_at)".into(),
        // One reminder per order, ever: the unique order settles two instances or a job
        // run twice. `converted_at` is set when the order is paid after it.
        format!(
            "CREATE TABLE payment_reminders (
                id {pk},
                order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
                store_id BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
                contact_id BIGINT NULL REFERENCES contacts (id) ON DELETE SET NULL,
                conversation_id BIGINT NULL REFERENCES conversations (id) ON DELETE SET NULL,
                message_id BIGINT NULL REFERENCES messages (id) ON DELETE SET NULL,
                task_id BIGINT NULL REFERENCES tasks (id) ON DELETE SET NULL,
                channel TEXT NOT NULL,
                sent_at BIGINT NOT NULL,
                converted_at BIGINT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_payment_reminders_order ON payment_reminders (order_id)".into(),
        "CREATE INDEX ix_payment_reminders_sent ON payment_reminders (sent_at, store_id)".into(),
        // A problem parcel worked until it is signed for, compensated or sent again.
        // `notes` is a JSON list of {at, by, name, text}; amounts are minor units of
        // `currency` (the order's).
        format!(
            "CREATE TABLE logistics_cases (
                id {pk},
                shipment_id BIGINT NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
                order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
                conversation_id BIGINT NULL REFERENCES conversations (id) ON DELETE SET NULL,
                task_id BIGINT NULL REFERENCES tasks (id) ON DELETE SET NULL,
                kind TEXT NOT NULL,
                status TEXT NOT NULL,
                resolution TEXT NULL,
                compensation_minor BIGINT NULL,
                currency TEXT NOT NULL,
                due_at BIGINT NOT NULL,
                notes TEXT NOT NULL,
                opened_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                opened_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                resolved_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                resolved_at BIGINT NULL
            )"
        ),
        // One open case per parcel and kind: a repeated tracking event or check adds none.
        "CREATE UNIQUE INDEX uq_logistics_cases_open ON logistics_cases (shipment_id, kind) WHERE resolved_at IS NULL".into(),
        "CREATE INDEX ix_logistics_cases_status ON logistics_cases (status, id)".into(),
        "CREATE INDEX ix_logistics_cases_order ON logistics_cases (order_id, id)".into(),
        "CREATE INDEX ix_logistics_cases_shipment ON logistics_cases (shipment_id, kind, opened_at)".into(),
    ]
}
