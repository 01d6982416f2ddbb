//! Migration 4: import runs, their bad rows, and saved column mappings.

use crate::db::Backend;

pub(super) fn imports(b: Backend) -> Vec<String> {
    let (pk, blob) = match b {
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
        Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "BYTEA"),
    };
    vec![
        // A named column → field mapping people reuse for files exported the same way.
        format!(
            "CREATE TABLE import_mappings (
                id {pk},
                entity TEXT NOT NULL,
                name TEXT NOT NULL,
                mapping TEXT NOT NULL DEFAULT '{{}}',
                created_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_import_mappings_entity ON import_mappings (entity, name)".into(),
        // One run of an import; counters move as batches commit, so any instance can
        // show progress. `created_by` is empty for imports from the command line.
        format!(
            "CREATE TABLE imports (
                id {pk},
                entity TEXT NOT NULL,
                file_name TEXT NOT NULL,
                status TEXT NOT NULL,
                total BIGINT NOT NULL DEFAULT 0,
                processed BIGINT NOT NULL DEFAULT 0,
                created BIGINT NOT NULL DEFAULT 0,
                updated BIGINT NOT NULL DEFAULT 0,
                unchanged BIGINT NOT NULL DEFAULT 0,
                failed BIGINT NOT NULL DEFAULT 0,
                headers TEXT NOT NULL DEFAULT '[]',
                mapping TEXT NOT NULL DEFAULT '{{}}',
                error TEXT NULL,
                created_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL,
                finished_at BIGINT NULL
            )"
        ),
        "CREATE INDEX ix_imports_created ON imports (created_at, id)".into(),
        format!(
            "CREATE TABLE import_errors (
                id {pk},
                import_id BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
                line BIGINT NOT NULL,
                code TEXT NOT NULL,
                reason TEXT NOT NULL,
                cells TEXT NOT NULL DEFAULT '[]'
            )"
        ),
        "CREATE INDEX ix_import_errors_import ON import_errors (import_id, line)".into(),
        // A file uploaded in the workspace, kept from upload until its import has run
        // (the mapping step may be answered by another instance).
        format!(
            "CREATE TABLE import_files (
                import_id BIGINT PRIMARY KEY REFERENCES imports (id) ON DELETE CASCADE,
                bytes {blob} NOT NULL
            )"
        ),
        // An import looks up a whole batch's phones, emails and handles by value, and
        // organisations by tax number.
        "CREATE INDEX ix_contact_identities_value ON contact_identities (value)".into(),
        "CREATE INDEX ix_organisations_tax_no ON organisations (tax_no)".into(),
    ]
}
