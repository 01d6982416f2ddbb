//! kefu's command line: serve, migrate, admin, token, demo, import, bench.

pub mod bench;
pub mod bench_archive;
pub mod bench_import;
pub mod bench_routing;
pub mod cli;
pub mod config;
pub mod import;
