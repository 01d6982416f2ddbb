//! `kefu bench email`: mails per second from raw MIME to a stored, threaded conversation.
//!
//! Generates a realistic mix in memory first (a third new threads, the rest replies
//! that carry In-Reply-To/References; plain UTF-8, GBK and HTML bodies with quoted
//! history; a few with attachments), then stores them through the same path an IMAP
//! fetch or a relay post takes (`kefu_app::email::ingest`), one after another and with
//! several at once, and checks the threading came out right and the mails are searchable.

use crate::bench_archive::{fresh_database, percentile};
use clap::Args;
use kefu_app::email::ingest::{Cursor, Ingested, ingest, ingest_batch};
use kefu_app::email::settings::EmailSettings;
use kefu_app::inboxes::InboxInput;
use kefu_app::{Actor, App, AppConfig, PasswordCost};
use kefu_domain::{Role, UiLocale};
use kefu_store::Db;
use sea_query::ExprTrait;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Args, Debug, Clone)]
pub struct EmailBenchArgs {
    /// Mails to store.
    #[arg(long, default_value_t = 20_000)]
    pub mails: usize,
    /// Mails stored at once in the second run (relays post concurrently; one IMAP mailbox
    /// is read in order, several mailboxes side by side).
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Mails per transaction in the third run, as the IMAP fetch stores them.
    #[arg(long, default_value_t = 50)]
    pub batch: usize,
    /// Run on PostgreSQL: a server URL (a database `kefu_bench_email` is made afresh there).
    #[arg(long)]
    pub postgres: Option<String>,
    /// Where the SQLite database is made (afresh on every run).
    #[arg(long, default_value = "kefu-bench-email")]
    pub dir: PathBuf,
}

const TEXTS: [&str; 4] = [
    "您好，我在贵店购买的蓝牙耳机（订单号 2026112300188）左耳没有声音，请问如何换货？",
    "Hello, we would like a quotation for 500 units of the USB-C hub, delivered to Hamburg, incoterms DAP.",
    "请问这款充电宝可以开增值税专用发票吗？公司抬头：深圳星辰数码科技有限公司。",
    "The tracking number LP00123456789CN has not moved for six days. Could you check with the carrier?",
];

/// One generated mail: thread `thread`, position `n` in it.
fn mail(thread: usize, n: usize) -> Vec<u8> {
    let id = |k: usize| format!("<t{thread}.m{k}@customer{}.test>", thread % 997);
    let from = format!("buyer{thread}@customer{}.test", thread % 997);
    let text = TEXTS[thread % TEXTS.len()];
    let mut head = format!(
        "From: 顾客{thread} <{from}>\r\nTo: service@shop.test\r\nSubject: {}订单咨询 {thread}\r\n\
         Message-ID: {}\r\nDate: Tue, 24 Nov 2026 10:{:02}:00 +0800\r\nMIME-Version: 1.0\r\n",
        if n > 0 { "Re: " } else { "" },
        id(n),
        n % 60
    );
    if n > 0 {
        head.push_str(&format!(
            "In-Reply-To: {}\r\nReferences: {}\r\n",
            id(n - 1),
            (0..n).map(id).collect::<Vec<_>>().join(" ")
        ));
    }
    match thread % 5 {
        // GBK text with the earlier mail quoted.
        0 => {
            let body = format!("{text}\r\n\r\n在 2026-11-23，客服 写道：\r\n> 您好，请提供订单号。\r\n");
            let (gbk, _, _) = encoding_rs::GBK.encode(&body);
            let mut raw = head.into_bytes();
            raw.extend_from_slice(b"Content-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
            raw.extend_from_slice(&gbk);
            raw
        }
        // HTML and text alternatives with a remote image and a blockquote.
        1 => format!(
            "{head}Content-Type: multipart/alternative; boundary=\"b{thread}\"\r\n\r\n\
             --b{thread}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\
             --b{thread}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
             <div><p>{text}</p><img src=\"https://img.customer.test/{thread}.png\"><blockquote>上一封邮件</blockquote></div>\r\n\
             --b{thread}--\r\n"
        )
        .into_bytes(),
        // A small attachment (a 20 KB "invoice").
        2 => {
            let pdf = "JVBERi0xLjQK".repeat(2_000);
            format!(
                "{head}Content-Type: multipart/mixed; boundary=\"m{thread}\"\r\n\r\n\
                 --m{thread}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\
                 --m{thread}\r\nContent-Type: application/pdf; name=\"=?UTF-8?B?5Y+R56WoLnBkZg==?=\"\r\n\
                 Content-Disposition: attachment; filename*=UTF-8''%E5%8F%91%E7%A5%A8.pdf\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n--m{thread}--\r\n"
            )
            .into_bytes()
        }
        _ => format!("{head}Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\r\n-- \r\n顾客{thread}\r\n").into_bytes(),
    }
}

/// The mails in arrival order: threads of three, the replies interleaved with new threads.
fn generate(count: usize) -> Vec<Vec<u8>> {
    let threads = count.div_ceil(3);
    let mut out = Vec::with_capacity(count);
    'all: for n in 0..3 {
        for thread in 0..threads {
            if out.len() == count {
                break 'all;
            }
            out.push(mail(thread, n));
        }
    }
    out
}

