//! Reviews with their call-backs (中差评回访), the weekly counts of call-back reasons,
//! review requests, outreach to abandoned carts and silent inquirers, each store's
//! follow-up settings, and tasks held by a team.

use crate::db::Backend;

/// (list, key, English, Chinese): why a buyer left a medium or bad review, and how
/// the call-back ended. Admins extend both lists (`POST /api/v1/choices/{kind}`).
const CHOICES: &[(&str, &str, &str, &str)] = &[
    ("review_reason", "logistics_slow", "Slow delivery", "物流慢"),
    (
        "review_reason",
        "damaged_in_transit",
        "Damaged in transit",
        "运输破损",
    ),
    ("review_reason", "quality", "Quality problem", "质量问题"),
    (
        "review_reason",
        "not_as_described",
        "Not as described",
        "与描述不符",
    ),
    (
        "review_reason",
        "wrong_item",
        "Wrong or missing item",
        "错发漏发",
    ),
    ("review_reason", "size_fit", "Size or fit", "尺码不合适"),
    ("review_reason", "attitude", "Service attitude", "服务态度"),
    ("review_reason", "price", "Price", "价格"),
    ("review_reason", "malicious", "Malicious review", "恶意差评"),
    ("review_reason", "other", "Other", "其他"),
    (
        "review_outcome",
        "revised",
        "Buyer revised the review",
        "买家已修改评价",
    ),
    ("review_outcome", "compensated", "Compensated", "已补偿"),
    (
        "review_outcome",
        "explained",
        "Explained, review stays",
        "已解释，评价未改",
    ),
    ("review_outcome", "no_answer", "No answer", "未接通"),
    ("review_outcome", "refused", "Refused to talk", "拒绝沟通"),
    (
        "review_outcome",
        "reported",
        "Reported to the marketplace",
        "已向平台投诉",
    ),
];

pub(super) fn reviews(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    let mut out = vec![
        // A task may be held by a team (a store's service team) rather than a person.
        "ALTER TABLE tasks ADD COLUMN team_id BIGINT NULL REFERENCES teams (id) ON DELETE SET NULL"
            .to_owned(),
        "CREATE INDEX ix_tasks_team ON tasks (team_id, status, due_at)".to_owned(),
        // Per store: who calls back and reaches out (else supervisors), where the review
        // classes start, how long a call-back may take, and the current offer script.
        "CREATE TABLE store_follow_up_settings (
             store_id BIGINT PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
             team_id BIGINT NULL REFERENCES teams (id) ON DELETE SET NULL,
             good_from BIGINT NOT NULL,
             bad_to BIGINT NOT NULL,
             callback_hours BIGINT NOT NULL,
             offer_script_id BIGINT NULL REFERENCES scripts (id) ON DELETE SET NULL,
             updated_at BIGINT NOT NULL
         )"
        .to_owned(),
        // A review of an order, idempotent by store, order and the source's own id ('' when
        // the source has none: one review per order). `class` is worked out when it arrives;
        // the call-back's answers are kept on the review (its task says who and when).
        // `week` is the ISO week of `reviewed_at` in the store's time zone.
        format!(
            "CREATE TABLE reviews (
                id {pk},
                store_id BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
                order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
                contact_id BIGINT NULL REFERENCES contacts (id) ON DELETE SET NULL,
                source_id TEXT NOT NULL,
                rating BIGINT NOT NULL,
                class TEXT NOT NULL,
                body TEXT NULL,
                images TEXT NOT NULL,
                reviewed_at BIGINT NOT NULL,
                week TEXT NOT NULL,
                callback_task_id BIGINT NULL REFERENCES tasks (id) ON DELETE SET NULL,
                callback_reason TEXT NULL,
                callback_outcome TEXT NULL,
                callback_reply TEXT NULL,
                callback_note TEXT NULL,
                callback_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                callback_at BIGINT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_reviews_source ON reviews (store_id, order_id, source_id)"
            .to_owned(),
        "CREATE INDEX ix_reviews_store ON reviews (store_id, id)".to_owned(),
        "CREATE INDEX ix_reviews_order ON reviews (order_id, id)".to_owned(),
        "CREATE INDEX ix_reviews_task ON reviews (callback_task_id)".to_owned(),
        // Call-back reasons counted per store and week as call-backs are recorded, so the
        // weekly summary reads a handful of rows.
        "CREATE TABLE review_reason_counts (
             store_id BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
             week TEXT NOT NULL,
             reason TEXT NOT NULL,
             count BIGINT NOT NULL,
             PRIMARY KEY (store_id, week, reason)
         )"
        .to_owned(),
        // A store asked the buyer for a review: once per order, never before delivery.
        format!(
            "CREATE TABLE review_requests (
                id {pk},
                order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
                channel TEXT NULL,
                requested_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                requested_at BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_review_requests_order ON review_requests (order_id)".to_owned(),
        // A cart left or an inquiry without an order: `pending` with its task, `skipped`
        // (no consent) with the reason, or `converted` by a later order of the buyer.
        format!(
            "CREATE TABLE outreach (
                id {pk},
                store_id BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                source_id TEXT NULL,
                contact_id BIGINT NULL REFERENCES contacts (id) ON DELETE SET NULL,
                items TEXT NOT NULL,
                value BIGINT NULL,
                currency TEXT NOT NULL,
                occurred_at BIGINT NOT NULL,
                status TEXT NOT NULL,
                skip_reason TEXT NULL,
                task_id BIGINT NULL REFERENCES tasks (id) ON DELETE SET NULL,
                offer_script_id BIGINT NULL REFERENCES scripts (id) ON DELETE SET NULL,
                offer_text TEXT NULL,
                order_id BIGINT NULL REFERENCES orders (id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_outreach_source ON outreach (store_id, kind, source_id) \
         WHERE source_id IS NOT NULL"
            .to_owned(),
        "CREATE INDEX ix_outreach_contact ON outreach (contact_id, status)".to_owned(),
        "CREATE INDEX ix_outreach_store ON outreach (store_id, id)".to_owned(),
    ];
    for (position, (kind, key, en, zh)) in CHOICES.iter().enumerate() {
        out.push(format!(
            "INSERT INTO archive_choices (kind, key, label_en, label_zh, position) \
             VALUES ('{kind}', '{key}', '{en}', '{zh}', {position})"
        ));
    }
    out
}
