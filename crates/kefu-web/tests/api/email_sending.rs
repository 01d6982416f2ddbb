//! Sending survives a crash between "send" and "sent" (real dovecot and SMTP server): a
//! reply the server took is found by its copy in the inbox's mailbox and not sent again; one
//! it never got is sent once more; a copy coming back through the fetch marks a reply in
//! flight sent.

use crate::email::{CUSTOMER, SERVICE, customer_mail, email_inbox, mail, until_messages};
use crate::helpers::{TestApp, status_and_json as body};
use kefu_channels::testing::MailServers;
use reqwest::StatusCode;
use sea_query::{Alias, Expr, ExprTrait, Query};
use serde_json::{Value, json};
use std::time::Duration;

async fn delivery(t: &TestApp, reply: i64) -> Value {
    let (_, mail) = body(
        t.get(&format!("/api/v1/messages/{reply}/email"), &t.admin_token)
            .await,
    )
    .await;
    mail["delivery"].clone()
}

async fn until_delivery(t: &TestApp, reply: i64, want: &str) {
    for _ in 0..150 {
        kefu_app::jobs::run_due(t.app()).await.unwrap();
        if delivery(t, reply).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "reply {reply} never became {want}: {}",
        delivery(t, reply).await
    );
}

/// Puts a sent reply back as its sender left it when it stopped mid-hand-over
/// `minutes_ago`, with its send job due again.
async fn as_if_stopped(t: &TestApp, reply: i64, minutes_ago: i64, with_job: bool) {
    let now = kefu_domain::time::now_ms();
    t.app()
        .db
        .execute(
            &Query::update()
                .table(Alias::new("email_messages"))
                .value(Alias::new("delivery"), "queued")
                .value(Alias::new("sent_at"), Option::<i64>::None)
                .value(Alias::new("sending_at"), now - minutes_ago * 60_000)
                .and_where(Expr::col(Alias::new("message_id")).eq(reply))
                .take(),
        )
        .await
        .unwrap();
    if with_job {
        let mut tx = t.app().db.begin().await.unwrap();
        let payload = json!({ "message_id": reply });
        let key = format!("{reply}.test.{now}");
        kefu_store::jobs::enqueue(&mut tx, "email.send", &key, &payload, now, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

/// How many mails with this Message-ID the customer has, after a moment for stragglers.
async fn copies_at_customer(servers: &MailServers, rfc: &str) -> usize {
    tokio::time::sleep(Duration::from_millis(1500)).await;
    customer_mail(servers, 0)
        .await
        .iter()
        .filter(|raw| String::from_utf8_lossy(raw).contains(rfc))
        .count()
}

async fn reply(t: &TestApp, conversation: i64, text: &str) -> (i64, String) {
    let (status, r) = body(
        t.post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &t.admin_token,
            &json!({ "body": text }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let id = r["message"]["id"].as_i64().unwrap();
    until_delivery(t, id, "sent").await;
    let (_, m) = body(
        t.get(&format!("/api/v1/messages/{id}/email"), &t.admin_token)
            .await,
    )
    .await;
    (id, m["rfc_message_id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_crash_between_send_and_sent_neither_loses_nor_repeats_a_reply() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user(SERVICE, "pw-service");
    servers.add_user(CUSTOMER, "pw-buyer");
    let t = TestApp::spawn().await;
    let inbox = email_inbox(&t, &servers, None).await;
    servers.deliver(SERVICE, &mail("c1@customer.test", "发票", "请开发票", ""));
    let conversation = until_messages(&t, inbox, 1).await[0]["id"]
        .as_i64()
        .unwrap();

    // The server took the reply, then its sender stopped before writing "sent".
    let (first, rfc) = reply(&t, conversation, "发票已开，请查收。").await;
    assert_eq!(copies_at_customer(&servers, &rfc).await, 1);
    as_if_stopped(&t, first, 11, true).await;
    until_delivery(&t, first, "sent").await;
    assert_eq!(
        copies_at_customer(&servers, &rfc).await,
        1,
        "its copy in the mailbox shows it was taken: not sent again"
    );

    // Stopped before the server took it (no copy in the mailbox): sent once more.
    let (second, rfc2) = reply(&t, conversation, "另外附上电子发票链接。").await;
    let maildir = servers.dir().join("mail").join(SERVICE).join("Maildir");
    for sub in ["new", "cur"] {
        for f in std::fs::read_dir(maildir.join(sub)).unwrap() {
            let path = f.unwrap().path();
            if std::fs::read_to_string(&path)
                .unwrap_or_default()
                .contains(&rfc2)
            {
                std::fs::remove_file(path).unwrap();
            }
        }
    }
    as_if_stopped(&t, second, 11, true).await;
    until_delivery(&t, second, "sent").await;
    assert_eq!(
        copies_at_customer(&servers, &rfc2).await,
        2,
        "sent again, with the same Message-ID"
    );

    // Still in doubt (a hand-over that may be under way): nothing is sent, and the copy
    // coming back through the fetch settles it.
    let (third, rfc3) = reply(&t, conversation, "还有问题随时联系。").await;
    as_if_stopped(&t, third, 1, true).await;
    kefu_app::jobs::run_due(t.app()).await.unwrap();
    assert_eq!(
        delivery(&t, third).await,
        "queued",
        "not settled while in doubt"
    );
    let copy = customer_mail(&servers, 3)
        .await
        .into_iter()
        .find(|raw| String::from_utf8_lossy(raw).contains(&rfc3))
        .unwrap();
    servers.deliver(SERVICE, &copy);
    until_delivery(&t, third, "sent").await;
    assert_eq!(copies_at_customer(&servers, &rfc3).await, 1);
}