async fn open(args: &EmailBenchArgs) -> anyhow::Result<Db> {
    fresh_database(args.postgres.as_deref(), "kefu_bench_email", &args.dir).await
}

fn bench_admin() -> Actor {
    Actor {
        user_id: 0,
        name: "Bench".into(),
        email: "bench@kefu.test".into(),
        role: Role::Admin,
        locale: UiLocale::En,
    }
}

pub(crate) async fn email_inbox(
    app: &App,
    name: &str,
) -> anyhow::Result<kefu_store::inboxes::InboxRow> {
    let admin = bench_admin();
    let input = InboxInput {
        name,
        greeting: None,
        auto_reply: None,
        team_id: None,
        shop_name: None,
    };
    let settings = EmailSettings {
        address: format!("{name}@shop.test"),
        sender_name: None,
        imap: None,
        smtp: None,
        signature_text: None,
        signature_html: None,
        tls_ca_pem: None,
    };
    kefu_app::email::settings::create_email_inbox(app, &admin, &input, &settings)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Stores every mail, `concurrency` at a time; returns each one's time.
async fn store_all(
    app: &App,
    inbox: &kefu_store::inboxes::InboxRow,
    mails: &[Vec<u8>],
    concurrency: usize,
) -> anyhow::Result<(Duration, Vec<Duration>)> {
    let started = Instant::now();
    let mut times = Vec::with_capacity(mails.len());
    for chunk in mails.chunks(concurrency) {
        let runs = chunk.iter().map(|raw| async move {
            let t = Instant::now();
            let outcome = ingest(app, inbox, raw, None).await;
            (t.elapsed(), outcome)
        });
        for (took, outcome) in futures_util::future::join_all(runs).await {
            match outcome.map_err(|e| anyhow::anyhow!("{e}"))? {
                Ingested::Stored { .. } => times.push(took),
                other => anyhow::bail!("a generated mail was not stored: {other:?}"),
            }
        }
    }
    Ok((started.elapsed(), times))
}

/// Stores every mail the way the IMAP fetch does: batches of `batch` in UID order, each
/// in one transaction with the fetch cursor; returns each batch's time.
async fn store_batches(
    app: &App,
    inbox: &kefu_store::inboxes::InboxRow,
    mails: &[Vec<u8>],
    batch: usize,
) -> anyhow::Result<(Duration, Vec<Duration>)> {
    let owner = "bench";
    let now = kefu_domain::time::now_ms();
    anyhow::ensure!(
        kefu_store::email::take_lease(&app.db, inbox.id, owner, now, now + 3_600_000).await?,
        "could not take the mailbox's lease"
    );
    let started = Instant::now();
    let mut times = Vec::new();
    for (n, chunk) in mails.chunks(batch).enumerate() {
        let raws: Vec<(&[u8], Cursor)> = chunk
            .iter()
            .enumerate()
            .map(|(k, raw)| {
                let uid = i64::try_from(n * batch + k + 1).unwrap_or(i64::MAX);
                let cursor = Cursor {
                    owner,
                    uid_validity: 1,
                    uid,
                };
                (raw.as_slice(), cursor)
            })
            .collect();
        let t = Instant::now();
        let outcomes = ingest_batch(app, inbox, &raws)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        times.push(t.elapsed());
        if let Some(other) = outcomes
            .iter()
            .find(|o| !matches!(o, Ingested::Stored { .. }))
        {
            anyhow::bail!("a generated mail was not stored: {other:?}");
        }
    }
    Ok((started.elapsed(), times))
}

async fn count_threads(app: &App, inbox_id: i64) -> anyhow::Result<i64> {
    let (threads,): (i64,) = app
        .db
        .fetch_one(
            &sea_query::Query::select()
                .expr(sea_query::Expr::cust("COUNT(*)"))
                .from(kefu_store::schema::Conversations::Table)
                .and_where(
                    sea_query::Expr::col(kefu_store::schema::Conversations::InboxId).eq(inbox_id),
                )
                .take(),
        )
        .await?;
    Ok(threads)
}

pub async fn run(args: EmailBenchArgs) -> anyhow::Result<()> {
    let db = open(&args).await?;
    let config = AppConfig {
        password_cost: PasswordCost::Fast,
        ..Default::default()
    };
    let app = App::start(db.clone(), config).await?;
    let t = Instant::now();
    let mails = generate(args.mails);
    let bytes: usize = mails.iter().map(Vec::len).sum();
    println!(
        "generated {} mails ({:.1} MB) in {:.1} s",
        mails.len(),
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let parse = Instant::now();
    for raw in &mails {
        std::hint::black_box(kefu_channels::email::parse(raw));
    }
    let parse = parse.elapsed();
    println!(
        "\n{} — {} mails (p50 / p95 per mail in ms)\n",
        match app.db.backend() {
            kefu_store::Backend::Sqlite => "SQLite",
            kefu_store::Backend::Postgres => "PostgreSQL",
        },
        mails.len()
    );
    println!("| case | mails/s | p50 | p95 |");
    println!("|---|---|---|---|");
    println!(
        "| parse and sanitise only (no database) | {:.0} | — | — |",
        mails.len() as f64 / parse.as_secs_f64()
    );
    for (label, concurrency) in [("one at a time", 1), ("several at once", args.concurrency)] {
        let inbox = email_inbox(&app, &format!("bench{concurrency}")).await?;
        let (took, mut times) = store_all(&app, &inbox, &mails, concurrency).await?;
        println!(
            "| stored and threaded, {label} ({concurrency}) | {:.0} | {:.2} | {:.2} |",
            mails.len() as f64 / took.as_secs_f64(),
            percentile(&mut times, 0.5),
            percentile(&mut times, 0.95)
        );
        let threads = count_threads(&app, inbox.id).await?;
        anyhow::ensure!(
            threads as usize == mails.len().div_ceil(3),
            "threading went wrong: {threads} conversations for {} threads",
            mails.len().div_ceil(3)
        );
    }
    let inbox = email_inbox(&app, "batches").await?;
    let (took, mut times) = store_batches(&app, &inbox, &mails, args.batch).await?;
    println!(
        "| stored and threaded, IMAP batches of {} (one transaction each; p50 / p95 per batch) | {:.0} | {:.2} | {:.2} |",
        args.batch,
        mails.len() as f64 / took.as_secs_f64(),
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.95)
    );
    let threads = count_threads(&app, inbox.id).await?;
    anyhow::ensure!(
        threads as usize == mails.len().div_ceil(3),
        "threading went wrong in batches: {threads} conversations"
    );
    // Stored means searchable: the words of a mail find its conversations.
    let admin = bench_admin();
    let query = kefu_app::conversations::ListQuery {
        view: kefu_app::conversations::View::All,
        q: Some("蓝牙耳机 换货".into()),
        limit: 20,
        ..Default::default()
    };
    let found = kefu_app::conversations::list_conversations(&app, &admin, &query)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(found.len() == 20, "stored mails are not searchable");
    println!("\ntarget: 2,000 mails/s (django-helpdesk: about 85)");
    app.hub.stop();
    Ok(())
}
