//! Abandoned carts and silent inquirers: skipped without the buyer's consent, an
//! outreach task with the current offer script with it (never due at night where the
//! buyer is), the same cart twice is one outreach, and a later order converts it.

use crate::helpers::{TestApp, status_and_json};
use crate::orders::{order, store};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn cart(store: i64, phone: &str, at: &str) -> Value {
    json!({
        "kind": "cart", "store_id": store,
        "buyer": { "name": "王芳", "phone": phone },
        "items": [{ "sku": "BT-01", "name": "蓝牙耳机", "quantity": 2, "unit_price_minor": 9950 }],
        "at": at
    })
}

async fn post(t: &TestApp, body: &Value) -> (StatusCode, Value) {
    status_and_json(t.post("/api/v1/outreach", &t.admin_token, body).await).await
}

/// A customer who agreed to be messaged (or not); returns the contact's id.
async fn customer(t: &TestApp, phone: &str, consent: bool, country: Option<&str>) -> i64 {
    let (status, c) = status_and_json(
        t.post(
            "/api/v1/contacts",
            &t.admin_token,
            &json!({ "name": "王芳", "phone": phone, "consent_message": consent, "country": country }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_i64().unwrap()
}

/// A shared offer script made the store's current offer.
async fn offer_script(t: &TestApp, store: i64) {
    let (_, stages) = status_and_json(t.get("/api/v1/script-stages", &t.admin_token).await).await;
    let stage = stages
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "promotion")
        .unwrap()["id"]
        .clone();
    let (status, script) = status_and_json(
        t.post(
            "/api/v1/scripts",
            &t.admin_token,
            &json!({
                "title": "双十二加购优惠", "stage_id": stage, "shared": true,
                "bodies": { "zh-CN": "{{customer_name}}您好，{{shop_name}}加购商品今天下单立减20元！" }
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{script}");
    let (status, _) = status_and_json(
        t.put(
            &format!("/api/v1/stores/{store}/follow-up-settings"),
            &t.admin_token,
            &json!({ "offer_script_id": script["id"] }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

async fn outreach_tasks(t: &TestApp) -> Vec<Value> {
    let (_, tasks) = status_and_json(t.get("/api/v1/tasks", &t.admin_token).await).await;
    tasks
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "outreach")
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_cart_without_consent_is_skipped_with_the_reason() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    customer(&t, "13800138001", false, None).await;

    let (status, r) = post(&t, &cart(s, "13800138001", "2026-11-23 15:00")).await;

    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["status"], "skipped");
    assert_eq!(r["skip_reason"], "no_consent");
    assert!(r["task_id"].is_null());
    assert_eq!(r["value"], 19_900, "the items' worth in fen");
    assert!(outreach_tasks(&t).await.is_empty());
    let (status, unknown) = post(&t, &cart(s, "13900139000", "2026-11-23 15:00")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        unknown["status"], "skipped",
        "a buyer new to kefu has not agreed yet"
    );
    assert_eq!(
        t.count("contacts").await,
        2,
        "the new buyer joined the archive"
    );
    let (status, nobody) = post(
        &t,
        &json!({ "kind": "cart", "store_id": s, "buyer": { "name": "匿名" } }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nobody["error"]["code"], "no_buyer");
}

#[tokio::test]
async fn a_cart_with_consent_becomes_an_outreach_task_with_the_offer_outside_quiet_hours() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    offer_script(&t, s).await;
    let contact = customer(&t, "+447911123456", true, Some("GB")).await;
    // 23:30 in London (the buyer's country) is quiet; 07:30 the next day in Shanghai.
    let mut body = cart(s, "+447911123456", "2027-03-10T23:30:00Z");
    body["source_id"] = json!("cart-991");

    let (status, r) = post(&t, &body).await;

    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["status"], "pending");
    assert_eq!(r["contact_id"], contact);
    assert_eq!(
        r["offer_text"],
        "王芳您好，丝施天猫店加购商品今天下单立减20元！"
    );
    let tasks = outreach_tasks(&t).await;
    assert_eq!(
        tasks.len(),
        1,
        "the supervisors hold it without a store team"
    );
    assert_eq!(tasks[0]["id"], r["task_id"]);
    assert_eq!(tasks[0]["note"], r["offer_text"]);
    let due = "2027-03-11T10:00:00Z".parse::<jiff::Timestamp>().unwrap();
    assert_eq!(
        tasks[0]["due_at"].as_i64(),
        Some(due.as_millisecond()),
        "two hours from 08:00 in London"
    );
    let (cookie, _) = t.sign_in("admin@shop.test", crate::helpers::PASSWORD).await;
    let page = t
        .http
        .get(t.url("/app/tasks"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Cart and inquiry outreach") && page.contains("丝施天猫店加购商品"),
        "the Tasks page shows it with its offer"
    );
    assert!(page.contains(&format!("/app/contacts/{contact}")));
    let (status, again) = post(&t, &body).await;
    assert_eq!(status, StatusCode::OK, "the same cart again");
    assert_eq!(again["id"], r["id"]);
    assert_eq!(outreach_tasks(&t).await.len(), 1);
}

#[tokio::test]
async fn an_outreach_is_never_due_at_night_where_the_buyer_is() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    customer(&t, "13800138001", true, None).await;

    let (_, r) = post(
        &t,
        &json!({ "kind": "inquiry", "store_id": s, "buyer": { "phone": "13800138001" } }),
    )
    .await;

    let tasks = outreach_tasks(&t).await;
    assert_eq!(tasks[0]["id"], r["task_id"]);
    let due = jiff::Timestamp::from_millisecond(tasks[0]["due_at"].as_i64().unwrap()).unwrap();
    let hour = due
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .hour();
    assert!((8..22).contains(&hour), "due at {hour}:00 in Shanghai");
}

#[tokio::test]
async fn a_later_order_by_the_buyer_closes_the_outreach_as_converted() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (other, _) = store(&t, "丝施京东店", "CNY").await;
    customer(&t, "13800138001", true, None).await;
    let (_, r) = post(&t, &cart(s, "13800138001", "2026-11-20 10:00")).await;
    assert_eq!(r["status"], "pending");
    let elsewhere = t
        .put(
            &format!("/api/v1/stores/{other}/orders/JD9001"),
            &t.admin_token,
            &order("JD9001", "13800138001"),
        )
        .await;
    assert_eq!(elsewhere.status(), StatusCode::CREATED);
    assert_eq!(
        outreach_tasks(&t).await.len(),
        1,
        "an order in another store"
    );

    let placed = t
        .put(
            &format!("/api/v1/stores/{s}/orders/E9001"),
            &t.admin_token,
            &order("E9001", "13800138001"),
        )
        .await;

    assert_eq!(placed.status(), StatusCode::CREATED);
    let order_id = placed.json::<Value>().await.unwrap()["order_id"].clone();
    assert!(
        outreach_tasks(&t).await.is_empty(),
        "the task closed itself"
    );
    let (_, list) = status_and_json(
        t.get(
            &format!("/api/v1/outreach?store={s}&status=converted"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    let rows = list["data"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{list}");
    assert_eq!(rows[0]["order_id"], order_id);
    assert_eq!(rows[0]["task_status"], "converted");
}
