//! Order changes (R-ORD-2): a change agreed in a conversation is listed for packing (and
//! exported), posted signed to the store's warehouse webhook — tried again until the
//! warehouse takes it — and, when marked done, the buyer is told in that conversation,
//! or an agent gets a task to tell them.

use crate::helpers::{PASSWORD, TestApp, status_and_json};
use crate::orders::{order, store};
use crate::reminders::{buyer, put_order};
use axum::http::HeaderMap;
use reqwest::StatusCode;
use sea_query::{Alias, Expr, ExprTrait, Query};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const JOB: &str = "order.change_to_warehouse";

fn address_change(conversation: Option<i64>) -> Value {
    json!({
        "kind": "address", "description": "改地址：滨江区网商路 699 号",
        "new_address": { "recipient": "王芳", "phone": "13800138001", "province": "浙江省",
            "city": "杭州市", "district": "滨江区", "line": "网商路 699 号" },
        "conversation_id": conversation,
    })
}

async fn record(t: &TestApp, token: &str, order: i64, change: &Value) -> (StatusCode, Value) {
    status_and_json(
        t.post(&format!("/api/v1/orders/{order}/changes"), token, change)
            .await,
    )
    .await
}

async fn packing(t: &TestApp, query: &str) -> Vec<Value> {
    let (status, page) = status_and_json(
        t.get(&format!("/api/v1/order-changes?{query}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["data"].as_array().unwrap().clone()
}

/// The messages kefu wrote into a conversation to say a change is done.
async fn done_notices(t: &TestApp, conversation: i64) -> Vec<Value> {
    let (_, page) = status_and_json(
        t.get(
            &format!("/api/v1/conversations/{conversation}/messages?limit=100"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    let list = page["data"].as_array().cloned().unwrap_or_default();
    list.into_iter()
        .filter(|m| {
            m["client_id"]
                .as_str()
                .is_some_and(|c| c.starts_with("order-change-done:"))
        })
        .collect()
}

#[tokio::test]
async fn a_change_is_listed_for_packing_exported_and_the_buyer_told_in_its_conversation_when_done()
{
    let t = TestApp::spawn().await;
    let agent = t.user_token("agent@shop.test", "小李", "agent").await;
    let (_, widget) = t.widget_inbox(None).await;
    let conversation = buyer(&t, &widget, "13800138001", "CN").await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let id = put_order(&t, s, &order("C1", "13800138001")).await;

    let (status, c) = record(&t, &agent, id, &address_change(Some(conversation))).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["conversation_id"], conversation);
    assert!(
        c["warehouse_sent_at"].is_null(),
        "the store has no warehouse webhook"
    );

    let open = packing(&t, "").await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["order_number"], "C1");
    assert_eq!(open[0]["store_name"], "丝施天猫店");
    assert_eq!(open[0]["new_address"]["district"], "滨江区");
    assert_eq!(
        open[0]["address"]["district"], "西湖区",
        "the order's own address beside it"
    );
    assert_eq!(packing(&t, &format!("store={}", s + 1)).await.len(), 0);

    // Agents see the recipient's phone masked, and do not export; a manager does, in full,
    // in their own language.
    let (_, mine) = status_and_json(t.get("/api/v1/order-changes", &agent).await).await;
    let phone = mine["data"][0]["new_address"]["phone"].as_str().unwrap();
    assert!(phone != "13800138001" && phone.contains('*'), "{phone}");
    assert_eq!(
        open[0]["new_address"]["phone"], "13800138001",
        "the admin sees it"
    );
    let r = t
        .get("/api/v1/order-changes/export?format=csv", &agent)
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let manager = t.user_token("boss@shop.test", "王经理", "manager").await;
    t.set_locale("boss@shop.test", "zh-CN").await;
    let r = t
        .get("/api/v1/order-changes/export?format=csv", &manager)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].contains("订单号") && lines[0].contains("新地址"),
        "{csv}"
    );
    assert!(lines[1].contains(",C1,改地址,"), "{csv}");
    assert!(
        lines[1].contains(",13800138001,") && lines[1].contains(",红旗,"),
        "{csv}"
    );
    assert!(
        lines[1].contains("浙江省杭州市滨江区网商路 699 号"),
        "{csv}"
    );
    assert!(
        lines[1].contains("浙江省杭州市西湖区文三路 100 号"),
        "the old address too: {csv}"
    );
    let r = t
        .get("/api/v1/order-changes/export?format=xlsx", &t.admin_token)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let sheet = kefu_sheets::read(&r.bytes().await.unwrap(), kefu_sheets::Format::Xlsx).unwrap();
    assert_eq!(
        sheet.rows.len(),
        1,
        "one change in the English workbook too"
    );
    assert_eq!(sheet.headers[2], "Order");

    let ack = format!("/api/v1/order-changes/{}/acknowledge", c["id"]);
    let (status, done) = status_and_json(t.post(&ack, &agent, &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(done["acknowledged_at"].is_i64());
    let told = done_notices(&t, conversation).await;
    assert_eq!(told.len(), 1);
    assert_eq!(done["buyer_message_id"], told[0]["id"]);
    assert_eq!(told[0]["kind"], "outgoing");
    let body = told[0]["body"].as_str().unwrap();
    assert!(
        body.contains("C1") && body.contains("浙江省杭州市滨江区网商路 699 号"),
        "the order and its new address: {body}"
    );

    let (status, _) = status_and_json(t.post(&ack, &agent, &json!({})).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "done once");
    assert_eq!(done_notices(&t, conversation).await.len(), 1, "told once");
    assert!(packing(&t, "status=open").await.is_empty());
    let done_list = packing(&t, "status=done").await;
    assert_eq!(done_list.len(), 1);
    assert_eq!(done_list[0]["buyer_message_id"], told[0]["id"]);

    // Marked done without telling the buyer: nothing is written to them.
    let other = json!({ "kind": "item_attribute", "description": "颜色：黑色 → 白色" });
    let (_, c2) = record(&t, &agent, id, &other).await;
    let ack2 = format!("/api/v1/order-changes/{}/acknowledge", c2["id"]);
    let (status, done2) = status_and_json(
        t.post(&ack2, &agent, &json!({ "notify_buyer": false }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done2}");
    assert!(done2["buyer_message_id"].is_null() && done2["buyer_task_id"].is_null());
    assert_eq!(done_notices(&t, conversation).await.len(), 1);
    let (_, d) = status_and_json(t.get(&format!("/api/v1/orders/{id}"), &agent).await).await;
    assert_eq!(d["open_changes"], 0);
}

#[tokio::test]
async fn a_buyer_kefu_cannot_write_to_gets_an_agent_task_and_a_store_s_own_words_are_used() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("agent@shop.test", "小李", "agent").await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let id = put_order(&t, s, &order("C7", "13900139000")).await;
    let (_, c) = record(&t, &agent, id, &address_change(None)).await;
    let tasks_before = t.count("tasks").await;
    let ack = format!("/api/v1/order-changes/{}/acknowledge", c["id"]);
    let (status, done) = status_and_json(t.post(&ack, &agent, &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(done["buyer_message_id"].is_null());
    assert!(done["buyer_task_id"].is_i64(), "{done}");
    assert_eq!(t.count("tasks").await, tasks_before + 1);

    // A store's own words, filled from the order and the change's new address.
    let (_, widget) = t.widget_inbox(None).await;
    let conversation = buyer(&t, &widget, "13800138001", "CN").await;
    let mut st = json!({ "name": "丝施天猫店", "kind": "marketplace", "currency": "CNY",
        "change_done_text": "{{customer_name}}，订单{{order_number}}改好啦，寄往{{address}}" });
    let (status, _) = status_and_json(
        t.put(&format!("/api/v1/stores/{s}"), &t.admin_token, &st)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let id2 = put_order(&t, s, &order("C8", "13800138001")).await;
    let (_, c) = record(&t, &agent, id2, &address_change(Some(conversation))).await;
    let ack = format!("/api/v1/order-changes/{}/acknowledge", c["id"]);
    let (status, _) = status_and_json(t.post(&ack, &agent, &json!({})).await).await;
    assert_eq!(status, StatusCode::OK);
    let told = done_notices(&t, conversation).await;
    assert_eq!(
        told[0]["body"],
        "王芳，订单C8改好啦，寄往浙江省杭州市滨江区网商路 699 号，王芳"
    );

    // Bad words change nothing.
    st["change_done_text"] = json!("{{no_such_variable}}");
    let (status, e) = status_and_json(
        t.put(&format!("/api/v1/stores/{s}"), &t.admin_token, &st)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (_, kept) =
        status_and_json(t.get(&format!("/api/v1/stores/{s}"), &t.admin_token).await).await;
    assert_eq!(
        kept["change_done_text"],
        "{{customer_name}}，订单{{order_number}}改好啦，寄往{{address}}"
    );
}

#[tokio::test]
async fn bad_changes_and_warehouse_addresses_are_refused_and_change_nothing() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("agent@shop.test", "小李", "agent").await;
    let (_, widget) = t.widget_inbox(None).await;
    let someone_else = t.conversation(&widget, "我是别的客人").await.0;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let id = put_order(&t, s, &order("C1", "13800138001")).await;

    let (status, e) = record(&t, &agent, id, &address_change(Some(someone_else))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "not_the_buyers_conversation", "{e}");
    let mut no_buyer = order("C2", "13800138001");
    no_buyer["buyer"] = json!({ "name": "匿名买家" });
    let anonymous = put_order(&t, s, &no_buyer).await;
    let (status, e) = record(&t, &agent, anonymous, &address_change(Some(someone_else))).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an order without a buyer: {e}"
    );
    let bad_kind = json!({ "kind": "colour", "description": "白色" });
    let (status, _) = record(&t, &agent, id, &bad_kind).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.count("order_changes").await, 0);

    let (status, e) = status_and_json(
        t.get("/api/v1/order-changes?status=later", &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let r = t
        .post(
            "/api/v1/order-changes/1/acknowledge",
            &agent,
            &json!({ "notify_buyer": "yes" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    for url in ["ftp://wms.example.cn/in", "wms.example.cn", "http://"] {
        let body =
            json!({ "name": "丝施天猫店", "kind": "marketplace", "warehouse_webhook_url": url });
        let (status, e) = status_and_json(
            t.put(&format!("/api/v1/stores/{s}"), &t.admin_token, &body)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {e}");
        assert_eq!(e["error"]["code"], "invalid_webhook_url", "{e}");
    }
    let (_, kept) =
        status_and_json(t.get(&format!("/api/v1/stores/{s}"), &t.admin_token).await).await;
    assert!(kept["warehouse_webhook_url"].is_null());
    assert_eq!(kept["kind"], "marketplace");
}

/// A warehouse on 127.0.0.1 that refuses its first `refusals` posts with 503 and keeps
/// every post's headers and body.
async fn warehouse(refusals: usize) -> (String, Arc<Mutex<Vec<(HeaderMap, String)>>>) {
    let posts: Arc<Mutex<Vec<(HeaderMap, String)>>> = Arc::default();
    let seen = Arc::new(AtomicUsize::new(0));
    let kept = posts.clone();
    let app = axum::Router::new().route(
        "/kefu",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let (kept, seen) = (kept.clone(), seen.clone());
            async move {
                kept.lock().unwrap().push((headers, body));
                if seen.fetch_add(1, Ordering::SeqCst) < refusals {
                    (StatusCode::SERVICE_UNAVAILABLE, "busy packing")
                } else {
                    (StatusCode::OK, "ok")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/kefu", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, posts)
}

/// Runs due jobs until the warehouse has had `n` posts (the server's own worker may run
/// them too).
async fn until_posts(t: &TestApp, posts: &Mutex<Vec<(HeaderMap, String)>>, n: usize) {
    for _ in 0..200 {
        if posts.lock().unwrap().len() >= n {
            return;
        }
        kefu_app::jobs::run_due(t.app()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the warehouse had {} posts, not {n}",
        posts.lock().unwrap().len()
    );
}

/// Moves the warehouse jobs to now (their backoff has passed).
async fn make_due(t: &TestApp) {
    t.app()
        .db
        .execute(
            &Query::update()
                .table(Alias::new("jobs"))
                .value(Alias::new("run_at"), 0)
                .and_where(Expr::col(Alias::new("kind")).eq(JOB))
                .take(),
        )
        .await
        .unwrap();
}

async fn change_row(t: &TestApp, order: i64) -> Value {
    let (_, d) = status_and_json(
        t.get(&format!("/api/v1/orders/{order}"), &t.admin_token)
            .await,
    )
    .await;
    d["changes"][0].clone()
}

#[tokio::test]
async fn each_change_is_posted_signed_to_the_warehouse_until_it_is_taken() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("agent@shop.test", "小李", "agent").await;
    let (url, posts) = warehouse(1).await;
    let (s, secret) = store(&t, "丝施天猫店", "CNY").await;
    let body = json!({ "name": "丝施天猫店", "kind": "marketplace", "warehouse_webhook_url": url });
    let (status, st) = status_and_json(
        t.put(&format!("/api/v1/stores/{s}"), &t.admin_token, &body)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{st}");
    let id = put_order(&t, s, &order("C1", "13800138001")).await;
    let (_, c) = record(&t, &agent, id, &address_change(None)).await;

    until_posts(&t, &posts, 1).await;
    let mut failed = Value::Null;
    for _ in 0..100 {
        failed = change_row(&t, id).await;
        if failed["warehouse_error"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let error = failed["warehouse_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("503") && error.contains("127.0.0.1"),
        "{failed}"
    );
    assert!(
        !error.contains("/kefu"),
        "the address's path stays out: {error}"
    );
    assert!(failed["warehouse_sent_at"].is_null());

    make_due(&t).await;
    until_posts(&t, &posts, 2).await;
    let mut sent = Value::Null;
    for _ in 0..100 {
        sent = change_row(&t, id).await;
        if sent["warehouse_sent_at"].is_i64() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(sent["warehouse_sent_at"].is_i64(), "{sent}");
    assert!(sent["warehouse_error"].is_null(), "{sent}");

    make_due(&t).await;
    kefu_app::jobs::run_due(t.app()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let posts = posts.lock().unwrap().clone();
    assert_eq!(posts.len(), 2, "nothing more once the warehouse took it");
    for (headers, body) in &posts {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        assert_eq!(
            header("x-kefu-signature"),
            kefu_app::email::read::signature(&secret, body.as_bytes()),
            "signed over the body with the store's webhook key"
        );
        assert_eq!(
            header("x-kefu-delivery"),
            format!("order-change-{}", c["id"])
        );
        assert_eq!(header("x-kefu-event"), "order.change_recorded");
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["change"]["id"], c["id"]);
        assert_eq!(v["change"]["new_address"]["line"], "网商路 699 号");
        assert_eq!(v["order"]["order_number"], "C1");
        assert_eq!(v["order"]["items"][0]["sku"], "BT-01");
        assert_eq!(v["store"]["id"], s);
    }
}

#[tokio::test]
async fn the_agent_records_a_change_from_the_order_panel_and_packing_marks_it_done_in_the_workspace()
 {
    let t = TestApp::spawn().await;
    t.user_token("agent@shop.test", "小李", "agent").await;
    t.set_locale("agent@shop.test", "zh-CN").await;
    let (_, widget) = t.widget_inbox(None).await;
    let conversation = buyer(&t, &widget, "13800138001", "CN").await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let id = put_order(&t, s, &order("C1", "13800138001")).await;
    let (cookie, csrf) = t.sign_in("agent@shop.test", PASSWORD).await;
    let get = |path: String| {
        let (t, cookie) = (&t, cookie.clone());
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
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let (t, cookie) = (&t, cookie.clone());
        async move {
            let r = t
                .http
                .post(t.url(&path))
                .header("cookie", cookie)
                .form(&form)
                .send()
                .await
                .unwrap();
            (
                r.status(),
                r.headers()
                    .get("location")
                    .map(|l| l.to_str().unwrap().to_owned()),
            )
        }
    };

    let panel = get(format!("/app/conversations/{conversation}?view=all")).await;
    let form = format!("action=\"/app/orders/{id}/changes\"");
    assert!(
        panel.contains(&form) && panel.contains("登记修改"),
        "the form beside the order"
    );

    let (status, to) = post(
        format!("/app/orders/{id}/changes"),
        vec![
            ("csrf", csrf.clone()),
            ("kind", "address".into()),
            ("description", "买家改收货地址".into()),
            ("recipient", "王芳".into()),
            ("city", "杭州市".into()),
            ("district", "滨江区".into()),
            ("line", "网商路 699 号".into()),
            ("conversation_id", conversation.to_string()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        to.unwrap()
            .starts_with(&format!("/app/conversations/{conversation}"))
    );
    let panel = get(format!("/app/conversations/{conversation}?view=all")).await;
    assert!(panel.contains("1 项改动待打单确认"), "flagged on the order");

    let list = get("/app/order-changes".into()).await;
    assert!(list.contains("订单修改") && list.contains("C1") && list.contains("买家改收货地址"));
    assert!(list.contains("网商路 699 号") && list.contains("告知买家已改好"));
    assert!(
        !list.contains("changes-export-csv"),
        "no export link for an agent"
    );
    assert!(
        !list.contains("13800138001"),
        "the phone masked for an agent"
    );
    let change = packing(&t, "").await[0]["id"].as_i64().unwrap();

    let (status, e) = post(
        format!("/app/order-changes/{change}/done"),
        vec![("csrf", "wrong".into()), ("notify_buyer", "1".into())],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e:?}");
    assert!(
        packing(&t, "status=open").await.len() == 1,
        "a bad token changes nothing"
    );

    let (status, to) = post(
        format!("/app/order-changes/{change}/done"),
        vec![
            ("csrf", csrf.clone()),
            ("notify_buyer", "1".into()),
            ("keep", "status=open&store=<script>".into()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to.as_deref(), Some("/app/order-changes?status=open"));
    assert_eq!(
        done_notices(&t, conversation).await.len(),
        1,
        "the buyer is told"
    );
    let list = get("/app/order-changes".into()).await;
    assert!(list.contains("没有待处理的修改"), "nothing left to apply");
    let done = get("/app/order-changes?status=done".into()).await;
    assert!(done.contains("C1") && done.contains("已告知买家"));
}

#[tokio::test]
async fn erasing_a_buyer_erases_them_from_their_orders_changes_and_after_sales_and_merging_moves_their_orders()
 {
    let t = TestApp::spawn().await;
    let manager = t.user_token("boss@shop.test", "经理", "manager").await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (order_id, [item, _]) = crate::after_sales::paid_order(&t, s, "E1", Some(1)).await;
    let case = crate::after_sales::opened(
        &t,
        order_id,
        json!({ "kind": "return", "reason": "quality", "description": "耳机左边没声音，王芳 13800138001",
                "items": [{ "order_item_id": item, "quantity": 1 }] }),
    )
    .await;
    record(&t, &t.admin_token, order_id, &address_change(None)).await;
    let (_, o) = status_and_json(
        t.get(&format!("/api/v1/orders/{order_id}"), &t.admin_token)
            .await,
    )
    .await;
    let buyer = o["contact_id"].as_i64().unwrap();

    // Merging the buyer into another record moves the order with them.
    let (status, other) = status_and_json(
        t.post(
            "/api/v1/contacts",
            &t.admin_token,
            &json!({ "name": "王芳（淘宝）" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{other}");
    let survivor = other["id"].as_i64().unwrap();
    let r = t
        .post(
            &format!("/api/v1/contacts/{survivor}/merge"),
            &manager,
            &json!({ "from": buyer }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (_, listed) = status_and_json(
        t.get(
            &format!("/api/v1/orders?contact_id={survivor}"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    assert_eq!(listed["data"][0]["id"], order_id, "{listed}");

    let status = t.erase_contact(&manager, survivor).await;
    assert_eq!(status, StatusCode::OK);
    let (_, o) = status_and_json(
        t.get(&format!("/api/v1/orders/{order_id}"), &t.admin_token)
            .await,
    )
    .await;
    assert_ne!(o["buyer_name"], "王芳");
    assert!(o["address"].is_null() && o["buyer_remark"].is_null(), "{o}");
    assert_eq!(o["total"], 21400, "amounts stay for the reports");
    assert_eq!(o["changes"][0]["description"], "");
    assert!(o["changes"][0]["new_address"].is_null());
    let (_, c) = status_and_json(
        t.get(&format!("/api/v1/after-sales/{case}"), &t.admin_token)
            .await,
    )
    .await;
    assert!(!c.to_string().contains("没声音"), "{c}");
    assert_eq!(c["kind"], "return");
}
