//! REST API v1: JSON, bearer tokens, one error envelope, cursor pagination.

pub mod after_sales;
pub mod archive;
pub mod attachments;
pub mod automation;
pub mod calendars;
pub mod contacts;
pub mod conversations;
pub mod customers;
pub mod email;
pub mod inboxes;
pub mod logistics;
pub mod me;
pub mod merge;
pub mod openapi;
pub mod orders;
pub mod organisations;
pub mod outreach;
pub mod people;
pub mod reminders;
pub mod reviews;
pub mod routing;
pub mod scripts;
pub mod sla_policies;
pub mod stores;
pub mod tickets;
pub mod transfer;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Keyset paging of id-ordered lists.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageParams {
    /// `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    /// Rows per page, 1 to 100 (default 50).
    pub limit: Option<u64>,
}

/// One page of a list; pass `next_cursor` back as `cursor` for the next page (null at the end).
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Default page size of lists.
pub const DEFAULT_LIMIT: u64 = 50;

/// The page size asked for, within 1 to 100 (default 50).
pub fn page_limit(asked: Option<u64>) -> u64 {
    asked.unwrap_or(DEFAULT_LIMIT).clamp(1, 100)
}

impl<T> Page<T> {
    /// A page of `limit` rows: a cursor only when the page is full.
    pub fn new(data: Vec<T>, limit: u64, cursor: impl Fn(&T) -> String) -> Self {
        let next_cursor = if data.len() as u64 >= limit {
            data.last().map(cursor)
        } else {
            None
        };
        Self { data, next_cursor }
    }
}
