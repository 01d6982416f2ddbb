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
    // Contacts carry their organisation's member level and source channel, kept by the
    // database itself, so "contacts of trading members, newest first" walks one index
    // instead of every contact of every such organisation.
    out.extend([
        "ALTER TABLE contacts ADD COLUMN member_level TEXT NULL".into(),
        "ALTER TABLE contacts ADD COLUMN source_channel TEXT NULL".into(),
        "UPDATE contacts SET \
             member_level = (SELECT o.member_level FROM organisations o WHERE o.id = contacts.organisation_id), \
             source_channel = (SELECT o.source_channel FROM organisations o WHERE o.id = contacts.organisation_id)"
            .into(),
        "CREATE INDEX ix_contacts_member_level ON contacts (member_level, id)".into(),
        "CREATE INDEX ix_contacts_source_channel ON contacts (source_channel, id)".into(),
    ]);
    let copy = "member_level = (SELECT o.member_level FROM organisations o WHERE o.id = NEW.organisation_id), \
                source_channel = (SELECT o.source_channel FROM organisations o WHERE o.id = NEW.organisation_id)";
    let spread = "UPDATE contacts SET member_level = NEW.member_level, source_channel = NEW.source_channel \
                  WHERE organisation_id = NEW.id";
    match b {
        Backend::Sqlite => out.extend([
            format!(
                "CREATE TRIGGER contacts_org_insert AFTER INSERT ON contacts \
                 WHEN NEW.organisation_id IS NOT NULL BEGIN UPDATE contacts SET {copy} WHERE id = NEW.id; END"
            ),
            format!(
                "CREATE TRIGGER contacts_org_update AFTER UPDATE OF organisation_id ON contacts \
                 BEGIN UPDATE contacts SET {copy} WHERE id = NEW.id; END"
            ),
            format!(
                "CREATE TRIGGER organisations_level_update AFTER UPDATE OF member_level, source_channel \
                 ON organisations BEGIN {spread}; END"
            ),
        ]),
        Backend::Postgres => out.extend([
            "CREATE FUNCTION kefu_contact_org_fields() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 SELECT o.member_level, o.source_channel INTO NEW.member_level, NEW.source_channel \
                 FROM organisations o WHERE o.id = NEW.organisation_id; \
                 IF NEW.organisation_id IS NULL THEN NEW.member_level := NULL; NEW.source_channel := NULL; END IF; \
                 RETURN NEW; END $$"
                .into(),
            "CREATE TRIGGER contacts_org_fields BEFORE INSERT OR UPDATE OF organisation_id ON contacts \
             FOR EACH ROW EXECUTE FUNCTION kefu_contact_org_fields()"
                .into(),
            format!(
                "CREATE FUNCTION kefu_organisation_spread() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.member_level IS DISTINCT FROM OLD.member_level \
                    OR NEW.source_channel IS DISTINCT FROM OLD.source_channel THEN {spread}; END IF; \
                 RETURN NEW; END $$"
            ),
            "CREATE TRIGGER organisations_spread AFTER UPDATE OF member_level, source_channel ON organisations \
             FOR EACH ROW EXECUTE FUNCTION kefu_organisation_spread()"
                .into(),
        ]),
    }
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
