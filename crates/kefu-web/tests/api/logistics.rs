//! Logistics cases (物流异常): opened from the tracking (returned, exception, no movement
//! for the store's days) or by hand, one open per parcel and kind, with a deadline task,
//! worked to delivered, compensated or reshipped; delivery settles what it settles.

use crate::helpers::{PASSWORD, TestApp, status_and_json};
use crate::orders::{order, store};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn days_ago(days: i64) -> String {
    (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days)).to_string()
}

/// A buyer with a conversation and a paid order of store `s` with a parcel; returns
/// (conversation, order id, shipment id).
async fn parcel(t: &TestApp, s: i64, number: &str, phone: &str, events: Value) -> (i64, i64, i64) {
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "我的快递怎么还没到？").await;
    let contact = t.contact_of(conversation).await;
    t.put(
        &format!("/api/v1/contacts/{contact}"),
        &t.admin_token,
        &json!({ "name": "王芳", "phone": phone }),
    )
    .await;
    let (status, r) = status_and_json(
        t.put(
            &format!("/api/v1/stores/{s}/orders/{number}"),
            &t.admin_token,
            &order(number, phone),
        )
        .await,
    )
    .await;
    assert!(status.is_success(), "{r}");
    let order_id = r["order_id"].as_i64().unwrap();
    let body = json!({ "carrier": "中通快递", "tracking_number": format!("ZT{number}"),
        "shipped_at": days_ago(6), "events": events });
    let (status, r) = status_and_json(
        t.post(
            &format!("/api/v1/stores/{s}/orders/{number}/shipments"),
            &t.admin_token,
            &body,
        )
        .await,
    )
    .await;
    assert!(status.is_success(), "{r}");
    (
        conversation,
        order_id,
        r["shipment"]["id"].as_i64().unwrap(),
    )
}

