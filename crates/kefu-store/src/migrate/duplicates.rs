//! Migration 5: what the duplicates view needs (keys kept on write, dismissed pairs).

use crate::db::Backend;

pub(super) fn duplicates(_b: Backend) -> Vec<String> {
    vec![
        // Normalised keys of each live contact and organisation (phone national digits,
        // email without case/dots/+tags, name within an organisation, company name key,
        // tax and registration numbers), written with the record. `shared` is kept true
        // while another record has the same key, so listing pairs reads only those rows.
        "CREATE TABLE duplicate_keys (
             entity TEXT NOT NULL,
             entity_id BIGINT NOT NULL,
             kind TEXT NOT NULL,
             key TEXT NOT NULL,
             shared BOOLEAN NOT NULL DEFAULT FALSE,
             PRIMARY KEY (entity, kind, key, entity_id)
         )"
        .into(),
        "CREATE INDEX ix_duplicate_keys_entity ON duplicate_keys (entity, entity_id)".into(),
        "CREATE INDEX ix_duplicate_keys_shared ON duplicate_keys (entity, shared, kind, key, entity_id)"
            .into(),
        // Pairs someone said are not the same customer (first_id < second_id).
        "CREATE TABLE duplicate_dismissals (
             entity TEXT NOT NULL,
             first_id BIGINT NOT NULL,
             second_id BIGINT NOT NULL,
             dismissed_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
             created_at BIGINT NOT NULL,
             PRIMARY KEY (entity, first_id, second_id)
         )"
        .into(),
        "CREATE INDEX ix_duplicate_dismissals_second ON duplicate_dismissals (entity, second_id)"
            .into(),
    ]
}
