//! Automation rules on the event log (in order, once per event, never looping, even with
//! two instances) and macros (all their actions, or none).

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::status_and_json as body;

async fn conversation(t: &TestApp, id: i64) -> Value {
    body(
        t.get(&format!("/api/v1/conversations/{id}"), &t.admin_token)
            .await,
    )
    .await
    .1
}

async fn kinds(t: &TestApp, id: i64) -> Vec<(String, String)> {
    let (_, v) = body(
        t.get(
            &format!("/api/v1/conversations/{id}/messages"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap().to_owned(),
                m["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn rule(t: &TestApp, v: Value) -> Value {
    let (status, r) = body(t.post("/api/v1/automation/rules", &t.admin_token, &v).await).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    r
}

#[tokio::test]
async fn rules_run_in_order_on_customer_messages_and_never_on_their_own_actions() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    rule(
        &t,
        json!({ "name": "退款进售后", "trigger": "message_received",
                "conditions": [{ "field": "message_contains", "any": ["退款", "refund"] }],
                "actions": [{ "action": "set_type", "ticket_type": "after_sales" },
                            { "action": "add_label", "label": "退款" },
                            { "action": "reply", "text": "已收到您的退款申请，售后同事会尽快处理。" }] }),
    )
    .await;
    rule(
        &t,
        json!({ "name": "售后加急", "trigger": "message_received",
                "conditions": [{ "field": "ticket_type", "is": ["after_sales"] }],
                "actions": [{ "action": "set_priority", "priority": "high" }] }),
    )
    .await;

    let (refund, visitor) = t.conversation(&widget, "我要退款").await;
    let (other, _) = t.conversation(&widget, "where is my parcel?").await;
    kefu_app::automation::run_pending(t.app()).await.unwrap();

    let c = conversation(&t, refund).await;
    assert_eq!(
        (&c["ticket_type"], &c["labels"], &c["priority"]),
        (&json!("after_sales"), &json!(["退款"]), &json!("high")),
        "{c}"
    );
    let untouched = conversation(&t, other).await;
    assert_eq!(
        (&untouched["ticket_type"], &untouched["priority"]),
        (&Value::Null, &json!("normal"))
    );
    assert_eq!(
        kinds(&t, refund).await,
        [
            ("incoming".to_owned(), "我要退款".to_owned()),
            (
                "outgoing".to_owned(),
                "已收到您的退款申请，售后同事会尽快处理。".to_owned()
            )
        ]
    );

    // The reply the rule sent triggers nothing; running again finds nothing new.
    kefu_app::automation::run_pending(t.app()).await.unwrap();
    assert_eq!(kinds(&t, refund).await.len(), 2);
    // A second customer message runs the rules again: one more reply, the label once.
    t.visitor_says(&widget, &visitor, "refund please", None)
        .await;
    kefu_app::automation::run_pending(t.app()).await.unwrap();
    assert_eq!(kinds(&t, refund).await.len(), 4);
    assert_eq!(conversation(&t, refund).await["labels"], json!(["退款"]));
}

#[tokio::test]
async fn two_instances_or_runs_at_once_handle_each_event_once() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    rule(
        &t,
        json!({ "name": "欢迎", "trigger": "conversation_created",
                "actions": [{ "action": "note", "text": "新会话" }] }),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(t.conversation(&widget, &format!("你好 {i}")).await.0);
    }
    // Several instances share one PostgreSQL database; on SQLite (one instance) the
    // worker and a direct run race the same way.
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
        kefu_app::automation::run_pending(t.app()),
        kefu_app::automation::run_pending(&other)
    );
    a.unwrap();
    b.unwrap();
    for id in ids {
        let notes = kinds(&t, id)
            .await
            .into_iter()
            .filter(|(k, _)| k == "note")
            .count();
        assert_eq!(notes, 1, "conversation {id}");
    }
}

#[tokio::test]
async fn bad_rules_are_refused_and_only_admins_write_them() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("a@shop.test", "小王", "agent").await;
    let good = json!({ "name": "x", "trigger": "message_received", "actions": [{ "action": "note", "text": "hi" }] });
    let (status, _) = body(t.post("/api/v1/automation/rules", &agent, &good).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (bad, code) in [
        (
            json!({ "name": "x", "trigger": "message_received", "actions": [] }),
            "required",
        ),
        (
            json!({ "name": " ", "trigger": "message_received", "actions": [{ "action": "note", "text": "hi" }] }),
            "required",
        ),
        (
            json!({ "name": "x", "trigger": "message_received", "conditions": [{ "field": "message_contains", "any": [] }],
                 "actions": [{ "action": "note", "text": "hi" }] }),
            "empty_condition",
        ),
    ] {
        let (status, e) = body(
            t.post("/api/v1/automation/rules", &t.admin_token, &bad)
                .await,
        )
        .await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{bad}: {e}"
        );
    }
    let (status, _) = body(
        t.post(
            "/api/v1/automation/rules",
            &t.admin_token,
            &json!({ "name": "x", "trigger": "whenever", "actions": [{ "action": "note", "text": "hi" }] }),
        )
        .await,
    )
    .await;
    assert!(status.is_client_error());
    assert_eq!(t.count("automation_rules").await, 0);
}

