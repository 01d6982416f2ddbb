//! The email pages as a person uses them: the mailbox's connection test, a failed reply and
//! its retry in the workspace, the sender block-list, quoted history folded under a mail.

use crate::email::{SERVICE, email_inbox, mail, messages, post_raw, relay_inbox};
use crate::helpers::{TestApp, status_and_json as body};
use crate::ui::Session;
use kefu_channels::email::transport::{MailAuth, Security};
use kefu_channels::testing::MailServers;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn run_jobs(t: &TestApp) {
    kefu_app::jobs::run_due(t.app()).await.expect("jobs");
}

/// The paragraph `<p … id="{id}">…</p>` on the page, or a panic naming what is missing.
fn paragraph<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} on the page: {html}"));
    let start = html[..at].rfind("<p").expect("a paragraph");
    let end = at + html[at..].find("</p>").expect("the paragraph ends");
    &html[start..end]
}

/// Presses "test connection" on the inbox's page; returns the page it answers with.
async fn test_connection(t: &TestApp, admin: &Session, inbox: i64) -> String {
    let (status, _, html) = admin
        .post(t, &format!("/app/settings/inboxes/{inbox}/email/test"), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    html
}

/// The test servers' IMAPS and SMTP addresses as `host:port`.
fn addresses(servers: &MailServers) -> (String, String) {
    let password = || MailAuth::Password("pw-service".into());
    let imap = servers.imap_config(SERVICE, password(), Security::Tls);
    let smtp = servers.smtp_config(Security::StartTls, Some((SERVICE, password())));
    (
        format!("{}:{}", imap.host, imap.port),
        format!("{}:{}", smtp.host, smtp.port),
    )
}

#[tokio::test]
async fn the_connection_test_on_the_mailbox_page_says_what_each_server_did_in_the_viewers_language()
{
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user(SERVICE, "pw-service");
    for n in 1..=2 {
        let raw = mail(&format!("t{n}@customer.test"), "在吗", "在吗", "");
        servers.deliver(SERVICE, &raw);
    }
    let (imap_at, smtp_at) = addresses(&servers);
    let t = TestApp::spawn().await;
    let inbox = email_inbox(&t, &servers, None).await;
    let admin = Session::admin(&t).await;
    let (_, page) = admin
        .page(&t, &format!("/app/settings/inboxes/{inbox}"))
        .await;
    assert!(page.contains("id=\"test-connection\""), "{page}");

    let html = test_connection(&t, &admin, inbox).await;
    let (imap, smtp) = (paragraph(&html, "test-imap"), paragraph(&html, "test-smtp"));
    assert!(imap.starts_with("<p class=\"ok\""), "{imap}");
    assert!(
        imap.contains(&format!("connected to {imap_at}; INBOX holds 2 messages.")),
        "{imap}"
    );
    assert!(smtp.starts_with("<p class=\"ok\""), "{smtp}");
    assert!(
        smtp.contains(&format!("connected; {smtp_at} accepted the login.")),
        "{smtp}"
    );

    t.set_locale("admin@shop.test", "zh-CN").await;
    let html = test_connection(&t, &admin, inbox).await;
    let (imap, smtp) = (paragraph(&html, "test-imap"), paragraph(&html, "test-smtp"));
    assert!(
        imap.contains(&format!(
            "连接成功：{imap_at}，文件夹 INBOX 中有 2 封邮件。"
        )),
        "{imap}"
    );
    assert!(
        smtp.contains(&format!("连接成功：{smtp_at} 接受了登录。")),
        "{smtp}"
    );
}

#[tokio::test]
async fn the_connection_test_in_the_api_gives_the_facts_beside_its_english_detail() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user(SERVICE, "pw-service");
    let t = TestApp::spawn().await;
    let inbox = email_inbox(&t, &servers, None).await;
    let path = format!("/api/v1/inboxes/{inbox}/email/test");
    let (status, test) = body(t.post(&path, &t.admin_token, &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{test}");
    let (imap_at, smtp_at) = addresses(&servers);
    let at = |v: &Value| format!("{}:{}", v["host"].as_str().unwrap(), v["port"]);
    assert_eq!((at(&test["imap"]), at(&test["smtp"])), (imap_at, smtp_at));
    assert_eq!(
        (&test["imap"]["mailbox"], &test["imap"]["messages"]),
        (&json!("INBOX"), &json!(0))
    );
    assert_eq!(
        (&test["smtp"]["mailbox"], &test["smtp"]["messages"]),
        (&Value::Null, &Value::Null)
    );
    assert!(
        test["imap"]["detail"]
            .as_str()
            .unwrap()
            .starts_with("INBOX: 0 messages"),
        "{test}"
    );
}

#[tokio::test]
async fn the_connection_test_shows_a_refused_login_with_the_servers_reason() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    // The inbox is set up with pw-service; the servers know another password.
    servers.add_user(SERVICE, "changed-since");
    let (imap_at, smtp_at) = addresses(&servers);
    let t = TestApp::spawn().await;
    let inbox = email_inbox(&t, &servers, None).await;
    let admin = Session::admin(&t).await;

    let html = test_connection(&t, &admin, inbox).await;
    let imap = paragraph(&html, "test-imap");
    assert!(imap.starts_with("<p class=\"error\""), "{imap}");
    assert!(
        imap.contains(&format!(
            "failed at {imap_at}; the error: <q class=\"server-words\">"
        )),
        "{imap}"
    );

    t.set_locale("admin@shop.test", "zh-CN").await;
    let html = test_connection(&t, &admin, inbox).await;
    let (imap, smtp) = (paragraph(&html, "test-imap"), paragraph(&html, "test-smtp"));
    assert!(
        imap.contains(&format!("连接失败（{imap_at}），错误信息：")),
        "{imap}"
    );
    assert!(
        imap.contains("AUTHENTICATIONFAILED") || imap.contains("Authentication failed"),
        "the server's own words: {imap}"
    );
    assert!(
        smtp.contains(&format!("连接失败（{smtp_at}），错误信息：")),
        "{smtp}"
    );
    assert!(smtp.contains("535"), "the server's own words: {smtp}");
    assert!(!html.contains("pw-service"), "the password never shows");
}

/// A reply to `reject-permanent@…`, which the test SMTP server refuses with 550: returns
/// (conversation, message).
async fn refused_reply(t: &TestApp, servers: &MailServers) -> (i64, i64) {
    let inbox = email_inbox(t, servers, None).await;
    let (_, settings) = body(
        t.get(&format!("/api/v1/inboxes/{inbox}/email"), &t.admin_token)
            .await,
    )
    .await;
    let secret = settings["ingest_secret"].as_str().unwrap().to_owned();
    let raw = "From: reject-permanent@customer.test\r\nSubject: hi\r\n\
               Message-ID: <p1@customer.test>\r\n\r\nhello\r\n";
    let (_, r) = post_raw(t, inbox, &secret, raw.as_bytes()).await;
    let conversation = r["conversation_id"].as_i64().unwrap();
    let (_, reply) = body(
        t.post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &t.admin_token,
            &json!({ "body": "您好，已为您处理。" }),
        )
        .await,
    )
    .await;
    run_jobs(t).await;
    (conversation, reply["message"]["id"].as_i64().unwrap())
}

