//! The status machine over HTTP: illegal steps refused without changing anything, items
//! and refunds bounded by the order, and a return from request to refund.

use super::{detail, open, opened, order_of, paid_order, step, walk};
use crate::helpers::{TestApp, status_and_json as body};
use crate::orders::store;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_illegal_step_is_refused_and_nothing_changes() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (o, [bt, _]) = paid_order(&t, s, "E7101", Some(1)).await;
    let case = opened(&t, o, json!({ "kind": "return", "reason": "size", "items": [{ "order_item_id": bt, "quantity": 1 }] })).await;
    let before = (detail(&t, case).await, order_of(&t, o).await);
    let events = t.count("events").await;

    for (to, status, code) in [
        (
            json!({ "to": "refunded" }),
            StatusCode::CONFLICT,
            "illegal_transition",
        ),
        (
            json!({ "to": "goods_returned", "return_waybill": "YT123456" }),
            StatusCode::CONFLICT,
            "illegal_transition",
        ),
        (
            json!({ "to": "reshipped" }),
            StatusCode::CONFLICT,
            "illegal_transition",
        ),
        (
            json!({ "to": "rejected" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_required",
        ),
        (
            json!({ "to": "rejected", "note": "  " }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_required",
        ),
        (
            json!({ "to": "lost" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_case_status",
        ),
        (
            json!({ "to": "approved", "reship_cost_minor": 800 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_applicable",
        ),
    ] {
        let (got, e) = step(&t, &t.admin_token, case, to.clone()).await;
        assert_eq!(
            (got, e["error"]["code"].as_str()),
            (status, Some(code)),
            "{to}: {e}"
        );
    }
    let (_, e) = step(&t, &t.admin_token, case, json!({ "to": "refunded" })).await;
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("approved, rejected, closed"),
        "says where it can go: {e}"
    );

    assert_eq!(
        (detail(&t, case).await, order_of(&t, o).await),
        before,
        "nothing changed"
    );
    assert_eq!(t.count("events").await, events, "no event");
    assert_eq!(t.count("after_sales_history").await, 1);

    // Rejected with a reason, the case is finished: nothing moves it again.
    let (status, r) = step(
        &t,
        &t.admin_token,
        case,
        json!({ "to": "rejected", "note": "超过七天无理由退货期限" }),
    )
    .await;
    assert_eq!(
        (status, r["rejection_reason"].as_str()),
        (StatusCode::OK, Some("超过七天无理由退货期限"))
    );
    for to in ["requested", "approved", "closed"] {
        let (status, e) = step(
            &t,
            &t.admin_token,
            case,
            json!({ "to": to, "note": "再试" }),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{to}: {e}");
    }

    // A refund-only case skips the goods: no return, no inspection.
    let only = opened(&t, o, json!({ "kind": "refund_only", "reason": "quality", "items": [{ "order_item_id": bt, "quantity": 1 }], "refund_minor": 2000 })).await;
    walk(&t, only, &[json!({ "to": "approved" })]).await;
    let (status, e) = step(
        &t,
        &t.admin_token,
        only,
        json!({ "to": "goods_returned", "return_waybill": "YT1" }),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("illegal_transition"))
    );
    // A reship case goes to reshipped, never refunded.
    let reship = opened(&t, o, json!({ "kind": "reship", "reason": "missing_item", "items": [{ "order_item_id": bt, "quantity": 1 }] })).await;
    walk(&t, reship, &[json!({ "to": "approved" })]).await;
    let (status, _) = step(&t, &t.admin_token, reship, json!({ "to": "refunded" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    walk(
        &t,
        reship,
        &[
            json!({ "to": "reshipped", "reship_cost_minor": 1200 }),
            json!({ "to": "closed" }),
        ],
    )
    .await;
    assert_eq!(
        detail(&t, reship).await["next"],
        json!([]),
        "closed is final"
    );
}

#[tokio::test]
async fn items_and_refunds_are_bounded_by_what_was_bought_and_paid() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (o, [bt, sleeve]) = paid_order(&t, s, "E7201", Some(1)).await;
    let (other, [foreign, _]) = paid_order(&t, s, "E7202", Some(1)).await;
    let item = |line: i64, q: i64| json!([{ "order_item_id": line, "quantity": q }]);
    for (case, field, code) in [
        (
            json!({ "kind": "return", "reason": "size", "items": item(bt, 1), "refund_minor": 21_401 }),
            "refund_minor",
            "over_refund",
        ),
        (
            json!({ "kind": "return", "reason": "size", "items": item(bt, 1), "refund_minor": 0 }),
            "refund_minor",
            "invalid_refund",
        ),
        (
            json!({ "kind": "exchange", "reason": "size", "items": item(bt, 1), "refund_minor": 100 }),
            "refund_minor",
            "refund_not_applicable",
        ),
        (
            json!({ "kind": "return", "reason": "size", "items": item(bt, 3) }),
            "items",
            "too_many_items",
        ),
        (
            json!({ "kind": "return", "reason": "size", "items": item(foreign, 1) }),
            "items",
            "item_not_in_order",
        ),
        (
            json!({ "kind": "return", "reason": "size", "items": [] }),
            "items",
            "invalid_items",
        ),
        (
            json!({ "kind": "return", "reason": "whim", "items": item(bt, 1) }),
            "reason",
            "unknown_reason",
        ),
        (
            json!({ "kind": "swap", "reason": "size", "items": item(bt, 1) }),
            "kind",
            "invalid_case_kind",
        ),
    ] {
        let (status, e) = open(&t, &t.admin_token, o, case.clone()).await;
        assert_eq!(
            (
                status,
                e["error"]["field"].as_str(),
                e["error"]["code"].as_str()
            ),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field), Some(code)),
            "{case}: {e}"
        );
    }
    assert_eq!(t.count("after_sales_cases").await, 0, "nothing stored");
    assert!(other > 0);

    // The whole order paid (214.00) may be refunded, once.
    let all = opened(&t, o, json!({ "kind": "refund_only", "reason": "quality", "items": [{ "order_item_id": bt, "quantity": 2 }, { "order_item_id": sleeve, "quantity": 1 }], "refund_minor": 20_000 })).await;
    let (status, e) = open(
        &t,
        &t.admin_token,
        o,
        json!({ "kind": "return", "reason": "size", "items": item(bt, 1) }),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("too_many_items")),
        "both already in a standing case"
    );
    walk(
        &t,
        all,
        &[json!({ "to": "approved" }), json!({ "to": "refunded" })],
    )
    .await;
    assert_eq!(order_of(&t, o).await["refunded_amount"], 20_000);
    // Rejected cases free their items; the refund still stops at what is left (14.00).
    let second = opened(
        &t,
        other,
        json!({ "kind": "return", "reason": "size", "items": item(foreign, 2) }),
    )
    .await;
    walk(
        &t,
        second,
        &[json!({ "to": "rejected", "note": "买家已撤回" })],
    )
    .await;
    let (status, c) = open(
        &t,
        &t.admin_token,
        other,
        json!({ "kind": "return", "reason": "size", "items": item(foreign, 2) }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (status, _) = step(
        &t,
        &t.admin_token,
        c["id"].as_i64().unwrap(),
        json!({ "to": "approved", "refund_minor": 21_500 }),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "approving more than was paid"
    );
}

#[tokio::test]
async fn a_return_from_request_to_refund_adds_to_the_order_s_refunded_amount() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let agent = t.user_token("agent@shop.test", "小王", "agent").await;
    let lead = t.user_token("lead@shop.test", "组长", "supervisor").await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "耳机尺寸不合适，想退货").await;
    let (stranger, _) = t.conversation(&widget, "你好").await;
    let buyer = json!({ "name": "王芳", "phone": "13800138001" });
    let contact = t.contact_of(conversation).await;
    t.put(
        &format!("/api/v1/contacts/{contact}"),
        &t.admin_token,
        &buyer,
    )
    .await;
    let (o, [bt, _]) = paid_order(&t, s, "E7301", Some(3)).await;
    let mut theirs = json!({ "kind": "return", "reason": "size", "items": [{ "order_item_id": bt, "quantity": 1 }] });
    theirs["conversation_id"] = json!(stranger);
    let (status, e) = open(&t, &agent, o, theirs).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("not_the_buyer"))
    );
    let (status, c) = open(
        &t,
        &agent,
        o,
        json!({
            "kind": "return", "reason": "size", "description": "耳塞太大",
            "items": [{ "order_item_id": bt, "quantity": 1 }], "conversation_id": conversation,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(
        (c["refund_minor"].as_i64(), c["currency"].as_str()),
        (Some(9_950), Some("CNY")),
        "the item's value"
    );
    assert_eq!(c["order_number"], "E7301");
    let case = c["id"].as_i64().unwrap();

    // Agents work the case; approving and refunding are for supervisors.
    let (status, e) = step(&t, &agent, case, json!({ "to": "approved" })).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    assert_eq!(detail(&t, case).await["status"], "requested", "unchanged");
    assert_eq!(
        step(&t, &lead, case, json!({ "to": "approved" })).await.0,
        StatusCode::OK
    );
    let (status, e) = step(&t, &agent, case, json!({ "to": "goods_returned" })).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("waybill_required"))
    );
    let shipment = json!({ "carrier": "圆通", "waybill": "YT9000111" });
    let (status, r) = body(
        t.put(
            &format!("/api/v1/after-sales/{case}/return-shipment"),
            &agent,
            &shipment,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, r["return_waybill"].as_str()),
        (StatusCode::OK, Some("YT9000111")),
        "{r}"
    );
    assert_eq!(
        step(&t, &agent, case, json!({ "to": "goods_returned" }))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        step(
            &t,
            &agent,
            case,
            json!({ "to": "inspected", "note": "外观完好，可二次销售" })
        )
        .await
        .0,
        StatusCode::OK
    );
    let (status, _) = step(&t, &agent, case, json!({ "to": "refunded" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, done) = step(&t, &lead, case, json!({ "to": "refunded" })).await;
    assert_eq!(
        (status, done["status"].as_str()),
        (StatusCode::OK, Some("refunded")),
        "{done}"
    );
    assert!(done["settled_at"].is_i64());

    let after = order_of(&t, o).await;
    assert_eq!(after["refunded_amount"], 9_950);
    assert_eq!(after["payment_state"], "partially_refunded");
    assert_eq!(
        step(&t, &agent, case, json!({ "to": "closed" })).await.0,
        StatusCode::OK
    );
    let d = detail(&t, case).await;
    let path: Vec<&str> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(
        path,
        [
            "requested",
            "approved",
            "goods_returned",
            "inspected",
            "refunded",
            "closed"
        ]
    );
    assert_eq!(d["history"][3]["note"], "外观完好，可二次销售");
    assert_eq!(d["items"][0]["refund_share"], 9_950);
    assert!(d["closed_at"].is_i64());
    assert_eq!(
        (&d["conversation_id"], &d["contact_id"]),
        (&json!(conversation), &json!(contact))
    );
}
