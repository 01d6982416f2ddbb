//! `kefu bench search`: finding conversations by what was written in them, measured on a
//! generated database (100,000 conversations, 1,000,000 messages by default), at the
//! store — the query kefu runs for `GET /api/v1/conversations?q=`, without HTTP — and
//! the cost search adds to writing one message.

use clap::Args;
use kefu_app::conversation_search::{message_tokens, parse};
use kefu_store::conversations::{ConversationFilter, list};
use kefu_store::messages::{NewMessage, insert_unless_seen};
use kefu_store::{Backend, Db};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_query::{Alias, Expr, ExprTrait, Query};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Args, Debug, Clone)]
pub struct SearchBenchArgs {
    /// Conversations in the generated database.
    #[arg(long, default_value_t = 100_000)]
    pub conversations: usize,
    /// Messages per conversation.
    #[arg(long, default_value_t = 10)]
    pub messages_per_conversation: usize,
    /// Timed runs per case.
    #[arg(long, default_value_t = 20)]
    pub samples: usize,
    /// Run on PostgreSQL: a server URL (a database `kefu_bench_search` is created there).
    #[arg(long)]
    pub postgres: Option<String>,
    /// Where the SQLite database is generated and kept for later runs.
    #[arg(long, default_value = "kefu-bench-search")]
    pub dir: PathBuf,
}

/// What customers and agents write, most of it common (each phrase in ~8% of messages, as two are picked).
const PHRASES: &[&str] = &[
    "你好",
    "请问什么时候发货",
    "我想退货",
    "蓝牙耳机没有声音",
    "发票开错了",
    "快递一直没到",
    "可以便宜一点吗",
    "这个颜色还有吗",
    "谢谢",
    "好的，收到",
    "麻烦帮我查一下物流",
    "充电器坏了",
    "屏幕有划痕",
    "尺码偏小",
    "能开增值税专用发票吗",
    "地址写错了",
    "Hello",
    "Where is my order?",
    "I want a refund please",
    "The bluetooth headset is broken",
    "Can I get an invoice?",
    "Thanks!",
    "已为您登记，请耐心等待",
    "亲，已经帮您催促仓库了",
];
/// A rarer complaint: in about 0.3% of messages.
const RARE: &str = "保温杯漏水";

pub async fn run(args: SearchBenchArgs) -> anyhow::Result<()> {
    let db = open(&args).await?;
    let (n,): (i64,) = db
        .fetch_one(
            &Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from(Alias::new("conversations"))
                .take(),
        )
        .await?;
    if n == 0 {
        generate(&db, &args).await?;
    } else {
        println!("reusing the database already generated ({n} conversations)");
    }
    write_cost(&db).await?;
    let backend = match db.backend() {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!(
        "\nsearch ({backend}, page of 50, {} runs each; median / max):",
        args.samples
    );
    let ticket = format!("#{}", 10_000 + args.conversations as i64 / 2);
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("one message (order number)", "KF0300000", None),
        ("rare word (~0.3%)", "保温杯", None),
        ("common word (~16%)", "发票", None),
        ("common English (~8%), any case", "BLUETOOTH", None),
        ("two common words, one message", "蓝牙 声音", None),
        ("common word, open only", "发票", Some("open")),
        ("rare word, open only", "保温杯", Some("open")),
        ("ticket number", &ticket, None),
        ("no match", "火星快递", None),
    ];
    for (label, q, status) in cases {
        let mut filter = ConversationFilter {
            search: parse(Some(q)),
            status: status.map(str::to_owned),
            limit: 50,
            ..Default::default()
        };
        let (times, found) = time(&db, &filter, args.samples).await?;
        report(label, q, &times, found);
        if found == 50 {
            let rows = list(&db, &filter).await?;
            let last = rows.last().expect("a full page");
            filter.after = Some((last.last_activity_at, last.id));
            let (times, found) = time(&db, &filter, args.samples).await?;
            report(&format!("{label}, page 2"), q, &times, found);
        }
    }
    Ok(())
}

async fn time(
    db: &Db,
    f: &ConversationFilter,
    samples: usize,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..samples.max(1) {
        let started = Instant::now();
        found = list(db, f).await?.len();
        times.push(started.elapsed());
    }
    times.sort();
    Ok((times, found))
}

fn report(label: &str, q: &str, times: &[Duration], found: usize) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  {label:<40} {q:<12} {:>8.2} ms {:>8.2} ms  ({found} found)",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
}

/// What search adds to writing a message: tokenising (this build's speed), and the
/// index upkeep of a row with tokens against one without, each insert committed on its
/// own as kefu writes messages (the rows are deleted afterwards).
async fn write_cost(db: &Db) -> anyhow::Result<()> {
    let chat = "你好，我上周买的蓝牙耳机到现在还没有收到发票，麻烦查一下 order KF0012345";
    let email = PHRASES.join("。").repeat(8);
    // Loading jieba's dictionary happens once per process: not part of a message's cost.
    message_tokens("预热");
    for (label, body) in [
        ("chat message", chat),
        ("2,000-character mail", email.as_str()),
    ] {
        let started = Instant::now();
        for _ in 0..200 {
            std::hint::black_box(message_tokens(body));
        }
        println!(
            "tokenising a {label}: {:.1} µs",
            started.elapsed().as_secs_f64() * 1e6 / 200.0
        );
    }
    let (conversation,): (i64,) = db
        .fetch_one(
            &Query::select()
                .expr(Expr::cust("MIN(id)"))
                .from(Alias::new("conversations"))
                .take(),
        )
        .await?;
    let tokens = message_tokens(chat);
    const WRITES: usize = 300;
    for (label, tokens) in [("without tokens", ""), ("with tokens", tokens.as_str())] {
        let mut ids = Vec::new();
        let started = Instant::now();
        for _ in 0..WRITES {
            let m = NewMessage {
                conversation_id: conversation,
                kind: "incoming",
                body: chat,
                author_user_id: None,
                author_contact_id: None,
                client_id: None,
                search_tokens: tokens,
                now: 0,
            };
            let mut tx = db.begin().await?;
            ids.extend(insert_unless_seen(&mut tx, &m).await?);
            tx.commit().await?;
        }
        let per = started.elapsed().as_secs_f64() * 1e6 / WRITES as f64;
        println!("writing a chat message {label}, committed alone: {per:.1} µs");
        db.execute(
            &Query::delete()
                .from_table(Alias::new("messages"))
                .and_where(Expr::col(Alias::new("id")).is_in(ids))
                .take(),
        )
        .await?;
    }
    Ok(())
}

