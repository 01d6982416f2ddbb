//! kefu's command line: serve, migrate, admin, token, demo, bench.

pub mod bench;
pub mod bench_archive;
pub mod cli;
pub mod config;
