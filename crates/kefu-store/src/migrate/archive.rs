//! Migration 2: the customer archive — organisations, richer contacts, tags, configurable
//! choices, custom field definitions and the search index.

use crate::db::Backend;

const CHOICES: &[(&str, &str, &str, &str)] = &[
    ("member_level", "registered", "Registered", "注册会员"),
    ("member_level", "trading", "Trading member", "交易会员"),
    ("member_level", "microsite", "Microsite member", "微站会员"),
    ("source_channel", "qq_group", "QQ group", "QQ群"),
    ("source_channel", "wechat", "WeChat", "微信"),
    ("source_channel", "alibaba", "Alibaba", "阿里巴巴"),
    ("source_channel", "phone", "Phone", "电话"),
    ("source_channel", "website", "Website", "网站"),
    ("source_channel", "exhibition", "Exhibition", "展会"),
    ("source_channel", "other", "Other", "其他"),
];

pub(super) fn archive(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    let mut out: Vec<String> = vec![
        format!(
            "CREATE TABLE organisations (
                id {pk},
                name TEXT NOT NULL,
                name_key TEXT NOT NULL,
                registration_no TEXT NULL,
                tax_no TEXT NULL,
                address TEXT NULL,
                country TEXT NULL,
                products TEXT NOT NULL DEFAULT '[]',
                member_level TEXT NULL,
                source_channel TEXT NULL,
                owner_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                tags TEXT NOT NULL DEFAULT '[]',
                notes TEXT NULL,
                custom TEXT NOT NULL DEFAULT '{{}}',
                search_tokens TEXT NOT NULL DEFAULT '',
                merged_into BIGINT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )"
        ),
        "CREATE INDEX ix_organisations_name_key ON organisations (name_key)".into(),
        "CREATE INDEX ix_organisations_level ON organisations (member_level, id)".into(),
        "CREATE INDEX ix_organisations_source ON organisations (source_channel, id)".into(),
        "CREATE INDEX ix_organisations_owner ON organisations (owner_id, id)".into(),
        "CREATE INDEX ix_organisations_country ON organisations (country, id)".into(),
    ];
    for column in [
        "title TEXT NULL",
        "organisation_id BIGINT NULL REFERENCES organisations (id) ON DELETE SET NULL",
        "owner_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL",
        "tags TEXT NOT NULL DEFAULT '[]'",
        "custom TEXT NOT NULL DEFAULT '{}'",
        "consent_call BOOLEAN NOT NULL DEFAULT FALSE",
        "consent_message BOOLEAN NOT NULL DEFAULT FALSE",
        "consent_email BOOLEAN NOT NULL DEFAULT FALSE",
        "search_tokens TEXT NOT NULL DEFAULT ''",
        "merged_into BIGINT NULL",
        "erased_at BIGINT NULL",
    ] {
        out.push(format!("ALTER TABLE contacts ADD COLUMN {column}"));
    }
    out.extend([
        "CREATE INDEX ix_contacts_organisation ON contacts (organisation_id, id)".into(),
        "CREATE INDEX ix_contacts_owner ON contacts (owner_id, id)".into(),
        "CREATE INDEX ix_contacts_country ON contacts (country, id)".into(),
        "ALTER TABLE contact_identities ADD COLUMN label TEXT NULL".into(),
        // Foundation contacts kept one email and one phone on the row; they become identities.
        "INSERT INTO contact_identities (contact_id, kind, value, created_at)
             SELECT id, 'email', email, created_at FROM contacts WHERE email IS NOT NULL
             ON CONFLICT DO NOTHING"
            .into(),
        "INSERT INTO contact_identities (contact_id, kind, value, created_at)
             SELECT id, 'phone', phone, created_at FROM contacts WHERE phone IS NOT NULL
             ON CONFLICT DO NOTHING"
            .into(),
        // Tags as rows, for filtering; the entity's row keeps them for display.
        "CREATE TABLE entity_tags (
             entity TEXT NOT NULL,
             entity_id BIGINT NOT NULL,
             tag TEXT NOT NULL,
             PRIMARY KEY (entity, tag, entity_id)
         )"
        .into(),
        "CREATE INDEX ix_entity_tags_entity ON entity_tags (entity, entity_id)".into(),
        format!(
            "CREATE TABLE archive_choices (
                id {pk},
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                label_en TEXT NOT NULL,
                label_zh TEXT NOT NULL,
                position BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_archive_choices_kind ON archive_choices (kind, key)".into(),
        format!(
            "CREATE TABLE custom_fields (
                id {pk},
                entity TEXT NOT NULL,
                key TEXT NOT NULL,
                label_en TEXT NOT NULL,
                label_zh TEXT NOT NULL,
                kind TEXT NOT NULL,
                options TEXT NOT NULL DEFAULT '[]',
                position BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_custom_fields_entity ON custom_fields (entity, key)".into(),
    ]);
    for (position, (kind, key, en, zh)) in CHOICES.iter().enumerate() {
        out.push(format!(
            "INSERT INTO archive_choices (kind, key, label_en, label_zh, position) \
             VALUES ('{kind}', '{key}', '{en}', '{zh}', {position})"
        ));
    }
    out.extend(search_index(b, "contacts"));
    out.extend(search_index(b, "organisations"));
    out
}

/// The full-text index over a table's `search_tokens` (space-separated tokens built by
/// the application). SQLite: an FTS5 table kept by triggers. PostgreSQL: the column read
/// as a `tsvector` literal, so tokens are taken as they are, with a GIN index.
pub(super) fn search_index(b: Backend, table: &str) -> Vec<String> {
    match b {
        Backend::Sqlite => vec![
            format!(
                "CREATE VIRTUAL TABLE {table}_fts USING fts5(search_tokens, content='{table}', \
                 content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
            ),
            format!(
                "CREATE TRIGGER {table}_fts_insert AFTER INSERT ON {table} BEGIN \
                 INSERT INTO {table}_fts (rowid, search_tokens) VALUES (new.id, new.search_tokens); END"
            ),
            format!(
                "CREATE TRIGGER {table}_fts_delete AFTER DELETE ON {table} BEGIN \
                 INSERT INTO {table}_fts ({table}_fts, rowid, search_tokens) \
                 VALUES ('delete', old.id, old.search_tokens); END"
            ),
            format!(
                "CREATE TRIGGER {table}_fts_update AFTER UPDATE OF search_tokens ON {table} BEGIN \
                 INSERT INTO {table}_fts ({table}_fts, rowid, search_tokens) \
                 VALUES ('delete', old.id, old.search_tokens); \
                 INSERT INTO {table}_fts (rowid, search_tokens) VALUES (new.id, new.search_tokens); END"
            ),
            format!("INSERT INTO {table}_fts ({table}_fts) VALUES ('rebuild')"),
        ],
        Backend::Postgres => vec![format!(
            "CREATE INDEX ix_{table}_search ON {table} USING gin ((search_tokens::tsvector))"
        )],
    }
}