async fn delivery(t: &TestApp, message: i64) -> Value {
    let path = format!("/api/v1/messages/{message}/email");
    body(t.get(&path, &t.admin_token).await).await.1
}

#[tokio::test]
async fn a_failed_reply_shows_why_in_the_workspace_and_its_button_sends_it_again() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user(SERVICE, "pw-service");
    let t = TestApp::spawn().await;
    let (conversation, message) = refused_reply(&t, &servers).await;
    let agent = Session::of(&t, "a@shop.test", "小王", "agent").await;
    let workspace = format!("/app/conversations/{conversation}?view=all");

    let (_, page) = agent.page(&t, &workspace).await;
    let shown = paragraph(&page, &format!("delivery-{message}"));
    assert!(
        shown.starts_with("<p class=\"delivery delivery-failed\""),
        "{shown}"
    );
    assert!(
        shown.contains("not delivered") && shown.contains("550"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("action=\"/app/messages/{message}/retry\"")),
        "{shown}"
    );

    let (status, location, _) = agent
        .post(
            &t,
            &format!("/app/messages/{message}/retry"),
            &[("conversation_id", &conversation.to_string())],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (
            StatusCode::SEE_OTHER,
            &*format!("/app/conversations/{conversation}?view=all&status=any")
        )
    );
    assert_eq!(delivery(&t, message).await["delivery"], json!("queued"));
    let (_, page) = agent.page(&t, &location).await;
    let shown = paragraph(&page, &format!("delivery-{message}"));
    assert!(
        shown.contains("sending…") && !shown.contains("/retry"),
        "{shown}"
    );

    run_jobs(&t).await;
    let m = delivery(&t, message).await;
    assert_eq!(
        (&m["delivery"], &m["attempts"]),
        (&json!("failed"), &json!(2)),
        "sent again, and refused again: {m}"
    );
    t.set_locale("a@shop.test", "zh-CN").await;
    let (_, page) = agent.page(&t, &workspace).await;
    let shown = paragraph(&page, &format!("delivery-{message}"));
    assert!(
        shown.contains("未送达") && shown.contains("重新发送"),
        "{shown}"
    );
}

