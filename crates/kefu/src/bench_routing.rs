//! `kefu bench routing`: routing decisions and the supervisor's queue view at 100 agents
//! and 100,000 open tickets, measured.
//!
//! Generates a fresh database: five teams, agents online with room (each holding 150 of
//! 200), a night team whose agents are offline with 20,000 conversations in its queue,
//! and the rest of the open tickets unassigned; plus 20 routing rules that new messages
//! are checked against. Then times, in process: a customer's first message with and
//! without a routing decision, a resolve that frees a place and takes the next of the
//! 20,000 waiting, and the queue view (also over HTTP, as the API serves it), beside what
//! counting loads per decision would cost instead of reading the kept counters; and what
//! SLA clocks add to each message (`bench_sla`).

use crate::bench_archive::{fresh_database, percentile};
use clap::Args;
use kefu_app::{Actor, App, AppConfig, PasswordCost};
use kefu_domain::routing::Conditions;
use kefu_domain::{Role, UiLocale};
use kefu_store::routing::RuleFields;
use kefu_store::schema::{Contacts, Conversations};
use kefu_store::{Db, routing, teams, users};
use sea_query::{Expr, ExprTrait, Query};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Args, Debug, Clone)]
pub struct RoutingBenchArgs {
    /// Agents (a fifth of them on the night team, offline).
    #[arg(long, default_value_t = 100)]
    pub agents: usize,
    /// Open tickets in the generated database.
    #[arg(long, default_value_t = 100_000)]
    pub open: usize,
    /// Timed operations per case.
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// Run on PostgreSQL: a server URL (a database `kefu_bench_routing` is made afresh there).
    #[arg(long)]
    pub postgres: Option<String>,
    /// Where the SQLite database is made (afresh on every run).
    #[arg(long, default_value = "kefu-bench-routing")]
    pub dir: PathBuf,
}

const TEAMS: [&str; 5] = ["售前", "售后", "国际部", "交易一部", "夜班"];
const HELD: i64 = 150;
const CAPACITY: i64 = 200;
const QUEUED: usize = 20_000;
const BATCH: usize = 500;

/// What the generated database holds that the cases need.
struct World {
    admin: Actor,
    token: String,
    team_ids: Vec<i64>,
    /// Inboxes of the first two teams (round-robin, least-load), and one without a team.
    routed_inboxes: [i64; 2],
    plain_inbox: i64,
    /// Agents by team (the night team's are offline).
    members: Vec<Vec<i64>>,
}

pub async fn run(args: RoutingBenchArgs) -> anyhow::Result<()> {
    let db = open(&args).await?;
    let config = AppConfig {
        password_cost: PasswordCost::Fast,
        ..Default::default()
    };
    let app = App::start(db.clone(), config).await?;
    let started = Instant::now();
    let world = generate(&app, &args).await?;
    println!(
        "generated {} agents, {} open tickets ({} waiting) in {:.1} s",
        args.agents,
        args.open,
        QUEUED,
        started.elapsed().as_secs_f64()
    );
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
    let result = measure(&app, &args, &world, &base).await;
    let _ = stop.send(());
    let _ = server.await;
    app.hub.stop();
    result
}

async fn open(args: &RoutingBenchArgs) -> anyhow::Result<Db> {
    fresh_database(args.postgres.as_deref(), "kefu_bench_routing", &args.dir).await
}

