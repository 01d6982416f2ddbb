//! The real `kefu` binary fetching a mailbox from a real dovecot is killed (SIGKILL) in the
//! middle of the fetch and started again: every mail is stored exactly once. On SQLite, and
//! on PostgreSQL when `KEFU_TEST_POSTGRES_URL` names a server (a database of its own is made
//! there for the test and dropped after).

use kefu_channels::testing::MailServers;
use serde_json::{Value, json};
use sqlx::{Connection, Executor};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Mails in the mailbox: many batches of 50, so a kill lands between two of them.
const MAILS: usize = 1500;

/// Where the test's kefu keeps its data.
enum Place {
    Sqlite(PathBuf),
    Postgres {
        admin: String,
        url: String,
        name: String,
    },
}

impl Place {
    async fn new(dir: &Path) -> Self {
        let Ok(admin) = std::env::var("KEFU_TEST_POSTGRES_URL") else {
            return Place::Sqlite(dir.join("kefu.sqlite3"));
        };
        let name = format!("kefu_crash_{}", std::process::id());
        let mut c = sqlx::PgConnection::connect(&admin)
            .await
            .expect("PostgreSQL");
        c.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name}"
        )))
        .await
        .unwrap();
        c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        Place::Postgres { admin, url, name }
    }

    /// (mail rows, distinct Message-IDs of the test's mails, messages, attachments)
    async fn counts(&self) -> (i64, i64, i64, i64) {
        let sql = "SELECT (SELECT COUNT(*) FROM email_messages), \
                   (SELECT COUNT(DISTINCT rfc_message_id) FROM email_messages \
                    WHERE rfc_message_id LIKE 'crash-%@customer.test'), \
                   (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM attachments)";
        match self {
            Place::Sqlite(path) => {
                let url = format!("sqlite://{}?mode=ro", path.display());
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::query_as(sql).fetch_one(&mut c).await.unwrap()
            }
            Place::Postgres { url, .. } => {
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query_as(sql).fetch_one(&mut c).await.unwrap()
            }
        }
    }

    /// The killed instance's mailbox lease runs out (it would after 90 s).
    async fn lease_runs_out(&self) {
        let sql = "UPDATE email_accounts SET lease_until = 0";
        match self {
            Place::Sqlite(path) => {
                let url = format!("sqlite://{}", path.display());
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                c.execute(sql).await.unwrap();
            }
            Place::Postgres { url, .. } => {
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                c.execute(sql).await.unwrap();
            }
        }
    }

    async fn drop_database(&self) {
        if let Place::Postgres { admin, name, .. } = self {
            let mut c = sqlx::PgConnection::connect(admin).await.unwrap();
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            c.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
        }
    }
}

fn kefu(dir: &Path, place: &Place) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kefu"));
    c.env("KEFU_DATA_DIR", dir).env("KEFU_LOG", "warn");
    match place {
        Place::Sqlite(_) => c.env_remove("KEFU_DATABASE_URL"),
        Place::Postgres { url, .. } => c.env("KEFU_DATABASE_URL", url),
    };
    c
}

/// A running `kefu serve`, killed if the test ends early.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path, place: &Place, port: u16) -> Server {
    let child = kefu(dir, place)
        .arg("serve")
        .env("KEFU_BIND", format!("127.0.0.1:{port}"))
        .spawn()
        .unwrap();
    Server(child)
}

async fn until_listening(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "kefu did not start listening");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn mail(i: usize) -> Vec<u8> {
    format!(
        "From: 顾客{i} <buyer{i}@customer.test>\r\nTo: service@shop.test\r\n\
         Subject: 订单 {i} 什么时候发货\r\nMessage-ID: <crash-{i}@customer.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         你好，订单 {i} 什么时候发货？\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn kefu_killed_in_the_middle_of_a_fetch_stores_every_mail_once_after_a_restart() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("service", "pw-service");
    for i in 0..MAILS {
        servers.deliver("service", &mail(i));
    }
    let dir = std::env::temp_dir().join(format!("kefu-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let place = Place::new(&dir).await;

    let migrated = kefu(&dir, &place).arg("migrate").output().unwrap();
    assert!(migrated.status.success(), "{migrated:?}");
    let mut create = kefu(&dir, &place)
        .args(["admin", "create", "--email", "owner@shop.test"])
        .args(["--name", "店长", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = create.stdin.take().unwrap();
    stdin.write_all(b"a-long-password\n").unwrap();
    drop(stdin);
    assert!(create.wait().unwrap().success());
    let token = kefu(&dir, &place)
        .args(["token", "create", "--email", "owner@shop.test"])
        .output()
        .unwrap();
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    kefu_app::blobs::install_tls_provider();
    let http = reqwest::Client::new();
    let mut server = serve(&dir, &place, port);
    until_listening(&http, &base).await;
    let imap = servers.imap_config(
        "service",
        kefu_channels::email::transport::MailAuth::Password("pw-service".into()),
        kefu_channels::email::transport::Security::Tls,
    );
    let created = http
        .post(format!("{base}/api/v1/email-inboxes"))
        .bearer_auth(&token)
        .json(&json!({
            "name": "售后邮箱",
            "email": {
                "address": "service@shop.test",
                "imap": { "host": imap.host, "port": imap.port, "security": "tls",
                          "username": "service", "secret": "pw-service" },
                "tls_ca_pem": servers.cert_pem(),
            }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);
    let _: Value = created.json().await.unwrap();

    // Killed as soon as the first mails are in: the fetch is under way.
    let deadline = Instant::now() + Duration::from_secs(60);
    while place.counts().await.0 == 0 {
        assert!(Instant::now() < deadline, "no mail was fetched");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    let (at_kill, distinct, _, _) = place.counts().await;
    assert!(
        at_kill > 0 && (at_kill as usize) < MAILS,
        "killed mid-fetch: {at_kill} of {MAILS} stored"
    );
    assert_eq!(at_kill, distinct);

    place.lease_runs_out().await;
    let server = serve(&dir, &place, port);
    until_listening(&http, &base).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while (place.counts().await.0 as usize) < MAILS {
        assert!(
            Instant::now() < deadline,
            "after the restart only {:?} were stored",
            place.counts().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing more arrives late, nothing twice, each mail as it came (none kept as its
    // original file).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let n = MAILS as i64;
    assert_eq!(place.counts().await, (n, n, n, 0));

    drop(server);
    place.drop_database().await;
    let _ = std::fs::remove_dir_all(&dir);
}
