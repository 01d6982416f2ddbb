//! The email channel end to end against real servers on 127.0.0.1 (dovecot for IMAP, an
//! SMTP server delivering into the same mailboxes): mail in becomes a conversation, the
//! reply reaches the customer threaded, a restart fetches nothing twice; and the signed
//! raw-MIME endpoint with threading, duplicates, automatic mail, blocks and bounces.

use crate::helpers::{Instance, TestApp, status_and_json as body};
use kefu_channels::email::imap::ImapClient;
use kefu_channels::email::transport::{MailAuth, Security};
use kefu_channels::testing::MailServers;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

pub const SERVICE: &str = "service";
pub const CUSTOMER: &str = "buyer";

/// An email inbox reading `service`'s mailbox and sending through the test SMTP server.
pub async fn email_inbox(t: &TestApp, servers: &MailServers, auto_reply: Option<&str>) -> i64 {
    let imap = servers.imap_config(
        SERVICE,
        MailAuth::Password("pw-service".into()),
        Security::Tls,
    );
    let smtp = servers.smtp_config(
        Security::StartTls,
        Some((SERVICE, MailAuth::Password("pw-service".into()))),
    );
    let (status, inbox) = body(
        t.post(
            "/api/v1/email-inboxes",
            &t.admin_token,
            &json!({
                "name": "售后邮箱",
                "auto_reply": auto_reply,
                "email": {
                    "address": "service@shop.test",
                    "sender_name": "星辰数码客服",
                    "imap": { "host": imap.host, "port": imap.port, "security": "tls",
                              "username": SERVICE, "secret": "pw-service" },
                    "smtp": { "host": smtp.host, "port": smtp.port, "security": "starttls",
                              "username": SERVICE, "secret": "pw-service" },
                    "signature_text": "{{agent_name}} · 星辰数码",
                    "signature_html": "<p><b>{{agent_name}}</b> · 星辰数码</p>",
                    "tls_ca_pem": servers.cert_pem(),
                }
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{inbox}");
    inbox["id"].as_i64().unwrap()
}

pub fn mail(message_id: &str, subject: &str, text: &str, extra: &str) -> Vec<u8> {
    format!(
        "From: 王芳 <buyer@customer.test>\r\nTo: service@shop.test\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nDate: Tue, 24 Nov 2026 09:00:00 +0800\r\n{extra}\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    )
    .into_bytes()
}

async fn conversations_of(t: &TestApp, inbox: i64) -> Vec<Value> {
    let path = format!("/api/v1/conversations?inbox_id={inbox}&view=all");
    let (_, v) = body(t.get(&path, &t.admin_token).await).await;
    v["data"].as_array().cloned().unwrap_or_default()
}

/// A conversation as the API shows it to an admin.
pub async fn conversation_view(t: &TestApp, id: i64) -> Value {
    let path = format!("/api/v1/conversations/{id}");
    body(t.get(&path, &t.admin_token).await).await.1
}

pub async fn messages(t: &TestApp, conversation: i64) -> Vec<Value> {
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let (_, v) = body(t.get(&path, &t.admin_token).await).await;
    v["data"].as_array().cloned().unwrap_or_default()
}

/// Waits (up to 30 s) until the inbox holds `n` messages in all; returns its conversations.
pub async fn until_messages(t: &TestApp, inbox: i64, n: i64) -> Vec<Value> {
    until_messages_within(t, inbox, n, Duration::from_secs(30)).await
}

/// [`until_messages`] with a limit of its own.
pub async fn until_messages_within(t: &TestApp, inbox: i64, n: i64, limit: Duration) -> Vec<Value> {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        let list = conversations_of(t, inbox).await;
        let total: i64 = list
            .iter()
            .map(|c| c["messages_count"].as_i64().unwrap_or(0))
            .sum();
        if total >= n {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, settings) = body(
        t.get(&format!("/api/v1/inboxes/{inbox}/email"), &t.admin_token)
            .await,
    )
    .await;
    panic!(
        "the inbox never reached {n} messages: {:?}; fetch: {}",
        conversations_of(t, inbox).await,
        settings["last_error"]
    );
}

/// The customer's mailbox as raw messages, read over IMAP.
pub async fn customer_mail(servers: &MailServers, at_least: usize) -> Vec<Vec<u8>> {
    let config = servers.imap_config(
        CUSTOMER,
        MailAuth::Password("pw-buyer".into()),
        Security::Plain,
    );
    for _ in 0..100 {
        let mut client = ImapClient::connect(&config).await.expect("customer IMAP");
        client.select().await.expect("select");
        let got = client.fetch_after(0, 50).await.expect("fetch");
        client.logout().await;
        if got.len() >= at_least {
            return got.into_iter().map(|m| m.raw).collect();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the customer's mailbox never got {at_least} messages");
}

async fn run_jobs(t: &TestApp) {
    kefu_app::jobs::run_due(t.app()).await.expect("jobs");
}

#[tokio::test]
async fn mail_in_the_mailbox_becomes_a_conversation_and_the_reply_arrives_threaded() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user(SERVICE, "pw-service");
    servers.add_user(CUSTOMER, "pw-buyer");
    let mut t = TestApp::spawn().await;
    let inbox = email_inbox(&t, &servers, None).await;
    let (status, settings) = body(
        t.get(&format!("/api/v1/inboxes/{inbox}/email"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(settings["imap"]["has_secret"], json!(true));
    assert!(
        !settings.to_string().contains("pw-service"),
        "secrets are never shown"
    );
    let (_, test) = body(
        t.post(
            &format!("/api/v1/inboxes/{inbox}/email/test"),
            &t.admin_token,
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (test["imap"]["ok"].clone(), test["smtp"]["ok"].clone()),
        (json!(true), json!(true)),
        "{test}"
    );

    servers.deliver(
        SERVICE,
        &mail(
            "order-1@customer.test",
            "订单 8841 还没发货",
            "你好，我的订单 8841 还没发货。",
            "",
        ),
    );
    let list = until_messages(&t, inbox, 1).await;
    assert_eq!(list.len(), 1);
    let conversation = list[0]["id"].as_i64().unwrap();
    assert_eq!(list[0]["subject"], json!("订单 8841 还没发货"));
    let first = &messages(&t, conversation).await[0];
    assert_eq!(first["body"], json!("你好，我的订单 8841 还没发货。"));

    // The agent's reply goes out through SMTP, threaded, with the ticket number.
    let agent = t.user_token("agent@shop.test", "小王", "agent").await;
    let (status, reply) = body(
        t.post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &agent,
            &json!({ "body": "您好，已为您催促仓库，今天发出。" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    run_jobs(&t).await;
    let reply_id = reply["message"]["id"].as_i64().unwrap();
    let (_, sent) = body(
        t.get(&format!("/api/v1/messages/{reply_id}/email"), &agent)
            .await,
    )
    .await;
    assert_eq!(sent["delivery"], json!("sent"), "{sent}");
    let received = customer_mail(&servers, 1).await;
    let parsed = kefu_channels::email::parse(&received[0]);
    let number = list[0]["ticket_number"].as_i64().unwrap();
    assert_eq!(
        parsed.subject,
        format!("Re: 订单 8841 还没发货 [#{number}]")
    );
    assert_eq!(parsed.in_reply_to, ["order-1@customer.test"]);
    assert_eq!(parsed.references, ["order-1@customer.test"]);
    let from = parsed.from.as_ref().expect("a From header");
    assert_eq!(
        (from.name.as_deref(), from.address.as_str()),
        (Some("星辰数码客服"), "service@shop.test")
    );
    assert_eq!(
        parsed.message_id.as_deref(),
        sent["rfc_message_id"].as_str()
    );
    assert!(
        parsed.text.contains("今天发出") && parsed.text.contains("小王 · 星辰数码"),
        "{}",
        parsed.text
    );
    let html = parsed.html.as_ref().expect("a text and an HTML part");
    assert!(
        html.as_str().contains("<b>小王</b> · 星辰数码"),
        "the HTML signature: {}",
        html.as_str()
    );

    // A reply with a file carries it as an attachment with its Chinese name.
    let form = reqwest::multipart::Form::new()
        .text("body", "报价单见附件。")
        .part(
            "files",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 quote".to_vec())
                .file_name("报价单.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let r = t
        .http
        .post(t.url(&format!("/api/v1/conversations/{conversation}/messages")))
        .bearer_auth(&agent)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    run_jobs(&t).await;
    let received = customer_mail(&servers, 2).await;
    let with_file = kefu_channels::email::parse(&received[1]);
    assert_eq!(
        with_file.attachments.len(),
        1,
        "{:?}",
        with_file.attachments
    );
    assert_eq!(with_file.attachments[0].filename, "报价单.pdf");
    assert_eq!(with_file.attachments[0].bytes, b"%PDF-1.4 quote");

    // The customer answers that mail: it joins the same conversation.
    let answer = mail(
        "order-2@customer.test",
        &format!("Re: 订单 8841 还没发货 [#{number}]"),
        "好的，谢谢！",
        &format!(
            "In-Reply-To: <{}>\r\n",
            sent["rfc_message_id"].as_str().unwrap()
        ),
    );
    servers.deliver(SERVICE, &answer);
    // The fetch waits in IDLE: the answer is in well before a 25 s poll would have found it.
    let list = until_messages_within(&t, inbox, 4, Duration::from_secs(20)).await;
    assert_eq!(list.len(), 1, "{list:?}");

    // kefu restarts; the mailbox is read again from where it stopped: nothing twice.
    t.server.shutdown().await;
    let db = t.db_place.open_again().await;
    t.server = Instance::start(db).await;
    servers.deliver(
        SERVICE,
        &mail("order-3@customer.test", "发票", "请开发票", ""),
    );
    let list = until_messages(&t, inbox, 5).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let list_again = conversations_of(&t, inbox).await;
    assert_eq!(list.len(), 2);
    assert_eq!(
        list_again
            .iter()
            .map(|c| c["messages_count"].as_i64().unwrap())
            .sum::<i64>(),
        5
    );
    assert_eq!(t.count("email_messages").await, 5);
}

/// An email inbox without servers, fed by the signed raw-MIME endpoint.
pub async fn relay_inbox(t: &TestApp, auto_reply: Option<&str>) -> (i64, String) {
    let (status, inbox) = body(
        t.post(
            "/api/v1/email-inboxes",
            &t.admin_token,
            &json!({ "name": "询盘", "auto_reply": auto_reply,
                     "email": { "address": "sales@shop.test" } }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{inbox}");
    let id = inbox["id"].as_i64().unwrap();
    let (_, settings) = body(
        t.get(&format!("/api/v1/inboxes/{id}/email"), &t.admin_token)
            .await,
    )
    .await;
    (id, settings["ingest_secret"].as_str().unwrap().to_owned())
}

pub async fn post_raw(t: &TestApp, inbox: i64, secret: &str, raw: &[u8]) -> (StatusCode, Value) {
    let r = t
        .http
        .post(t.url(&format!("/api/v1/inboxes/{inbox}/email/raw")))
        .header("content-type", "message/rfc822")
        .header(
            "x-kefu-signature",
            kefu_app::email::read::signature(secret, raw),
        )
        .body(raw.to_vec())
        .send()
        .await
        .unwrap();
    body(r).await
}

#[tokio::test]
async fn relayed_mail_threads_by_message_id_then_ticket_number_and_is_stored_once() {
    let t = TestApp::spawn().await;
    let (inbox, secret) = relay_inbox(&t, None).await;
    let first = mail("a1@customer.test", "询价：蓝牙耳机 500 个", "请报价", "");
    let (status, stored) = post_raw(&t, inbox, &secret, &first).await;
    assert_eq!(
        (status, &stored["outcome"]),
        (StatusCode::OK, &json!("stored")),
        "{stored}"
    );
    let conversation = stored["conversation_id"].as_i64().unwrap();

    // The same mail again (a retry, a second recipient): stored once.
    let (_, again) = post_raw(&t, inbox, &secret, &first).await;
    assert_eq!(again["outcome"], json!("duplicate"));

    // A bad signature is refused and stores nothing.
    let r = t
        .http
        .post(t.url(&format!("/api/v1/inboxes/{inbox}/email/raw")))
        .header("x-kefu-signature", "sha256=00")
        .body(mail("x@customer.test", "x", "x", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A reply by References joins; so does one carrying only the ticket number, from the
    // same customer; the ticket number from someone else opens a conversation of its own.
    let by_refs = mail(
        "a2@customer.test",
        "Re: 询价",
        "500 个什么价？",
        "References: <a1@customer.test>\r\n",
    );
    let (_, r) = post_raw(&t, inbox, &secret, &by_refs).await;
    assert_eq!(r["conversation_id"], json!(conversation));
    let number = conversation + 10_000;
    let by_number = mail(
        "a3@customer.test",
        &format!("还有问题 [#{number}]"),
        "含税吗？",
        "",
    );
    let (_, r) = post_raw(&t, inbox, &secret, &by_number).await;
    assert_eq!(r["conversation_id"], json!(conversation));
    let stranger = format!(
        "From: other@elsewhere.test\r\nTo: sales@shop.test\r\nSubject: [#{number}] hello\r\n\
         Message-ID: <b1@elsewhere.test>\r\n\r\nhello\r\n"
    );
    let (_, r) = post_raw(&t, inbox, &secret, stranger.as_bytes()).await;
    assert_ne!(r["conversation_id"], json!(conversation));
    assert_eq!(messages(&t, conversation).await.len(), 3);
    // Searchable by what the customer wrote.
    let (_, found) = body(
        t.get("/api/v1/conversations?view=all&q=含税", &t.admin_token)
            .await,
    )
    .await;
    let ids: Vec<i64> = found["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [conversation]);
    assert_eq!(t.count("email_messages").await, 4);
}

#[tokio::test]
async fn automatic_mail_neither_reopens_nor_gets_an_auto_reply_and_blocked_senders_are_dropped() {
    let t = TestApp::spawn().await;
    let (inbox, secret) =
        relay_inbox(&t, Some("您好，邮件已收到，我们会在一个工作日内回复。")).await;
    let (_, stored) = post_raw(
        &t,
        inbox,
        &secret,
        &mail("c1@customer.test", "退货", "怎么退货？", ""),
    )
    .await;
    let conversation = stored["conversation_id"].as_i64().unwrap();
    let kinds: Vec<Value> = messages(&t, conversation)
        .await
        .iter()
        .map(|m| m["kind"].clone())
        .collect();
    assert_eq!(
        kinds,
        [json!("incoming"), json!("outgoing")],
        "the auto-reply, once"
    );
    let (status, _) = body(
        t.post(
            &format!("/api/v1/conversations/{conversation}/status"),
            &t.admin_token,
            &json!({ "status": "resolved" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let out_of_office = mail(
        "c2@customer.test",
        "自动回复: 退货",
        "我正在休假，11 月 30 日回来。",
        "Auto-Submitted: auto-replied\r\nIn-Reply-To: <c1@customer.test>\r\n",
    );
    let (_, r) = post_raw(&t, inbox, &secret, &out_of_office).await;
    assert_eq!(r["conversation_id"], json!(conversation));
    let c = conversation_view(&t, conversation).await;
    assert_eq!(
        c["status"],
        json!("resolved"),
        "automatic mail does not reopen"
    );
    assert_eq!(
        messages(&t, conversation).await.len(),
        3,
        "and gets no auto-reply"
    );
    let (_, m) = body(
        t.get(
            &format!("/api/v1/messages/{}/email", r["message_id"]),
            &t.admin_token,
        )
        .await,
    )
    .await;
    assert_eq!(m["automatic"], json!("auto_reply"));

    let (status, _) = body(
        t.post(
            "/api/v1/email/blocklist",
            &t.admin_token,
            &json!({ "pattern": "@spam.test" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, e) = body(
        t.post(
            "/api/v1/email/blocklist",
            &t.admin_token,
            &json!({ "pattern": "spam.test" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let spam = "From: win@spam.test\r\nSubject: 中奖\r\nMessage-ID: <s1@spam.test>\r\n\r\n恭喜\r\n";
    let before = t.count("messages").await;
    let (_, r) = post_raw(&t, inbox, &secret, spam.as_bytes()).await;
    assert_eq!(r["outcome"], json!("blocked"));
    assert_eq!(t.count("messages").await, before);
}

#[tokio::test]
async fn an_html_mail_is_stored_without_scripts_and_with_remote_images_held_back() {
    let t = TestApp::spawn().await;
    let (inbox, secret) = relay_inbox(&t, None).await;
    let raw = "From: buyer@customer.test\r\nTo: sales@shop.test\r\nSubject: 图片\r\n\
        Message-ID: <h1@customer.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
        <p onclick=\"steal()\">看图</p><script>alert(1)</script><img src=\"https://tracker.test/p.gif\">\r\n";
    let (_, r) = post_raw(&t, inbox, &secret, raw.as_bytes()).await;
    let (_, m) = body(
        t.get(
            &format!("/api/v1/messages/{}/email", r["message_id"]),
            &t.admin_token,
        )
        .await,
    )
    .await;
    let html = m["html"].as_str().unwrap();
    assert!(html.contains("看图"), "{html}");
    assert!(
        !html.contains("script") && !html.contains("onclick") && !html.contains(" src=\"https://"),
        "{html}"
    );
    assert!(
        html.contains("tracker.test"),
        "kept to be allowed later: {html}"
    );
}

#[tokio::test]
async fn a_refused_reply_is_marked_failed_with_the_servers_words_and_can_be_retried() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user(SERVICE, "pw-service");
    let t = TestApp::spawn().await;
    let inbox = email_inbox(&t, &servers, None).await;
    let secret = body(
        t.get(&format!("/api/v1/inboxes/{inbox}/email"), &t.admin_token)
            .await,
    )
    .await
    .1["ingest_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let raw = "From: reject-permanent@customer.test\r\nSubject: hi\r\nMessage-ID: <r1@customer.test>\r\n\r\nhello\r\n";
    let (_, r) = post_raw(&t, inbox, &secret, raw.as_bytes()).await;
    let conversation = r["conversation_id"].as_i64().unwrap();
    let (_, reply) = body(
        t.post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &t.admin_token,
            &json!({ "body": "您好" }),
        )
        .await,
    )
    .await;
    run_jobs(&t).await;
    let id = reply["message"]["id"].as_i64().unwrap();
    let (_, m) = body(
        t.get(&format!("/api/v1/messages/{id}/email"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(m["delivery"], json!("failed"), "{m}");
    assert!(m["failure"].as_str().unwrap().contains("550"), "{m}");
    let (told,): (i64,) = t
        .app()
        .db
        .fetch_one(
            &sea_query::Query::select()
                .expr(sea_query::Expr::cust("COUNT(*)"))
                .from(sea_query::Alias::new("events"))
                .and_where(sea_query::Expr::cust("kind = 'message.delivery'"))
                .take(),
        )
        .await
        .unwrap();
    assert_eq!(told, 1, "open pages are told the reply failed");

    let retry = format!("/api/v1/messages/{id}/email/retry");
    let r = t.post(&retry, &t.admin_token, &json!({})).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let (_, m) = body(
        t.get(&format!("/api/v1/messages/{id}/email"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(m["delivery"], json!("queued"));
    run_jobs(&t).await;
    let (_, m) = body(
        t.get(&format!("/api/v1/messages/{id}/email"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(
        (m["delivery"].clone(), m["attempts"].clone()),
        (json!("failed"), json!(2)),
        "{m}"
    );
    let r = t.post(&retry, &t.admin_token, &json!({})).await;
    let r2 = t.post(&retry, &t.admin_token, &json!({})).await;
    assert_eq!(
        (r.status(), r2.status()),
        (StatusCode::ACCEPTED, StatusCode::CONFLICT)
    );
    run_jobs(&t).await;
}

#[tokio::test]
async fn an_admin_sets_up_an_email_inbox_on_its_pages_and_secrets_never_come_back() {
    let t = TestApp::spawn().await;
    let admin = crate::ui::Session::admin(&t).await;
    let (status, html) = admin.page(&t, "/app/settings/inboxes/new-email").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"imap_host\"") && html.contains("name=\"smtp_secret\""));
    let form = [
        ("name", "外贸询盘"),
        ("address", "Sales@Shop.test"),
        ("imap_host", "imap.shop.test"),
        ("imap_port", ""),
        ("imap_security", "tls"),
        ("imap_username", "sales"),
        ("imap_auth", "password"),
        ("imap_secret", "s3cret-imap"),
        ("imap_mailbox", "INBOX"),
        ("smtp_host", ""),
        ("smtp_security", "starttls"),
        ("smtp_auth", "password"),
    ];
    let (status, location, _) = admin
        .post(&t, "/app/settings/inboxes/new-email", &form)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = admin.page(&t, &location).await;
    assert!(
        page.contains("value=\"Sales@shop.test\"") && page.contains("imap.shop.test"),
        "{page}"
    );
    assert!(
        !page.contains("s3cret-imap"),
        "the password is never sent back"
    );
    let inbox: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let (_, v) = body(
        t.get(&format!("/api/v1/inboxes/{inbox}/email"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(
        (
            v["imap"]["port"].clone(),
            v["imap"]["has_secret"].clone(),
            v["smtp"].clone()
        ),
        (json!(993), json!(true), Value::Null)
    );

    // Saving without typing the password again keeps it; a bad port is refused.
    let mut again = form.to_vec();
    again.retain(|(k, _)| *k != "name" && *k != "imap_secret");
    let (status, location, _) = admin
        .post(&t, &format!("/app/settings/inboxes/{inbox}/email"), &again)
        .await;
    assert_eq!(
        (status, location.as_str()),
        (
            StatusCode::SEE_OTHER,
            &*format!("/app/settings/inboxes/{inbox}?mailbox=saved#mailbox")
        )
    );
    let (_, v) = body(
        t.get(&format!("/api/v1/inboxes/{inbox}/email"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(v["imap"]["has_secret"], json!(true));
    again.push(("imap_port", "99999"));
    again.retain(|(k, v)| *k != "imap_port" || *v == "99999");
    let (status, _, _) = admin
        .post(&t, &format!("/app/settings/inboxes/{inbox}/email"), &again)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let agent = crate::ui::Session::of(&t, "a@shop.test", "小王", "agent").await;
    let (_, page) = agent
        .page(&t, &format!("/app/settings/inboxes/{inbox}"))
        .await;
    assert!(
        !page.contains("id=\"mailbox-form\""),
        "agents see no mailbox settings"
    );
}

#[tokio::test]
async fn the_workspace_shows_an_html_mail_in_a_sandboxed_frame_with_images_on_request() {
    let t = TestApp::spawn().await;
    let (inbox, secret) = relay_inbox(&t, None).await;
    let raw = "From: buyer@customer.test\r\nTo: sales@shop.test\r\nSubject: 样品图\r\n\
        Message-ID: <w1@customer.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
        <p>样品如图</p><script>parent.document.title='pwned'</script><img src=\"https://img.customer.test/a.png\">\r\n";
    let (_, r) = post_raw(&t, inbox, &secret, raw.as_bytes()).await;
    let (message, conversation) = (
        r["message_id"].as_i64().unwrap(),
        r["conversation_id"].as_i64().unwrap(),
    );
    let agent = crate::ui::Session::of(&t, "a@shop.test", "小王", "agent").await;
    let (_, page) = agent
        .page(&t, &format!("/app/conversations/{conversation}?view=all"))
        .await;
    assert!(
        page.contains(&format!("src=\"/app/messages/{message}/mail\""))
            && page.contains("sandbox=\"allow-popups"),
        "{page}"
    );

    let doc = t
        .http
        .get(t.url(&format!("/app/messages/{message}/mail")))
        .header("cookie", agent_cookie(&t, &agent).await)
        .send()
        .await
        .unwrap();
    let csp = doc.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = doc.text().await.unwrap();
    assert!(
        csp.starts_with("sandbox") && csp.contains("img-src data:;"),
        "{csp}"
    );
    assert!(
        html.contains("样品如图")
            && !html.contains("<script")
            && !html.contains(" src=\"https://img.customer.test"),
        "{html}"
    );
    let doc = t
        .http
        .get(t.url(&format!("/app/messages/{message}/mail?images=1")))
        .header("cookie", agent_cookie(&t, &agent).await)
        .send()
        .await
        .unwrap();
    assert!(
        doc.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("img-src data: https: http:")
    );
    assert!(
        doc.text()
            .await
            .unwrap()
            .contains("src=\"https://img.customer.test/a.png\"")
    );
}

async fn agent_cookie(t: &TestApp, _s: &crate::ui::Session) -> String {
    t.sign_in("a@shop.test", crate::helpers::PASSWORD).await.0
}

#[tokio::test]
async fn a_mails_files_become_attachments_inline_images_show_and_files_over_the_limit_are_named() {
    let t = TestApp::spawn().await;
    let (inbox, secret) = relay_inbox(&t, None).await;
    let r = t
        .put(
            &format!("/api/v1/inboxes/{inbox}/attachment-limit"),
            &t.admin_token,
            &json!({ "max_attachment_bytes": 1024 }),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    // A 1×1 PNG, inline by Content-ID; a small PDF; a 2 KiB zip over the 1 KiB limit.
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";
    let zip = "UEsDB".repeat(546);
    let raw = format!(
        "From: buyer@customer.test\r\nTo: sales@shop.test\r\nSubject: 发票和图片\r\nMessage-ID: <f1@customer.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n\
         --m\r\nContent-Type: multipart/related; boundary=\"r\"\r\n\r\n\
         --r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>见图</p><img src=\"cid:logo@x\">\r\n\
         --r\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n{png}\r\n--r--\r\n\
         --m\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=UTF-8''%E5%8F%91%E7%A5%A8.pdf\r\n\r\n%PDF-1.4 invoice\r\n\
         --m\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=\"photos.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{zip}\r\n--m--\r\n"
    );
    let (status, r) = post_raw(&t, inbox, &secret, raw.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let (message, conversation) = (
        r["message_id"].as_i64().unwrap(),
        r["conversation_id"].as_i64().unwrap(),
    );
    let listed = messages(&t, conversation).await;
    let files = listed[0]["attachments"].as_array().unwrap();
    let names: Vec<&str> = files
        .iter()
        .map(|f| f["filename"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"发票.pdf") && !names.contains(&"photos.zip"),
        "{names:?}"
    );
    assert!(
        listed[0]["body"].as_str().unwrap().contains("photos.zip"),
        "{}",
        listed[0]["body"]
    );
    let pdf = files.iter().find(|f| f["filename"] == "发票.pdf").unwrap();
    let got = t.get(pdf["url"].as_str().unwrap(), &t.admin_token).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"%PDF-1.4 invoice");

    let agent = crate::ui::Session::of(&t, "a@shop.test", "小王", "agent").await;
    let _ = agent;
    let doc = t
        .http
        .get(t.url(&format!("/app/messages/{message}/mail")))
        .header(
            "cookie",
            t.sign_in("a@shop.test", crate::helpers::PASSWORD).await.0,
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(doc.contains("src=\"data:image/png;base64,"), "{doc}");
}

#[tokio::test]
async fn a_bounce_marks_the_reply_it_reports_as_not_delivered_with_the_reason() {
    let t = TestApp::spawn().await;
    let (inbox, secret) = relay_inbox(&t, None).await;
    let (_, r) = post_raw(
        &t,
        inbox,
        &secret,
        &mail("q1@customer.test", "询价", "请报价", ""),
    )
    .await;
    let conversation = r["conversation_id"].as_i64().unwrap();
    let (_, reply) = body(
        t.post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &t.admin_token,
            &json!({ "body": "报价如下" }),
        )
        .await,
    )
    .await;
    let id = reply["message"]["id"].as_i64().unwrap();
    // As if the relay inbox's mail server had accepted it.
    let mut tx = t.app().db.begin().await.unwrap();
    tx.execute_raw(&format!(
        "UPDATE email_messages SET delivery = 'sent' WHERE message_id = {id}"
    ))
    .await
    .unwrap();
    tx.execute_raw("DELETE FROM jobs WHERE kind = 'email.send'")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (_, sent) = body(
        t.get(&format!("/api/v1/messages/{id}/email"), &t.admin_token)
            .await,
    )
    .await;
    let original = sent["rfc_message_id"].as_str().unwrap();
    let dsn = format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>\r\nTo: sales@shop.test\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx.customer.test>\r\n\
         Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"d\"\r\n\r\n\
         --d\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
         --d\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.customer.test\r\n\r\n\
         Final-Recipient: rfc822; buyer@customer.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 <buyer@customer.test>: mailbox unavailable\r\n\r\n\
         --d\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: sales@shop.test\r\nTo: buyer@customer.test\r\n\
         Subject: Re: 询价\r\nMessage-ID: <{original}>\r\n\r\n--d--\r\n"
    );
    let before = t.count("messages").await;
    let (status, r) = post_raw(&t, inbox, &secret, dsn.as_bytes()).await;
    assert_eq!(
        (status, &r["outcome"]),
        (StatusCode::OK, &json!("bounced")),
        "{r}"
    );
    assert_eq!(r["message_id"], json!(id));
    let (_, m) = body(
        t.get(&format!("/api/v1/messages/{id}/email"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(m["delivery"], json!("failed"));
    let why = m["failure"].as_str().unwrap();
    assert!(
        why.contains("buyer@customer.test") && why.contains("5.1.1"),
        "{why}"
    );
    assert_eq!(
        t.count("messages").await,
        before,
        "the bounce opens nothing"
    );
}

#[tokio::test]
async fn two_instances_fetching_one_mailbox_store_each_mail_once() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    let t = TestApp::spawn().await;
    if !t.db_place.is_postgres() {
        // One SQLite file has one writer; several instances are a PostgreSQL set-up.
        return;
    }
    servers.add_user(SERVICE, "pw-service");
    let inbox = email_inbox(&t, &servers, None).await;
    let mut other = Instance::start(t.db_place.open_again().await).await;
    for i in 0..30 {
        servers.deliver(
            SERVICE,
            &mail(
                &format!("p{i}@customer.test"),
                &format!("问题 {i}"),
                "在吗",
                "",
            ),
        );
    }
    until_messages(&t, inbox, 30).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(t.count("email_messages").await, 30);
    assert_eq!(t.count("messages").await, 30);
    other.shutdown().await;
}

#[tokio::test]
async fn a_fetched_batch_is_stored_in_one_go_threaded_within_itself_and_only_while_the_lease_is_held()
 {
    use kefu_app::email::ingest::{Cursor, Ingested, ingest_batch};
    let t = TestApp::spawn().await;
    let (inbox_id, secret) = relay_inbox(&t, None).await;
    let inbox = kefu_store::inboxes::find(&t.app().db, inbox_id)
        .await
        .unwrap()
        .unwrap();
    // One of the batch's mails came in by the relay first.
    let relayed = mail("r1@customer.test", "发票", "请开发票", "");
    post_raw(&t, inbox_id, &secret, &relayed).await;
    let first = mail("n1@customer.test", "换货", "耳机坏了", "");
    let reply = mail(
        "n2@customer.test",
        "Re: 换货",
        "订单号 2026112300188",
        "In-Reply-To: <n1@customer.test>\r\n",
    );
    let cursor = |owner, uid| Cursor {
        owner,
        uid_validity: 7,
        uid,
    };
    let now = kefu_domain::time::now_ms();

    // Without the lease nothing is stored and the cursor stays.
    let batch = [
        (first.as_slice(), cursor("other", 1)),
        (relayed.as_slice(), cursor("other", 2)),
        (reply.as_slice(), cursor("other", 3)),
    ];
    let refused = ingest_batch(t.app(), &inbox, &batch).await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(t.count("email_messages").await, 1);

    assert!(
        kefu_store::email::take_lease(&t.app().db, inbox_id, "me", now, now + 60_000)
            .await
            .unwrap()
    );
    let batch = [
        (first.as_slice(), cursor("me", 1)),
        (relayed.as_slice(), cursor("me", 2)),
        (reply.as_slice(), cursor("me", 3)),
    ];
    let outcomes = ingest_batch(t.app(), &inbox, &batch).await.unwrap();
    let Ingested::Stored {
        conversation_id, ..
    } = outcomes[0]
    else {
        panic!("{outcomes:?}")
    };
    assert!(
        matches!(outcomes[1], Ingested::Duplicate { .. }),
        "{outcomes:?}"
    );
    assert!(
        matches!(outcomes[2], Ingested::Stored { conversation_id: c, opened: false, .. } if c == conversation_id),
        "the reply joins the mail before it in the same batch: {outcomes:?}"
    );
    let account = kefu_store::email::find_account(&t.app().db, inbox_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((account.uid_validity, account.last_uid), (Some(7), 3));
    assert_eq!(t.count("email_messages").await, 3);

    // The same batch again (a restart before IDLE): nothing new.
    let again = ingest_batch(t.app(), &inbox, &batch).await.unwrap();
    assert!(
        again
            .iter()
            .all(|o| matches!(o, Ingested::Duplicate { .. }))
    );
    assert_eq!(t.count("messages").await, 3);
}

#[tokio::test]
async fn replies_in_a_later_batch_reopen_their_ticket_once_and_a_batchs_subjects_are_searchable() {
    use kefu_app::email::ingest::{Cursor, Ingested, ingest_batch};
    let t = TestApp::spawn().await;
    let (inbox_id, _) = relay_inbox(&t, None).await;
    let inbox = kefu_store::inboxes::find(&t.app().db, inbox_id)
        .await
        .unwrap()
        .unwrap();
    let now = kefu_domain::time::now_ms();
    assert!(
        kefu_store::email::take_lease(&t.app().db, inbox_id, "me", now, now + 60_000)
            .await
            .unwrap()
    );
    let cursor = |uid| Cursor {
        owner: "me",
        uid_validity: 3,
        uid,
    };
    let first = mail("b1@customer.test", "耳机退货申请", "耳机左边没声音", "");
    let other = mail(
        "b2@customer.test",
        "Invoice request",
        "Please send the invoice",
        "",
    );
    let opened = ingest_batch(
        t.app(),
        &inbox,
        &[(first.as_slice(), cursor(1)), (other.as_slice(), cursor(2))],
    )
    .await
    .unwrap();
    let Ingested::Stored {
        conversation_id: ticket,
        opened: true,
        ..
    } = opened[0]
    else {
        panic!("{opened:?}")
    };
    // The subjects a batch opened tickets with are found by their words.
    assert_eq!(search_ids(&t, "退货申请").await, vec![ticket]);
    assert_eq!(search_ids(&t, "INVOICE").await.len(), 1);

    let (status, _) = body(
        t.post(
            &format!("/api/v1/conversations/{ticket}/status"),
            &t.admin_token,
            &json!({ "status": "resolved" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Two replies in one later batch: the first reopens the ticket, the second finds it
    // open (not the resolved ticket the batch read at its start).
    let again = |id: &str, text: &str| {
        mail(
            id,
            "Re: 耳机退货申请",
            text,
            "In-Reply-To: <b1@customer.test>\r\n",
        )
    };
    let (r1, r2) = (
        again("b3@customer.test", "订单号 8841"),
        again("b4@customer.test", "照片在附件"),
    );
    let replies = ingest_batch(
        t.app(),
        &inbox,
        &[(r1.as_slice(), cursor(3)), (r2.as_slice(), cursor(4))],
    )
    .await
    .unwrap();
    for r in &replies {
        assert!(
            matches!(r, Ingested::Stored { conversation_id, opened: false, .. } if *conversation_id == ticket),
            "{replies:?}"
        );
    }
    let (status, row) = body(
        t.get(&format!("/api/v1/conversations/{ticket}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            row["status"].clone(),
            row["messages_count"].clone(),
            row["unread_count"].clone(),
            row["subject"].clone()
        ),
        (json!("open"), json!(3), json!(3), json!("耳机退货申请")),
        "{row}"
    );
    assert_eq!(
        t.count("conversations").await,
        2,
        "replies open no conversation"
    );
}

/// The ids of the conversations a search lists (one page).
async fn search_ids(t: &TestApp, q: &str) -> Vec<i64> {
    let q = kefu_web::extract::urlencode(q);
    t.listed_ids(&format!("/api/v1/conversations?view=all&q={q}"))
        .await
}

#[tokio::test]
async fn a_new_sender_becomes_one_contact_per_batch_and_is_found_as_a_likely_duplicate() {
    use kefu_app::email::ingest::{Cursor, ingest_batch};
    let t = TestApp::spawn().await;
    let (status, known) = body(
        t.post(
            "/api/v1/contacts",
            &t.admin_token,
            &json!({ "name": "Li Wei", "email": "Li.Wei@gmail.com" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{known}");
    let (inbox_id, _) = relay_inbox(&t, None).await;
    let inbox = kefu_store::inboxes::find(&t.app().db, inbox_id)
        .await
        .unwrap()
        .unwrap();
    let from_gmail = |id: &str, subject: &str| {
        String::from_utf8(mail(id, subject, "请报价", ""))
            .unwrap()
            .replace(
                "王芳 <buyer@customer.test>",
                "Li Wei <liwei+orders@gmail.com>",
            )
            .into_bytes()
    };
    let (a, b) = (
        from_gmail("g1@gmail.test", "询价"),
        from_gmail("g2@gmail.test", "补充"),
    );
    let cursor = |uid| Cursor {
        owner: "me",
        uid_validity: 7,
        uid,
    };
    let now = kefu_domain::time::now_ms();
    assert!(
        kefu_store::email::take_lease(&t.app().db, inbox_id, "me", now, now + 60_000)
            .await
            .unwrap()
    );
    let contacts_before = t.count("contacts").await;
    let batch = [(a.as_slice(), cursor(1)), (b.as_slice(), cursor(2))];
    ingest_batch(t.app(), &inbox, &batch).await.unwrap();
    assert_eq!(
        t.count("contacts").await,
        contacts_before + 1,
        "the same new sender twice in a batch is one contact"
    );
    let (_, list) = body(
        t.get("/api/v1/duplicates?entity=contact", &t.admin_token)
            .await,
    )
    .await;
    let pairs = list["data"].as_array().unwrap();
    let with_known = pairs
        .iter()
        .find(|p| p["a"]["id"] == known["id"] || p["b"]["id"] == known["id"]);
    assert_eq!(
        with_known.map(|p| p["reasons"].clone()),
        Some(json!(["same_email"])),
        "the mail's sender is offered for merging with the archive's Li Wei: {list}"
    );
}

#[tokio::test]
async fn erasing_a_customer_erases_the_text_and_addresses_of_their_mails() {
    let t = TestApp::spawn().await;
    let manager = t.user_token("boss@shop.test", "经理", "manager").await;
    let (inbox, secret) = relay_inbox(&t, None).await;
    let raw = mail(
        "e1@customer.test",
        "退货",
        "我的电话 13800138001，地址文三路 100 号",
        "",
    );
    let (_, stored) = post_raw(&t, inbox, &secret, &raw).await;
    let conversation = stored["conversation_id"].as_i64().unwrap();
    let message = stored["message_id"].as_i64().unwrap();
    let contact = t.contact_of(conversation).await;
    let (_, before) = body(
        t.get(&format!("/api/v1/messages/{message}/email"), &t.admin_token)
            .await,
    )
    .await;
    assert!(before["full_text"].as_str().unwrap().contains("文三路"));

    let status = t.erase_contact(&manager, contact).await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = body(
        t.get(&format!("/api/v1/messages/{message}/email"), &t.admin_token)
            .await,
    )
    .await;
    assert!(
        after["full_text"].is_null() && after["html"].is_null(),
        "{after}"
    );
    assert!(after["from_address"].is_null(), "{after}");
    assert!(
        !after.to_string().contains("buyer@customer.test"),
        "{after}"
    );
}

/// A mail the database refuses as it came (here a trigger stands in for whatever a mail
/// might carry that kefu does not foresee) does not hold up the mailbox: the mails around
/// it are stored, it is kept as its original file in a conversation of its own, and the
/// cursor moves past it. Fetched again, it is not stored twice.
#[tokio::test]
async fn a_mail_that_cannot_be_stored_as_it_came_is_kept_as_its_original_and_the_fetch_moves_on() {
    use kefu_app::email::ingest::{Cursor, Ingested, ORIGINAL_FILE, ingest_batch};
    let t = TestApp::spawn().await;
    let (inbox_id, _) = relay_inbox(&t, None).await;
    let db = &t.app().db;
    let inbox = kefu_store::inboxes::find(db, inbox_id)
        .await
        .unwrap()
        .unwrap();
    let refuse = if t.db_place.is_postgres() {
        "CREATE FUNCTION refuse_odd_mail() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF NEW.subject = 'odd' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
         CREATE TRIGGER refuse_odd_mail BEFORE INSERT ON email_messages
         FOR EACH ROW EXECUTE FUNCTION refuse_odd_mail();"
    } else {
        "CREATE TRIGGER refuse_odd_mail BEFORE INSERT ON email_messages
         WHEN NEW.subject = 'odd' BEGIN SELECT RAISE(ABORT, 'refused'); END;"
    };
    let mut tx = db.begin().await.unwrap();
    tx.execute_raw(refuse).await.unwrap();
    tx.commit().await.unwrap();

    let now = kefu_domain::time::now_ms();
    assert!(
        kefu_store::email::take_lease(db, inbox_id, "me", now, now + 60_000)
            .await
            .unwrap()
    );
    let before = mail("k1@customer.test", "换货", "耳机坏了", "");
    let odd = mail("k2@customer.test", "odd", "这封邮件存不进去", "");
    let after = mail("k3@customer.test", "发票", "请开发票", "");
    // The three mails at UIDs 1–3 of a mailbox with this UIDVALIDITY.
    let mailbox = |uid_validity| {
        [&before, &odd, &after]
            .into_iter()
            .zip(1..)
            .map(move |(raw, uid)| {
                let cursor = Cursor {
                    owner: "me",
                    uid_validity,
                    uid,
                };
                (raw.as_slice(), cursor)
            })
    };
    let batch: Vec<_> = mailbox(9).collect();
    let outcomes = ingest_batch(t.app(), &inbox, &batch).await.unwrap();
    let stored: Vec<(i64, i64)> = outcomes
        .iter()
        .map(|o| match o {
            Ingested::Stored {
                message_id,
                conversation_id,
                ..
            } => (*message_id, *conversation_id),
            other => panic!("{other:?} in {outcomes:?}"),
        })
        .collect();
    let account = kefu_store::email::find_account(db, inbox_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.last_uid, 3, "the cursor moved past the odd mail");

    // The odd mail: its original, byte for byte, for the agent to open.
    let (message, conversation) = stored[1];
    let thread = messages(&t, conversation).await;
    assert_eq!(thread.len(), 1, "{thread:?}");
    assert_eq!(thread[0]["id"], json!(message));
    let files = thread[0]["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0]["filename"], json!(ORIGINAL_FILE));
    let got = t
        .get(files[0]["url"].as_str().unwrap(), &t.admin_token)
        .await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), odd.as_slice());
    // The mails around it are stored as they came.
    for (i, text) in [(0, "耳机坏了"), (2, "请开发票")] {
        let thread = messages(&t, stored[i].1).await;
        assert_eq!(thread[0]["body"], json!(text));
    }

    // Fetched again (a new UIDVALIDITY reads the mailbox from the start): nothing twice.
    let again: Vec<_> = mailbox(10).collect();
    let outcomes = ingest_batch(t.app(), &inbox, &again).await.unwrap();
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ingested::Duplicate { .. })),
        "{outcomes:?}"
    );
    assert_eq!(t.count("email_messages").await, 3);

    // Once the database takes it (the trigger is gone), the kept mail is still not stored
    // a second time: it is known by its bytes too.
    let drop = if t.db_place.is_postgres() {
        "DROP TRIGGER refuse_odd_mail ON email_messages"
    } else {
        "DROP TRIGGER refuse_odd_mail"
    };
    let mut tx = db.begin().await.unwrap();
    tx.execute_raw(drop).await.unwrap();
    tx.commit().await.unwrap();
    let third: Vec<_> = mailbox(11).skip(1).take(1).collect();
    let outcomes = ingest_batch(t.app(), &inbox, &third).await.unwrap();
    assert!(
        matches!(outcomes[0], Ingested::Duplicate { message_id } if message_id == message),
        "{outcomes:?}"
    );
    assert_eq!(t.count("messages").await, 3);
}