async fn staff(db: &Db, email: &str, name: &str, role: &str) -> anyhow::Result<i64> {
    let mut tx = db.begin().await?;
    let user = users::insert(
        &mut tx,
        &users::NewUser {
            email,
            name,
            role,
            password_hash: "!",
            locale: "zh-CN",
            now: kefu_domain::time::now_ms(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user.id)
}

/// A staff member for a benchmark (no password).
pub(crate) async fn bench_staff(
    app: &App,
    email: &str,
    name: &str,
    role: &str,
) -> anyhow::Result<i64> {
    staff(&app.db, email, name, role).await
}

async fn generate(app: &App, args: &RoutingBenchArgs) -> anyhow::Result<World> {
    let db = &app.db;
    let now = kefu_domain::time::now_ms();
    let admin_id = staff(db, "bench@kefu.test", "Bench", "admin").await?;
    let admin = Actor {
        user_id: admin_id,
        name: "Bench".into(),
        email: "bench@kefu.test".into(),
        role: Role::Admin,
        locale: UiLocale::En,
    };
    let (token, _) = kefu_app::auth::create_token(app, admin_id, "bench")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = db.begin().await?;
    let mut team_ids = Vec::new();
    for name in TEAMS {
        team_ids.push(teams::insert(&mut tx, name, now).await?.id);
    }
    routing::set_strategy(&mut tx, team_ids[1], "least_load", now).await?;
    let keywords = [
        "退款", "发票", "物流", "refund", "invoice", "批发", "样品", "议价",
    ];
    for i in 0..20 {
        let conditions = Conditions {
            keywords: vec![format!("{}{i}", keywords[i % keywords.len()])],
            languages: if i % 4 == 0 {
                vec!["ru".into()]
            } else {
                vec![]
            },
            ..Conditions::default()
        };
        let rule = RuleFields {
            name: &format!("规则 {i}"),
            conditions: &conditions,
            team_id: team_ids[i % 4],
            required_skills: &[],
        };
        routing::insert_rule(&mut tx, &rule, now).await?;
    }
    tx.commit().await?;

    let night = args.agents / 5;
    let mut members = vec![Vec::new(); TEAMS.len()];
    let mut holders = Vec::new();
    for i in 0..args.agents {
        let id = staff(
            db,
            &format!("agent{i}@kefu.test"),
            &format!("客服{i}"),
            "agent",
        )
        .await?;
        let mut tx = db.begin().await?;
        let team = if i < night { 4 } else { i % 4 };
        teams::add_member(&mut tx, team_ids[team], id).await?;
        members[team].push(id);
        if i >= night && i % 5 == 0 {
            let second = (team + 1) % 4;
            teams::add_member(&mut tx, team_ids[second], id).await?;
            members[second].push(id);
        }
        routing::set_agent(&mut tx, id, CAPACITY, &[], now).await?;
        if i >= night {
            users::set_availability(&mut tx, id, "online").await?;
            holders.push((id, team_ids[team]));
        }
        tx.commit().await?;
    }

    let mut tx = db.begin().await?;
    let mut inbox_ids = Vec::new();
    for (team, name) in [
        (Some(team_ids[0]), "round-robin"),
        (Some(team_ids[1]), "least-load"),
        (None, "plain"),
    ] {
        let fields = kefu_store::inboxes::InboxFields {
            name,
            greeting: None,
            auto_reply: None,
            team_id: team,
            shop_name: None,
        };
        let token = format!("bench-{name}");
        inbox_ids.push(
            kefu_store::inboxes::insert(&mut tx, "api", &token, &fields, now)
                .await?
                .id,
        );
    }
    tx.commit().await?;

    fill(db, args.open, inbox_ids[2], &holders, team_ids[4], now).await?;
    if let Some(pool) = db.pg_pool() {
        // Statistics and visibility maps as autovacuum keeps them on a running server.
        sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await?;
    }
    Ok(World {
        admin,
        token,
        team_ids,
        routed_inboxes: [inbox_ids[0], inbox_ids[1]],
        plain_inbox: inbox_ids[2],
        members,
    })
}

/// Writes `open` open tickets: `HELD` for each online agent, `QUEUED` waiting in the
/// night team's queue (oldest first), the rest unassigned outside any team.
async fn fill(
    db: &Db,
    open: usize,
    inbox: i64,
    holders: &[(i64, i64)],
    night_team: i64,
    now: i64,
) -> anyhow::Result<()> {
    let held = holders.len() * HELD as usize;
    let mut n = 0usize;
    while n < open {
        let size = BATCH.min(open - n);
        let mut contacts = Query::insert();
        contacts
            .into_table(Contacts::Table)
            .columns([Contacts::Name, Contacts::CreatedAt, Contacts::UpdatedAt])
            .returning(Query::returning().column(Contacts::Id));
        for i in n..n + size {
            contacts.values_panic([format!("顾客{i}").into(), now.into(), now.into()]);
        }
        let mut tx = db.begin().await?;
        let ids: Vec<(i64,)> = tx.fetch_all(&contacts).await?;
        let mut conversations = Query::insert();
        conversations.into_table(Conversations::Table).columns([
            Conversations::InboxId,
            Conversations::ContactId,
            Conversations::Status,
            Conversations::Priority,
            Conversations::AssigneeId,
            Conversations::TeamId,
            Conversations::QueuedAt,
            Conversations::RequiredSkills,
            Conversations::LastActivityAt,
            Conversations::CreatedAt,
            Conversations::UpdatedAt,
        ]);
        for (k, (contact,)) in ids.iter().enumerate() {
            let i = n + k;
            let at = now - (open - i) as i64;
            let (assignee, team, queued) = if i < held {
                let (agent, team) = holders[i % holders.len()];
                (Some(agent), Some(team), None)
            } else if i < held + QUEUED {
                (None, Some(night_team), Some(at))
            } else {
                (None, None, None)
            };
            conversations.values_panic([
                inbox.into(),
                (*contact).into(),
                "open".into(),
                "normal".into(),
                assignee.into(),
                team.into(),
                queued.into(),
                queued.map(|_| "[]").into(),
                at.into(),
                at.into(),
                at.into(),
            ]);
        }
        tx.execute(&conversations).await?;
        tx.commit().await?;
        n += size;
    }
    Ok(())
}

/// Prints a case's line and returns its p95 (ms).
fn row(name: &str, samples: &mut [Duration]) -> f64 {
    let (p50, p95) = (percentile(samples, 0.5), percentile(samples, 0.95));
    println!("| {name} | {p50:.2} | {p95:.2} |");
    p95
}

async fn measure(app: &App, args: &RoutingBenchArgs, w: &World, base: &str) -> anyhow::Result<()> {
    let err = |e: kefu_app::AppError| anyhow::anyhow!("{e}");
    println!(
        "\n{} — {} agents, {} open tickets, {} samples per case (p50 / p95 in ms)\n",
        match app.db.backend() {
            kefu_store::Backend::Sqlite => "SQLite",
            kefu_store::Backend::Postgres => "PostgreSQL",
        },
        args.agents,
        args.open,
        args.samples
    );
    println!("| case | p50 | p95 |");
    println!("|---|---|---|");
    let arrive = |inbox: i64, label: &'static str| async move {
        let mut times = Vec::with_capacity(args.samples);
        for i in 0..args.samples {
            let handle = format!("{label}-{i}");
            let t = Instant::now();
            kefu_app::widget::api_inbound(
                app,
                &w.admin,
                inbox,
                &handle,
                &handle,
                "你好，请问这款还有货吗",
                None,
            )
            .await
            .map_err(err)?;
            times.push(t.elapsed());
        }
        Ok::<_, anyhow::Error>(times)
    };
    row(
        "first message, no team to route to (rules checked)",
        &mut arrive(w.plain_inbox, "plain").await?,
    );
    row(
        "first message routed: round-robin team",
        &mut arrive(w.routed_inboxes[0], "rr").await?,
    );
    row(
        "first message routed: least-load team",
        &mut arrive(w.routed_inboxes[1], "ll").await?,
    );

    // The night team: one agent comes online and fills up from the 20,000 waiting; each
    // resolve then frees a place that the oldest waiting conversation takes.
    let night = w.team_ids[4];
    let agent = w.members[4][0];
    let mut tx = app.db.begin().await?;
    users::set_availability(&mut tx, agent, "online").await?;
    tx.commit().await?;
    let t = Instant::now();
    let given = kefu_app::routing::drain_team(app, night)
        .await
        .map_err(err)?;
    println!(
        "| one drain giving {given} of 20,000 waiting to an agent coming online | {:.2} | — |",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let held: Vec<(i64,)> = app
        .db
        .fetch_all(
            &Query::select()
                .column(Conversations::Id)
                .from(Conversations::Table)
                .and_where(Expr::col(Conversations::AssigneeId).eq(agent))
                .and_where(Expr::col(Conversations::Status).eq("open"))
                .limit(args.samples as u64)
                .take(),
        )
        .await?;
    let mut times = Vec::new();
    for (id,) in held {
        let t = Instant::now();
        kefu_app::conversations::set_status(app, &w.admin, id, "resolved", None)
            .await
            .map_err(err)?;
        times.push(t.elapsed());
    }
    row(
        "resolve that frees a place, next of 20,000 waiting assigned",
        &mut times,
    );

    let mut times = Vec::new();
    for _ in 0..args.samples {
        let t = Instant::now();
        std::hint::black_box(
            kefu_app::routing::queues::queue_view(app, &w.admin, 20)
                .await
                .map_err(err)?,
        );
        times.push(t.elapsed());
    }
    row("queue view (in process)", &mut times);
    let http = reqwest::Client::new();
    let mut times = Vec::new();
    for _ in 0..args.samples {
        let t = Instant::now();
        let body = http
            .get(format!("{base}/api/v1/routing/queues"))
            .bearer_auth(&w.token)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        times.push(t.elapsed());
        std::hint::black_box(body);
    }
    let p95 = row(
        "queue view over HTTP (GET /api/v1/routing/queues)",
        &mut times,
    );

    // What a decision would pay to count its team's loads instead of reading them.
    let team: Vec<i64> = w.members[0].clone();
    let mut times = Vec::new();
    for _ in 0..args.samples {
        let t = Instant::now();
        let counts: Vec<(Option<i64>, i64)> = app
            .db
            .fetch_all(
                &Query::select()
                    .column(Conversations::AssigneeId)
                    .expr(Expr::cust("COUNT(*)"))
                    .from(Conversations::Table)
                    .and_where(Expr::col(Conversations::AssigneeId).is_in(team.iter().copied()))
                    .and_where(Expr::col(Conversations::Status).eq("open"))
                    .group_by_col(Conversations::AssigneeId)
                    .take(),
            )
            .await?;
        times.push(t.elapsed());
        std::hint::black_box(counts);
    }
    row(
        "(alternative) counting one team's loads per decision",
        &mut times,
    );
    let sla = crate::bench_sla::measure(app, &w.admin, w.plain_inbox, args.samples, row).await?;
    println!("\nqueue view over HTTP p95 {p95:.2} ms (target ≤ 20 ms)");
    println!("SLA clocks add {sla:.2} ms to a first message's p95");
    Ok(())
}
