//! API tests: every test runs against a real server on a fresh database —
//! SQLite by default, PostgreSQL when KEFU_TEST_POSTGRES_URL is set.

mod after_sales;
mod archive;
mod attachments;
mod auth;
mod automation;
mod automation_pages;
mod choices;
mod conversation_search;
mod conversations;
mod customers;
mod email;
mod email_sending;
mod events;
mod helpers;
mod logistics;
mod macros;
mod merge;
mod openapi;
mod order_changes;
mod order_import;
mod order_panel;
mod orders;
mod outreach;
mod people;
mod reminders;
mod reviews;
mod routing;
mod scripts;
mod settings_pages;
mod sla;
mod sla_clocks;
mod tickets;
mod transfer;
mod ui;
mod widget;
