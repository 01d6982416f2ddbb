//! `kefu bench archive`: searching and listing a large customer archive, measured.
//!
//! Generates (once; reused on later runs) 1,000,000 contacts in 200,000 organisations
//! with phones, emails, tags, member levels and owners, starts a real `kefu serve` on
//! that database, and times searches and filtered lists over HTTP. Each case is also
//! timed as the bare SQL query on the same database, so the figure that matters — how
//! much kefu adds to the database's own work — is printed beside it.

use clap::Args;
use kefu_app::search::{Document, Query as SearchQuery};
use kefu_store::contacts::{ContactFields, NewIdentity};
use kefu_store::schema::{ContactIdentities, Contacts, EntityTags, Organisations};
use kefu_store::{Backend, Db};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_query::Query;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Args, Debug, Clone)]
pub struct ArchiveBenchArgs {
    /// Contacts in the generated archive.
    #[arg(long, default_value_t = 1_000_000)]
    pub contacts: usize,
    /// Organisations in the generated archive.
    #[arg(long, default_value_t = 200_000)]
    pub organisations: usize,
    /// Timed requests per case.
    #[arg(long, default_value_t = 100)]
    pub samples: usize,
    /// Run on PostgreSQL: a server URL (a database `kefu_bench` is created there).
    #[arg(long)]
    pub postgres: Option<String>,
    /// Where the SQLite archive is generated and kept for later runs.
    #[arg(long, default_value = "kefu-bench-archive")]
    pub dir: PathBuf,
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "晨", "浩", "雪", "婷",
];
const ENGLISH: &[&str] = &[
    "Emily Carter",
    "James Smith",
    "Olivia Brown",
    "Liam Johnson",
    "Sophia Miller",
    "Noah Davis",
    "Ava Wilson",
    "Lucas Moore",
    "Mia Taylor",
    "Ethan Anderson",
];
const CITIES: &[&str] = &[
    "上海", "深圳", "杭州", "广州", "义乌", "宁波", "苏州", "东莞", "佛山", "厦门", "青岛", "温州",
];
const CORE: &[char] = &[
    '明', '远', '华', '强', '云', '衫', '鑫', '源', '泰', '丰', '盛', '达', '宏', '博', '瑞', '祥',
    '恒', '通', '金', '海', '新', '天', '亿', '诚', '信', '嘉', '禾', '晟', '凯', '航', '德', '隆',
    '佳', '美', '康', '润', '星', '辰', '鹏', '飞',
];
const TRADES: &[&str] = &[
    "贸易", "电子", "服饰", "五金", "塑料", "科技", "家居", "食品", "纺织", "包装", "灯饰", "玩具",
];
const LEVELS: &[&str] = &["registered", "trading", "microsite"];
const SOURCES: &[&str] = &[
    "qq_group",
    "wechat",
    "alibaba",
    "phone",
    "website",
    "exhibition",
    "other",
];
const COUNTRIES: &[&str] = &["CN", "CN", "CN", "CN", "US", "GB", "DE", "JP", "AE", "BR"];
const TAGS: &[&str] = &["VIP", "重点客户", "批发", "投诉", "老客户", "展会"];
const OWNERS: usize = 20;