async fn open(args: &SearchBenchArgs) -> anyhow::Result<Db> {
    let db = match &args.postgres {
        Some(url) => {
            let admin = Db::connect_postgres(url, None, 1).await?;
            let pool = admin.pg_pool().expect("postgres").clone();
            let exists: Option<(i32,)> =
                sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = 'kefu_bench_search'")
                    .fetch_optional(&pool)
                    .await?;
            if exists.is_none() {
                sqlx::raw_sql("CREATE DATABASE kefu_bench_search")
                    .execute(&pool)
                    .await?;
            }
            admin.close().await;
            let url = crate::bench_archive::replace_database(url, "kefu_bench_search");
            Db::connect_postgres(&url, None, 4).await?
        }
        None => {
            std::fs::create_dir_all(&args.dir)?;
            Db::open_sqlite(&args.dir.join("kefu.sqlite3")).await?
        }
    };
    db.migrate().await?;
    Ok(db)
}

/// Rows per INSERT statement while generating.
const BATCH: usize = 500;

async fn generate(db: &Db, args: &SearchBenchArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(20_260_115);
    let now = kefu_domain::time::now_ms();
    db.execute(
        &Query::insert()
            .into_table(Alias::new("inboxes"))
            .columns(["name", "channel", "widget_token", "created_at"].map(Alias::new))
            .values_panic([
                "网店".into(),
                "widget".into(),
                "bench-search".into(),
                now.into(),
            ])
            .take(),
    )
    .await?;
    let contacts = (args.conversations / 2).max(1);
    for start in (0..contacts).step_by(BATCH) {
        let mut q = Query::insert();
        q.into_table(Alias::new("contacts"))
            .columns(["name", "created_at", "updated_at"].map(Alias::new));
        for i in start..(start + BATCH).min(contacts) {
            q.values_panic([format!("客户{i}").into(), now.into(), now.into()]);
        }
        db.execute(&q).await?;
    }
    let mut cache: HashMap<(usize, usize, bool), String> = HashMap::new();
    let per = args.messages_per_conversation;
    let mut message = 0usize;
    for start in (0..args.conversations).step_by(BATCH) {
        let mut conversations = Query::insert();
        conversations
            .into_table(Alias::new("conversations"))
            .columns(
                [
                    "inbox_id",
                    "contact_id",
                    "status",
                    "priority",
                    "last_activity_at",
                    "messages_count",
                    "created_at",
                    "updated_at",
                ]
                .map(Alias::new),
            );
        let ids = start..(start + BATCH).min(args.conversations);
        for i in ids.clone() {
            let at = now - (args.conversations - i) as i64 * 60_000 + rng.random_range(0..600_000);
            let status = if rng.random_bool(0.2) {
                "open"
            } else {
                "resolved"
            };
            conversations.values_panic([
                1.into(),
                ((i % contacts) as i64 + 1).into(),
                status.into(),
                "normal".into(),
                at.into(),
                (per as i64).into(),
                at.into(),
                at.into(),
            ]);
        }
        db.execute(&conversations).await?;
        let mut messages = Query::insert();
        messages.into_table(Alias::new("messages")).columns(
            [
                "conversation_id",
                "kind",
                "body",
                "search_tokens",
                "created_at",
            ]
            .map(Alias::new),
        );
        for i in ids {
            for _ in 0..per {
                message += 1;
                let key = (
                    rng.random_range(0..PHRASES.len()),
                    rng.random_range(0..PHRASES.len()),
                    rng.random_bool(0.003),
                );
                let mut body = format!("{}，{}", PHRASES[key.0], PHRASES[key.1]);
                if key.2 {
                    body.push_str(RARE);
                }
                let mut tokens = cache
                    .entry(key)
                    .or_insert_with(|| message_tokens(&body))
                    .clone();
                if message.is_multiple_of(3) {
                    body.push_str(&format!(" 订单 KF{message:07}"));
                    tokens.push_str(&format!(" kf{message:07}"));
                }
                messages.values_panic([
                    (i as i64 + 1).into(),
                    (if message.is_multiple_of(2) {
                        "incoming"
                    } else {
                        "outgoing"
                    })
                    .into(),
                    body.into(),
                    tokens.into(),
                    now.into(),
                ]);
            }
        }
        db.execute(&messages).await?;
        if start.is_multiple_of(10_000) {
            println!(
                "  {start} conversations, {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    if db.backend() == Backend::Postgres {
        let mut tx = db.begin().await?;
        tx.execute_raw("ANALYZE").await?;
        tx.commit().await?;
    }
    println!(
        "generated {} conversations and {message} messages in {:.0} s",
        args.conversations,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
