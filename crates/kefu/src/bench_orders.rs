//! `kefu bench orders`: order upserts per second through the HTTP API, and the reads of
//! the order panel beside a conversation for a customer with 500 orders.
//!
//! Posts generated orders (two items each, buyers by phone, a tenth of them repeat
//! buyers) in batches of 1,000 to `POST /api/v1/stores/{id}/orders/batch`, two batches
//! at a time; then the same batches again, which must change nothing; then times the
//! panel's reads (the five latest orders, and the order and tracking numbers 20 messages
//! mention) for one buyer holding 500 orders, and the whole conversation page with that
//! panel over HTTP.

use crate::bench_archive::{fresh_database, percentile};
use clap::Args;
use kefu_app::orders::stores::StoreInput;
use kefu_app::{Actor, App, AppConfig, PasswordCost};
use kefu_domain::{Role, UiLocale};
use sea_query::ExprTrait;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Args, Debug, Clone)]
pub struct OrdersBenchArgs {
    /// Orders to upsert.
    #[arg(long, default_value_t = 50_000)]
    pub orders: usize,
    /// Timed panel reads.
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// Run on PostgreSQL: a server URL (a database `kefu_bench_orders` is made afresh there).
    #[arg(long)]
    pub postgres: Option<String>,
    /// Where the SQLite database is made (afresh on every run).
    #[arg(long, default_value = "kefu-bench-orders")]
    pub dir: PathBuf,
}

const BATCH: usize = 1_000;

fn order(n: usize, buyer: usize) -> Value {
    json!({
        "order_number": format!("2026112{n:08}"),
        "buyer": { "name": format!("买家{buyer}"), "phone": format!("+86138{buyer:08}") },
        "payment_state": if n.is_multiple_of(3) { "unpaid" } else { "paid" },
        "items": [
            { "sku": format!("SKU-{}", n % 500), "name": "蓝牙耳机", "spec": "颜色:黑色", "quantity": 1, "unit_price_minor": 19_900 },
            { "sku": "CASE-1", "name": "保护套", "quantity": 2, "unit_price_minor": 2_500 }
        ],
        "shipping_fee_minor": 800,
        "address": { "recipient": format!("买家{buyer}"), "phone": format!("+86138{buyer:08}"),
                     "country": "CN", "province": "广东省", "city": "深圳市", "line": "南山区科技园 1 号" },
        "placed_at": "2026-11-23T10:00:00+08:00",
    })
}

/// Posts every batch, two at a time; returns the wall time and each batch's report.
async fn post_all(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    batches: &[Value],
) -> anyhow::Result<(Duration, Vec<Value>)> {
    let started = Instant::now();
    let mut reports = Vec::new();
    for pair in batches.chunks(2) {
        let sends = pair.iter().map(|b| async move {
            http.post(url)
                .bearer_auth(token)
                .json(b)
                .send()
                .await?
                .error_for_status()?
                .json::<Value>()
                .await
        });
        for r in futures_util::future::join_all(sends).await {
            reports.push(r?);
        }
    }
    Ok((started.elapsed(), reports))
}

fn count(reports: &[Value], field: &str) -> u64 {
    reports.iter().map(|r| r[field].as_u64().unwrap_or(0)).sum()
}

