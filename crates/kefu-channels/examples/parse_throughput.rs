//! Parses the test corpus in a loop and prints mails per second; with a file argument, prints
//! what kefu reads from that one message instead.
//!
//! `cargo run -p kefu-channels --example parse_throughput` (add `--release` for real numbers)
//! `cargo run -p kefu-channels --example parse_throughput -- tests/corpus/bounce_dsn.eml`

use std::time::Instant;

use kefu_channels::email::parse;

fn main() -> std::io::Result<()> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    if let Some(path) = std::env::args().nth(1) {
        let mail = parse(&std::fs::read(path)?);
        println!("{mail:#?}");
        return Ok(());
    }
    let mut messages = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "eml") {
            messages.push(std::fs::read(path)?);
        }
    }
    let rounds = 20;
    let started = Instant::now();
    let mut bytes = 0usize;
    for _ in 0..rounds {
        for raw in &messages {
            bytes += parse(raw).text.len();
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let mails = (rounds * messages.len()) as f64;
    println!(
        "{mails} mails in {seconds:.2} s: {:.0} mails/s ({bytes} bytes of text)",
        mails / seconds
    );
    Ok(())
}
