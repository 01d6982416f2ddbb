//! Migration 7: conversations as tickets (subject, type, category and reason code, who
//! holds it since when, merges), links between tickets, tasks (hand-offs, follow-ups)
//! and complaints with their evidence; the lists admins extend.

use crate::db::Backend;

/// (list, key, English, Chinese): ticket types, problem categories (问题分类) with their
/// reason codes (`category.reason`), and the departments work is handed to.
const CHOICES: &[(&str, &str, &str, &str)] = &[
    ("ticket_type", "inquiry", "Inquiry", "咨询"),
    ("ticket_type", "complaint", "Complaint", "投诉"),
    ("ticket_type", "after_sales", "After-sales", "售后"),
    (
        "ticket_type",
        "logistics",
        "Logistics exception",
        "物流异常",
    ),
    ("ticket_type", "payment", "Payment problem", "支付问题"),
    ("ticket_type", "review", "Review", "评价"),
    ("ticket_type", "suggestion", "Suggestion", "建议"),
    ("ticket_type", "other", "Other", "其他"),
    ("ticket_category", "product", "Product quality", "商品质量"),
    ("ticket_category", "delivery", "Delivery", "物流配送"),
    (
        "ticket_category",
        "price",
        "Price and promotions",
        "价格与活动",
    ),
    (
        "ticket_category",
        "payment",
        "Payment and invoices",
        "支付与发票",
    ),
    ("ticket_category", "service", "Service attitude", "服务态度"),
    ("ticket_category", "other", "Other", "其他"),
    (
        "reason_code",
        "product.defect",
        "Defective item",
        "商品有瑕疵",
    ),
    (
        "reason_code",
        "product.not_as_described",
        "Not as described",
        "与描述不符",
    ),
    (
        "reason_code",
        "product.wrong_item",
        "Wrong item sent",
        "发错货",
    ),
    (
        "reason_code",
        "delivery.late",
        "Late delivery",
        "发货或配送延迟",
    ),
    (
        "reason_code",
        "delivery.damaged",
        "Damaged in transit",
        "运输破损",
    ),
    ("reason_code", "delivery.lost", "Parcel lost", "包裹丢失"),
    ("reason_code", "price.dispute", "Price dispute", "价格争议"),
    (
        "reason_code",
        "payment.failed",
        "Payment failed",
        "支付失败",
    ),
    (
        "reason_code",
        "payment.invoice",
        "Invoice request",
        "开具发票",
    ),
    ("reason_code", "service.slow_reply", "Slow reply", "回复慢"),
    (
        "reason_code",
        "service.attitude",
        "Unfriendly service",
        "服务态度差",
    ),
    ("reason_code", "other.other", "Other", "其他"),
    ("department", "trading", "Trading", "交易部"),
    ("department", "settlement", "Settlement", "结算部"),
    ("department", "logistics", "Logistics", "物流"),
    ("department", "warehouse", "Warehouse", "仓库"),
    ("department", "finance", "Finance", "财务"),
    ("department", "quality", "Quality inspection", "质检"),
];

pub(super) fn tickets(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    let mut out: Vec<String> = [
        "subject TEXT NULL",
        "ticket_type TEXT NULL",
        "category TEXT NULL",
        "reason_code TEXT NULL",
        // The survivor this conversation was merged into (its messages moved there).
        "merged_into BIGINT NULL REFERENCES conversations (id) ON DELETE SET NULL",
        // Who holds the ticket now (the assignee, or whoever it was handed to) and since when.
        "held_by_user_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL",
        "held_by_department TEXT NULL",
        "held_by_role TEXT NULL",
        "held_since BIGINT NULL",
        // The open hand-off while there is one: the holder then stays with its target.
        "handoff_task_id BIGINT NULL",
    ]
    .iter()
    .map(|c| format!("ALTER TABLE conversations ADD COLUMN {c}"))
    .collect();
    out.extend([
        "UPDATE conversations SET held_by_user_id = assignee_id, held_since = updated_at \
         WHERE assignee_id IS NOT NULL"
            .to_owned(),
        "CREATE INDEX ix_conversations_type ON conversations (ticket_type, last_activity_at, id)"
            .to_owned(),
        "ALTER TABLE users ADD COLUMN department TEXT NULL".to_owned(),
        // Related tickets, both directions stored; `split_from` / `merged` say how they came about.
        "CREATE TABLE conversation_links (
             conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
             linked_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
             kind TEXT NOT NULL,
             created_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
             created_at BIGINT NOT NULL,
             PRIMARY KEY (conversation_id, linked_id)
         )"
        .to_owned(),
        // Work with a deadline: hand-offs to a supervisor, manager or department, and
        // follow-up contacts with a customer (the visits programme builds on these).
        format!(
            "CREATE TABLE tasks (
                id {pk},
                kind TEXT NOT NULL,
                title TEXT NOT NULL,
                note TEXT NULL,
                conversation_id BIGINT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                contact_id BIGINT NULL REFERENCES contacts (id) ON DELETE CASCADE,
                assignee_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                department TEXT NULL,
                to_role TEXT NULL,
                due_at BIGINT NULL,
                status TEXT NOT NULL,
                overdue BOOLEAN NOT NULL DEFAULT FALSE,
                result TEXT NULL,
                created_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                done_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                done_at BIGINT NULL
            )"
        ),
        "CREATE INDEX ix_tasks_assignee ON tasks (assignee_id, status, due_at)".to_owned(),
        "CREATE INDEX ix_tasks_department ON tasks (department, status, due_at)".to_owned(),
        "CREATE INDEX ix_tasks_role ON tasks (to_role, status, due_at)".to_owned(),
        "CREATE INDEX ix_tasks_conversation ON tasks (conversation_id, id)".to_owned(),
        "CREATE INDEX ix_tasks_contact ON tasks (contact_id, id)".to_owned(),
        // A complaint: what was accepted, the decision and the resolution (受理、记录、上报、回访).
        "CREATE TABLE complaints (
             conversation_id BIGINT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
             accepted TEXT NOT NULL,
             accepted_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
             accepted_at BIGINT NOT NULL,
             decision TEXT NULL,
             resolution TEXT NULL,
             status TEXT NOT NULL,
             follow_up_task_id BIGINT NULL REFERENCES tasks (id) ON DELETE SET NULL,
             closed_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
             closed_at BIGINT NULL
         )"
        .to_owned(),
        format!(
            "CREATE TABLE complaint_evidence (
                id {pk},
                conversation_id BIGINT NOT NULL REFERENCES complaints (conversation_id) ON DELETE CASCADE,
                message_id BIGINT NULL REFERENCES messages (id) ON DELETE SET NULL,
                note TEXT NOT NULL,
                added_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL
            )"
        ),
        "CREATE INDEX ix_complaint_evidence ON complaint_evidence (conversation_id, id)".to_owned(),
    ]);
    for (position, (kind, key, en, zh)) in CHOICES.iter().enumerate() {
        out.push(format!(
            "INSERT INTO archive_choices (kind, key, label_en, label_zh, position) \
             VALUES ('{kind}', '{key}', '{en}', '{zh}', {position})"
        ));
    }
    out
}