fn pick<'a, T: ?Sized>(rng: &mut StdRng, from: &'a [&'a T]) -> &'a T {
    from[rng.random_range(0..from.len())]
}

fn company(rng: &mut StdRng) -> String {
    let a = CORE[rng.random_range(0..CORE.len())];
    let b = CORE[rng.random_range(0..CORE.len())];
    format!("{}{a}{b}{}有限公司", pick(rng, CITIES), pick(rng, TRADES))
}

/// The n-th contact's phone: unique, a valid mainland mobile number.
fn phone(n: usize) -> String {
    format!(
        "+86{}",
        13_000_000_000u64 + (n as u64) * 7_919 % 6_000_000_000
    )
}

pub async fn run(args: ArchiveBenchArgs) -> anyhow::Result<()> {
    let (mut db, serve_env) = open(&args, false).await?;
    let existing = count_contacts(&db).await?;
    if existing != args.contacts as i64 {
        if existing > 0 {
            println!(
                "the kept archive has {existing} contacts, not {}: generating it again",
                args.contacts
            );
            db.close().await;
            db = open(&args, true).await?.0;
        }
        generate(&db, &args).await?;
    } else {
        println!("reusing the archive already generated ({existing} contacts)");
    }
    let token = admin_token(&db).await?;
    let backend = db.backend();

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut server = std::process::Command::new(std::env::current_exe()?)
        .arg("serve")
        .env(serve_env.0, &serve_env.1)
        .env("KEFU_BIND", format!("127.0.0.1:{port}"))
        .env("KEFU_LOG", "warn")
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let result = measure(&args, backend, &serve_env.1, &base, &token).await;
    let _ = server.kill();
    let _ = server.wait();
    result
}

/// The benchmark's database, migrated; `fresh` starts it over.
async fn open(
    args: &ArchiveBenchArgs,
    fresh: bool,
) -> anyhow::Result<(Db, (&'static str, String))> {
    let (db, serve_env) = match &args.postgres {
        Some(url) => {
            let admin = Db::connect_postgres(url, None, 1).await?;
            let pool = admin.pg_pool().expect("postgres").clone();
            if fresh {
                sqlx::raw_sql("DROP DATABASE IF EXISTS kefu_bench WITH (FORCE)")
                    .execute(&pool)
                    .await?;
            }
            let exists: Option<(i32,)> =
                sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = 'kefu_bench'")
                    .fetch_optional(&pool)
                    .await?;
            if exists.is_none() {
                sqlx::raw_sql("CREATE DATABASE kefu_bench")
                    .execute(&pool)
                    .await?;
            }
            admin.close().await;
            let bench_url = replace_database(url, "kefu_bench");
            let db = Db::connect_postgres(&bench_url, None, 4).await?;
            (db, ("KEFU_DATABASE_URL", bench_url))
        }
        None => {
            if fresh {
                std::fs::remove_dir_all(&args.dir)?;
            }
            std::fs::create_dir_all(&args.dir)?;
            let db = Db::open_sqlite(&args.dir.join("kefu.sqlite3")).await?;
            (
                db,
                ("KEFU_DATA_DIR", args.dir.to_string_lossy().into_owned()),
            )
        }
    };
    db.migrate().await?;
    Ok((db, serve_env))
}

async fn count_contacts(db: &Db) -> anyhow::Result<i64> {
    let (n,): (i64,) = db
        .fetch_one(
            &Query::select()
                .expr(sea_query::Expr::cust("COUNT(*)"))
                .from(Contacts::Table)
                .take(),
        )
        .await?;
    Ok(n)
}

pub(crate) fn replace_database(url: &str, name: &str) -> String {
    let (head, tail) = url
        .split_once('?')
        .map_or((url, None), |(h, t)| (h, Some(t)));
    let base = head.rsplit_once('/').map_or(head, |(b, _)| b);
    match tail {
        Some(t) => format!("{base}/{name}?{t}"),
        None => format!("{base}/{name}"),
    }
}

/// A fresh, migrated database for a benchmark: `name` (a constant) made anew on the PostgreSQL server at
/// `postgres`, or a new SQLite file in `dir`.
pub(crate) async fn fresh_database(
    postgres: Option<&str>,
    name: &'static str,
    dir: &std::path::Path,
) -> anyhow::Result<Db> {
    let db = match postgres {
        Some(url) => {
            let admin = Db::connect_postgres(url, None, 1).await?;
            let pool = admin.pg_pool().expect("postgres").clone();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&pool)
            .await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await?;
            admin.close().await;
            Db::connect_postgres(&replace_database(url, name), None, 20).await?
        }
        None => {
            if dir.exists() {
                std::fs::remove_dir_all(dir)?;
            }
            std::fs::create_dir_all(dir)?;
            Db::open_sqlite(&dir.join("kefu.sqlite3")).await?
        }
    };
    db.migrate().await?;
    Ok(db)
}

async fn admin_token(db: &Db) -> anyhow::Result<String> {
    let app = kefu_app::App::start(
        db.clone(),
        kefu_app::AppConfig {
            password_cost: kefu_app::PasswordCost::Fast,
            ..Default::default()
        },
    )
    .await?;
    let err = |e: kefu_app::AppError| anyhow::anyhow!("{e}");
    let user = match kefu_store::users::find_by_email(db, "bench@kefu.test").await? {
        Some(u) => u,
        None => kefu_app::users::insert_user(
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
        .map_err(err)?,
    };
    let (token, _) = kefu_app::auth::create_token(&app, user.id, "bench")
        .await
        .map_err(err)?;
    app.hub.stop();
    Ok(token)
}

/// Rows per INSERT statement while generating.
const BATCH: usize = 500;

async fn generate(db: &Db, args: &ArchiveBenchArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(20_261_123);
    let now = kefu_domain::time::now_ms();
    // Owners: staff users the archive is spread over.
    let mut owners = Vec::new();
    for i in 0..OWNERS {
        let email = format!("owner{i}@kefu.test");
        let user = match kefu_store::users::find_by_email(db, &email).await? {
            Some(u) => u,
            None => {
                let mut tx = db.begin().await?;
                let u = kefu_store::users::insert(
                    &mut tx,
                    &kefu_store::users::NewUser {
                        email: &email,
                        name: &format!("客服{i}"),
                        role: "agent",
                        password_hash: "!",
                        locale: "zh-CN",
                        now,
                    },
                )
                .await?;
                tx.commit().await?;
                u
            }
        };
        owners.push(user.id);
    }

    let mut org_names = Vec::with_capacity(args.organisations);
    let mut id = 0i64;
    while org_names.len() < args.organisations {
        let mut tx = db.begin().await?;
        let mut orgs = Query::insert();
        orgs.into_table(Organisations::Table).columns([
            Organisations::Id,
            Organisations::Name,
            Organisations::NameKey,
            Organisations::Country,
            Organisations::Products,
            Organisations::MemberLevel,
            Organisations::SourceChannel,
            Organisations::OwnerId,
            Organisations::Tags,
            Organisations::SearchTokens,
            Organisations::CreatedAt,
            Organisations::UpdatedAt,
        ]);
        let mut tags = Query::insert();
        tags.into_table(EntityTags::Table).columns([
            EntityTags::Entity,
            EntityTags::EntityId,
            EntityTags::Tag,
        ]);
        let mut tagged = false;
        for _ in 0..BATCH.min(args.organisations - org_names.len()) {
            id += 1;
            let name = company(&mut rng);
            let trade = TRADES
                .iter()
                .find(|t| name.contains(*t))
                .copied()
                .unwrap_or("贸易");
            let tag: Option<&str> = rng.random_bool(0.2).then(|| pick(&mut rng, TAGS));
            let mut doc = Document::default();
            doc.text(&name).text(trade);
            if let Some(t) = tag {
                doc.text(t);
                tags.values_panic(["organisation".into(), id.into(), t.into()]);
                tagged = true;
            }
            orgs.values_panic([
                id.into(),
                name.as_str().into(),
                kefu_app::organisations::name_key(&name).into(),
                pick(&mut rng, COUNTRIES).into(),
                serde_json::json!([trade]).to_string().into(),
                pick(&mut rng, LEVELS).into(),
                pick(&mut rng, SOURCES).into(),
                owners[rng.random_range(0..owners.len())].into(),
                serde_json::json!(tag.into_iter().collect::<Vec<_>>())
                    .to_string()
                    .into(),
                doc.finish().into(),
                (now - id).into(),
                now.into(),
            ]);
            org_names.push(name);
        }
        tx.execute(&orgs).await?;
        if tagged {
            tx.execute(&tags).await?;
        }
        tx.commit().await?;
    }
    println!(
        "generated {} organisations in {:.1}s",
        org_names.len(),
        started.elapsed().as_secs_f64()
    );

    let mut n = 0usize;
    while n < args.contacts {
        let mut tx = db.begin().await?;
        let mut contacts = Query::insert();
        contacts.into_table(Contacts::Table).columns([
            Contacts::Id,
            Contacts::Name,
            Contacts::Title,
            Contacts::Email,
            Contacts::Phone,
            Contacts::OrganisationId,
            Contacts::OwnerId,
            Contacts::Country,
            Contacts::Tags,
            Contacts::SearchTokens,
            Contacts::CreatedAt,
            Contacts::UpdatedAt,
        ]);
        let mut identities = Query::insert();
        identities.into_table(ContactIdentities::Table).columns([
            ContactIdentities::ContactId,
            ContactIdentities::Kind,
            ContactIdentities::Value,
            ContactIdentities::CreatedAt,
        ]);
        let mut tags = Query::insert();
        tags.into_table(EntityTags::Table).columns([
            EntityTags::Entity,
            EntityTags::EntityId,
            EntityTags::Tag,
        ]);
        let mut tagged = false;
        for _ in 0..BATCH.min(args.contacts - n) {
            n += 1;
            let id = n as i64;
            let org = rng.random_range(0..org_names.len());
            let name = if rng.random_bool(0.15) {
                pick(&mut rng, ENGLISH).to_owned()
            } else {
                format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN))
            };
            let phone = phone(n);
            let email = format!("c{n}@example-{org}.com");
            let tag: Option<&str> = rng.random_bool(0.3).then(|| pick(&mut rng, TAGS));
            let fields = ContactFields {
                name: name.clone(),
                title: Some("采购".into()),
                tags: tag.iter().map(|t| (*t).to_owned()).collect(),
                ..ContactFields::default()
            };
            let ids = [
                NewIdentity {
                    kind: "phone".into(),
                    value: phone.clone(),
                    label: None,
                },
                NewIdentity {
                    kind: "email".into(),
                    value: email.clone(),
                    label: None,
                },
            ];
            let tokens = kefu_app::contacts::search_tokens(&fields, &ids, Some(&org_names[org]));
            for i in &ids {
                identities.values_panic([
                    id.into(),
                    i.kind.as_str().into(),
                    i.value.as_str().into(),
                    now.into(),
                ]);
            }
            if let Some(t) = tag {
                tags.values_panic(["contact".into(), id.into(), t.into()]);
                tagged = true;
            }
            contacts.values_panic([
                id.into(),
                name.into(),
                "采购".into(),
                email.into(),
                phone.into(),
                (org as i64 + 1).into(),
                owners[rng.random_range(0..owners.len())].into(),
                pick(&mut rng, COUNTRIES).into(),
                serde_json::json!(fields.tags).to_string().into(),
                tokens.into(),
                (now - id).into(),
                now.into(),
            ]);
        }
        tx.execute(&contacts).await?;
        tx.execute(&identities).await?;
        if tagged {
            tx.execute(&tags).await?;
        }
        tx.commit().await?;
        if n.is_multiple_of(100_000) {
            println!(
                "generated {n} contacts in {:.1}s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    let mut tx = db.begin().await?;
    if db.backend() == Backend::Postgres {
        // Sequences follow the explicit ids.
        for t in ["contacts", "organisations"] {
            tx.execute_raw(&format!(
                "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"
            ))
            .await?;
        }
    }
    if db.backend() == Backend::Sqlite {
        tx.execute_raw("ANALYZE").await?;
    }
    tx.commit().await?;
    // Statistics for the planner and a clean full-text index (no pending list), as
    // autovacuum leaves a live database.
    if let Some(pool) = db.pg_pool() {
        sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await?;
    }
    println!(
        "generated the archive in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One timed case: the API path kefu serves and the bare SQL the database runs for it.
struct Case {
    name: &'static str,
    kind: Kind,
    /// Paths with their query strings, one per sample.
    paths: Vec<String>,
    /// The bare query per sample: SQL and its one text parameter (if any).
    raw: Vec<(String, Option<String>)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Search,
    List,
}

fn cases(args: &ArchiveBenchArgs, backend: Backend) -> Vec<Case> {
    let mut rng = StdRng::seed_from_u64(7);
    let pg = backend == Backend::Postgres;
    let contact_cols = "c.id, c.name, c.title, c.email, c.phone, c.organisation_id, \
        o.name AS organisation_name, c.owner_id, c.language, c.country, c.time_zone, c.tags, \
        c.custom, c.consent_call, c.consent_message, c.consent_email, c.merged_into, \
        c.erased_at, c.created_at, c.updated_at";
    let from = "FROM contacts c LEFT JOIN organisations o ON o.id = c.organisation_id";
    let param = if pg { "$1" } else { "?1" };
    let search_sql = |table: &str, cols: &str, from: &str, alias: &str| {
        if pg {
            format!(
                "SELECT {cols} {from} WHERE {alias}.search_vector @@ $1::tsquery \
                 AND {alias}.merged_into IS NULL ORDER BY {alias}.id DESC LIMIT 50"
            )
        } else {
            format!(
                "SELECT {cols} {from} JOIN {table}_fts ON {table}_fts.rowid = {alias}.id \
                 WHERE {table}_fts MATCH ?1 AND {alias}.merged_into IS NULL \
                 ORDER BY {table}_fts.rowid DESC LIMIT 50"
            )
        }
    };
    let raw_query = |q: &str| {
        let parsed = SearchQuery::parse(q);
        if pg {
            parsed.to_tsquery()
        } else {
            parsed.to_fts5()
        }
    };
    let n = args.samples;
    let contacts = args.contacts;
    let search = |name: &'static str, table: &str, words: Vec<String>| {
        let (cols, from_clause, alias, api) = if table == "contacts" {
            (contact_cols, from, "c", "/api/v1/contacts")
        } else {
            ("o.*", "FROM organisations o", "o", "/api/v1/organisations")
        };
        let sql = search_sql(table, cols, from_clause, alias);
        Case {
            name,
            kind: Kind::Search,
            paths: words
                .iter()
                .map(|w| format!("{api}?q={}", urlencode(w)))
                .collect(),
            raw: words
                .iter()
                .map(|w| (sql.clone(), Some(raw_query(w))))
                .collect(),
        }
    };
    let fragment = |rng: &mut StdRng| {
        let a = CORE[rng.random_range(0..CORE.len())];
        let b = CORE[rng.random_range(0..CORE.len())];
        format!("{a}{b}")
    };
    let mut out = vec![
        search(
            "contacts: part of a Chinese company name (明远)",
            "contacts",
            (0..n).map(|_| fragment(&mut rng)).collect(),
        ),
        search(
            "contacts: city + trade (深圳 电子)",
            "contacts",
            (0..n)
                .map(|_| format!("{} {}", pick(&mut rng, CITIES), pick(&mut rng, TRADES)))
                .collect(),
        ),
        search(
            "contacts: person's name (王芳)",
            "contacts",
            (0..n)
                .map(|_| format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN)))
                .collect(),
        ),
        search(
            "contacts: phone as typed (138 1234 5678)",
            "contacts",
            (0..n)
                .map(|_| {
                    let d = phone(rng.random_range(1..=contacts));
                    format!("{} {} {}", &d[3..6], &d[6..10], &d[10..])
                })
                .collect(),
        ),
        search(
            "contacts: last four digits",
            "contacts",
            (0..n)
                .map(|_| format!("{:04}", rng.random_range(0..10_000)))
                .collect(),
        ),
        search(
            "contacts: email",
            "contacts",
            (0..n)
                .map(|_| {
                    let i = rng.random_range(1..=contacts);
                    format!("c{i}@example")
                })
                .collect(),
        ),
        search(
            "contacts: English name (emily)",
            "contacts",
            (0..n)
                .map(|_| {
                    pick(&mut rng, ENGLISH)
                        .split(' ')
                        .next()
                        .unwrap_or("")
                        .to_lowercase()
                })
                .collect(),
        ),
        search(
            "organisations: part of a name (华强)",
            "organisations",
            (0..n).map(|_| fragment(&mut rng)).collect(),
        ),
    ];
    let list = |name: &'static str, api: &str, sql: String, values: Vec<String>| Case {
        name,
        kind: Kind::List,
        paths: values
            .iter()
            .map(|v| api.replace("{}", &urlencode(v)))
            .collect(),
        raw: values.into_iter().map(|v| (sql.clone(), Some(v))).collect(),
    };
    let order = "ORDER BY c.id DESC LIMIT 50";
    out.push(list(
        "contacts: newest first, page after a random cursor",
        "/api/v1/contacts?cursor={}",
        format!(
            "SELECT {contact_cols} {from} WHERE c.merged_into IS NULL AND c.id < CAST({param} AS BIGINT) {order}"
        ),
        (0..n)
            .map(|_| rng.random_range(1..=contacts).to_string())
            .collect(),
    ));
    out.push(list(
        "contacts: by member level",
        "/api/v1/contacts?member_level={}",
        format!("SELECT {contact_cols} {from} WHERE c.merged_into IS NULL AND c.member_level = {param} {order}"),
        (0..n).map(|_| pick(&mut rng, LEVELS).to_owned()).collect(),
    ));
    out.push(list(
        "contacts: by country",
        "/api/v1/contacts?country={}",
        format!("SELECT {contact_cols} {from} WHERE c.merged_into IS NULL AND c.country = {param} {order}"),
        (0..n).map(|_| pick(&mut rng, COUNTRIES).to_owned()).collect(),
    ));
    out.push(list(
        "contacts: by tag",
        "/api/v1/contacts?tag={}",
        format!(
            "SELECT {contact_cols} {from} WHERE c.merged_into IS NULL AND c.id IN \
             (SELECT entity_id FROM entity_tags WHERE entity = 'contact' AND tag = {param}) {order}"
        ),
        (0..n).map(|_| pick(&mut rng, TAGS).to_owned()).collect(),
    ));
    out.push(list(
        "contacts: by owner",
        "/api/v1/contacts?owner_id={}",
        format!("SELECT {contact_cols} {from} WHERE c.merged_into IS NULL AND c.owner_id = CAST({param} AS BIGINT) {order}"),
        (0..n)
            .map(|_| rng.random_range(1..=OWNERS as i64 + 1).to_string())
            .collect(),
    ));
    out.push(list(
        "organisations: by member level and source",
        "/api/v1/organisations?member_level=trading&source_channel={}",
        format!(
            "SELECT o.* FROM organisations o WHERE o.merged_into IS NULL AND o.member_level = 'trading' \
             AND o.source_channel = {param} ORDER BY o.id DESC LIMIT 50"
        ),
        (0..n).map(|_| pick(&mut rng, SOURCES).to_owned()).collect(),
    ));
    out
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub(crate) fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
    samples[i].as_secs_f64() * 1000.0
}

async fn measure(
    args: &ArchiveBenchArgs,
    backend: Backend,
    place: &str,
    base: &str,
    token: &str,
) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    for _ in 0..200 {
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
    let raw = RawDb::open(backend, place).await?;
    println!(
        "\n{} — {} contacts, {} organisations, {} samples per case (p50 / p95 in ms)\n",
        match backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        },
        args.contacts,
        args.organisations,
        args.samples
    );
    println!("| case | kefu p50 | kefu p95 | raw p50 | raw p95 | raw/kefu p95 |");
    println!("|---|---|---|---|---|---|");
    let mut worst = [(0.0f64, ""), (0.0f64, "")];
    for case in cases(args, backend) {
        // Warm-up: the first few requests of each case are not counted.
        for path in case.paths.iter().take(5) {
            http.get(format!("{base}{path}"))
                .bearer_auth(token)
                .send()
                .await?
                .error_for_status()?;
        }
        let mut kefu = Vec::with_capacity(case.paths.len());
        for path in &case.paths {
            let t = Instant::now();
            let body = http
                .get(format!("{base}{path}"))
                .bearer_auth(token)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            kefu.push(t.elapsed());
            std::hint::black_box(body);
        }
        let mut bare = Vec::with_capacity(case.raw.len());
        for (sql, param) in &case.raw {
            bare.push(raw.time(sql, param.as_deref()).await?);
        }
        let (k50, k95) = (percentile(&mut kefu, 0.5), percentile(&mut kefu, 0.95));
        let (r50, r95) = (percentile(&mut bare, 0.5), percentile(&mut bare, 0.95));
        println!(
            "| {} | {k50:.2} | {k95:.2} | {r50:.2} | {r95:.2} | {:.2} |",
            case.name,
            r95 / k95
        );
        let slot = usize::from(case.kind == Kind::List);
        if k95 > worst[slot].0 {
            worst[slot] = (k95, case.name);
        }
    }
    println!(
        "\nworst search p95 {:.2} ms ({}; target ≤ 50 ms); worst list p95 {:.2} ms ({}; target ≤ 20 ms)",
        worst[0].0, worst[0].1, worst[1].0, worst[1].1
    );
    Ok(())
}

