//! Migration 6: records written before duplicate keys existed get them, through a job
//! that indexes a page at a time (scheduled only where there are records to index).

use crate::db::Backend;

pub(super) fn duplicate_keys(_b: Backend) -> Vec<String> {
    ["contact", "organisation"]
        .into_iter()
        .map(|entity| {
            let table = format!("{entity}s");
            format!(
                "INSERT INTO jobs (kind, dedupe_key, payload, run_at, created_at)
                 SELECT 'duplicates.backfill', '{entity}:0', '{{\"entity\":\"{entity}\",\"after\":0}}', 0, 0
                 WHERE EXISTS (SELECT 1 FROM {table})"
            )
        })
        .collect()
}
