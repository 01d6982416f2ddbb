//! After-sales cases: the policy window decided when a case opens and the reason
//! taxonomy here, with the shared builders; the status machine, hand-offs, register,
//! losses and pages in the modules below.

mod handoffs;
mod losses;
mod pages;
mod register;
mod steps;

use crate::helpers::{TestApp, status_and_json as body};
use crate::orders::{order, store};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An order of `store` (2 × BT-01 at 99.50, 1 × 耳机套 at 5.00, 10.00 shipping, paid
/// 214.00), signed for `delivered_days_ago` days ago if given; returns (order id, [BT-01
/// line, 耳机套 line]).
pub async fn paid_order(
    t: &TestApp,
    store: i64,
    number: &str,
    delivered_days_ago: Option<i64>,
) -> (i64, [i64; 2]) {
    let path = format!("/api/v1/stores/{store}/orders/{number}");
    let (status, r) = body(
        t.put(&path, &t.admin_token, &order(number, "13800138001"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let id = r["order_id"].as_i64().unwrap();
    if let Some(days) = delivered_days_ago {
        let signed = jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_hours(24 * days))
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
            .strftime("%Y-%m-%d %H:%M")
            .to_string();
        let parcel = json!({ "carrier": "顺丰", "tracking_number": format!("SF{number}"), "status": "delivered", "delivered_at": signed });
        let (status, r) = body(
            t.post(&format!("{path}/shipments"), &t.admin_token, &parcel)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{r}");
    }
    let (_, detail) = body(t.get(&format!("/api/v1/orders/{id}"), &t.admin_token).await).await;
    let items = detail["items"].as_array().unwrap();
    let line = |sku: &str| {
        items
            .iter()
            .find(|i| i["name"] == sku || i["sku"] == sku)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    (id, [line("BT-01"), line("耳机套")])
}

/// Opens a case; returns the status and the answer.
pub async fn open(t: &TestApp, token: &str, order: i64, case: Value) -> (StatusCode, Value) {
    body(
        t.post(&format!("/api/v1/orders/{order}/after-sales"), token, &case)
            .await,
    )
    .await
}

/// Opens a case that must open; returns its id.
pub async fn opened(t: &TestApp, order: i64, case: Value) -> i64 {
    let (status, c) = open(t, &t.admin_token, order, case).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_i64().unwrap()
}

/// Moves a case; returns the status and the answer.
pub async fn step(t: &TestApp, token: &str, case: i64, to: Value) -> (StatusCode, Value) {
    body(
        t.post(
            &format!("/api/v1/after-sales/{case}/transitions"),
            token,
            &to,
        )
        .await,
    )
    .await
}

/// Moves a case through steps that must succeed.
pub async fn walk(t: &TestApp, case: i64, steps: &[Value]) {
    for s in steps {
        let (status, r) = step(t, &t.admin_token, case, s.clone()).await;
        assert_eq!(status, StatusCode::OK, "{s}: {r}");
    }
}

pub async fn detail(t: &TestApp, case: i64) -> Value {
    let (status, c) = body(
        t.get(&format!("/api/v1/after-sales/{case}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    c
}

pub async fn order_of(t: &TestApp, id: i64) -> Value {
    body(t.get(&format!("/api/v1/orders/{id}"), &t.admin_token).await)
        .await
        .1
}

#[tokio::test]
async fn a_request_two_days_after_signing_is_inside_the_seven_days_and_a_late_one_is_outside() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (fresh, [bt, _]) = paid_order(&t, s, "E7001", Some(2)).await;
    let (old, [old_bt, _]) = paid_order(&t, s, "E7002", Some(20)).await;
    let (unsent, [unsent_bt, _]) = paid_order(&t, s, "E7003", None).await;
    let size = |line: i64| json!({ "kind": "return", "reason": "size", "items": [{ "order_item_id": line, "quantity": 1 }] });

    let (_, inside) = open(&t, &t.admin_token, fresh, size(bt)).await;
    let (_, outside) = open(&t, &t.admin_token, old, size(old_bt)).await;
    let (_, before) = open(&t, &t.admin_token, unsent, size(unsent_bt)).await;

    assert_eq!(
        (inside["policy"].as_str(), inside["policy_days"].as_i64()),
        (Some("no_reason"), Some(7))
    );
    assert_eq!(inside["policy_inside"], true, "{inside}");
    let delivered: jiff::civil::Date = inside["delivered_on"].as_str().unwrap().parse().unwrap();
    let last: jiff::civil::Date = inside["policy_last_day"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        last,
        delivered.checked_add(jiff::Span::new().days(7)).unwrap(),
        "7 days from the day after signing"
    );
    assert_eq!(outside["policy_inside"], false, "{outside}");
    assert_eq!(
        before["policy_inside"], true,
        "not delivered yet: the window has not started"
    );
    assert!(before["policy_last_day"].is_null());

    // A quality problem is judged by its own, longer window, which a store may set.
    let quality = json!({ "kind": "exchange", "reason": "quality", "items": [{ "order_item_id": old_bt, "quantity": 1 }] });
    let (_, q) = open(&t, &t.admin_token, old, quality).await;
    assert_eq!(
        (
            q["policy"].as_str(),
            q["policy_days"].as_i64(),
            &q["policy_inside"]
        ),
        (Some("quality"), Some(15), &json!(false))
    );
    let windows = format!("/api/v1/stores/{s}/after-sales-windows");
    let agent = t.user_token("agent@shop.test", "小王", "agent").await;
    let (status, _) = body(
        t.put(
            &windows,
            &agent,
            &json!({ "no_reason_days": 7, "quality_days": 30 }),
        )
        .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "store windows are the admins'"
    );
    let (status, w) = body(
        t.put(
            &windows,
            &t.admin_token,
            &json!({ "no_reason_days": 7, "quality_days": 400 }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, w["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("quality_days"))
    );
    let (status, w) = body(
        t.put(
            &windows,
            &t.admin_token,
            &json!({ "no_reason_days": 7, "quality_days": 30 }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, w["quality_days"].as_i64()),
        (StatusCode::OK, Some(30))
    );
    let (o4, [bt4, _]) = paid_order(&t, s, "E7004", Some(20)).await;
    let later = json!({ "kind": "exchange", "reason": "quality", "items": [{ "order_item_id": bt4, "quantity": 1 }] });
    let (_, q) = open(&t, &t.admin_token, o4, later).await;
    assert_eq!(
        (q["policy_days"].as_i64(), &q["policy_inside"]),
        (Some(30), &json!(true)),
        "{q}"
    );
}

#[tokio::test]
async fn admins_extend_the_reason_taxonomy_and_agents_may_not() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("agent@shop.test", "小王", "agent").await;
    let (_, reasons) = body(t.get("/api/v1/after-sales/reasons", &agent).await).await;
    let keys: Vec<&str> = reasons
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    for k in [
        "size",
        "quality",
        "damaged",
        "wrong_item",
        "not_as_described",
        "changed_mind",
    ] {
        assert!(keys.contains(&k), "{k} ships by default");
    }
    assert_eq!(reasons[0]["label_zh"], "尺码不合适");
    let colour = json!({ "key": "wrong_colour", "label_en": "Wrong colour", "label_zh": "颜色不符", "policy": "quality" });
    let (status, _) = body(t.post("/api/v1/after-sales/reasons", &agent, &colour).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, r) = body(
        t.post("/api/v1/after-sales/reasons", &t.admin_token, &colour)
            .await,
    )
    .await;
    assert_eq!(
        (status, r["policy"].as_str()),
        (StatusCode::CREATED, Some("quality")),
        "{r}"
    );
    let (status, e) = body(
        t.post("/api/v1/after-sales/reasons", &t.admin_token, &colour)
            .await,
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("duplicate_reason"))
    );
    let mut bad = colour.clone();
    bad["key"] = json!("Wrong Colour");
    bad["policy"] = json!("forever");
    let (status, _) = body(
        t.post("/api/v1/after-sales/reasons", &t.admin_token, &bad)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
