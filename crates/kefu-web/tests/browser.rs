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

/// One browser test at a time: two Chromiums on a small machine make the live list's
/// timing (a row replaced while it is clicked) flaky.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Chromedriver and this test's turn with it; `None` (the test passes, saying it
/// skipped) when it is not installed, unless KEFU_BROWSER_TESTS=required.
async fn browser_turn() -> Option<(&'static str, tokio::sync::MutexGuard<'static, ()>)> {
    let Some(path) = chromedriver() else {
        assert!(
            std::env::var("KEFU_BROWSER_TESTS").as_deref() != Ok("required"),
            "chromedriver is required but not installed"
        );
        eprintln!(
            "SKIPPED: chromedriver not installed (apt-get install chromium chromium-driver fonts-noto-cjk); .ci/run installs and requires it"
        );
        return None;
    };
    Some((path, ONE_AT_A_TIME.lock().await))
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
    kefu_app::blobs::install_tls_provider();
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

/// Clicks the first element matching `css`; should the page swap it out between finding
/// and clicking (a live search's answer landing after the submitted one), finds it again.
async fn click_settled(c: &Client, css: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let clicked = match c.find(Locator::Css(css)).await {
            Ok(e) => e.click().await,
            Err(e) => Err(e),
        };
        match clicked {
            Ok(()) => return,
            Err(e) if Instant::now() >= deadline => panic!("could not click '{css}': {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
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
    let Some((driver_path, _one)) = browser_turn().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let shop = shop_page(&t.url(""), &widget).await;
    let (_driver, driver_url) = start_driver(driver_path).await;

    // The agent signs in; the workspace speaks the language the agent chose.
    t.set_locale("admin@shop.test", "zh-CN").await;
    let agent = browser(&driver_url, "zh-CN").await;
    sign_in(&agent, &t.url(""), "admin@shop.test").await;
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

/// Signs in through the login form.
async fn sign_in(c: &Client, base: &str, email: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Id("me-link"))
        .await
        .unwrap();
}

/// A widget visitor who turns out to be 王芳 of 上海明远贸易有限公司, with a note; returns
/// the contact id.
async fn seed_customer(t: &TestApp) -> i64 {
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "你好，想问一下报价").await;
    let contact = t.contact_of(conversation).await;
    let org: serde_json::Value = t
        .post(
            "/api/v1/organisations",
            &t.admin_token,
            &json!({ "name": "上海明远贸易有限公司", "country": "CN" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = t
        .put(
            &format!("/api/v1/contacts/{contact}"),
            &t.admin_token,
            &json!({ "name": "王芳", "organisation_id": org["id"], "phones": [{"value": "138 1234 5678"}], "time_zone": "Asia/Shanghai" }),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let r = t
        .post(
            &format!("/api/v1/contacts/{contact}/timeline"),
            &t.admin_token,
            &json!({ "kind": "note", "body": "老客户，报价请走批发价" }),
        )
        .await;
    assert!(r.status().is_success());
    contact
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_finds_a_customer_reveals_a_phone_and_a_manager_sees_it_in_the_audit_log() {
    let Some((driver_path, _one)) = browser_turn().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let contact = seed_customer(&t).await;
    t.user_token("agent@shop.test", "小李", "agent").await;
    t.user_token("boss@shop.test", "Boss Wang", "manager").await;
    t.set_locale("agent@shop.test", "zh-CN").await;
    let (_driver, driver_url) = start_driver(driver_path).await;

    // The agent searches by part of the company's Chinese name and opens the contact.
    let agent = browser(&driver_url, "zh-CN").await;
    sign_in(&agent, &t.url(""), "agent@shop.test").await;
    agent.goto(&t.url("/app/customers")).await.unwrap();
    agent
        .find(Locator::Id("customer-search"))
        .await
        .unwrap()
        .send_keys("明远")
        .await
        .unwrap();
    agent
        .find(Locator::Id("customer-search-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&agent, "#customer-results a.contact-link", "王芳").await;
    click_settled(&agent, "#customer-results a.contact-link").await;

    // The timeline shows the widget conversation and the note; the phone is masked.
    wait_text(&agent, "#timeline-entries .tl-note", "报价请走批发价").await;
    wait_text(&agent, "#timeline-entries .tl-conversation", "会话").await;
    let masked = wait_text(&agent, "dd .identity", "+86 138****5678").await;
    assert_eq!(masked, "+86 138****5678");
    let phone = agent
        .find(Locator::XPath(
            "//span[contains(@class,'identity') and text()='+86 138****5678']",
        ))
        .await
        .unwrap();
    let target = phone.attr("id").await.unwrap().unwrap();
    agent
        .find(Locator::Css(&format!("button[data-target='{target}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&agent, &format!("#{target}"), "+8613812345678").await;
    if let Ok(dir) = std::env::var("KEFU_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            format!("{dir}/contact.png"),
            agent.screenshot().await.unwrap(),
        )
        .unwrap();
    }

    // A manager finds the reveal in the audit log, linked to the customer.
    let manager = browser(&driver_url, "en").await;
    sign_in(&manager, &t.url(""), "boss@shop.test").await;
    manager.goto(&t.url("/app/audit")).await.unwrap();
    let row = wait_text(
        &manager,
        "#audit-log tr[data-action='contact.revealed']",
        "小李",
    )
    .await;
    assert!(row.contains("Phone or email revealed"), "{row}");
    let link = manager
        .find(Locator::Css(
            "#audit-log tr[data-action='contact.revealed'] a",
        ))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap();
    assert_eq!(
        link.as_deref(),
        Some(format!("/app/contacts/{contact}").as_str())
    );

    agent.close().await.unwrap();
    manager.close().await.unwrap();
}

/// The value of the reply box.
/// The agent `agent@shop.test` (made beforehand), in Chinese, signed in and looking at
/// the conversation.
async fn agent_on_conversation(
    t: &TestApp,
    driver_path: &str,
    conversation: i64,
) -> (Driver, Client) {
    t.set_locale("agent@shop.test", "zh-CN").await;
    let (driver, driver_url) = start_driver(driver_path).await;
    let agent = browser(&driver_url, "zh-CN").await;
    sign_in(&agent, &t.url(""), "agent@shop.test").await;
    agent
        .goto(&t.url(&format!("/app/conversations/{conversation}?view=all")))
        .await
        .unwrap();
    (driver, agent)
}

async fn composer_text(c: &Client) -> String {
    c.execute(
        "return document.getElementById('composer-body').value",
        vec![],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_types_slash_and_initials_picks_a_filled_in_script_edits_it_and_sends_it() {
    let Some((driver_path, _one)) = browser_turn().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "你好，我刚拍下了连衣裙").await;
    let contact = t.contact_of(conversation).await;
    let r = t
        .put(
            &format!("/api/v1/contacts/{contact}"),
            &t.admin_token,
            &json!({ "name": "王芳", "language": "zh-CN" }),
        )
        .await;
    assert!(r.status().is_success());
    let token = t.user_token("agent@shop.test", "小李", "agent").await;
    let (_driver, agent) = agent_on_conversation(&t, driver_path, conversation).await;
    let reply = agent
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("composer-body"))
        .await
        .unwrap();

    // `/hyy`: the welcome script by its pinyin initials; a click puts it in the reply box.
    reply.send_keys("/hyy").await.unwrap();
    wait_text(&agent, "#script-picker .script-option", "欢迎语").await;
    agent
        .find(Locator::Css("#script-picker .script-option"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let welcome = composer_text(&agent).await;
    assert!(
        welcome.starts_with("亲，您好！欢迎光临【店铺名】！我是客服小李"),
        "{welcome}"
    );
    reply.clear().await.unwrap();

    // `/ddqr` + Enter: the order confirmation with the customer's name filled in and
    // the order number a selected blank, which the agent types over; Enter then sends.
    reply.send_keys("/ddqr").await.unwrap();
    let offered = wait_text(&agent, "#script-picker .script-option.active", "订单确认").await;
    assert!(offered.contains("亲爱的王芳"), "{offered}");
    reply.send_keys("\u{E007}").await.unwrap();
    let filled = composer_text(&agent).await;
    assert!(
        filled.starts_with("亲爱的王芳，您的订单【订单号】已收到"),
        "{filled}"
    );
    assert!(!filled.contains("/ddqr"));
    assert_eq!(
        t.count("messages").await,
        1,
        "inserting a script sends nothing"
    );
    if let Ok(dir) = std::env::var("KEFU_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        reply.send_keys(" /cf").await.unwrap();
        wait_text(&agent, "#script-picker .script-option", "催付").await;
        std::fs::write(
            format!("{dir}/script-picker.png"),
            agent.screenshot().await.unwrap(),
        )
        .unwrap();
        reply.send_keys("\u{E00C}").await.unwrap();
        reply.clear().await.unwrap();
        reply.send_keys("/ddqr").await.unwrap();
        wait_text(&agent, "#script-picker .script-option.active", "订单确认").await;
        reply.send_keys("\u{E007}").await.unwrap();
    }
    reply.send_keys("E20261123").await.unwrap();
    let edited = composer_text(&agent).await;
    assert!(
        edited.starts_with("亲爱的王芳，您的订单E20261123已收到"),
        "{edited}"
    );
    reply.send_keys("\u{E007}").await.unwrap();
    let sent = wait_text(&agent, "#messages .msg-outgoing .body", "E20261123").await;
    assert!(sent.starts_with("亲爱的王芳，您的订单E20261123已收到，麻烦您核对一下收货地址"));
    assert_eq!(composer_text(&agent).await, "");

    // Both insertions were counted.
    let deadline = Instant::now() + WAIT;
    loop {
        let list: serde_json::Value = t.get("/api/v1/scripts", &token).await.json().await.unwrap();
        let used: Vec<(String, i64)> = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["usage_count"].as_i64() > Some(0))
            .map(|s| {
                (
                    s["shortcut"].as_str().unwrap_or_default().to_owned(),
                    s["usage_count"].as_i64().unwrap(),
                )
            })
            .collect();
        if used.len() == 2 {
            assert!(used.contains(&("hi".into(), 1)), "{used:?}");
            assert!(used.iter().any(|(s, _)| s == "confirm"), "{used:?}");
            break;
        }
        assert!(Instant::now() < deadline, "uses not counted: {used:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if let Ok(dir) = std::env::var("KEFU_SCREENSHOT_DIR") {
        for (path, file) in [
            ("/app/scripts", "scripts"),
            ("/app/scripts/new", "script-form"),
        ] {
            agent.goto(&t.url(path)).await.unwrap();
            wait_text(&agent, "h1", "话术").await;
            std::fs::write(
                format!("{dir}/{file}.png"),
                agent.screenshot().await.unwrap(),
            )
            .unwrap();
        }
    }
    agent.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_watches_a_conversation_wait_in_the_queue_and_go_to_an_agent_live() {
    let Some((driver_path, _one)) = browser_turn().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let team: serde_json::Value = t
        .post(
            "/api/v1/teams",
            &t.admin_token,
            &json!({ "name": "售前一组" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let inbox: serde_json::Value = t
        .post(
            "/api/v1/inboxes",
            &t.admin_token,
            &json!({ "name": "微信", "channel": "api", "team_id": team["id"] }),
        )
        .await
        .json()
        .await
        .unwrap();
    let (_driver, driver_url) = start_driver(driver_path).await;
    let sup = browser(&driver_url, "en").await;
    sign_in(&sup, &t.url(""), "admin@shop.test").await;
    sup.goto(&t.url("/app/routing/queues")).await.unwrap();
    wait_text(&sup, "#live-state", "Live").await;

    // A customer writes while nobody is online: the conversation waits, live.
    let r = t
        .post(
            &format!("/api/v1/inboxes/{}/messages", inbox["id"]),
            &t.admin_token,
            &json!({ "contact_handle": "wx-1", "contact_name": "王先生", "body": "请问有货吗" }),
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    wait_text(&sup, "#routing-board table.waiting", "王先生").await;
    wait_text(&sup, "#routing-board .waiting-count", "1 waiting").await;
    screenshot(&sup, "queues-waiting").await;

    // An agent of the team comes online and takes it: the board follows.
    let agent = t.user_token("amy@shop.test", "Amy", "agent").await;
    let me: serde_json::Value = t.get("/api/v1/me", &agent).await.json().await.unwrap();
    let member = format!("/api/v1/teams/{}/members/{}", team["id"], me["user_id"]);
    t.put(&member, &t.admin_token, &json!({})).await;
    t.put(
        "/api/v1/me/availability",
        &agent,
        &json!({ "availability": "online" }),
    )
    .await;
    wait_text(&sup, "#routing-board .load", "1 / 10").await;
    wait_text(&sup, "#routing-board .waiting-count", "0 waiting").await;
    screenshot(&sup, "queues-taken").await;
    sup.goto(&t.url("/app/settings/routing")).await.unwrap();
    screenshot(&sup, "routing-settings").await;
    sup.close().await.unwrap();
}

/// Saves what the browser shows as `<name>.png` when KEFU_SCREENSHOT_DIR is set.
async fn screenshot(c: &Client, name: &str) {
    if let Ok(dir) = std::env::var("KEFU_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), c.screenshot().await.unwrap()).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_sees_an_sla_warning_appear_live() {
    let Some((driver_path, _one)) = browser_turn().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let all_day = json!(["00:00-24:00"]);
    let cal: serde_json::Value = t
        .post(
            "/api/v1/calendars",
            &t.admin_token,
            &json!({ "name": "24/7", "time_zone": "UTC",
                     "weekly_hours": { "mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day,
                                       "fri": all_day, "sat": all_day, "sun": all_day } }),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = t
        .post(
            "/api/v1/sla-policies",
            &t.admin_token,
            &json!({ "name": "首响 20 分钟", "calendar_id": cal["id"], "first_response_minutes": 20 }),
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "订单什么时候发货？").await;
    t.user_token("sup@shop.test", "Sue", "supervisor").await;

    let (_driver, driver_url) = start_driver(driver_path).await;
    let sup = browser(&driver_url, "en").await;
    sign_in(&sup, &t.url(""), "sup@shop.test").await;
    sup.goto(&t.url("/app/conversations?view=all"))
        .await
        .unwrap();
    wait_text(&sup, "#live-state", "Live").await;

    // 16 of the 20 minutes pass without a reply: the 75 % warning fires.
    let mut tx = t.app().db.begin().await.unwrap();
    tx.execute_raw(&format!(
        "UPDATE sla_clocks SET running_since = running_since - {} WHERE conversation_id = {conversation}",
        16 * 60_000
    ))
    .await
    .unwrap();
    tx.execute_raw("UPDATE jobs SET run_at = 0 WHERE kind = 'sla.check'")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    kefu_app::jobs::run_due(t.app()).await.unwrap();

    let alert = wait_text(&sup, "#alerts .alert", "SLA warning").await;
    assert!(
        alert.contains(&format!("#{}", conversation + 10_000)),
        "{alert}"
    );
    sup.close().await.unwrap();
}

/// A 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

/// Polls until a script returns true.
async fn wait_true(c: &Client, script: &str) {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if c.execute(script, vec![])
            .await
            .ok()
            .and_then(|v| v.as_bool())
            == Some(true)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "not true within {WAIT:?}: {script}\n{}",
        c.source().await.unwrap_or_default()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_sends_an_image_the_visitor_sees_it_and_sends_a_file_back() {
    let Some((driver_path, _one)) = browser_turn().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let shop = shop_page(&t.url(""), &widget).await;
    let (_driver, driver_url) = start_driver(driver_path).await;
    let files = std::env::temp_dir().join(format!("kefu-upload-{}", std::process::id()));
    std::fs::create_dir_all(&files).unwrap();
    let image = files.join("尺码表.png");
    std::fs::write(&image, PNG).unwrap();
    let invoice = files.join("发票.pdf");
    std::fs::write(&invoice, b"%PDF-1.7 invoice").unwrap();

    let visitor = browser(&driver_url, "zh-CN").await;
    visitor.goto(&shop).await.unwrap();
    let launcher = visitor
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("kefu-launcher"));
    launcher.await.unwrap().click().await.unwrap();
    let input = visitor
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("kefu-input"));
    input
        .await
        .unwrap()
        .send_keys("有尺码表吗？")
        .await
        .unwrap();
    visitor
        .find(Locator::Id("kefu-send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&visitor, ".kefu-msg[data-kind=incoming]", "尺码表").await;

    // The agent opens the conversation, attaches the image and sends it without text.
    let agent = browser(&driver_url, "en").await;
    sign_in(&agent, &t.url(""), "admin@shop.test").await;
    agent
        .goto(&t.url("/app/conversations?view=all"))
        .await
        .unwrap();
    wait_text(&agent, "#conv-list .preview", "尺码表").await;
    agent
        .find(Locator::Css("#conv-list li.conv a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&agent, "#messages .msg-incoming .body", "尺码表").await;
    agent
        .find(Locator::Id("composer-file"))
        .await
        .unwrap()
        .send_keys(&image.display().to_string())
        .await
        .unwrap();
    wait_text(&agent, "#composer-files li", "尺码表.png").await;
    agent
        .find(Locator::Id("composer-send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_true(
        &agent,
        "const img = document.querySelector('#messages .msg-outgoing .files img'); \
         return !!img && img.complete && img.naturalWidth === 1;",
    )
    .await;

    // The visitor's widget shows the picture, fetched with the visitor's own credentials.
    wait_true(
        &visitor,
        "const img = document.querySelector('.kefu-msg[data-kind=outgoing] .kefu-files img'); \
         return !!img && img.src.startsWith('blob:') && img.complete && img.naturalWidth === 1;",
    )
    .await;

    // The visitor sends a document back; the agent sees it as a download link with its size.
    visitor
        .find(Locator::Id("kefu-file"))
        .await
        .unwrap()
        .send_keys(&invoice.display().to_string())
        .await
        .unwrap();
    let link = wait_text(&agent, "#messages .msg-incoming .files a.file", "发票.pdf").await;
    assert!(link.contains("16 B"), "{link}");
    wait_text(
        &visitor,
        ".kefu-msg[data-kind=incoming] .kefu-file",
        "发票.pdf",
    )
    .await;
    assert_eq!(t.count("attachments").await, 2);

    agent.close().await.unwrap();
    visitor.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&files);
}

/// A tiny HTTP server on 127.0.0.1 that answers every request with a 1×1 GIF and
/// remembers the paths asked for: what a mail's remote content would reach.
async fn counting_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
        while let Ok((mut stream, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).to_string();
                if let Some(path) = request.split_whitespace().nth(1) {
                    log.lock().unwrap().push(path.to_owned());
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    GIF.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(GIF).await;
            });
        }
    });
    (base, seen)
}

#[tokio::test]
async fn an_html_mail_shows_without_running_scripts_or_loading_images_until_the_agent_allows_them()
{
    let Some((driver_path, _one)) = browser_turn().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let (remote, seen) = counting_server().await;
    let inbox: serde_json::Value = t
        .post(
            "/api/v1/email-inboxes",
            &t.admin_token,
            &json!({ "name": "询盘", "email": { "address": "sales@shop.test" } }),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = inbox["id"].as_i64().unwrap();
    let settings: serde_json::Value = t
        .get(&format!("/api/v1/inboxes/{id}/email"), &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let raw = format!(
        "From: 王芳 <buyer@customer.test>\r\nTo: sales@shop.test\r\nSubject: 样品图\r\n\
         Message-ID: <b1@customer.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>样品如图，请确认颜色。</p>\
         <script>new Image().src='{remote}/script-ran'</script>\
         <img src=\"x\" onerror=\"new Image().src='{remote}/handler-ran'\">\
         <img src=\"{remote}/pixel.gif\" alt=\"样品\">\r\n"
    );
    let secret = settings["ingest_secret"].as_str().unwrap();
    let stored: serde_json::Value = t
        .http
        .post(t.url(&format!("/api/v1/inboxes/{id}/email/raw")))
        .header(
            "x-kefu-signature",
            kefu_app::email::read::signature(secret, raw.as_bytes()),
        )
        .body(raw.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (message, conversation) = (
        stored["message_id"].as_i64().unwrap(),
        stored["conversation_id"].as_i64().unwrap(),
    );
    t.user_token("agent@shop.test", "小王", "agent").await;

    let (_driver, driver_url) = start_driver(driver_path).await;
    let c = browser(&driver_url, "zh-CN").await;
    sign_in(&c, &t.url(""), "agent@shop.test").await;
    c.goto(&t.url(&format!("/app/conversations/{conversation}?view=all")))
        .await
        .unwrap();
    let frame = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(&format!("mail-frame-{message}")))
        .await
        .unwrap();
    frame.clone().enter_frame().await.unwrap();
    let said = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("p"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(said, "样品如图，请确认颜色。");
    c.enter_parent_frame().await.unwrap();
    // Give a would-be load time to happen before asserting it didn't.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing reached the remote server: {:?}",
        seen.lock().unwrap()
    );

    c.find(Locator::Id(&format!("show-images-{message}")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let started = Instant::now();
    while !seen.lock().unwrap().iter().any(|p| p == "/pixel.gif") {
        assert!(started.elapsed() < WAIT, "the allowed image never loaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let asked = seen.lock().unwrap().clone();
    assert!(
        !asked.iter().any(|p| p.contains("ran")),
        "neither the script nor the handler ran: {asked:?}"
    );
    c.close().await.unwrap();
}

/// Issue 6 end to end: a parcel that has not moved opens a logistics case; the agent sees
/// the customer's order and the case beside the thread, opens a return from the order
/// panel, and sends a script with the order's tracking number filled in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_parcel_shows_beside_the_thread_the_agent_opens_a_return_and_sends_a_script_with_the_tracking_number()
 {
    let Some((driver_path, _one)) = browser_turn().await else {
        return;
    };
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "我的快递六天没动了").await;
    let contact = t.contact_of(conversation).await;
    let r = t
        .put(
            &format!("/api/v1/contacts/{contact}"),
            &t.admin_token,
            &json!({ "name": "王芳", "phone": "13800138123" }),
        )
        .await;
    assert!(r.status().is_success());
    let store: serde_json::Value = t
        .post(
            "/api/v1/stores",
            &t.admin_token,
            &json!({ "name": "丝施天猫店", "kind": "marketplace", "currency": "CNY",
                     "time_zone": "Asia/Shanghai", "stale_after_days": 3 }),
        )
        .await
        .json()
        .await
        .unwrap();
    let s = store["id"].as_i64().expect("store");
    let six_days_ago =
        (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 6)).to_string();
    let r = t
        .put(
            &format!("/api/v1/stores/{s}/orders/E20261118001"),
            &t.admin_token,
            &json!({ "order_number": "E20261118001",
                "buyer": { "name": "王芳", "phone": "13800138123" },
                "payment_state": "paid",
                "items": [{ "sku": "BT-01", "name": "蓝牙耳机", "quantity": 1, "unit_price_minor": 19900 }],
                "placed_at": six_days_ago, "paid_at": six_days_ago }),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let r = t
        .post(
            &format!("/api/v1/stores/{s}/orders/E20261118001/shipments"),
            &t.admin_token,
            &json!({ "carrier": "中通快递", "tracking_number": "ZT7788990011",
                     "shipped_at": six_days_ago, "events": [] }),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    assert_eq!(
        kefu_app::logistics::auto::check_stale_parcels(t.app())
            .await
            .unwrap(),
        1,
        "the parcel that has not moved for six days opens a case"
    );

    t.user_token("agent@shop.test", "小李", "agent").await;
    let (_driver, agent) = agent_on_conversation(&t, driver_path, conversation).await;
    // The order and its stuck parcel beside the thread.
    wait_text(&agent, "#orders .order-number", "E20261118001").await;
    wait_text(&agent, "#orders .tracking-number", "ZT7788990011").await;
    wait_text(&agent, "#orders .logistics-case", "物流停滞").await;

    // A return for the earphones, opened from the order panel.
    agent
        .find(Locator::Css("#orders details.as-open summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let form = agent
        .find(Locator::Css("#orders form.as-open-form"))
        .await
        .unwrap();
    form.find(Locator::Css("select[name=reason] option[value=quality]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let qty = form.find(Locator::Css("input[type=number]")).await.unwrap();
    qty.clear().await.unwrap();
    qty.send_keys("1").await.unwrap();
    form.find(Locator::Css("input[name=refund]"))
        .await
        .unwrap()
        .send_keys("199.00")
        .await
        .unwrap();
    form.find(Locator::Css("button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let case = wait_text(&agent, "#orders .as-cases li", "退货退款").await;
    assert!(case.contains("已申请"), "{case}");
    let cases: serde_json::Value = t
        .get("/api/v1/after-sales", &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let list = cases["data"]
        .as_array()
        .or(cases.as_array())
        .unwrap()
        .clone();
    assert_eq!(list.len(), 1, "{cases}");
    assert_eq!(list[0]["reason"], "quality");
    assert_eq!(list[0]["conversation_id"], conversation);

    // `/track`: the tracking script with the parcel's number filled in.
    let reply = agent
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("composer-body"))
        .await
        .unwrap();
    reply.send_keys("/track").await.unwrap();
    wait_text(&agent, "#script-picker .script-option.active", "查询物流").await;
    reply.send_keys("\u{E007}").await.unwrap();
    let filled = composer_text(&agent).await;
    assert!(
        filled.contains("快递单号ZT7788990011的物流情况"),
        "{filled}"
    );
    // Enter sends it: the customer gets the filled-in text.
    reply.send_keys("\u{E007}").await.unwrap();
    let sent = wait_text(&agent, "#messages .msg-outgoing .body", "ZT7788990011").await;
    assert!(sent.contains("快递单号ZT7788990011的物流情况"), "{sent}");
    agent.close().await.unwrap();
}
