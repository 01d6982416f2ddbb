//! A buyer who wrote by email is reminded by email: the reminder goes out through the
//! inbox's SMTP server like any reply.

use super::{put_order, reminder_store, run_jobs, unpaid};
use crate::email::{CUSTOMER, SERVICE, customer_mail, email_inbox, mail, messages, until_messages};
use crate::helpers::TestApp;
use kefu_channels::testing::MailServers;
use serde_json::json;

#[tokio::test]
async fn a_buyer_who_wrote_by_email_is_reminded_by_email() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user(SERVICE, "pw-service");
    servers.add_user(CUSTOMER, "pw-buyer");
    let t = TestApp::spawn().await;
    let inbox = email_inbox(&t, &servers, None).await;
    servers.deliver(
        SERVICE,
        &mail(
            "ask-1@customer.test",
            "耳机有货吗",
            "请问蓝牙耳机有现货吗？",
            "",
        ),
    );
    let conversation = until_messages(&t, inbox, 1).await[0]["id"]
        .as_i64()
        .unwrap();
    let s = reminder_store(&t, "丝施天猫店", json!({})).await;
    let mut o = unpaid("M1001", "13800138001", 120);
    o["buyer"] = json!({ "name": "王芳", "email": "buyer@customer.test" });
    put_order(&t, s, &o).await;

    run_jobs(&t).await;
    let sent = messages(&t, conversation).await;
    assert!(
        sent.iter()
            .any(|m| m["kind"] == "outgoing" && m["body"].as_str().unwrap().contains("M1001")),
        "{sent:?}"
    );
    run_jobs(&t).await;

    let received = customer_mail(&servers, 1).await;
    let parsed = kefu_channels::email::parse(&received[0]);
    assert!(
        parsed.subject.starts_with("Re: 耳机有货吗"),
        "{}",
        parsed.subject
    );
    assert!(parsed.text.contains("M1001"), "{}", parsed.text);
}
