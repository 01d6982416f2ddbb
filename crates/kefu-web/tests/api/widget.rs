//! The customer widget: sessions that persist, idempotent posting, auto-reply, safe text.

use crate::helpers::TestApp;
use kefu_domain::MAX_MESSAGE_CHARS;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn an_unknown_widget_token_is_refused_and_creates_nothing() {
    let t = TestApp::spawn().await;
    let r = t
        .http
        .post(t.url("/widget/v1/sessions"))
        .json(&json!({ "widget_token": "nope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "unknown_widget_token"
    );
    let (_, widget) = t.widget_inbox(None).await;
    let r = t.visitor_says(&widget, "forged-visitor", "hi", None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(t.count("contacts").await, 0);
    assert_eq!(t.count("messages").await, 0);
}

#[tokio::test]
async fn a_returning_visitor_continues_the_same_conversation() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, visitor) = t.conversation(&widget, "你好，在吗？").await;
    let again = t
        .http
        .post(t.url("/widget/v1/sessions"))
        .json(&json!({ "widget_token": widget, "visitor_token": visitor }))
        .send()
        .await
        .unwrap();
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["visitor_token"], visitor.as_str());
    assert_eq!(again["conversation_id"], conversation);
    assert_eq!(again["messages"][0]["body"], "你好，在吗？");
    let second = t
        .visitor_says(&widget, &visitor, "我想问一下发货时间", None)
        .await;
    assert_eq!(
        second.json::<Value>().await.unwrap()["message"]["conversation_id"],
        conversation
    );
    assert_eq!(t.count("conversations").await, 1);
}

#[tokio::test]
async fn a_client_id_posted_twice_yields_one_message() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let visitor = t.visitor(&widget).await;
    let first = t
        .visitor_says(&widget, &visitor, "订单什么时候发货？", Some("c-1"))
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let replay = t
        .visitor_says(&widget, &visitor, "订单什么时候发货？", Some("c-1"))
        .await;
    assert_eq!(replay.status(), StatusCode::OK);
    let (a, b): (Value, Value) = (first.json().await.unwrap(), replay.json().await.unwrap());
    assert_eq!(a["message"]["id"], b["message"]["id"]);
    assert_eq!(t.count("messages").await, 1);
    let conv: Value = t
        .get(
            &format!("/api/v1/conversations/{}", a["message"]["conversation_id"]),
            &t.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(conv["messages_count"], 1);
    assert_eq!(conv["unread_count"], 1);
}

#[tokio::test]
async fn empty_and_oversized_messages_are_refused_and_change_nothing() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let visitor = t.visitor(&widget).await;
    let empty = t.visitor_says(&widget, &visitor, "   \n ", None).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        empty.json::<Value>().await.unwrap()["error"]["code"],
        "empty_message"
    );
    let long = "好".repeat(MAX_MESSAGE_CHARS + 1);
    let too_long = t.visitor_says(&widget, &visitor, &long, None).await;
    assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        too_long.json::<Value>().await.unwrap()["error"]["code"],
        "message_too_long"
    );
    let huge = "x".repeat(2 * 1024 * 1024);
    let over_body_limit = t.visitor_says(&widget, &visitor, &huge, None).await;
    assert_eq!(over_body_limit.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(t.count("messages").await, 0);
    assert_eq!(t.count("conversations").await, 0);
}

#[tokio::test]
async fn markup_in_a_message_is_stored_and_returned_as_text() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t
        .conversation(&widget, "<script>alert('x')</script><b>bold</b>")
        .await;
    let page: Value = t
        .get(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &t.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["data"][0]["body"],
        "<script>alert('x')</script><b>bold</b>"
    );
}

#[tokio::test]
async fn the_auto_reply_is_sent_once_when_nobody_is_online() {
    let t = TestApp::spawn().await;
    let (_, widget) = t
        .widget_inbox(Some("客服暂时不在线，我们上班后第一时间回复您。"))
        .await;
    let visitor = t.visitor(&widget).await;
    t.visitor_says(&widget, &visitor, "在吗", None).await;
    t.visitor_says(&widget, &visitor, "有人吗", None).await;
    let thread = t
        .http
        .get(t.url("/widget/v1/messages"))
        .header("x-kefu-widget", &widget)
        .header("x-kefu-visitor", &visitor)
        .send()
        .await
        .unwrap();
    let thread: Value = thread.json().await.unwrap();
    let kinds: Vec<&str> = thread["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["incoming", "outgoing", "incoming"]);
    assert_eq!(
        thread["messages"][1]["body"],
        "客服暂时不在线，我们上班后第一时间回复您。"
    );
}

#[tokio::test]
async fn no_auto_reply_while_an_agent_is_online() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(Some("offline text")).await;
    let agent = t.user_token("agent@shop.test", "刘洋", "agent").await;
    assert_eq!(
        t.put(
            "/api/v1/me/availability",
            &agent,
            &json!({ "availability": "online" })
        )
        .await
        .status(),
        StatusCode::NO_CONTENT
    );
    let (conversation, _) = t.conversation(&widget, "在吗").await;
    let page: Value = t
        .get(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &t.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    let bad = t
        .put(
            "/api/v1/me/availability",
            &agent,
            &json!({ "availability": "sleeping" }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_widget_script_is_served_for_any_page() {
    let t = TestApp::spawn().await;
    let js = t.http.get(t.url("/widget.js")).send().await.unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/javascript")
    );
    assert!(js.text().await.unwrap().contains("kefu-launcher"));
    let preflight = t
        .http
        .request(reqwest::Method::OPTIONS, t.url("/widget/v1/messages"))
        .header("origin", "https://shop.example.cn")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-kefu-widget,x-kefu-visitor",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
}
