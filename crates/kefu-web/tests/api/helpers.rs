//! The test harness: a real kefu server on 127.0.0.1:0 over a fresh database —
//! a temporary SQLite file, or, when KEFU_TEST_POSTGRES_URL is set, a fresh
//! PostgreSQL schema that is dropped afterwards.

use futures_util::StreamExt;
use kefu_app::{App, AppConfig, PasswordCost};
use kefu_store::Db;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{}_{n}", std::process::id(), nanos)
}

/// Where a test's database lives; removed when dropped.
pub enum TestDb {
    Sqlite(std::path::PathBuf),
    Postgres { url: String, schema: String },
}

impl TestDb {
    pub async fn create() -> (Self, Db) {
        match std::env::var("KEFU_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(url) => {
                let schema = unique("kefu_t");
                let admin = Db::connect_postgres(&url, None, 1)
                    .await
                    .expect("PostgreSQL reachable at KEFU_TEST_POSTGRES_URL");
                let pool = admin.pg_pool().expect("postgres").clone();
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&pool)
                    .await
                    .expect("create schema");
                pool.close().await;
                let db = Self::open_postgres(&url, &schema).await;
                (TestDb::Postgres { url, schema }, db)
            }
            None => {
                let dir = std::env::temp_dir().join(unique("kefu-test"));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let db = Db::open_sqlite(&dir.join("kefu.sqlite3"))
                    .await
                    .expect("open sqlite");
                (TestDb::Sqlite(dir), db)
            }
        }
    }

    async fn open_postgres(url: &str, schema: &str) -> Db {
        Db::connect_postgres(url, Some(schema), 10)
            .await
            .expect("connect to test schema")
    }

    /// A second handle on the same database (a second kefu instance).
    pub async fn open_again(&self) -> Db {
        match self {
            TestDb::Sqlite(dir) => Db::open_sqlite(&dir.join("kefu.sqlite3"))
                .await
                .expect("reopen sqlite"),
            TestDb::Postgres { url, schema } => Self::open_postgres(url, schema).await,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDb::Postgres { url, schema } => {
                let (url, schema) = (url.clone(), schema.clone());
                // Drop runs outside any runtime we may block: use a thread of its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async {
                        let Ok(db) = Db::connect_postgres(&url, None, 1).await else {
                            return;
                        };
                        if let Some(pool) = db.pg_pool() {
                            // A rolled-back transaction of the test may still hold a lock until
                            // its pool flushes the rollback on the (now blocked) test runtime:
                            // give up after a while rather than wait forever. CI drops the
                            // whole database per run.
                            let drop = format!(
                                "SET lock_timeout = '2s'; DROP SCHEMA IF EXISTS {schema} CASCADE"
                            );
                            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(drop)).execute(pool).await;
                            pool.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// One running kefu server.
pub struct Instance {
    pub base: String,
    pub app: App,
    /// This instance's blob store (a temporary directory, removed when dropped).
    pub blob_dir: std::path::PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl Instance {
    pub async fn start(db: Db) -> Self {
        let blob_dir = std::env::temp_dir().join(unique("kefu-blobs"));
        let local = kefu_app::blobs::BlobSettings::Local {
            dir: blob_dir.clone(),
        };
        Self::start_with_blobs(db, local, blob_dir).await
    }

    /// [`Instance::start`] keeping attachments where `blobs` says (`blob_dir` is removed
    /// when the instance is dropped).
    pub async fn start_with_blobs(
        db: Db,
        blobs: kefu_app::blobs::BlobSettings,
        blob_dir: std::path::PathBuf,
    ) -> Self {
        db.migrate().await.expect("migrate");
        let app = App::start(
            db,
            AppConfig {
                password_cost: PasswordCost::Fast,
                blobs,
                ..Default::default()
            },
        )
        .await
        .expect("app");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server_app = app.clone();
        let handle = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            kefu_web::serve(
                server_app,
                kefu_web::WebConfig::default(),
                listener,
                shutdown,
            )
            .await
            .expect("serve");
        });
        Self {
            base,
            app,
            blob_dir,
            stop: Some(stop),
            handle: Some(handle),
        }
    }

    /// Stops the server gracefully and waits until it has.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(h) = self.handle.take() {
            tokio::time::timeout(Duration::from_secs(10), h)
                .await
                .expect("server stops within 10 s")
                .expect("server task");
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.blob_dir);
    }
}

