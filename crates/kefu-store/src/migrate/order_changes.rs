//! Migration 20: order changes reach the warehouse (R-ORD-2) — each store's warehouse
//! webhook and its "change done" text for the buyer; on each change, the conversation it
//! was agreed in, when it reached the warehouse (or why not yet), and how the buyer was
//! told it is done.

pub(super) fn order_changes() -> Vec<String> {
    vec![
        "ALTER TABLE stores ADD COLUMN warehouse_webhook_url TEXT NULL".into(),
        "ALTER TABLE stores ADD COLUMN change_done_text TEXT NULL".into(),
        "ALTER TABLE order_changes ADD COLUMN conversation_id BIGINT NULL REFERENCES conversations (id) ON DELETE SET NULL".into(),
        "ALTER TABLE order_changes ADD COLUMN warehouse_sent_at BIGINT NULL".into(),
        "ALTER TABLE order_changes ADD COLUMN warehouse_error TEXT NULL".into(),
        "ALTER TABLE order_changes ADD COLUMN buyer_message_id BIGINT NULL REFERENCES messages (id) ON DELETE SET NULL".into(),
        "ALTER TABLE order_changes ADD COLUMN buyer_task_id BIGINT NULL REFERENCES tasks (id) ON DELETE SET NULL".into(),
        // The packing list reads open changes, oldest first.
        "CREATE INDEX ix_order_changes_open ON order_changes (acknowledged_at, id)".into(),
    ]
}
