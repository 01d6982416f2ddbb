//! End to end in a real headless Chromium: a visitor writes in the widget on a shop's
//! page (another origin), an agent sees it live in the workspace and replies, the
//! visitor sees the reply live, and the conversation survives a page reload.
//!
//! Needs `chromedriver` and `chromium` (Debian packages). Without them the test
//! says so and passes, unless KEFU_BROWSER_TESTS=required (as in .ci/run).

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use fantoccini::{Client, ClientBuilder, Locator};
use helpers::{PASSWORD, TestApp};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<&'static str> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

async fn start_driver(path: &str) -> (Driver, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http.get(format!("{url}/status")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (Driver(child), url)
}

async fn browser(driver: &str, lang: &str) -> Client {
    // Each browser needs a profile of its own: Chromium refuses a profile in use.
    static PROFILES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = PROFILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile = std::env::temp_dir().join(format!("kefu-chromium-{}-{n}", std::process::id()));
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1366,860",
    ];
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.push(format!("--lang={lang}"));
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), json!({ "args": args, "binary": "/usr/bin/chromium", "prefs": { "intl.accept_languages": lang } }));
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver)
        .await
        .expect("browser session")
}

/// Polls until `find` yields an element whose text contains `text`.
async fn wait_text(c: &Client, css: &str, text: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        for e in c.find_all(Locator::Css(css)).await.unwrap_or_default() {
            let t = e.text().await.unwrap_or_default();
            if t.contains(text) {
                return t;
            }
        }
        if Instant::now() >= deadline {
            let page = c.source().await.unwrap_or_default();
            let log = c
                .execute("return JSON.stringify(window.__kefuLog || [])", vec![])
                .await
                .ok();
            panic!(
                "no '{css}' containing '{text}' within {WAIT:?}\n--- page ---\n{page}\n--- log ---\n{log:?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A shop's page on its own origin, with the snippet pasted in.
async fn shop_page(kefu: &str, widget: &str) -> String {
    let html = format!(
        "<!doctype html><html><head><meta charset=utf-8><title>示例商城</title><style>body{{font-family:serif;color:red}} div{{margin:40px}}</style></head>\
         <body><h1>示例商城 Demo Shop</h1><p>连衣裙 ¥299</p><script src=\"{kefu}/widget.js\" data-kefu-inbox=\"{widget}\" async></script></body></html>"
    );
    let app = axum::Router::new().route(
        "/shop.html",
        axum::routing::get(move || async move { axum::response::Html(html) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/shop.html", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_and_an_agent_chat_live_through_the_widget_and_the_workspace() {
    let Some(driver_path) = chromedriver() else {
        assert!(
            std::env::var("KEFU_BROWSER_TESTS").as_deref() != Ok("required"),
            "chromedriver is required but not installed"
        );
        eprintln!(
            "SKIPPED: chromedriver not installed (apt-get install chromium chromium-driver fonts-noto-cjk); .ci/run installs and requires it"
        );
        return;
    };
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let shop = shop_page(&t.url(""), &widget).await;
    let (_driver, driver_url) = start_driver(driver_path).await;

    // The agent signs in; the workspace speaks the language the agent chose.
    let admin = kefu_store::users::find_by_email(&t.app().db, "admin@shop.test")
        .await
        .unwrap()
        .unwrap();
    let actor = kefu_app::Actor {
        user_id: admin.id,
        name: admin.name,
        email: admin.email,
        role: kefu_domain::Role::Admin,
        locale: kefu_domain::UiLocale::En,
    };
    kefu_app::users::set_locale(t.app(), &actor, "zh-CN")
        .await
        .unwrap();
    let agent = browser(&driver_url, "zh-CN").await;
    agent.goto(&t.url("/login")).await.unwrap();
    agent
        .find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys("admin@shop.test")
        .await
        .unwrap();
    agent
        .find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    agent
        .find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    agent
        .goto(&t.url("/app/conversations?view=all"))
        .await
        .unwrap();
    wait_text(&agent, "#live-state", "实时").await;

    // The visitor writes on the shop's page.
    let visitor = browser(&driver_url, "zh-CN").await;
    visitor.goto(&shop).await.unwrap();
    visitor
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("kefu-launcher"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let input = visitor
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("kefu-input"))
        .await
        .unwrap();
    input
        .send_keys("你好，这条连衣裙有 M 码吗？<b>x</b>")
        .await
        .unwrap();
    visitor
        .find(Locator::Id("kefu-send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&visitor, ".kefu-msg[data-kind=incoming]", "<b>x</b>").await;

    // It appears in the agent's list without a reload; the agent opens it and replies.
    wait_text(&agent, "#conv-list .preview", "这条连衣裙有 M 码吗").await;
    agent
        .find(Locator::Css("#conv-list li.conv a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let thread = wait_text(&agent, "#messages .msg-incoming .body", "M 码").await;
    assert!(
        thread.contains("<b>x</b>"),
        "markup shows as text in the workspace"
    );
    agent
        .find(Locator::Id("composer-body"))
        .await
        .unwrap()
        .send_keys("您好，M 码有货，今天下单明天发货。")
        .await
        .unwrap();
    agent
        .find(Locator::Id("composer-send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&agent, "#messages .msg-outgoing .body", "M 码有货").await;

    // The visitor sees the reply live.
    wait_text(&visitor, ".kefu-msg[data-kind=outgoing]", "M 码有货").await;

    // A second visitor message arrives live in the open thread.
    visitor
        .find(Locator::Id("kefu-input"))
        .await
        .unwrap()
        .send_keys("好的，谢谢！")
        .await
        .unwrap();
    visitor
        .find(Locator::Id("kefu-send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&agent, "#messages .msg-incoming .body", "谢谢").await;
    if let Ok(dir) = std::env::var("KEFU_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            format!("{dir}/workspace.png"),
            agent.screenshot().await.unwrap(),
        )
        .unwrap();
        std::fs::write(
            format!("{dir}/widget.png"),
            visitor.screenshot().await.unwrap(),
        )
        .unwrap();
    }

    // After a reload the conversation is still there.
    visitor.refresh().await.unwrap();
    visitor
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("kefu-launcher"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&visitor, ".kefu-msg[data-kind=outgoing]", "M 码有货").await;
    assert_eq!(t.count("conversations").await, 1);

    agent.close().await.unwrap();
    visitor.close().await.unwrap();
}