async fn track(t: &TestApp, shipment: i64, status: &str, description: &str) {
    let body = json!({ "events": [{ "occurred_at": jiff::Timestamp::now().to_string(),
        "status": status, "description": description }] });
    let (code, r) = status_and_json(
        t.post(
            &format!("/api/v1/shipments/{shipment}/events"),
            &t.admin_token,
            &body,
        )
        .await,
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{r}");
}

async fn cases(t: &TestApp, query: &str) -> Vec<Value> {
    let (status, list) = status_and_json(
        t.get(&format!("/api/v1/logistics-cases{query}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

async fn task(t: &TestApp, id: i64, conversation: i64) -> Value {
    let (_, tasks) = status_and_json(
        t.get(
            &format!("/api/v1/conversations/{conversation}/tasks"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("task {id} in {tasks}"))
}

fn moving() -> Value {
    json!([{ "occurred_at": days_ago(1), "status": "in_transit", "location": "杭州", "description": "运输中" }])
}

#[tokio::test]
async fn a_returned_or_exception_parcel_opens_one_case_with_a_deadline_task() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (conversation, order_id, shipment) = parcel(&t, s, "L1001", "13800138001", moving()).await;
    assert!(
        cases(&t, "").await.is_empty(),
        "a parcel on its way has no case"
    );

    track(&t, shipment, "returned", "收件人拒收，退回寄件人").await;
    track(&t, shipment, "returned", "退件运输中").await;

    let open = cases(&t, "").await;
    assert_eq!(open.len(), 1, "one open case per parcel and kind: {open:?}");
    let case = &open[0];
    assert_eq!(case["kind"], "returned");
    assert_eq!(case["status"], "open");
    assert_eq!(case["order_id"], order_id);
    assert_eq!(case["order_number"], "L1001");
    assert_eq!(case["tracking_number"], "ZTL1001");
    assert_eq!(
        case["conversation_id"], conversation,
        "the buyer's conversation"
    );
    assert_eq!(case["opened_by"], Value::Null, "opened by kefu");
    let now = jiff::Timestamp::now().as_millisecond();
    let due = case["due_at"].as_i64().unwrap();
    assert!(due > now + 47 * 3_600_000 && due <= now + 48 * 3_600_000);
    let deadline = task(&t, case["task_id"].as_i64().unwrap(), conversation).await;
    assert_eq!(deadline["kind"], "logistics_case");
    assert_eq!(deadline["due_at"], due);
    assert_eq!(deadline["status"], "open");

    track(&t, shipment, "exception", "地址不详，无法派送").await;
    let kinds: Vec<Value> = cases(&t, "")
        .await
        .iter()
        .map(|c| c["kind"].clone())
        .collect();
    assert_eq!(kinds, vec![json!("exception"), json!("returned")]);
}

#[tokio::test]
async fn delivery_settles_returned_and_stale_parcels_but_not_damage() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (conversation, _, shipment) = parcel(&t, s, "L2001", "13800138001", moving()).await;
    track(&t, shipment, "returned", "退回").await;
    let (status, damaged) = status_and_json(
        t.post(
            "/api/v1/logistics-cases",
            &t.admin_token,
            &json!({ "shipment_id": shipment, "kind": "damaged", "note": "买家说外箱破损" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{damaged}");

    track(&t, shipment, "delivered", "已签收，本人签收").await;

    let all = cases(&t, "?status=resolved").await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["kind"], "returned");
    assert_eq!(all[0]["resolution"], "delivered");
    let closed = task(&t, all[0]["task_id"].as_i64().unwrap(), conversation).await;
    assert_eq!(closed["status"], "done");
    let open = cases(&t, "").await;
    assert_eq!(open.len(), 1);
    assert_eq!(
        open[0]["id"], damaged["id"],
        "damage is not settled by delivery"
    );
}

#[tokio::test]
async fn parcels_without_movement_for_the_store_s_days_get_one_case_with_two_instances() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let r = t
        .put(
            &format!("/api/v1/stores/{s}"),
            &t.admin_token,
            &json!({ "name": "丝施天猫店", "kind": "marketplace", "stale_after_days": 2 }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let stuck = json!([{ "occurred_at": days_ago(3), "status": "in_transit", "description": "到达杭州转运中心" }]);
    let (_, _, stale) = parcel(&t, s, "L3001", "13800138001", stuck).await;
    parcel(&t, s, "L3002", "13800138002", moving()).await;
    let arrived =
        json!([{ "occurred_at": days_ago(5), "status": "delivered", "description": "已签收" }]);
    parcel(&t, s, "L3003", "13800138003", arrived).await;
    let other = if t.db_place.is_postgres() {
        kefu_app::App::start(
            t.db_place.open_again().await,
            kefu_app::AppConfig::default(),
        )
        .await
        .unwrap()
    } else {
        t.app().clone()
    };

    let (a, b) = tokio::join!(
        kefu_app::logistics::auto::check_stale_parcels(t.app()),
        kefu_app::logistics::auto::check_stale_parcels(&other)
    );

    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let open = cases(&t, "").await;
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0]["kind"].as_str(), open[0]["shipment_id"].as_i64()),
        (Some("no_movement"), Some(stale))
    );
    assert_eq!(
        kefu_app::logistics::auto::check_stale_parcels(t.app())
            .await
            .unwrap(),
        0,
        "not again"
    );

    // The parcel moves and arrives: the case is settled.
    track(&t, stale, "delivered", "已签收").await;
    assert!(cases(&t, "").await.is_empty());
    assert_eq!(
        cases(&t, "?status=resolved").await[0]["resolution"],
        "delivered"
    );
}

#[tokio::test]
async fn agents_work_a_case_to_compensation() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("a@shop.test", "小王", "agent").await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (conversation, order_id, _) = parcel(&t, s, "L4001", "13800138001", moving()).await;
    for (bad, code) in [
        (
            json!({ "order_id": order_id, "kind": "stolen" }),
            "invalid_case_kind",
        ),
        (json!({ "kind": "lost" }), "required"),
        (
            json!({ "order_id": order_id, "kind": "lost", "due_in_hours": 0 }),
            "invalid_deadline",
        ),
    ] {
        let (status, e) =
            status_and_json(t.post("/api/v1/logistics-cases", &agent, &bad).await).await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{bad}"
        );
    }
    assert_eq!(t.count("logistics_cases").await, 0);

    let open = json!({ "order_id": order_id, "kind": "signed_not_received", "note": "显示已签收，买家说没收到" });
    let (status, case) =
        status_and_json(t.post("/api/v1/logistics-cases", &agent, &open).await).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["conversation_id"], conversation);
    assert_eq!(case["notes"][0]["name"], "小王");
    let (status, e) = status_and_json(t.post("/api/v1/logistics-cases", &agent, &open).await).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("case_already_open"))
    );
    let path = format!("/api/v1/logistics-cases/{}", case["id"]);
    let patch = |body: Value| {
        let (t, path, agent) = (&t, path.clone(), agent.clone());
        async move {
            let r = t
                .http
                .patch(t.url(&path))
                .bearer_auth(&agent)
                .json(&body)
                .send()
                .await
                .unwrap();
            status_and_json(r).await
        }
    };

    let (status, waiting) =
        patch(json!({ "status": "waiting_carrier", "note": "已联系中通调取底单" })).await;
    assert_eq!(status, StatusCode::OK, "{waiting}");
    assert_eq!(waiting["status"], "waiting_carrier");
    for (bad, code) in [
        (json!({ "status": "resolved" }), "resolution_required"),
        (
            json!({ "status": "resolved", "resolution": "compensated" }),
            "compensation_required",
        ),
        (
            json!({ "status": "open", "resolution": "reshipped" }),
            "resolution_needs_resolved",
        ),
        (
            json!({ "status": "resolved", "resolution": "compensated", "compensation_minor": -1 }),
            "invalid_amount",
        ),
    ] {
        let (status, e) = patch(bad.clone()).await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{bad}"
        );
    }
    let (status, done) = patch(json!({ "status": "resolved", "resolution": "compensated",
        "compensation_minor": 2_000, "note": "补偿 20 元" }))
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        (
            done["resolution"].as_str(),
            done["compensation_minor"].as_i64()
        ),
        (Some("compensated"), Some(2_000))
    );
    assert_eq!(done["currency"], "CNY");
    assert_eq!(done["notes"].as_array().unwrap().len(), 3);
    assert_eq!(
        task(&t, done["task_id"].as_i64().unwrap(), conversation).await["status"],
        "done"
    );
    let (status, e) = patch(json!({ "note": "再补一句" })).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("case_resolved"))
    );
    assert!(cases(&t, "").await.is_empty());
    assert_eq!(
        cases(&t, &format!("?order_id={order_id}")).await.len(),
        1,
        "an order's cases, any status"
    );
}

