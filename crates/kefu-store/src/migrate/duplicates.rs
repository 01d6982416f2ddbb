//! Migration 5: what the duplicates view needs (keys kept on write, dismissed pairs).

use crate::db::Backend;

pub(super) fn duplicates(_b: Backend) -> Vec<String> {
    Vec::new()
}
