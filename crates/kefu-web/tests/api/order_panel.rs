//! The orders beside a conversation: the customer's recent orders with their state and
//! newest parcel news, and their order and tracking numbers linked in messages.

use crate::helpers::{PASSWORD, TestApp, status_and_json};
use crate::orders::{order, store};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_conversation_shows_the_customer_s_orders_and_links_their_numbers() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, visitor) = t
        .conversation(&widget, "你好，订单 E500001 什么时候发货？")
        .await;
    let contact = t.contact_of(conversation).await;
    let r = t
        .put(
            &format!("/api/v1/contacts/{contact}"),
            &t.admin_token,
            &json!({ "name": "王芳", "phone": "13800138001" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let mut other = order("E999999", "13900139999");
    other["buyer"]["name"] = json!("别人");
    let orders = json!({ "orders": [order("E500001", "13800138001"), order("E500002", "13800138001"), other] });
    let (status, _) = status_and_json(
        t.post(
            &format!("/api/v1/stores/{s}/orders/batch"),
            &t.admin_token,
            &orders,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let parcel = json!({ "carrier": "圆通", "tracking_number": "YT7000123", "events": [
        { "occurred_at": "2026-11-24 09:00", "location": "杭州", "description": "运输中" }] });
    t.post(
        &format!("/api/v1/stores/{s}/orders/E500002/shipments"),
        &t.admin_token,
        &parcel,
    )
    .await;
    t.visitor_says(
        &widget,
        &visitor,
        "快递 YT7000123 到哪了？还有 E999999 是谁的",
        None,
    )
    .await;

    let (cookie, _) = t.sign_in("admin@shop.test", PASSWORD).await;
    let html = t
        .http
        .get(t.url(&format!("/app/conversations/{conversation}?view=all")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let panel = html
        .split("id=\"orders\"")
        .nth(1)
        .and_then(|p| p.split("</section>").next())
        .expect("the order panel");
    assert!(panel.contains("E500001") && panel.contains("E500002"));
    assert!(panel.contains("丝施天猫店"));
    assert!(panel.contains("214.00 CNY"), "total with currency");
    assert!(panel.contains("Paid") && panel.contains("Not shipped"));
    assert!(
        panel.contains("YT7000123") && panel.contains("杭州 运输中"),
        "newest parcel news"
    );
    assert!(
        !panel.contains("E999999"),
        "another customer's order is not shown"
    );
    assert!(html.contains("class=\"order-ref\"") && html.contains(">Order E500001<"));
    assert!(
        html.contains(">Parcel YT7000123<"),
        "a tracking number is linked"
    );
    assert!(
        !html.contains(">Order E999999<"),
        "another customer's number is not linked"
    );
}

#[tokio::test]
async fn scripts_fill_in_the_customer_s_latest_order_and_parcel() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "在吗").await;
    let contact = t.contact_of(conversation).await;
    t.put(
        &format!("/api/v1/contacts/{contact}"),
        &t.admin_token,
        &json!({ "name": "王芳", "phone": "13800138001" }),
    )
    .await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    t.put(
        &format!("/api/v1/stores/{s}/orders/E700001"),
        &t.admin_token,
        &order("E700001", "13800138001"),
    )
    .await;
    let parcel = json!({ "carrier": "圆通", "tracking_number": "YT7000456" });
    t.post(
        &format!("/api/v1/stores/{s}/orders/E700001/shipments"),
        &t.admin_token,
        &parcel,
    )
    .await;

    let (status, found) = status_and_json(
        t.get(
            &format!("/api/v1/conversations/{conversation}/scripts?q=&limit=20"),
            &t.admin_token,
        )
        .await,
    )
    .await;

    assert_eq!(status, StatusCode::OK);
    let texts: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(texts.iter().any(|t| t.contains("E700001")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("YT7000456")), "{texts:?}");
    assert!(found.as_array().unwrap().iter().all(|m| {
        m["missing"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v != "order_number")
    }));
}
