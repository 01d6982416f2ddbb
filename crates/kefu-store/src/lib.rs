//! kefu's storage: one code path over SQLite and PostgreSQL.
//!
//! Queries are built once with sea-query and run on whichever pool [`Db`] holds.
//! Times are UTC milliseconds (`BIGINT`), ids are 64-bit integers, JSON is text:
//! types both databases store the same way.

pub mod after_sales;
pub mod attachments;
pub mod audit;
pub mod automation;
mod batch;
pub mod calendars;
pub mod complaints;
pub mod contacts;
pub mod conversations;
mod db;
pub mod email;
pub mod erasure;
pub mod events;
pub mod fields;
pub mod imports;
pub mod inboxes;
pub mod jobs;
mod json;
pub mod logistics;
pub mod merge;
pub mod message_search;
pub mod messages;
mod migrate;
pub mod order_changes;
pub mod orders;
pub mod organisations;
pub mod outreach;
pub mod reminders;
pub mod reviews;
pub mod routing;
pub mod schema;
pub mod scripts;
pub mod search;
pub mod sessions;
pub mod shipments;
pub mod sla_clocks;
pub mod sla_policies;
pub mod store_settings;
pub mod stores;
pub mod tasks;
pub mod teams;
pub mod tickets;
pub mod timeline;
pub mod tokens;
pub mod users;
mod writer;

pub use db::{Backend, Db, Record, StoreError, StoreResult, Tx, WriterRow};
pub use json::JsonText;
pub use migrate::MIGRATIONS;
pub use writer::open_connection as open_sqlite_writer;