/// A test's server, database and HTTP client, with builders for test data.
pub struct TestApp {
    pub server: Instance,
    pub http: reqwest::Client,
    pub admin_token: String,
    pub db_place: TestDb,
}

pub const PASSWORD: &str = "correct-horse-battery";

impl TestApp {
    pub async fn spawn() -> Self {
        let (db_place, db) = TestDb::create().await;
        let server = Instance::start(db).await;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let mut t = Self {
            server,
            http,
            admin_token: String::new(),
            db_place,
        };
        t.admin_token = t.user_token("admin@shop.test", "店长 Admin", "admin").await;
        t
    }

    pub fn app(&self) -> &App {
        &self.server.app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base)
    }

    /// Creates a user with this role (through the library) and returns an API token.
    pub async fn user_token(&self, email: &str, name: &str, role: &str) -> String {
        let req = kefu_app::users::CreateUser {
            email,
            name,
            role,
            password: PASSWORD,
            locale: Some("en"),
        };
        let user = kefu_app::users::insert_user(self.app(), &req)
            .await
            .expect("create user");
        kefu_app::auth::create_token(self.app(), user.id, "test")
            .await
            .expect("token")
            .0
    }

    /// A staff member as the use cases see them (for what the API does not offer).
    /// A field of a user as `GET /api/v1/users` lists them, found by email.
    pub async fn user_field(&self, email: &str, field: &str) -> Value {
        let (_, users) = status_and_json(self.get("/api/v1/users", &self.admin_token).await).await;
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap()[field]
            .clone()
    }

    /// The ids of the records a list endpoint returns in `data` (one page, as the admin);
    /// asserts 200.
    pub async fn listed_ids(&self, path: &str) -> Vec<i64> {
        self.listed_ids_as(path, &self.admin_token).await
    }

    /// [`TestApp::listed_ids`] as the holder of `token`.
    pub async fn listed_ids_as(&self, path: &str, token: &str) -> Vec<i64> {
        let (status, page) = status_and_json(self.get(path, token).await).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    }

    pub async fn actor(&self, email: &str) -> kefu_app::Actor {
        let u = kefu_store::users::find_by_email(&self.app().db, email)
            .await
            .expect("read user")
            .expect("user exists");
        kefu_app::Actor {
            user_id: u.id,
            role: kefu_domain::Role::parse(&u.role).expect("role"),
            locale: kefu_domain::UiLocale::parse(&u.locale).expect("locale"),
            name: u.name,
            email: u.email,
        }
    }

    /// The language a staff member chose for the workspace.
    pub async fn set_locale(&self, email: &str, locale: &str) {
        kefu_app::users::set_locale(self.app(), &self.actor(email).await, locale)
            .await
            .expect("set locale");
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// Posts `body` as the admin and expects `201 Created`; returns what was created.
    pub async fn created(&self, path: &str, body: Value) -> Value {
        let r = self.post(path, &self.admin_token, &body).await;
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.http
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// A widget inbox (optionally with an auto-reply); returns (id, widget token).
    pub async fn widget_inbox(&self, auto_reply: Option<&str>) -> (i64, String) {
        let r = self
            .post(
                "/api/v1/inboxes",
                &self.admin_token,
                &json!({ "name": "示例商城", "channel": "widget", "auto_reply": auto_reply }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.expect("json");
        (
            v["id"].as_i64().expect("id"),
            v["widget_token"].as_str().expect("token").to_owned(),
        )
    }

    /// A new widget visitor; returns their visitor token.
    pub async fn visitor(&self, widget: &str) -> String {
        let r = self
            .http
            .post(self.url("/widget/v1/sessions"))
            .json(&json!({ "widget_token": widget, "locale": "zh-CN" }))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.expect("json");
        v["visitor_token"]
            .as_str()
            .expect("visitor token")
            .to_owned()
    }

    /// The visitor writes; returns the response.
    pub async fn visitor_says(
        &self,
        widget: &str,
        visitor: &str,
        body: &str,
        client_id: Option<&str>,
    ) -> Response {
        self.http
            .post(self.url("/widget/v1/messages"))
            .header("x-kefu-widget", widget)
            .header("x-kefu-visitor", visitor)
            .json(&json!({ "body": body, "client_id": client_id }))
            .send()
            .await
            .expect("request")
    }

    /// A conversation started by a new visitor; returns (conversation id, visitor token).
    pub async fn conversation(&self, widget: &str, first: &str) -> (i64, String) {
        let visitor = self.visitor(widget).await;
        let r = self.visitor_says(widget, &visitor, first, None).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.expect("json");
        (
            v["message"]["conversation_id"]
                .as_i64()
                .expect("conversation id"),
            visitor,
        )
    }

    /// The contact of a conversation.
    pub async fn contact_of(&self, conversation: i64) -> i64 {
        let c: Value = self
            .get(
                &format!("/api/v1/conversations/{conversation}"),
                &self.admin_token,
            )
            .await
            .json()
            .await
            .expect("json");
        c["contact_id"].as_i64().expect("contact id")
    }

    /// Signs in through the login form; returns (cookie header value, CSRF token).
    pub async fn sign_in(&self, email: &str, password: &str) -> (String, String) {
        let r = self
            .http
            .post(self.url("/login"))
            .form(&[("email", email), ("password", password), ("next", "/app")])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "login should redirect");
        let cookie = r
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .expect("session cookie")
            .split(';')
            .next()
            .expect("cookie")
            .to_owned();
        let page = self
            .http
            .get(self.url("/app/conversations"))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        let csrf = page
            .split("name=\"csrf-token\" content=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("csrf meta")
            .to_owned();
        (cookie, csrf)
    }

    pub async fn count(&self, table: &str) -> i64 {
        use sea_query::{Alias, Expr, Query};
        let q = Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from(Alias::new(table))
            .take();
        let (n,): (i64,) = self.app().db.fetch_one(&q).await.expect("count");
        n
    }

    /// Erases a contact's personal data on their request, as `token` (a manager's).
    pub async fn erase_contact(&self, token: &str, contact: i64) -> StatusCode {
        let body = json!({ "reason": "客户要求删除" });
        let r = self
            .post(&format!("/api/v1/contacts/{contact}/erase"), token, &body)
            .await;
        r.status()
    }
}

/// An SSE client: reads `id`, `event` and `data` of each event.
pub struct EventStream {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buf: String,
}

#[derive(Debug, Clone)]
pub struct Sse {
    pub id: i64,
    pub kind: String,
    pub data: Value,
}

impl EventStream {
    pub async fn open(req: reqwest::RequestBuilder) -> Self {
        let res = req.send().await.expect("stream request");
        assert_eq!(res.status(), StatusCode::OK, "stream opens");
        Self {
            body: Box::pin(res.bytes_stream()),
            buf: String::new(),
        }
    }

    /// The next event, or None if none arrives within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf.drain(..end + 2).collect();
                let mut e = Sse {
                    id: 0,
                    kind: String::new(),
                    data: Value::Null,
                };
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        e.id = v.trim().parse().unwrap_or(0);
                    } else if let Some(v) = line.strip_prefix("event:") {
                        e.kind = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        e.data = serde_json::from_str(v.trim()).unwrap_or(Value::Null);
                    }
                }
                if !e.kind.is_empty() {
                    return Some(e);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()??
                .ok()?;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Events until one of `kind` arrives (within `wait`).
    pub async fn next_of(&mut self, kind: &str, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let e = self.next(left).await?;
            if e.kind == kind {
                return Some(e);
            }
        }
    }
}

/// A response's status and JSON body (`null` when it has none).
pub async fn status_and_json(r: Response) -> (StatusCode, Value) {
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}
