//! kefu's command line: serve, migrate, admin, token, demo, bench.

pub mod bench;
pub mod cli;
pub mod config;
