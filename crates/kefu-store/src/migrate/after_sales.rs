//! Migration 17: after-sales cases (售后) with their items and status history, the
//! reason taxonomy admins extend, each store's policy windows, and the link from a case
//! to the tasks it handed to the warehouse, QC or finance.

use crate::db::Backend;

/// (key, English, Chinese, policy window): the reasons kefu ships with. `no_reason`
/// reasons are judged by the no-reason return window, `quality` ones by the longer one.
const REASONS: &[(&str, &str, &str, &str)] = &[
    ("size", "Wrong size", "尺码不合适", "no_reason"),
    ("changed_mind", "Changed mind", "不想要了", "no_reason"),
    ("quality", "Quality problem", "质量问题", "quality"),
    ("damaged", "Arrived damaged", "商品破损", "quality"),
    ("wrong_item", "Wrong item sent", "发错货", "quality"),
    ("missing_item", "Item missing", "少件漏发", "quality"),
    (
        "not_as_described",
        "Not as described",
        "与描述不符",
        "quality",
    ),
    ("other", "Other", "其他", "no_reason"),
];

pub(super) fn after_sales(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    let mut out = vec![
        format!(
            "CREATE TABLE after_sales_reasons (
                id {pk},
                key TEXT NOT NULL,
                label_en TEXT NOT NULL,
                label_zh TEXT NOT NULL,
                policy TEXT NOT NULL,
                position BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_after_sales_reasons_key ON after_sales_reasons (key)".into(),
        // A store's own window for a policy; kefu's defaults apply where there is none.
        "CREATE TABLE after_sales_windows (
            store_id BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            policy TEXT NOT NULL,
            days BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (store_id, policy)
        )"
        .into(),
        // Amounts are minor units of `currency` (the order's). `refund_minor` is what is
        // to be refunded; `settled_at` is when the refund or re-shipment went out (the
        // loss view's date). The policy columns keep what kefu decided when the case was
        // opened, with the dates that decided it.
        format!(
            "CREATE TABLE after_sales_cases (
                id {pk},
                store_id BIGINT NOT NULL REFERENCES stores (id) ON DELETE RESTRICT,
                order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
                conversation_id BIGINT NULL REFERENCES conversations (id) ON DELETE SET NULL,
                contact_id BIGINT NULL REFERENCES contacts (id) ON DELETE SET NULL,
                kind TEXT NOT NULL,
                reason TEXT NOT NULL,
                status TEXT NOT NULL,
                description TEXT NULL,
                currency TEXT NOT NULL,
                refund_minor BIGINT NOT NULL DEFAULT 0,
                reship_cost_minor BIGINT NOT NULL DEFAULT 0,
                return_carrier TEXT NULL,
                return_waybill TEXT NULL,
                policy TEXT NOT NULL,
                policy_days BIGINT NOT NULL,
                delivered_on TEXT NULL,
                policy_last_day TEXT NULL,
                policy_inside BOOLEAN NOT NULL,
                rejection_reason TEXT NULL,
                created_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                settled_at BIGINT NULL,
                closed_at BIGINT NULL
            )"
        ),
        // The register, newest first, and its filters; the loss view by settlement date.
        "CREATE INDEX ix_after_sales_created ON after_sales_cases (created_at, id)".into(),
        "CREATE INDEX ix_after_sales_order ON after_sales_cases (order_id, id)".into(),
        "CREATE INDEX ix_after_sales_store ON after_sales_cases (store_id, created_at)".into(),
        "CREATE INDEX ix_after_sales_status ON after_sales_cases (status, created_at)".into(),
        "CREATE INDEX ix_after_sales_settled ON after_sales_cases (settled_at)".into(),
        // A case's lines: which order line, how many, and its share of the refund and
        // re-shipment cost once settled (so losses add up per SKU).
        format!(
            "CREATE TABLE after_sales_items (
                id {pk},
                case_id BIGINT NOT NULL REFERENCES after_sales_cases (id) ON DELETE CASCADE,
                order_item_id BIGINT NULL REFERENCES order_items (id) ON DELETE SET NULL,
                sku TEXT NULL,
                name TEXT NOT NULL,
                spec TEXT NULL,
                quantity BIGINT NOT NULL,
                unit_price BIGINT NOT NULL,
                refund_share BIGINT NOT NULL DEFAULT 0,
                reship_share BIGINT NOT NULL DEFAULT 0
            )"
        ),
        "CREATE INDEX ix_after_sales_items_case ON after_sales_items (case_id, id)".into(),
        "CREATE INDEX ix_after_sales_items_sku ON after_sales_items (sku, case_id)".into(),
        "CREATE INDEX ix_after_sales_items_order_item ON after_sales_items (order_item_id)".into(),
        // Every status change, who made it, when and why (audit).
        format!(
            "CREATE TABLE after_sales_history (
                id {pk},
                case_id BIGINT NOT NULL REFERENCES after_sales_cases (id) ON DELETE CASCADE,
                from_status TEXT NULL,
                to_status TEXT NOT NULL,
                note TEXT NULL,
                by_user BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                at BIGINT NOT NULL
            )"
        ),
        "CREATE INDEX ix_after_sales_history_case ON after_sales_history (case_id, id)".into(),
        "CREATE TABLE after_sales_tasks (
            case_id BIGINT NOT NULL REFERENCES after_sales_cases (id) ON DELETE CASCADE,
            task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
            PRIMARY KEY (case_id, task_id)
        )"
        .into(),
        // Quality problems go to purchasing too (R-AS-3).
        "INSERT INTO archive_choices (kind, key, label_en, label_zh, position) \
         SELECT 'department', 'purchasing', 'Purchasing', '采购', next.p \
         FROM (SELECT COALESCE(MAX(position), 0) + 1 AS p FROM archive_choices) next \
         WHERE NOT EXISTS \
         (SELECT 1 FROM archive_choices WHERE kind = 'department' AND key = 'purchasing')"
            .into(),
    ];
    for (position, (key, en, zh, policy)) in REASONS.iter().enumerate() {
        out.push(format!(
            "INSERT INTO after_sales_reasons (key, label_en, label_zh, policy, position, created_at) \
             VALUES ('{key}', '{en}', '{zh}', '{policy}', {position}, 0)"
        ));
    }
    out
}
