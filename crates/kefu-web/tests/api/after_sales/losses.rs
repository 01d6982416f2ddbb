//! The loss view: refunds and re-shipment costs of settled cases, by reason, SKU and store.

use super::{opened, paid_order, walk};
use crate::helpers::{TestApp, status_and_json as body};
use crate::orders::store;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// (refunds, reship costs, quantity) of the line with `key` in a view.
fn line(view: &Value, by: &str, key: &str) -> (i64, i64, i64) {
    let row = view[by]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {by}: {view}"));
    assert_eq!(row["currency"], "CNY");
    let n = |f: &str| row[f].as_i64().unwrap();
    (n("refunds"), n("reship_costs"), n("quantity"))
}

#[tokio::test]
async fn losses_add_up_refunds_and_reship_costs_by_reason_sku_and_store() {
    let t = TestApp::spawn().await;
    let (a, _) = store(&t, "丝施天猫店", "CNY").await;
    let (b, _) = store(&t, "丝施京东店", "CNY").await;
    let (o1, [bt1, _]) = paid_order(&t, a, "E9001", Some(1)).await;
    let (o2, [bt2, sleeve2]) = paid_order(&t, a, "E9002", Some(1)).await;
    let (o3, [bt3, _]) = paid_order(&t, b, "E9003", Some(1)).await;
    let (o4, [bt4, _]) = paid_order(&t, b, "E9004", Some(1)).await;
    let one = |line: i64| json!([{ "order_item_id": line, "quantity": 1 }]);
    // A return of one BT-01 (99.50), refunded.
    let size = opened(
        &t,
        o1,
        json!({ "kind": "return", "reason": "size", "items": one(bt1), "return_waybill": "YT1" }),
    )
    .await;
    walk(
        &t,
        size,
        &[
            json!({ "to": "approved" }),
            json!({ "to": "goods_returned" }),
            json!({ "to": "inspected" }),
            json!({ "to": "refunded" }),
        ],
    )
    .await;
    // A partial refund of 52.00 over a BT-01 and a sleeve, shared by their value.
    let quality = opened(&t, o2, json!({ "kind": "refund_only", "reason": "quality", "refund_minor": 5_200,
        "items": [{ "order_item_id": bt2, "quantity": 1 }, { "order_item_id": sleeve2, "quantity": 1 }] })).await;
    walk(
        &t,
        quality,
        &[
            json!({ "to": "approved" }),
            json!({ "to": "refunded" }),
            json!({ "to": "closed" }),
        ],
    )
    .await;
    // A BT-01 re-shipped at 12.00 in the other store.
    let damaged = opened(
        &t,
        o3,
        json!({ "kind": "reship", "reason": "damaged", "items": one(bt3) }),
    )
    .await;
    walk(
        &t,
        damaged,
        &[
            json!({ "to": "approved" }),
            json!({ "to": "reshipped", "reship_cost_minor": 1_200 }),
        ],
    )
    .await;
    // Neither a rejected case nor one still open counts.
    let rejected = opened(
        &t,
        o4,
        json!({ "kind": "return", "reason": "size", "items": one(bt4) }),
    )
    .await;
    walk(
        &t,
        rejected,
        &[json!({ "to": "rejected", "note": "超出七天" })],
    )
    .await;
    opened(
        &t,
        o4,
        json!({ "kind": "return", "reason": "size", "items": one(bt4) }),
    )
    .await;

    let lead = t.user_token("lead@shop.test", "组长", "supervisor").await;
    let day = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .date();
    let (status, view) = body(
        t.get(
            &format!("/api/v1/after-sales/losses?from={day}&to={day}"),
            &lead,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");

    assert_eq!(line(&view, "by_reason", "size"), (9_950, 0, 1));
    assert_eq!(line(&view, "by_reason", "quality"), (5_200, 0, 2));
    assert_eq!(line(&view, "by_reason", "damaged"), (0, 1_200, 1));
    assert_eq!(view["by_reason"].as_array().unwrap().len(), 3);
    // 52.00 over 99.50 and 5.00: 49.51 and 2.49.
    assert_eq!(line(&view, "by_sku", "BT-01"), (9_950 + 4_951, 1_200, 3));
    assert_eq!(
        line(&view, "by_sku", "耳机套"),
        (249, 0, 1),
        "a line without SKU by its name"
    );
    assert_eq!(line(&view, "by_store", "丝施天猫店"), (15_150, 0, 3));
    assert_eq!(line(&view, "by_store", "丝施京东店"), (0, 1_200, 1));
    let reason_cases: i64 = view["by_reason"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cases"].as_i64().unwrap())
        .sum();
    assert_eq!(reason_cases, 3);

    let (_, one_store) = body(
        t.get(
            &format!("/api/v1/after-sales/losses?from={day}&to={day}&store_id={b}"),
            &lead,
        )
        .await,
    )
    .await;
    assert_eq!(one_store["by_store"].as_array().unwrap().len(), 1);
    let (_, past) = body(
        t.get(
            "/api/v1/after-sales/losses?from=2020-01-01&to=2020-01-31",
            &lead,
        )
        .await,
    )
    .await;
    assert!(past["by_reason"].as_array().unwrap().is_empty(), "{past}");
    let (status, _) = body(
        t.get(
            "/api/v1/after-sales/losses?from=2020-02-01&to=2020-01-01",
            &lead,
        )
        .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the period ends before it starts"
    );
    let agent = t.user_token("agent@shop.test", "小王", "agent").await;
    let (status, _) = body(
        t.get(
            &format!("/api/v1/after-sales/losses?from={day}&to={day}"),
            &agent,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
