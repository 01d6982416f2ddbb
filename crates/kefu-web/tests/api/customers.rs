//! A customer's timeline, masking by role with audited reveals, erasure, the audit log.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) async fn json_of(r: reqwest::Response, expected: StatusCode) -> Value {
    let status = r.status();
    let v: Value = r.json().await.expect("json body");
    assert_eq!(status, expected, "{v}");
    v
}

async fn contact(t: &TestApp, body: Value) -> Value {
    json_of(
        t.post("/api/v1/contacts", &t.admin_token, &body).await,
        StatusCode::CREATED,
    )
    .await
}

fn kinds(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind").to_owned())
        .collect()
}

#[tokio::test]
async fn the_timeline_shows_conversations_notes_and_calls_newest_first_with_paging() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "你好，我的快递三天没动了").await;
    let conv = json_of(
        t.get(
            &format!("/api/v1/conversations/{conversation}"),
            &t.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let contact_id = conv["contact_id"].as_i64().unwrap();
    let org = json_of(
        t.post(
            "/api/v1/organisations",
            &t.admin_token,
            &json!({ "name": "杭州云衫服饰有限公司" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let r = t
        .put(
            &format!("/api/v1/contacts/{contact_id}"),
            &t.admin_token,
            &json!({ "name": "王芳", "organisation_id": org["id"] }),
        )
        .await;
    json_of(r, StatusCode::OK).await;

    let path = format!("/api/v1/contacts/{contact_id}/timeline");
    let note = json_of(
        t.post(
            &path,
            &t.admin_token,
            &json!({"kind": "note", "body": "客户希望周末送货"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(note["summary"], "客户希望周末送货");
    assert_eq!(note["organisation_id"], org["id"]);
    let call = json_of(
        t.post(
            &path,
            &t.admin_token,
            &json!({"kind": "call", "direction": "outbound", "outcome": "answered", "duration_secs": 95, "body": "确认地址"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(call["detail"]["outcome"], "answered");

    let all = json_of(t.get(&path, &t.admin_token).await, StatusCode::OK).await;
    assert_eq!(kinds(&all), ["call", "note", "conversation"]);
    assert_eq!(all["data"][2]["ref_id"], conversation);
    assert!(all["next_cursor"].is_null());

    let first = json_of(
        t.get(&format!("{path}?limit=2"), &t.admin_token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(kinds(&first), ["call", "note"]);
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a cursor on a full page");
    let rest = json_of(
        t.get(&format!("{path}?limit=2&cursor={cursor}"), &t.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(kinds(&rest), ["conversation"]);

    // The organisation's timeline shows what happened with its contacts.
    let org_page = json_of(
        t.get(
            &format!("/api/v1/organisations/{}/timeline", org["id"]),
            &t.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(kinds(&org_page), ["call", "note"]);
}

#[tokio::test]
async fn bad_timeline_input_is_refused_and_stores_nothing() {
    let t = TestApp::spawn().await;
    let c = contact(&t, json!({ "name": "Olivia Chen" })).await;
    let path = format!("/api/v1/contacts/{}/timeline", c["id"]);
    let before = t.count("timeline_entries").await;
    for (body, field) in [
        (json!({"kind": "note", "body": "   "}), "body"),
        (
            json!({"kind": "call", "direction": "sideways", "outcome": "answered"}),
            "direction",
        ),
        (
            json!({"kind": "call", "direction": "inbound", "outcome": "answered", "duration_secs": -5}),
            "duration_secs",
        ),
        (json!({"kind": "note", "body": "x".repeat(10_001)}), "body"),
    ] {
        let v = json_of(
            t.post(&path, &t.admin_token, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(v["error"]["field"], field, "{v}");
    }
    let v = json_of(
        t.post(&path, &t.admin_token, &json!({"kind": "visit"}))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(v["error"]["message"].is_string());
    json_of(
        t.get("/api/v1/contacts/999999/timeline", &t.admin_token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    json_of(
        t.get(&format!("{path}?cursor=yesterday"), &t.admin_token)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(t.count("timeline_entries").await, before);
}

#[tokio::test]
async fn agents_see_masked_identities_reveal_one_and_managers_read_the_audit() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("agent@shop.test", "小李 Agent", "agent").await;
    let supervisor = t.user_token("sup@shop.test", "王主管", "supervisor").await;
    let manager = t.user_token("mgr@shop.test", "陈经理", "manager").await;
    let c = contact(
        &t,
        json!({
            "name": "赵敏", "phones": [{"value": "138 1234 5678"}],
            "emails": [{"value": "zhao.min@example.com"}],
            "handles": [{"kind": "wechat", "value": "zhaomin_88"}]
        }),
    )
    .await;
    let id = c["id"].as_i64().unwrap();

    let seen_by_agent = json_of(
        t.get(&format!("/api/v1/contacts/{id}"), &agent).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen_by_agent["masked"], true);
    assert_eq!(seen_by_agent["phone"], "+86 138****5678");
    assert_eq!(seen_by_agent["email"], "z***@example.com");
    let values: Vec<&str> = seen_by_agent["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_str().unwrap())
        .collect();
    assert!(values.contains(&"z***8"), "{values:?}");
    assert!(
        !values
            .iter()
            .any(|v| v.contains("12345678") || v.contains("zhao.min"))
    );
    // The list is masked too, and searching by the full number still finds them.
    let list = json_of(
        t.get("/api/v1/contacts?q=13812345678", &agent).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["data"][0]["id"], id);
    assert_eq!(list["data"][0]["phone"], "+86 138****5678");

    let seen_by_supervisor = json_of(
        t.get(&format!("/api/v1/contacts/{id}"), &supervisor).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen_by_supervisor["masked"], false);
    assert_eq!(seen_by_supervisor["phone"], "+8613812345678");

    let phone_identity = seen_by_agent["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "phone")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let revealed = json_of(
        t.post(
            &format!("/api/v1/contacts/{id}/identities/{phone_identity}/reveal"),
            &agent,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(revealed["value"], "+8613812345678");
    json_of(
        t.post(
            &format!("/api/v1/contacts/{id}/identities/999999/reveal"),
            &agent,
            &json!({}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // Only managers read the audit log.
    for token in [&agent, &supervisor] {
        json_of(t.get("/api/v1/audit", token).await, StatusCode::FORBIDDEN).await;
    }
    let audit = json_of(
        t.get("/api/v1/audit?action=contact.revealed", &manager)
            .await,
        StatusCode::OK,
    )
    .await;
    let entries = audit["data"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["actor_name"], "小李 Agent");
    assert_eq!(entries[0]["subject"], format!("contact:{id}"));
    // A family of actions, a subject, and a time window narrow it.
    let family = json_of(
        t.get(
            &format!("/api/v1/audit?action=contact.&subject=contact:{id}"),
            &manager,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = family["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["contact.revealed", "contact.created"]);
    let future = json_of(
        t.get("/api/v1/audit?since=4102444800000", &manager).await,
        StatusCode::OK,
    )
    .await;
    assert!(future["data"].as_array().unwrap().is_empty());
    json_of(
        t.get("/api/v1/audit?action=DROP%20TABLE", &manager).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

#[tokio::test]
async fn erasure_removes_personal_data_keeps_counts_and_is_audited() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("agent@shop.test", "小李 Agent", "agent").await;
    let manager = t.user_token("mgr@shop.test", "陈经理", "manager").await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t
        .conversation(&widget, "我的手机号是 13912345678，请回电")
        .await;
    let conv = json_of(
        t.get(
            &format!("/api/v1/conversations/{conversation}"),
            &t.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let id = conv["contact_id"].as_i64().unwrap();
    json_of(
        t.put(
            &format!("/api/v1/contacts/{id}"),
            &t.admin_token,
            &json!({ "name": "孙丽", "phones": [{"value": "13912345678"}], "tags": ["投诉"] }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let path = format!("/api/v1/contacts/{id}/erase");
    json_of(
        t.post(&path, &agent, &json!({"reason": "客户要求"})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    json_of(
        t.post(&path, &manager, &json!({"reason": "  "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let conversations_before = t.count("conversations").await;
    let messages_before = t.count("messages").await;

    let removed = json_of(
        t.post(
            &path,
            &manager,
            &json!({"reason": "客户 2026-11-20 电话要求删除"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(removed["messages"], 1);
    assert!(removed["identities"].as_i64().unwrap() >= 2);

    let after = json_of(
        t.get(&format!("/api/v1/contacts/{id}"), &t.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(after["name"], "—");
    assert!(after["erased_at"].is_i64());
    assert!(after["identities"].as_array().unwrap().is_empty());
    assert_eq!(after["tags"], json!([]));
    let messages = json_of(
        t.get(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &t.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(!messages.to_string().contains("13912345678"), "{messages}");
    for q in ["孙丽", "13912345678"] {
        let found = json_of(
            t.get(&format!("/api/v1/contacts?q={q}"), &t.admin_token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert!(found["data"].as_array().unwrap().is_empty(), "{q}: {found}");
    }
    // Counts for statistics stay.
    assert_eq!(t.count("conversations").await, conversations_before);
    assert_eq!(t.count("messages").await, messages_before);
    // The audit trail keeps who did what, not the data; the erasure itself is recorded.
    let audit = json_of(
        t.get(&format!("/api/v1/audit?subject=contact:{id}"), &manager)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(!audit.to_string().contains("13912345678"), "{audit}");
    assert!(!audit.to_string().contains("孙丽"), "{audit}");
    assert_eq!(audit["data"][0]["action"], "contact.erased");
    assert_eq!(audit["data"][0]["actor_name"], "陈经理");
    // Erased once is erased: a second request finds nothing to erase.
    json_of(
        t.post(&path, &manager, &json!({"reason": "again"})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn contacts_follow_their_organisations_member_level_in_filters() {
    let t = TestApp::spawn().await;
    let org = json_of(
        t.post(
            "/api/v1/organisations",
            &t.admin_token,
            &json!({ "name": "宁波海天塑料有限公司", "member_level": "registered" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let c = contact(&t, json!({ "name": "周杰", "organisation_id": org["id"] })).await;
    assert!(
        trading_members(&t).await["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    json_of(
        t.put(
            &format!("/api/v1/organisations/{}", org["id"]),
            &t.admin_token,
            &json!({ "name": "宁波海天塑料有限公司", "member_level": "trading" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(trading_members(&t).await["data"][0]["id"], c["id"]);
    // Leaving the organisation leaves its level behind.
    json_of(
        t.put(
            &format!("/api/v1/contacts/{}", c["id"]),
            &t.admin_token,
            &json!({ "name": "周杰" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        trading_members(&t).await["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn trading_members(t: &TestApp) -> Value {
    json_of(
        t.get("/api/v1/contacts?member_level=trading", &t.admin_token)
            .await,
        StatusCode::OK,
    )
    .await
}
