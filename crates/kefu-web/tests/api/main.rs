//! API tests: every test runs against a real server on a fresh database —
//! SQLite by default, PostgreSQL when KEFU_TEST_POSTGRES_URL is set.

mod archive;
mod auth;
mod conversations;
mod customers;
mod events;
mod helpers;
mod merge;
mod openapi;
mod people;
mod routing;
mod transfer;
mod ui;
mod widget;
