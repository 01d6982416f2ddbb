//! Migration 4: import runs, their bad rows, and saved column mappings.

use crate::db::Backend;

pub(super) fn imports(_b: Backend) -> Vec<String> {
    Vec::new()
}