#[tokio::test]
async fn a_macro_applies_all_its_actions_or_none() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, _) = t.conversation(&widget, "快递三天没动了").await;
    let agent = t.user_token("a@shop.test", "小王", "agent").await;
    let colleague = t.user_token("b@shop.test", "小张", "agent").await;
    let mine = json!({ "name": "查件", "actions": [
        { "action": "reply", "text": "亲，我这边帮您查一下物流，请稍等。" },
        { "action": "set_type", "ticket_type": "logistics" },
        { "action": "add_label", "label": "查件" },
        { "action": "set_status", "status": "waiting_customer" } ] });
    let (status, m) = body(t.post("/api/v1/macros", &agent, &mine).await).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let shared =
        json!({ "name": "s", "shared": true, "actions": [{ "action": "note", "text": "x" }] });
    let (status, _) = body(t.post("/api/v1/macros", &agent, &shared).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let path = format!("/api/v1/conversations/{id}/macros/{}", m["id"]);
    let (status, _) = body(t.post(&path, &colleague, &json!({})).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "someone else's macro");

    let (status, c) = body(t.post(&path, &agent, &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(
        (&c["ticket_type"], &c["labels"], &c["status"]),
        (
            &json!("logistics"),
            &json!(["查件"]),
            &json!("waiting_customer")
        )
    );
    let sent = kinds(&t, id).await;
    assert_eq!(
        sent.last().unwrap(),
        &(
            "outgoing".to_owned(),
            "亲，我这边帮您查一下物流，请稍等。".to_owned()
        )
    );

    // A broken action (a type removed since) stops the whole macro: no reply goes out.
    let broken = json!({ "name": "旧", "actions": [
        { "action": "reply", "text": "这句不该发出" }, { "action": "set_type", "ticket_type": "gone" } ] });
    let (_, b) = body(t.post("/api/v1/macros", &agent, &broken).await).await;
    let (status, _) = body(
        t.post(
            &format!("/api/v1/conversations/{id}/macros/{}", b["id"]),
            &agent,
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(kinds(&t, id).await.len(), sent.len());
    let (_, list) = body(t.get("/api/v1/macros", &colleague).await).await;
    assert!(list.as_array().unwrap().is_empty());
}

/// The `notification` events appended after event id `after`, as their payloads.
async fn notifications(t: &TestApp, after: i64) -> Vec<Value> {
    kefu_store::events::list_after(&t.app().db, after, None, 100)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == "notification")
        .map(|e| serde_json::from_str(&e.payload).unwrap())
        .collect()
}

#[tokio::test]
async fn the_on_duty_supervisor_is_the_one_online_and_all_are_told_when_nobody_is() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let on_duty = t
        .user_token("zhang@shop.test", "张主管", "supervisor")
        .await;
    t.user_token("li@shop.test", "李主管", "supervisor").await;
    let desk = crate::routing::Desk { t: &t };
    desk.availability(&on_duty, "online").await;
    let zhang = t.actor("zhang@shop.test").await.user_id;
    rule(
        &t,
        json!({ "name": "VIP 夜间来信", "trigger": "message_received",
                "conditions": [{ "field": "message_contains", "any": ["加急"] }],
                "actions": [{ "action": "notify", "roles": ["supervisor"], "user_ids": [],
                              "text": "VIP 客户来信", "on_duty": true }] }),
    )
    .await;

    let before = kefu_store::events::latest_id(&t.app().db).await.unwrap();
    t.conversation(&widget, "加急：发错货了").await;
    kefu_app::automation::run_pending(t.app()).await.unwrap();
    let told = notifications(&t, before).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(
        (&told[0]["notify"]["user_ids"], &told[0]["notify"]["roles"]),
        (&json!([zhang]), &json!([])),
        "only the supervisor online: {}",
        told[0]
    );

    desk.availability(&on_duty, "offline").await;
    let before = kefu_store::events::latest_id(&t.app().db).await.unwrap();
    t.conversation(&widget, "加急：还没发货").await;
    kefu_app::automation::run_pending(t.app()).await.unwrap();
    let told = notifications(&t, before).await;
    assert_eq!(
        told[0]["notify"]["roles"],
        json!(["supervisor"]),
        "nobody on duty: every supervisor hears it"
    );
}
