//! API tests: every test runs against a real server on a fresh database —
//! SQLite by default, PostgreSQL when KEFU_TEST_POSTGRES_URL is set.

mod archive;
mod auth;
mod automation;
mod conversations;
mod customers;
mod events;
mod helpers;
mod merge;
mod openapi;
mod people;
mod routing;
mod scripts;
mod sla;
mod sla_clocks;
mod tickets;
mod transfer;
mod ui;
mod widget;
