//! Migration 16: stores, orders with their items, the changes agents record for the
//! packing team, shipments and their tracking events.

use crate::db::Backend;

pub(super) fn orders(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    vec![
        // A shop, marketplace account or the trading centre. `webhook_secret` signs what
        // its bridge posts; `reminder_delay_minutes` is for unpaid-order reminders (催付).
        format!(
            "CREATE TABLE stores (
                id {pk},
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                currency TEXT NOT NULL,
                time_zone TEXT NOT NULL,
                webhook_secret TEXT NOT NULL,
                reminder_delay_minutes BIGINT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_stores_name ON stores (name)".into(),
        // Amounts are integer minor units of `currency`. `content_hash` is the hash of the
        // order as last received, so the same payload again changes nothing;
        // `source_updated_at` is the source's own change time, so an older update is ignored.
        // The `last_*` columns repeat the newest tracking event of the order's parcels so the
        // panel beside a conversation is one indexed read; `open_changes` counts changes the
        // packing team has not acknowledged.
        format!(
            "CREATE TABLE orders (
                id {pk},
                store_id BIGINT NOT NULL REFERENCES stores (id) ON DELETE RESTRICT,
                order_number TEXT NOT NULL,
                contact_id BIGINT NULL REFERENCES contacts (id) ON DELETE SET NULL,
                buyer_name TEXT NULL,
                payment_state TEXT NOT NULL,
                fulfilment_state TEXT NOT NULL,
                currency TEXT NOT NULL,
                items_total BIGINT NOT NULL,
                shipping_fee BIGINT NOT NULL,
                discount BIGINT NOT NULL,
                total BIGINT NOT NULL,
                paid_amount BIGINT NOT NULL,
                refunded_amount BIGINT NOT NULL,
                placed_at BIGINT NOT NULL,
                paid_at BIGINT NULL,
                address TEXT NULL,
                buyer_remark TEXT NULL,
                seller_remark TEXT NULL,
                flag TEXT NULL,
                source_updated_at BIGINT NULL,
                content_hash TEXT NOT NULL,
                open_changes BIGINT NOT NULL DEFAULT 0,
                last_carrier TEXT NULL,
                last_tracking_number TEXT NULL,
                last_event_at BIGINT NULL,
                last_event_status TEXT NULL,
                last_event_text TEXT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_orders_store_number ON orders (store_id, order_number)".into(),
        // The customer's orders, newest first (the conversation's panel and `contact_id=`).
        "CREATE INDEX ix_orders_contact ON orders (contact_id, placed_at, id)".into(),
        "CREATE INDEX ix_orders_number ON orders (order_number)".into(),
        format!(
            "CREATE TABLE order_items (
                id {pk},
                order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
                position BIGINT NOT NULL,
                sku TEXT NULL,
                name TEXT NOT NULL,
                spec TEXT NULL,
                quantity BIGINT NOT NULL,
                unit_price BIGINT NOT NULL,
                line_total BIGINT NOT NULL
            )"
        ),
        "CREATE INDEX ix_order_items_order ON order_items (order_id, position)".into(),
        // What an agent changed (address, item attributes …), by whom and when, until the
        // packing team acknowledges it.
        format!(
            "CREATE TABLE order_changes (
                id {pk},
                order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                description TEXT NOT NULL,
                new_address TEXT NULL,
                flag TEXT NOT NULL,
                created_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL,
                acknowledged_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                acknowledged_at BIGINT NULL
            )"
        ),
        "CREATE INDEX ix_order_changes_order ON order_changes (order_id, id)".into(),
        format!(
            "CREATE TABLE shipments (
                id {pk},
                order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
                carrier TEXT NOT NULL,
                tracking_number TEXT NOT NULL,
                status TEXT NOT NULL,
                shipped_at BIGINT NULL,
                delivered_at BIGINT NULL,
                last_event_at BIGINT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_shipments_order_tracking ON shipments (order_id, tracking_number)"
            .into(),
        "CREATE INDEX ix_shipments_tracking ON shipments (tracking_number)".into(),
        format!(
            "CREATE TABLE tracking_events (
                id {pk},
                shipment_id BIGINT NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
                occurred_at BIGINT NOT NULL,
                status TEXT NULL,
                location TEXT NULL,
                description TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )"
        ),
        // The same event reported twice is stored once.
        "CREATE UNIQUE INDEX uq_tracking_events_shipment ON tracking_events (shipment_id, occurred_at, description)"
            .into(),
    ]
}
