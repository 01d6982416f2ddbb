//! After-sales cases: policy windows decided when a case opens, the status machine
//! refusing illegal steps without changing anything, refunds bounded by what was paid,
//! the refund reaching the order, permissions, and hand-offs as tasks with deadlines.

mod losses;
mod pages;
mod register;

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

async fn detail(t: &TestApp, case: i64) -> Value {
    let (status, c) = body(
        t.get(&format!("/api/v1/after-sales/{case}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    c
}

async fn order_of(t: &TestApp, id: i64) -> Value {
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

#[tokio::test]
async fn a_hand_off_to_the_warehouse_is_a_task_with_a_deadline_its_members_see() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (o, [bt, _]) = paid_order(&t, s, "E7401", Some(1)).await;
    let agent = t.user_token("agent@shop.test", "小王", "agent").await;
    let keeper = t.user_token("ck@shop.test", "仓库 老周", "agent").await;
    let users: Value = t
        .get("/api/v1/users", &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let keeper_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "ck@shop.test")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    t.put(
        &format!("/api/v1/users/{keeper_id}/department"),
        &t.admin_token,
        &json!({ "department": "warehouse" }),
    )
    .await;
    let case = opened(&t, o, json!({ "kind": "exchange", "reason": "quality", "items": [{ "order_item_id": bt, "quantity": 1 }], "return_waybill": "YT5550001" })).await;
    let path = format!("/api/v1/after-sales/{case}/handoffs");

    let (status, e) = body(
        t.post(
            &path,
            &agent,
            &json!({ "department": "moon", "note": "收货" }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_choice"))
    );
    let (status, e) = body(
        t.post(
            &path,
            &agent,
            &json!({ "department": "warehouse", "note": "收货", "due_in_minutes": 0 }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_deadline"))
    );
    let ask = json!({ "department": "warehouse", "note": "请签收退货 YT5550001 并质检入库", "due_in_minutes": 120 });
    let (status, task) = body(t.post(&path, &agent, &ask).await).await;

    assert_eq!(status, StatusCode::CREATED, "{task}");
    assert_eq!(
        (task["kind"].as_str(), task["department"].as_str()),
        (Some("after_sales"), Some("warehouse"))
    );
    assert_eq!(
        task["due_at"].as_i64().unwrap() - task["created_at"].as_i64().unwrap(),
        120 * 60_000
    );
    assert!(task["title"].as_str().unwrap().contains("E7401"));
    let (_, mine) = body(t.get("/api/v1/tasks", &keeper).await).await;
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == task["id"]),
        "the warehouse sees it: {mine}"
    );
    assert_eq!(detail(&t, case).await["tasks"][0]["id"], task["id"]);
    let deadlines: i64 = {
        use sea_query::{Alias, Expr, ExprTrait, Query};
        let q = Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from(Alias::new("jobs"))
            .and_where(Expr::col(Alias::new("kind")).eq("task.due"))
            .take();
        t.app().db.fetch_one::<(i64,)>(&q).await.unwrap().0
    };
    assert_eq!(deadlines, 1, "the deadline is a job");
    let done = format!("/api/v1/tasks/{}/complete", task["id"]);
    let (status, closed) = body(
        t.post(&done, &keeper, &json!({ "result": "已签收，外包装破损" }))
            .await,
    )
    .await;
    assert_eq!(
        (status, closed["status"].as_str()),
        (StatusCode::OK, Some("done")),
        "{closed}"
    );

    walk(
        &t,
        case,
        &[json!({ "to": "rejected", "note": "人为损坏，不予换货" })],
    )
    .await;
    let (status, e) = body(t.post(&path, &agent, &ask).await).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("case_finished"))
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

#[tokio::test]
async fn a_merged_customer_s_cases_follow_them() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "我要退货").await;
    let (other, _) = t.conversation(&widget, "我是同一个人").await;
    let (loser, survivor) = (t.contact_of(conversation).await, t.contact_of(other).await);
    let buyer = json!({ "name": "王芳", "phone": "13800138001" });
    t.put(&format!("/api/v1/contacts/{loser}"), &t.admin_token, &buyer)
        .await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (o, [bt, _]) = paid_order(&t, s, "E7501", Some(1)).await;
    let case = opened(&t, o, json!({ "kind": "return", "reason": "size", "items": [{ "order_item_id": bt, "quantity": 1 }], "conversation_id": conversation })).await;
    assert_eq!(detail(&t, case).await["contact_id"], loser);

    let merge = format!("/api/v1/contacts/{survivor}/merge");
    let (status, m) = body(
        t.post(&merge, &t.admin_token, &json!({ "from": loser }))
            .await,
    )
    .await;

    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(detail(&t, case).await["contact_id"], survivor);
}
