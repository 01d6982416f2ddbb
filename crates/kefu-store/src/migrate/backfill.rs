//! Migration 6: records written before duplicate keys existed get them, through a job
//! that indexes a page at a time (scheduled only where there are records to index); and
//! a covering index for reading a batch of records' keys (without it SQLite read them
//! through the `shared` index, scanning every key of the entity: imports were quadratic).

use crate::db::Backend;

pub(super) fn duplicate_keys(_b: Backend) -> Vec<String> {
    let mut out = vec![
        "DROP INDEX ix_duplicate_keys_entity".to_owned(),
        "CREATE INDEX ix_duplicate_keys_record ON duplicate_keys (entity, entity_id, kind, key)"
            .to_owned(),
    ];
    out.extend(["contact", "organisation"]
        .into_iter()
        .map(|entity| {
            let table = format!("{entity}s");
            format!(
                "INSERT INTO jobs (kind, dedupe_key, payload, run_at, created_at)
                 SELECT 'duplicates.backfill', '{entity}:0', '{{\"entity\":\"{entity}\",\"after\":0}}', 0, 0
                 WHERE EXISTS (SELECT 1 FROM {table})"
            )
        }));
    out
}