#[tokio::test]
async fn the_case_list_page_and_the_order_panel_show_cases() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (conversation, _, shipment) = parcel(&t, s, "L5001", "13800138001", moving()).await;
    track(&t, shipment, "exception", "地址错误").await;
    let (cookie, _) = t.sign_in("admin@shop.test", PASSWORD).await;
    let page = |path: String| {
        let cookie = cookie.clone();
        let t = &t;
        async move {
            let r = t
                .http
                .get(t.url(&path))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            r.text().await.unwrap()
        }
    };

    let list = page("/app/logistics".into()).await;
    assert!(list.contains("Logistics cases") && list.contains("L5001") && list.contains("ZTL5001"));
    assert!(list.contains("Carrier exception"));
    let panel = page(format!("/app/conversations/{conversation}?view=all")).await;
    let orders = panel
        .split("id=\"orders\"")
        .nth(1)
        .expect("the order panel");
    assert!(
        orders.contains("logistics-case") && orders.contains("Carrier exception"),
        "{orders}"
    );
}

#[tokio::test]
async fn a_case_settled_by_hand_is_not_reopened_while_the_parcel_has_not_moved_since() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let stuck = json!([{ "occurred_at": days_ago(4), "status": "in_transit", "description": "到达转运中心" }]);
    parcel(&t, s, "L6001", "13800138001", stuck).await;
    let check = || kefu_app::logistics::auto::check_stale_parcels(t.app());
    assert_eq!(check().await.unwrap(), 1);
    let case = cases(&t, "").await[0].clone();
    let r = t
        .http
        .patch(t.url(&format!("/api/v1/logistics-cases/{}", case["id"])))
        .bearer_auth(&t.admin_token)
        .json(&json!({ "status": "resolved", "resolution": "reshipped", "note": "已补发新包裹" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    assert_eq!(check().await.unwrap(), 0);
    assert!(cases(&t, "").await.is_empty());
}