pub async fn run(args: OrdersBenchArgs) -> anyhow::Result<()> {
    let db = fresh_database(args.postgres.as_deref(), "kefu_bench_orders", &args.dir).await?;
    let config = AppConfig {
        password_cost: PasswordCost::Fast,
        ..Default::default()
    };
    let app = App::start(db.clone(), config).await?;
    let admin =
        crate::bench_routing::bench_staff(&app, "bench@kefu.test", "Bench", "admin").await?;
    let actor = Actor {
        user_id: admin,
        name: "Bench".into(),
        email: "bench@kefu.test".into(),
        role: Role::Admin,
        locale: UiLocale::En,
    };
    let (token, _) = kefu_app::auth::create_token(&app, admin, "bench")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = kefu_app::orders::stores::create_store(
        &app,
        &actor,
        &StoreInput {
            name: "星辰数码旗舰店".into(),
            kind: "shop".into(),
            currency: Some("CNY".into()),
            time_zone: Some("Asia/Shanghai".into()),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(kefu_web::serve(
        app.clone(),
        kefu_web::WebConfig::default(),
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    let result = measure(&app, &actor, &args, &base, &token, store.id).await;
    let _ = stop.send(());
    let _ = server.await;
    app.hub.stop();
    result
}

async fn measure(
    app: &App,
    actor: &Actor,
    args: &OrdersBenchArgs,
    base: &str,
    token: &str,
    store: i64,
) -> anyhow::Result<()> {
    // Buyer 0 holds 500 orders (the panel's customer); the rest spread over many buyers.
    let buyers = (args.orders / 10).max(1);
    let all: Vec<Value> = (0..args.orders)
        .map(|n| order(n, if n < 500 { 0 } else { 1 + n % buyers }))
        .collect();
    let batches: Vec<Value> = all.chunks(BATCH).map(|c| json!({ "orders": c })).collect();
    let http = reqwest::Client::new();
    let url = format!("{base}/api/v1/stores/{store}/orders/batch");
    println!(
        "\n{} — {} orders in batches of {BATCH}, two requests at a time\n",
        match app.db.backend() {
            kefu_store::Backend::Sqlite => "SQLite",
            kefu_store::Backend::Postgres => "PostgreSQL",
        },
        args.orders
    );
    println!("| case | orders/s | created | unchanged |");
    println!("|---|---|---|---|");
    for label in ["new orders", "the same batches again"] {
        let (took, reports) = post_all(&http, &url, token, &batches).await?;
        anyhow::ensure!(count(&reports, "failed") == 0, "rows failed: {reports:?}");
        println!(
            "| {label} | {:.0} | {} | {} |",
            args.orders as f64 / took.as_secs_f64(),
            count(&reports, "created"),
            count(&reports, "unchanged")
        );
    }

    let buyer = kefu_store::contacts::contact_for_identity(&app.db, "phone", "+8613800000000")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the panel's buyer was not created"))?;
    let texts: Vec<String> = (0..20)
        .map(|i| format!("你好，订单 2026112{:08} 什么时候发货？", i * 25))
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut times = Vec::with_capacity(args.samples);
    for _ in 0..args.samples {
        let t = Instant::now();
        let recent = kefu_app::orders::view::recent_orders(app, actor, buyer)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let links = kefu_app::orders::view::recognise_numbers(app, buyer, &texts)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        times.push(t.elapsed());
        anyhow::ensure!(
            recent.len() == 5 && links.len() == 20,
            "panel reads came back wrong"
        );
    }
    println!(
        "\norder panel reads for a customer with 500 orders (5 latest + 20 numbers mentioned): p50 {:.2} ms, p95 {:.2} ms (target p95 ≤ 20 ms)",
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.95)
    );
    let mut pages = page_times(app, base, buyer, &texts, args.samples).await?;
    println!(
        "the whole conversation page with that panel, over HTTP: p50 {:.2} ms, p95 {:.2} ms",
        percentile(&mut pages, 0.5),
        percentile(&mut pages, 0.95)
    );
    Ok(())
}

/// Times `GET /app/conversations/{id}` — the thread, the ticket panel and the order panel,
/// rendered — for a conversation of the buyer with 500 orders whose 20 messages mention
/// order numbers, signed in as an agent.
async fn page_times(
    app: &App,
    base: &str,
    buyer: i64,
    texts: &[&str],
    samples: usize,
) -> anyhow::Result<Vec<Duration>> {
    let inbox = crate::bench_email::email_inbox(app, "panel").await?;
    let mut conversation = 0;
    for (n, text) in texts.iter().enumerate() {
        let raw = format!(
            "From: 买家0 <panel-buyer@bench.test>\r\nTo: service@shop.test\r\nSubject: 订单\r\n\
             Message-ID: <panel.{n}@bench.test>\r\n{}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n",
            if n > 0 {
                format!("In-Reply-To: <panel.{}@bench.test>", n - 1)
            } else {
                "X-N: 0".into()
            }
        );
        if let kefu_app::email::ingest::Ingested::Stored {
            conversation_id, ..
        } = kefu_app::email::ingest::ingest(app, &inbox, raw.as_bytes(), None)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
        {
            conversation = conversation_id;
        }
    }
    // The mails came from an address; the panel's customer is the buyer with 500 orders.
    app.db
        .execute(
            &sea_query::Query::update()
                .table(kefu_store::schema::Conversations::Table)
                .value(kefu_store::schema::Conversations::ContactId, buyer)
                .and_where(
                    sea_query::Expr::col(kefu_store::schema::Conversations::Id).eq(conversation),
                )
                .take(),
        )
        .await?;
    let hash = kefu_app::auth::hash_password("bench-panel-pw", PasswordCost::Fast)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = app.db.begin().await?;
    kefu_store::users::insert(
        &mut tx,
        &kefu_store::users::NewUser {
            email: "panel-agent@kefu.test",
            name: "小李",
            role: "agent",
            password_hash: &hash,
            locale: "zh-CN",
            now: kefu_domain::time::now_ms(),
        },
    )
    .await?;
    tx.commit().await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let login = http
        .post(format!("{base}/login"))
        .form(&[
            ("email", "panel-agent@kefu.test"),
            ("password", "bench-panel-pw"),
            ("next", "/app"),
        ])
        .send()
        .await?;
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .ok_or_else(|| anyhow::anyhow!("signing in gave no session"))?
        .to_owned();
    let url = format!("{base}/app/conversations/{conversation}?view=all");
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        let html = http
            .get(&url)
            .header("cookie", &cookie)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        times.push(t.elapsed());
        anyhow::ensure!(
            html.contains("class=\"order-number\">2026112")
                && html.matches("class=\"order\"").count() >= 5,
            "the page has no order panel"
        );
    }
    Ok(times)
}
