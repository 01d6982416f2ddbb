//! `kefu bench`: the message write path and the agent event stream, measured.
//!
//! Starts a real `kefu serve` process on a fresh SQLite database, posts widget
//! messages over HTTP from concurrent visitors, and reads an agent's event stream
//! to time each message from post to arrival. Then measures this machine's raw
//! SQLite durable insert rate for a comparable row with the same settings.

use clap::Args;
use futures_util::StreamExt;
use kefu_app::{App, AppConfig};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Messages posted in the throughput phase.
    #[arg(long, default_value_t = 20_000)]
    pub messages: usize,
    /// Concurrent visitors posting in the throughput phase.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Messages per second in the latency phase.
    #[arg(long, default_value_t = 1_000)]
    pub rate: u64,
    /// Seconds of the latency phase.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Seconds of the raw SQLite insert measurement.
    #[arg(long, default_value_t = 5)]
    pub raw_seconds: u64,
}

type Sent = Arc<Mutex<HashMap<String, Instant>>>;

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("kefu-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (token, widget) = prepare(&dir).await?;
    let port = free_port()?;
    let mut server = std::process::Command::new(std::env::current_exe()?)
        .arg("serve")
        .env("KEFU_DATA_DIR", &dir)
        .env("KEFU_BIND", format!("127.0.0.1:{port}"))
        .env("KEFU_LOG", "warn")
        .env_remove("KEFU_DATABASE_URL")
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let result = measure(&args, &base, &token, &widget, server.id(), &dir).await;
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn prepare(dir: &Path) -> anyhow::Result<(String, String)> {
    let db = kefu_store::Db::open_sqlite(&dir.join("kefu.sqlite3")).await?;
    db.migrate().await?;
    let app = App::start(
        db,
        AppConfig {
            password_cost: kefu_app::PasswordCost::Fast,
            ..Default::default()
        },
    )
    .await?;
    let err = |e: kefu_app::AppError| anyhow::anyhow!("{e}");
    let user = kefu_app::users::insert_user(
        &app,
        &kefu_app::users::CreateUser {
            email: "bench@kefu.test",
            name: "Bench",
            role: "admin",
            password: "bench-password",
            locale: None,
        },
    )
    .await
    .map_err(err)?;
    let (token, _) = kefu_app::auth::create_token(&app, user.id, "bench")
        .await
        .map_err(err)?;
    let actor = kefu_app::Actor {
        user_id: user.id,
        name: user.name,
        email: user.email,
        role: kefu_domain::Role::Admin,
        locale: kefu_domain::UiLocale::En,
    };
    let inbox = kefu_app::inboxes::create_inbox(
        &app,
        &actor,
        "widget",
        &kefu_app::inboxes::InboxInput {
            name: "Bench shop",
            greeting: None,
            auto_reply: None,
            team_id: None,
            shop_name: None,
        },
    )
    .await
    .map_err(err)?;
    app.hub.stop();
    app.db.close().await;
    Ok((token, inbox.widget_token))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn measure(
    args: &BenchArgs,
    base: &str,
    token: &str,
    widget: &str,
    pid: u32,
    dir: &Path,
) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency + 4)
        .build()?;
    for _ in 0..100 {
        if http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let visitors = start_visitors(&http, base, widget, args.concurrency).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = rss_kib(pid, "VmRSS:");

    let sent: Sent = Arc::default();
    let arrivals = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let stream = tokio::spawn(follow_stream(
        http.clone(),
        format!("{base}/api/v1/events/stream"),
        token.to_owned(),
        Arc::clone(&sent),
        Arc::clone(&arrivals),
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Phase 1: throughput, all visitors posting as fast as they can.
    let start = Instant::now();
    let per = args.messages / args.concurrency.max(1);
    let mut tasks = Vec::new();
    for (i, v) in visitors.iter().enumerate() {
        let (http, base, widget, v, sent) = (
            http.clone(),
            base.to_owned(),
            widget.to_owned(),
            v.clone(),
            Arc::clone(&sent),
        );
        tasks.push(tokio::spawn(async move {
            for j in 0..per {
                post(&http, &base, &widget, &v, &format!("t{i}-{j}"), &sent).await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let elapsed = start.elapsed();
    let posted = per * visitors.len();
    let throughput = posted as f64 / elapsed.as_secs_f64();
    wait_drained(&sent).await;
    let load_peak = rss_kib(pid, "VmHWM:");
    let phase1 = take(&arrivals);

    // Phase 2: latency at a fixed rate.
    let total = (args.rate * args.seconds) as usize;
    let interval = Duration::from_secs_f64(1.0 / args.rate as f64);
    let start = Instant::now();
    let mut handles = Vec::with_capacity(total);
    for n in 0..total {
        let due = start + interval * n as u32;
        tokio::time::sleep_until(due.into()).await;
        let v = visitors[n % visitors.len()].clone();
        let (http, base, widget, sent) = (
            http.clone(),
            base.to_owned(),
            widget.to_owned(),
            Arc::clone(&sent),
        );
        handles.push(tokio::spawn(async move {
            let at = Instant::now();
            post(&http, &base, &widget, &v, &format!("r{n}"), &sent).await?;
            anyhow::Ok(at.elapsed())
        }));
    }
    let mut answered = Vec::with_capacity(total);
    for h in handles {
        answered.push(h.await??);
    }
    answered.sort();
    let achieved = total as f64 / start.elapsed().as_secs_f64();
    wait_drained(&sent).await;
    let rate_rss = rss_kib(pid, "VmRSS:");
    let phase2 = take(&arrivals);
    stream.abort();

    let raw_for = Duration::from_secs(args.raw_seconds);
    let raw = raw_insert_rate(&dir.join("raw.sqlite3"), "FULL", raw_for)?;
    let raw_unsynced = raw_insert_rate(&dir.join("raw-normal.sqlite3"), "NORMAL", raw_for)?;

    println!("kefu bench — SQLite, widget write path, one agent event stream");
    println!(
        "  throughput: {posted} messages from {} visitors in {:.2} s = {throughput:.0} messages/s",
        visitors.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "    post → agent stream at full load: p50 {} p99 {}",
        pct(&phase1, 50.0),
        pct(&phase1, 99.0)
    );
    println!(
        "  latency at {} messages/s for {} s (achieved {achieved:.0}/s): p50 {} p99 {} (n={})",
        args.rate,
        args.seconds,
        pct(&phase2, 50.0),
        pct(&phase2, 99.0),
        phase2.len()
    );
    println!(
        "    post answered (HTTP round trip, message committed): p50 {} p99 {}",
        pct(&answered, 50.0),
        pct(&answered, 99.0)
    );
    println!(
        "  raw SQLite durable insert (WAL, synchronous=FULL as kefu, one row per transaction): {raw:.0} rows/s"
    );
    println!("  ratio kefu / raw durable: {:.2}", throughput / raw);
    println!(
        "  for comparison, raw SQLite insert without a sync per commit (synchronous=NORMAL): {raw_unsynced:.0} rows/s, kefu / that: {:.2}",
        throughput / raw_unsynced
    );
    println!(
        "  server memory: idle {} MiB, peak under load {} MiB, after {} messages/s phase {} MiB",
        idle_rss / 1024,
        load_peak / 1024,
        args.rate,
        rate_rss / 1024
    );
    Ok(())
}

fn take(v: &Mutex<Vec<Duration>>) -> Vec<Duration> {
    let mut v = std::mem::take(&mut *v.lock().unwrap_or_else(|e| e.into_inner()));
    v.sort();
    v
}

fn pct(sorted: &[Duration], p: f64) -> String {
    if sorted.is_empty() {
        return "n/a".into();
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    format!("{:.2} ms", sorted[i].as_secs_f64() * 1000.0)
}

async fn wait_drained(sent: &Sent) {
    for _ in 0..200 {
        if sent.lock().map(|m| m.is_empty()).unwrap_or(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "warning: {} messages never arrived on the stream",
        sent.lock().map(|m| m.len()).unwrap_or(0)
    );
}

async fn start_visitors(
    http: &reqwest::Client,
    base: &str,
    widget: &str,
    n: usize,
) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for _ in 0..n {
        let r: serde_json::Value = http
            .post(format!("{base}/widget/v1/sessions"))
            .json(&serde_json::json!({ "widget_token": widget, "locale": "en" }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        out.push(r["visitor_token"].as_str().unwrap_or_default().to_owned());
    }
    Ok(out)
}

async fn post(
    http: &reqwest::Client,
    base: &str,
    widget: &str,
    visitor: &str,
    client_id: &str,
    sent: &Sent,
) -> anyhow::Result<()> {
    sent.lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .insert(client_id.to_owned(), Instant::now());
    let res = http
        .post(format!("{base}/widget/v1/messages"))
        .header("x-kefu-widget", widget)
        .header("x-kefu-visitor", visitor)
        .json(&serde_json::json!({ "body": "你好，请问这件衣服有 M 码吗？ Do you have size M?", "client_id": client_id }))
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "post failed: {}", res.status());
    Ok(())
}

/// Reads the agent event stream and records post → arrival for every message.
async fn follow_stream(
    http: reqwest::Client,
    url: String,
    token: String,
    sent: Sent,
    arrivals: Arc<Mutex<Vec<Duration>>>,
) -> anyhow::Result<()> {
    let res = http
        .get(url)
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?;
    let mut body = res.bytes_stream();
    let mut buf = String::new();
    while let Some(chunk) = body.next().await {
        buf.push_str(&String::from_utf8_lossy(&chunk?));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data:")) else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(data.trim()) else {
                continue;
            };
            if let Some(client_id) = v["message"]["client_id"].as_str()
                && let Some(at) = sent.lock().ok().and_then(|mut m| m.remove(client_id))
            {
                let mut arrivals = arrivals.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
                arrivals.push(at.elapsed());
            }
        }
    }
    Ok(())
}

/// This machine's insert rate for a row shaped like a message, with kefu's SQLite
/// settings and library (rusqlite, a cached prepared statement), one row per
/// transaction from one connection, on the calling thread: SQLite with nothing around it.
fn raw_insert_rate(path: &Path, synchronous: &str, duration: Duration) -> anyhow::Result<f64> {
    let conn = kefu_store::open_sqlite_writer(path, synchronous)?;
    conn.execute_batch(
        "CREATE TABLE m (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id BIGINT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, author_contact_id BIGINT, client_id TEXT, created_at BIGINT NOT NULL);
         CREATE INDEX m_conv ON m (conversation_id, id); CREATE UNIQUE INDEX m_client ON m (conversation_id, client_id);",
    )?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO m (conversation_id, kind, body, author_contact_id, client_id, created_at) VALUES (?, 'incoming', ?, ?, ?, ?)",
    )?;
    let start = Instant::now();
    let mut n: i64 = 0;
    while start.elapsed() < duration {
        insert.execute(rusqlite::params![
            n % 32,
            "你好，请问这件衣服有 M 码吗？ Do you have size M?",
            n % 32,
            format!("raw-{n}"),
            n
        ])?;
        n += 1;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}
