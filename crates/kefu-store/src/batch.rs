//! Batched reads and writes: bounded `IN (…)` lists and multi-row inserts, so work on
//! thousands of records takes a few round trips without hitting parameter limits.

use crate::{StoreResult, Tx};
use sea_query::SelectStatement;

/// Most values in one `IN (…)` list or rows in one multi-row `INSERT`.
pub(crate) const CHUNK: usize = 500;

/// Runs `query` over `keys` a chunk at a time and joins the rows.
pub(crate) async fn fetch_in_chunks<K, T: crate::Record>(
    tx: &mut Tx,
    keys: &[K],
    query: impl Fn(&[K]) -> SelectStatement,
) -> StoreResult<Vec<T>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        out.extend(tx.fetch_all::<T>(&query(chunk)).await?);
    }
    Ok(out)
}
