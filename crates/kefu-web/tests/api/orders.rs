//! Orders: idempotent upserts by store and order number, stale updates ignored, buyers
//! matched or created, per-row batch reports, the signed webhook, parcels and tracking.

use crate::helpers::{TestApp, status_and_json};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A store; returns (id, webhook secret).
pub async fn store(t: &TestApp, name: &str, currency: &str) -> (i64, String) {
    let (status, s) = status_and_json(
        t.post(
            "/api/v1/stores",
            &t.admin_token,
            &json!({ "name": name, "kind": "marketplace", "currency": currency, "time_zone": "Asia/Shanghai" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    (
        s["id"].as_i64().unwrap(),
        s["webhook_secret"].as_str().unwrap().to_owned(),
    )
}

pub fn order(number: &str, phone: &str) -> Value {
    json!({
        "order_number": number,
        "buyer": { "name": "王芳", "phone": phone },
        "payment_state": "paid",
        "items": [
            { "sku": "BT-01", "name": "蓝牙耳机", "spec": "颜色:黑色", "quantity": 2, "unit_price_minor": 9950 },
            { "name": "耳机套", "quantity": 1, "unit_price_minor": 500 }
        ],
        "shipping_fee_minor": 1000,
        "placed_at": "2026-11-23 10:05",
        "paid_at": "2026-11-23 10:07",
        "address": { "recipient": "王芳", "phone": "13800138000", "country": "CN", "province": "浙江省", "city": "杭州市", "district": "西湖区", "line": "文三路 100 号", "postcode": "310000" },
        "seller_remark": "送贺卡", "flag": "red",
        "updated_at": "2026-11-23T02:07:00Z"
    })
}

async fn batch(t: &TestApp, store: i64, orders: Value) -> Value {
    let (status, r) = status_and_json(
        t.post(
            &format!("/api/v1/stores/{store}/orders/batch"),
            &t.admin_token,
            &json!({ "orders": orders }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    r
}

async fn order_rows(t: &TestApp) -> Vec<Value> {
    let (_, page) = status_and_json(t.get("/api/v1/orders?limit=100", &t.admin_token).await).await;
    page["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_same_batch_twice_changes_nothing() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let orders = json!([order("E1001", "13800138001"), order("E1002", "13800138002")]);
    let first = batch(&t, s, orders.clone()).await;
    assert_eq!(first["created"], 2);
    let before = order_rows(&t).await;
    let events = t.count("events").await;
    let (items, contacts) = (t.count("order_items").await, t.count("contacts").await);

    let second = batch(&t, s, orders).await;

    assert_eq!(second["unchanged"], 2, "{second}");
    assert_eq!(second["created"], 0);
    assert_eq!(order_rows(&t).await, before, "no updated_at moved");
    assert_eq!(t.count("events").await, events, "no event");
    assert_eq!(t.count("order_items").await, items);
    assert_eq!(t.count("contacts").await, contacts);
    assert_eq!(t.count("orders").await, 2);
}

#[tokio::test]
async fn updates_change_the_same_order_and_older_ones_are_ignored() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let mut o = order("E2001", "13800138001");
    o["payment_state"] = json!("unpaid");
    o["paid_at"] = Value::Null;
    o["updated_at"] = json!("2026-11-23T02:05:00Z");
    let path = format!("/api/v1/stores/{s}/orders/E2001");
    let (status, created) = status_and_json(t.put(&path, &t.admin_token, &o).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["order_id"].as_i64().unwrap();

    let mut shipped = order("E2001", "13800138001");
    shipped["fulfilment_state"] = json!("shipped");
    shipped["updated_at"] = json!("2026-11-24T02:00:00Z");
    let (status, r) = status_and_json(t.put(&path, &t.admin_token, &shipped).await).await;
    assert_eq!(
        (status, r["outcome"].as_str()),
        (StatusCode::OK, Some("updated"))
    );
    assert_eq!(r["order_id"], id, "the same order");

    let (_, r) = status_and_json(t.put(&path, &t.admin_token, &o).await).await;
    assert_eq!(r["outcome"], "stale", "the unpaid version is older");

    let (_, detail) =
        status_and_json(t.get(&format!("/api/v1/orders/{id}"), &t.admin_token).await).await;
    assert_eq!(detail["payment_state"], "paid");
    assert_eq!(detail["fulfilment_state"], "shipped");
    assert_eq!(
        detail["items"].as_array().unwrap().len(),
        2,
        "items replaced, not added"
    );
    assert_eq!(t.count("orders").await, 1);
}

#[tokio::test]
async fn amounts_are_kept_in_minor_units_of_each_order_s_currency() {
    let t = TestApp::spawn().await;
    let (cny, _) = store(&t, "天猫店", "CNY").await;
    let (jpy, _) = store(&t, "Amazon JP", "JPY").await;
    let mut a = order("CN-1", "13800138001");
    a["discount_minor"] = json!(250);
    let mut b = json!({ "order_number": "JP-1", "payment_state": "paid",
        "items": [{ "name": "Hub", "quantity": 3, "unit_price_minor": 1980 }], "shipping_fee_minor": 500 });
    b["buyer"] = json!({ "email": "taro@example.jp" });
    let mut kwd = b.clone();
    kwd["order_number"] = json!("KW-1");
    kwd["currency"] = json!("kwd");
    batch(&t, cny, json!([a])).await;
    batch(&t, jpy, json!([b, kwd])).await;

    let rows = order_rows(&t).await;
    let by = |n: &str| {
        rows.iter()
            .find(|r| r["order_number"] == n)
            .unwrap()
            .clone()
    };
    let cn = by("CN-1");
    assert_eq!(
        (cn["items_total"].as_i64(), cn["total"].as_i64()),
        (Some(20_400), Some(21_150))
    );
    assert_eq!(cn["currency"], "CNY");
    let jp = by("JP-1");
    assert_eq!(
        (jp["total"].as_i64(), jp["currency"].as_str()),
        (Some(6_440), Some("JPY"))
    );
    assert_eq!(
        jp["paid_amount"], jp["total"],
        "paid orders are paid in full"
    );
    assert_eq!(
        by("KW-1")["currency"],
        "KWD",
        "an order may differ from its store"
    );
}

#[tokio::test]
async fn buyers_are_matched_by_phone_email_or_handle_or_created() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let known = t
        .post(
            "/api/v1/contacts",
            &t.admin_token,
            &json!({ "name": "李伟", "phone": "+8613900139000", "email": "li.wei@example.com",
                     "handles": [{ "kind": "wechat", "value": "liwei88" }] }),
        )
        .await;
    let known = known.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let orders = json!([
        { "order_number": "P1", "buyer": { "phone": "139 0013 9000" } },
        { "order_number": "P2", "buyer": { "email": " li.wei@EXAMPLE.com " } },
        { "order_number": "P3", "buyer": { "handle": { "kind": "wechat", "value": "liwei88" } } },
        { "order_number": "N1", "buyer": { "name": "新买家", "handle": { "kind": "taobao", "value": "tb_buyer_1" }, "phone": "13700137000" } },
        { "order_number": "N2", "buyer": { "handle": { "kind": "taobao", "value": "tb_buyer_1" } } }
    ]);
    let contacts = t.count("contacts").await;

    batch(&t, s, orders).await;

    let rows = order_rows(&t).await;
    let buyer =
        |n: &str| rows.iter().find(|r| r["order_number"] == n).unwrap()["contact_id"].as_i64();
    for n in ["P1", "P2", "P3"] {
        assert_eq!(buyer(n), Some(known), "{n} is 李伟's");
    }
    assert_eq!(
        t.count("contacts").await,
        contacts + 1,
        "one new buyer, once"
    );
    let new = buyer("N1").unwrap();
    assert_eq!(buyer("N2"), Some(new));
    let (_, c) = status_and_json(
        t.get(&format!("/api/v1/contacts/{new}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(c["name"], "新买家");
    assert_eq!(c["phone"], "+8613700137000");
}

#[tokio::test]
async fn every_bad_row_of_a_batch_is_reported_and_nothing_of_it_is_stored() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let mut bad_money = order("B2", "13800138002");
    bad_money["items"][0]["quantity"] = json!(0);
    let mut bad_phone = order("B3", "12");
    bad_phone["buyer"]["phone"] = json!("12");
    let orders = json!([order("B1", "13800138001"), bad_money, bad_phone, order("B1", "13800138001"), { "order_number": "" }]);

    let r = batch(&t, s, orders).await;

    assert_eq!(
        (r["created"].as_i64(), r["failed"].as_i64()),
        (Some(1), Some(4)),
        "{r}"
    );
    let errors: Vec<(i64, &str)> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["outcome"] == "error")
        .map(|x| (x["index"].as_i64().unwrap(), x["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            (1, "invalid_quantity"),
            (2, "invalid_phone"),
            (3, "duplicate_in_batch"),
            (4, "invalid_number")
        ]
    );
    assert_eq!(t.count("orders").await, 1);
    assert_eq!(t.count("order_items").await, 2, "only B1's items");

    let too_many: Vec<Value> = (0..1001)
        .map(|i| json!({ "order_number": format!("X{i}") }))
        .collect();
    let (status, e) = status_and_json(
        t.post(
            &format!("/api/v1/stores/{s}/orders/batch"),
            &t.admin_token,
            &json!({ "orders": too_many }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("batch_too_large"))
    );
}

async fn post_webhook(
    t: &TestApp,
    store: i64,
    body: &[u8],
    signature: &str,
) -> (StatusCode, Value) {
    status_and_json(
        t.http
            .post(t.url(&format!("/api/v1/stores/{store}/webhook")))
            .header("content-type", "application/json")
            .header("x-kefu-signature", signature)
            .body(body.to_vec())
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn the_webhook_takes_only_posts_signed_with_the_store_s_key() {
    let t = TestApp::spawn().await;
    let (s, secret) = store(&t, "丝施天猫店", "CNY").await;
    let body = serde_json::to_vec(&json!({
        "orders": [order("W1", "13800138001")],
        "shipments": [{ "order_number": "W1", "carrier": "圆通", "tracking_number": "YT2026112300123",
            "events": [{ "occurred_at": "2026-11-23 18:00", "status": "in_transit", "location": "杭州", "description": "已揽收" }] }]
    }))
    .unwrap();

    let wrong = kefu_app::email::read::signature("not-the-key", &body);
    let (status, _) = post_webhook(&t, s, &body, &wrong).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post_webhook(&t, s, &body, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(t.count("orders").await, 0, "nothing stored");
    assert_eq!(t.count("shipments").await, 0);

    let right = kefu_app::email::read::signature(&secret, &body);
    let (status, r) = post_webhook(&t, s, &body, &right).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["orders"]["created"], 1);
    assert_eq!(r["shipments"][0]["outcome"], "created");
    let (_, again) = post_webhook(&t, s, &body, &right).await;
    assert_eq!(again["orders"]["unchanged"], 1);
    assert_eq!(again["shipments"][0]["outcome"], "unchanged");
    assert_eq!(t.count("tracking_events").await, 1);
}

#[tokio::test]
async fn parcels_and_their_events_are_stored_once_and_shown_on_the_order() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    batch(&t, s, json!([order("S1", "13800138001")])).await;
    let parcel = json!({ "carrier": "圆通", "tracking_number": "YT9000", "shipped_at": "2026-11-23 17:00",
        "events": [{ "occurred_at": "2026-11-23 18:00", "status": "in_transit", "description": "已揽收" }] });
    let path = format!("/api/v1/stores/{s}/orders/S1/shipments");
    let (status, r) = status_and_json(t.post(&path, &t.admin_token, &parcel).await).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let shipment = r["shipment"]["id"].as_i64().unwrap();
    let (status, r) = status_and_json(t.post(&path, &t.admin_token, &parcel).await).await;
    assert_eq!(
        (status, r["outcome"].as_str()),
        (StatusCode::OK, Some("unchanged"))
    );

    let by_number = json!({ "tracking_number": "YT9000", "events": [
        { "occurred_at": "2026-11-23 18:00", "status": "in_transit", "description": "已揽收" },
        { "occurred_at": "2026-11-25T01:00:00Z", "status": "delivered", "location": "杭州西湖区", "description": "已签收" }] });
    let (status, r) = status_and_json(
        t.post("/api/v1/tracking-events", &t.admin_token, &by_number)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r[0]["events_added"], 1, "the first event was already there");
    assert_eq!(r[0]["shipment"]["status"], "delivered");

    let (_, rows) = status_and_json(t.get("/api/v1/orders?q=YT9000", &t.admin_token).await).await;
    let o = &rows["data"][0];
    assert_eq!(o["order_number"], "S1");
    assert_eq!(o["last_tracking_number"], "YT9000");
    assert_eq!(o["last_event_text"], "杭州西湖区 已签收");
    let (_, d) = status_and_json(
        t.get(&format!("/api/v1/orders/{}", o["id"]), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(d["shipments"][0]["id"], shipment);
    assert_eq!(d["shipments"][0]["events"].as_array().unwrap().len(), 2);
    assert_eq!(
        d["shipments"][0]["events"][0]["description"], "已签收",
        "newest first"
    );
}

#[tokio::test]
async fn an_agent_s_change_is_flagged_for_packing_until_acknowledged() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("agent@shop.test", "小李", "agent").await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let r = batch(&t, s, json!([order("C1", "13800138001")])).await;
    let id = r["results"][0]["order_id"].as_i64().unwrap();

    let change = json!({ "kind": "address", "description": "改地址：杭州市滨江区网商路 699 号",
        "new_address": { "recipient": "王芳", "city": "杭州市", "district": "滨江区", "line": "网商路 699 号" } });
    let (status, c) = status_and_json(
        t.post(&format!("/api/v1/orders/{id}/changes"), &agent, &change)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["flag"], "red");
    assert!(c["created_by"].is_i64());
    let (_, d) = status_and_json(t.get(&format!("/api/v1/orders/{id}"), &agent).await).await;
    assert_eq!(d["open_changes"], 1);
    assert_eq!(d["changes"][0]["new_address"]["district"], "滨江区");

    let ack = format!("/api/v1/order-changes/{}/acknowledge", c["id"]);
    let (status, _) = status_and_json(t.post(&ack, &agent, &json!({})).await).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = status_and_json(t.post(&ack, &agent, &json!({})).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only once");
    let (_, d) = status_and_json(t.get(&format!("/api/v1/orders/{id}"), &agent).await).await;
    assert_eq!(d["open_changes"], 0);

    let (status, _) = status_and_json(
        t.put(
            &format!("/api/v1/stores/{s}/orders/C2"),
            &agent,
            &order("C2", "13800138001"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "agents do not sync orders");
}

#[tokio::test]
async fn stores_are_admins_and_keep_their_orders() {
    let t = TestApp::spawn().await;
    let (s, secret) = store(&t, "丝施天猫店", "CNY").await;
    let (status, _) = status_and_json(
        t.post(
            "/api/v1/stores",
            &t.admin_token,
            &json!({ "name": "丝施天猫店", "kind": "shop" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, e) = status_and_json(
        t.post(
            "/api/v1/stores",
            &t.admin_token,
            &json!({ "name": "X", "kind": "shop", "currency": "RMB1" }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_currency"))
    );
    let (_, rotated) = status_and_json(
        t.post(
            &format!("/api/v1/stores/{s}/webhook-secret"),
            &t.admin_token,
            &json!({}),
        )
        .await,
    )
    .await;
    assert_ne!(rotated["webhook_secret"], secret);
    batch(&t, s, json!([order("K1", "13800138001")])).await;
    let r = t
        .http
        .delete(t.url(&format!("/api/v1/stores/{s}")))
        .bearer_auth(&t.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn agents_read_order_addresses_with_the_recipients_phone_masked() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    batch(&t, s, json!([order("M1001", "13800138001")])).await;
    let agent = t.user_token("agent@shop.test", "小王", "agent").await;
    let (_, page) = status_and_json(t.get("/api/v1/orders?limit=10", &agent).await).await;
    let listed = &page["data"][0];
    assert_eq!(listed["address"]["phone"], json!("138****8000"), "{listed}");
    assert_eq!(listed["address"]["recipient"], json!("王芳"));
    let id = listed["id"].as_i64().unwrap();
    let (status, one) = status_and_json(t.get(&format!("/api/v1/orders/{id}"), &agent).await).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["address"]["phone"], json!("138****8000"));

    // Those who may see customers' data in full still do.
    let (_, full) =
        status_and_json(t.get(&format!("/api/v1/orders/{id}"), &t.admin_token).await).await;
    let phone = full["address"]["phone"].as_str().unwrap();
    assert!(
        phone.ends_with("13800138000") && !phone.contains('*'),
        "{phone}"
    );
}

#[tokio::test]
async fn an_erased_buyer_stays_erased_when_the_store_sends_their_order_again() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let mut o = order("R1001", "13800138009");
    o["buyer_remark"] = json!("请周末送货");
    let path = format!("/api/v1/stores/{s}/orders/R1001");
    let (status, created) = status_and_json(t.put(&path, &t.admin_token, &o).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["order_id"].as_i64().unwrap();
    let detail = || async {
        let path = format!("/api/v1/orders/{id}");
        status_and_json(t.get(&path, &t.admin_token).await).await.1
    };
    let buyer = detail().await["contact_id"].as_i64().unwrap();
    assert_eq!(t.erase_contact(&t.admin_token, buyer).await, StatusCode::OK);
    let contacts = t.count("contacts").await;

    // The marketplace still has the buyer and sends the order again, changed.
    let mut shipped = o.clone();
    shipped["fulfilment_state"] = json!("shipped");
    shipped["updated_at"] = json!("2026-11-24T02:00:00Z");
    let (status, r) = status_and_json(t.put(&path, &t.admin_token, &shipped).await).await;
    assert_eq!(
        (status, r["outcome"].as_str()),
        (StatusCode::OK, Some("updated")),
        "{r}"
    );
    let after = detail().await;
    assert_eq!(
        after["fulfilment_state"], "shipped",
        "the order itself moves on"
    );
    assert_eq!(
        (
            &after["buyer_name"],
            &after["address"],
            &after["buyer_remark"]
        ),
        (&json!("—"), &Value::Null, &Value::Null),
        "{after}"
    );
    assert_eq!(
        after["contact_id"], buyer,
        "still the erased customer's order"
    );
    assert_eq!(
        t.count("contacts").await,
        contacts,
        "the buyer is not created again"
    );
}
