//! kefu's command line: serve, migrate, admin, token, demo, import, bench.

pub mod bench;
pub mod bench_archive;
pub mod bench_email;
pub mod bench_import;
pub mod bench_orders;
pub mod bench_routing;
pub mod bench_search;
pub mod bench_sla;
pub mod cli;
pub mod config;
pub mod import;