async fn blocked_patterns(t: &TestApp) -> Vec<Value> {
    let (_, list) = body(t.get("/api/v1/email/blocklist", &t.admin_token).await).await;
    list.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_admin_blocks_and_unblocks_a_sender_on_the_blocklist_page() {
    let t = TestApp::spawn().await;
    let admin = Session::admin(&t).await;
    let page = "/app/settings/email-blocklist";
    let (status, html) = admin.page(&t, page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Nobody is blocked."), "{html}");

    let (status, location, _) = admin.post(&t, page, &[("pattern", "@spam.test")]).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, page));
    let blocked = blocked_patterns(&t).await;
    assert_eq!(blocked.len(), 1);
    assert_eq!(blocked[0]["pattern"], json!("@spam.test"));
    let id = blocked[0]["id"].as_i64().unwrap();
    let (_, html) = admin.page(&t, page).await;
    let unblock = format!("action=\"/app/settings/email-blocklist/{id}/delete\"");
    assert!(
        html.contains("@spam.test") && html.contains(&unblock),
        "{html}"
    );

    let (status, location, _) = admin
        .post(
            &t,
            &format!("/app/settings/email-blocklist/{id}/delete"),
            &[],
        )
        .await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, page));
    assert!(blocked_patterns(&t).await.is_empty());
    let (_, html) = admin.page(&t, page).await;
    assert!(!html.contains("@spam.test") && html.contains("Nobody is blocked."));
}

#[tokio::test]
async fn a_bad_block_pattern_is_refused_in_the_pages_language_and_nothing_is_stored() {
    let t = TestApp::spawn().await;
    let admin = Session::admin(&t).await;
    let page = "/app/settings/email-blocklist";

    let (status, _, html) = admin.post(&t, page, &[("pattern", "spam.test")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("role=\"alert\"")
            && html.contains("Enter an address (someone@example.com) or a domain (@example.com)."),
        "{html}"
    );
    t.set_locale("admin@shop.test", "zh-CN").await;
    let (status, _, html) = admin.post(&t, page, &[("pattern", "not an address")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("请输入邮箱地址（someone@example.com）或域名（@example.com）。"),
        "{html}"
    );
    assert!(blocked_patterns(&t).await.is_empty(), "nothing stored");
    assert_eq!(t.count("email_blocklist").await, 0);
}

#[tokio::test]
async fn an_agent_cannot_reach_the_blocklist_page() {
    let t = TestApp::spawn().await;
    let agent = Session::of(&t, "a@shop.test", "小王", "agent").await;
    let page = "/app/settings/email-blocklist";
    let (status, html) = agent.page(&t, page).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    assert!(!html.contains("name=\"pattern\""));
    let (status, _, _) = agent.post(&t, page, &[("pattern", "@spam.test")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(t.count("email_blocklist").await, 0);
}

#[tokio::test]
async fn a_mails_quoted_history_is_folded_under_its_new_text_and_can_be_opened() {
    let t = TestApp::spawn().await;
    let (inbox, secret) = relay_inbox(&t, None).await;
    let text = "好的，谢谢，已经收到货了。\r\n\r\n在 2026年11月23日 10:00，星辰数码客服 <sales@shop.test> 写道：\r\n> 您的包裹已发出，单号 SF1234567890。";
    let raw = mail("q1@customer.test", "Re: 发货", text, "");
    let (_, r) = post_raw(&t, inbox, &secret, &raw).await;
    let (conversation, message) = (
        r["conversation_id"].as_i64().unwrap(),
        r["message_id"].as_i64().unwrap(),
    );
    let thread = messages(&t, conversation).await;
    assert_eq!(
        thread[0]["body"],
        json!("好的，谢谢，已经收到货了。"),
        "the message itself is the new text"
    );

    let agent = Session::of(&t, "a@shop.test", "小王", "agent").await;
    let (_, page) = agent
        .page(&t, &format!("/app/conversations/{conversation}?view=all"))
        .await;
    let start = page
        .find(&format!("data-mail=\"{message}\""))
        .expect("the mail block");
    let mail_block = &page[start..];
    let folded = mail_block
        .find("<details class=\"quoted\">")
        .expect("quoted history is folded");
    let folded = &mail_block[folded..mail_block.find("</details>").unwrap()];
    assert!(
        !folded.contains(" open") && folded.contains("Show quoted text"),
        "closed, with a way to open it: {folded}"
    );
    assert!(
        folded.contains("&gt; 您的包裹已发出，单号 SF1234567890。"),
        "the quote is still there to read: {folded}"
    );
    let before_mail = &page[..start];
    assert!(
        before_mail.contains("好的，谢谢，已经收到货了。")
            && !before_mail.contains("您的包裹已发出"),
        "the new text is shown unfolded, the quote only inside the fold"
    );
}