/// The database reached without kefu: rusqlite on the SQLite file, or a plain pool.
enum RawDb {
    Sqlite(rusqlite::Connection),
    Postgres(sqlx::PgPool),
}

impl RawDb {
    async fn open(backend: Backend, place: &str) -> anyhow::Result<Self> {
        Ok(match backend {
            Backend::Sqlite => {
                let path = PathBuf::from(place).join("kefu.sqlite3");
                let conn = rusqlite::Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )?;
                RawDb::Sqlite(conn)
            }
            // The same session settings kefu uses (plans made for each query's values).
            Backend::Postgres => RawDb::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(
                        place
                            .parse::<sqlx::postgres::PgConnectOptions>()?
                            .options([("plan_cache_mode", "force_custom_plan")]),
                    )
                    .await?,
            ),
        })
    }

    /// Runs the query, reading every row and column, and returns how long it took.
    async fn time(&self, sql: &str, param: Option<&str>) -> anyhow::Result<Duration> {
        let t = Instant::now();
        match self {
            RawDb::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                let columns = stmt.column_count();
                let params: Vec<&dyn rusqlite::ToSql> = match &param {
                    Some(p) => vec![p as &dyn rusqlite::ToSql],
                    None => vec![],
                };
                let mut rows = stmt.query(params.as_slice())?;
                while let Some(row) = rows.next()? {
                    for c in 0..columns {
                        std::hint::black_box(row.get_ref(c)?);
                    }
                }
            }
            RawDb::Postgres(pool) => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
                if let Some(p) = param {
                    q = q.bind(p);
                }
                std::hint::black_box(q.fetch_all(pool).await?);
            }
        }
        Ok(t.elapsed())
    }
}
