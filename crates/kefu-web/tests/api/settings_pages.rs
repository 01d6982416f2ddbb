//! Settings forms not covered elsewhere: an inbox's auto-reply and an agent's
//! availability on their profile.

use crate::helpers::TestApp;
use crate::helpers::status_and_json as body;
use crate::ui::Session;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn availability(t: &TestApp, email: &str) -> Value {
    t.user_field(email, "availability").await
}

#[tokio::test]
async fn the_inbox_form_saves_the_auto_reply_and_says_when_it_is_sent() {
    let t = TestApp::spawn().await;
    let (id, widget) = t.widget_inbox(None).await;
    let admin = Session::admin(&t).await;
    let page = format!("/app/settings/inboxes/{id}");
    let (status, html) = admin.page(&t, &page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Auto-reply outside business hours or when nobody is online"),
        "{html}"
    );

    let text = "客服暂时不在线，我们上班后第一时间回复您。";
    let form = |auto_reply: &str| {
        [
            ("name", "示例商城".to_owned()),
            ("greeting", String::new()),
            ("auto_reply", auto_reply.to_owned()),
            ("team", String::new()),
            ("shop_name", "示例商城".to_owned()),
        ]
    };
    let fields = form(text);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, html) = admin.post(&t, &page, &pairs).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("role=\"status\"") && html.contains(text));
    let path = format!("/api/v1/inboxes/{id}");
    let (_, inbox) = body(t.get(&path, &t.admin_token).await).await;
    assert_eq!(inbox["auto_reply"], text);

    let too_long = form(&"长".repeat(1001));
    let pairs: Vec<(&str, &str)> = too_long.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, html) = admin.post(&t, &page, &pairs).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("role=\"alert\""), "{html}");
    let (_, inbox) = body(t.get(&path, &t.admin_token).await).await;
    assert_eq!(inbox["auto_reply"], text, "a refused form changes nothing");

    // Nobody is online: the saved text is what the customer gets.
    let (conversation, _) = t.conversation(&widget, "在吗").await;
    let (_, messages) = body(
        t.get(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    assert_eq!(messages["data"][1]["body"], text, "{messages}");

    t.set_locale("admin@shop.test", "zh-CN").await;
    let (_, html) = admin.page(&t, &page).await;
    assert!(html.contains("非工作时间或无人在线时的自动回复"));
}

#[tokio::test]
async fn the_profile_form_sets_the_agents_availability() {
    let t = TestApp::spawn().await;
    let agent = Session::of(&t, "agent@shop.test", "小李", "agent").await;
    assert_eq!(availability(&t, "agent@shop.test").await, json!("offline"));

    let (status, location, _) = agent
        .post(&t, "/app/profile/availability", &[("value", "busy")])
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/app/profile")
    );
    assert_eq!(availability(&t, "agent@shop.test").await, json!("busy"));
    let (_, html) = agent.page(&t, "/app/profile").await;
    assert!(html.contains("value=\"busy\" checked"), "{html}");

    let (status, _, html) = agent
        .post(&t, "/app/profile/availability", &[("value", "asleep")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("role=\"alert\""), "{html}");
    assert_eq!(
        availability(&t, "agent@shop.test").await,
        json!("busy"),
        "a refused value changes nothing"
    );
}
