//! Tickets: numbers, classification with admin-extended lists, waiting statuses, and
//! merging, splitting and linking tickets.

mod handoffs;
mod panel;

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(super) use crate::helpers::status_and_json as body;

async fn ticket(t: &TestApp, id: i64) -> Value {
    let (status, v) = body(
        t.get(&format!("/api/v1/conversations/{id}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

async fn messages(t: &TestApp, id: i64) -> Vec<String> {
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
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

/// A customer's second ticket in the same inbox: the first is closed, they write again.
async fn second_ticket(t: &TestApp, widget: &str, visitor: &str, first: i64, text: &str) -> i64 {
    let path = format!("/api/v1/conversations/{first}/status");
    let (status, _) = body(
        t.post(&path, &t.admin_token, &json!({ "status": "closed" }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = body(t.visitor_says(widget, visitor, text, None).await).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["message"]["conversation_id"].as_i64().unwrap();
    assert_ne!(id, first, "a closed ticket is not written to again");
    id
}

#[tokio::test]
async fn a_ticket_is_classified_from_lists_admins_extend_and_bad_values_change_nothing() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, _) = t.conversation(&widget, "我的包裹一直没到").await;
    let agent = t.user_token("a@shop.test", "小王", "agent").await;
    let path = format!("/api/v1/conversations/{id}/ticket");

    let row = ticket(&t, id).await;
    assert_eq!(row["ticket_number"], id + 10_000);
    assert_eq!(row["ticket_type"], Value::Null);

    let (status, v) = body(
        t.put(
            &path,
            &agent,
            &json!({ "subject": " 包裹 \n 未送达 ", "ticket_type": "logistics", "priority": "high",
                     "category": "delivery", "reason_code": "delivery.late" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (
            &v["subject"],
            &v["ticket_type"],
            &v["priority"],
            &v["category"],
            &v["reason_code"]
        ),
        (
            &json!("包裹 未送达"),
            &json!("logistics"),
            &json!("high"),
            &json!("delivery"),
            &json!("delivery.late")
        )
    );

    for (bad, field, code) in [
        (
            json!({ "ticket_type": "refund" }),
            "ticket_type",
            "unknown_choice",
        ),
        (
            json!({ "reason_code": "product.defect" }),
            "reason_code",
            "reason_outside_category",
        ),
        (
            json!({ "priority": "asap" }),
            "priority",
            "invalid_priority",
        ),
        (
            json!({ "subject": "长".repeat(201) }),
            "subject",
            "subject_too_long",
        ),
    ] {
        let (status, e) = body(t.put(&path, &agent, &bad).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
        assert_eq!(
            (e["error"]["field"].as_str(), e["error"]["code"].as_str()),
            (Some(field), Some(code)),
            "{e}"
        );
    }
    let unchanged = ticket(&t, id).await;
    assert_eq!(unchanged["ticket_type"], "logistics");
    assert_eq!(unchanged["reason_code"], "delivery.late");

    // A new category drops a reason that is not under it; an empty string clears.
    let (_, v) = body(
        t.put(
            &path,
            &agent,
            &json!({ "category": "product", "subject": "" }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (&v["category"], &v["reason_code"], &v["subject"]),
        (&json!("product"), &Value::Null, &Value::Null)
    );

    // Admins add a type; agents may not.
    let new_type = json!({ "key": "customs", "label_en": "Customs hold", "label_zh": "海关扣留" });
    let (status, _) = body(
        t.post("/api/v1/choices/ticket_type", &agent, &new_type)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, v) = body(
        t.post("/api/v1/choices/ticket_type", &t.admin_token, &new_type)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, _) = body(
        t.post("/api/v1/choices/ticket_type", &t.admin_token, &new_type)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let bad_reason = json!({ "key": "customs.hold", "label_en": "Held", "label_zh": "扣留" });
    let (status, e) = body(
        t.post("/api/v1/choices/reason_code", &t.admin_token, &bad_reason)
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no category customs: {e}"
    );
    let (status, _) = body(
        t.put(&path, &agent, &json!({ "ticket_type": "customs" }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (_, list) = body(
        t.get("/api/v1/conversations?view=all&ticket_type=customs", &agent)
            .await,
    )
    .await;
    let ids: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [id]);
    let (_, list) = body(
        t.get("/api/v1/conversations?view=all&ticket_type=inquiry", &agent)
            .await,
    )
    .await;
    assert!(list["data"].as_array().unwrap().is_empty());

    let audit = kefu_store::audit::list(&t.app().db, Some("ticket.updated"), 10)
        .await
        .unwrap();
    assert_eq!(
        audit.len(),
        3,
        "three changes, the refused ones not among them"
    );
    let first: Value = serde_json::from_str(&audit.last().unwrap().detail).unwrap();
    assert_eq!(first["ticket_type"], json!([null, "logistics"]), "{first}");
}

#[tokio::test]
async fn waiting_on_the_customer_ends_when_they_write() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, visitor) = t.conversation(&widget, "发票怎么开？").await;
    let path = format!("/api/v1/conversations/{id}/status");
    for status in ["waiting_customer", "waiting_department"] {
        let (code, v) = body(
            t.post(&path, &t.admin_token, &json!({ "status": status }))
                .await,
        )
        .await;
        assert_eq!(code, StatusCode::OK, "{v}");
        assert_eq!(v["status"], status);
    }
    t.visitor_says(&widget, &visitor, "税号是 91310000MA1K000001", None)
        .await;
    assert_eq!(ticket(&t, id).await["status"], "open");
}

#[tokio::test]
async fn merging_moves_every_message_and_leaves_the_merged_ticket_pointing_at_the_survivor() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (first, visitor) = t.conversation(&widget, "订单 1001 什么时候发货？").await;
    let second = second_ticket(&t, &widget, &visitor, first, "还是 1001 的问题").await;
    t.visitor_says(&widget, &visitor, "能快点吗", None).await;
    let (other, _) = t.conversation(&widget, "另一位客户").await;

    let merge = |into: i64, from: i64| {
        let t = &t;
        async move {
            body(
                t.post(
                    &format!("/api/v1/conversations/{into}/merge"),
                    &t.admin_token,
                    &json!({ "from": from }),
                )
                .await,
            )
            .await
        }
    };
    let (status, e) = merge(second, other).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("different_customers")
        )
    );
    let (status, _) = merge(first, first).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The closed first ticket cannot take messages; it merges into the open one.
    let (status, e) = merge(first, second).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("survivor_closed")),
        "{e}"
    );
    let (status, survivor) = merge(second, first).await;
    assert_eq!(status, StatusCode::OK, "{survivor}");
    assert_eq!(survivor["messages_count"], 3);
    assert_eq!(survivor["last_message_preview"], "能快点吗");
    assert_eq!(
        messages(&t, second).await,
        ["订单 1001 什么时候发货？", "还是 1001 的问题", "能快点吗"]
    );
    let gone = ticket(&t, first).await;
    assert_eq!(
        (
            &gone["status"],
            &gone["merged_into"],
            &gone["messages_count"]
        ),
        (&json!("closed"), &json!(second), &json!(0))
    );
    assert!(messages(&t, first).await.is_empty());

    let (status, e) = merge(second, first).await;
    assert_eq!(
        (status, e["error"]["existing_id"].as_i64()),
        (StatusCode::CONFLICT, Some(second)),
        "{e}"
    );
    let (_, links) = body(
        t.get(
            &format!("/api/v1/conversations/{first}/links"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    assert_eq!(links[0]["linked_id"], second);
    assert_eq!(links[0]["kind"], "merged");
    let audit = kefu_store::audit::list(&t.app().db, Some("ticket.merged"), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].subject, format!("conversation:{second}"));

    // The customer writes again: the survivor takes it.
    let (_, v) = body(t.visitor_says(&widget, &visitor, "在吗", None).await).await;
    assert_eq!(v["message"]["conversation_id"], second);
}

#[tokio::test]
async fn splitting_starts_a_linked_ticket_from_a_message_on() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, visitor) = t.conversation(&widget, "衣服尺码偏小").await;
    let second = body(
        t.visitor_says(&widget, &visitor, "另外，发票还没收到", None)
            .await,
    )
    .await
    .1;
    t.visitor_says(&widget, &visitor, "抬头是上海明远贸易", None)
        .await;
    let split_at = second["message"]["id"].as_i64().unwrap();
    let first_message = split_at - 1;
    let path = format!("/api/v1/conversations/{id}/split");

    let (status, e) = body(
        t.post(
            &path,
            &t.admin_token,
            &json!({ "message_id": first_message }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("split_everything")),
        "{e}"
    );
    assert_eq!(
        messages(&t, id).await.len(),
        3,
        "a refused split moves nothing"
    );
    let (other, _) = t.conversation(&widget, "别人的消息").await;
    let foreign = body(
        t.get(
            &format!("/api/v1/conversations/{other}/messages"),
            &t.admin_token,
        )
        .await,
    )
    .await
    .1;
    let foreign = foreign["data"][0]["id"].as_i64().unwrap();
    let (status, _) = body(
        t.post(&path, &t.admin_token, &json!({ "message_id": foreign }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, created) = body(
        t.post(&path, &t.admin_token, &json!({ "message_id": split_at }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let new_id = created["id"].as_i64().unwrap();
    assert_eq!(created["contact_id"], ticket(&t, id).await["contact_id"]);
    assert_eq!(messages(&t, id).await, ["衣服尺码偏小"]);
    assert_eq!(
        messages(&t, new_id).await,
        ["另外，发票还没收到", "抬头是上海明远贸易"]
    );
    assert_eq!(ticket(&t, id).await["messages_count"], 1);
    let (_, links) = body(
        t.get(&format!("/api/v1/conversations/{id}/links"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(
        (&links[0]["linked_id"], &links[0]["kind"]),
        (&json!(new_id), &json!("split"))
    );
    // The new ticket is on the customer's timeline, by whoever split it, from where.
    let contact = created["contact_id"].as_i64().unwrap();
    let (_, timeline) = body(
        t.get(
            &format!("/api/v1/contacts/{contact}/timeline"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    let entry = timeline["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["ref_id"] == json!(new_id))
        .expect("the split ticket's entry");
    assert_eq!(
        (&entry["kind"], &entry["detail"]["split_from"]),
        (&json!("conversation"), &json!(id))
    );
    assert!(entry["actor_user_id"].is_i64(), "{entry}");
}

#[tokio::test]
async fn related_tickets_are_linked_both_ways_and_unlinked() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (a, _) = t.conversation(&widget, "同一批货破损").await;
    let (b, _) = t.conversation(&widget, "我这边也破损了").await;
    let path = format!("/api/v1/conversations/{a}/links");
    let (status, links) = body(t.post(&path, &t.admin_token, &json!({ "other": b })).await).await;
    assert_eq!(status, StatusCode::OK, "{links}");
    assert_eq!(links[0]["ticket_number"], b + 10_000);
    let (_, back) = body(
        t.get(&format!("/api/v1/conversations/{b}/links"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(
        (&back[0]["linked_id"], &back[0]["kind"]),
        (&json!(a), &json!("related"))
    );
    let (status, _) = body(
        t.post(&path, &t.admin_token, &json!({ "other": 999_999 }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let r = t
        .http
        .delete(t.url(&format!("/api/v1/conversations/{b}/links/{a}")))
        .bearer_auth(&t.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, links) = body(t.get(&path, &t.admin_token).await).await;
    assert!(links.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn changing_a_merged_ticket_from_its_page_says_where_it_went_with_409() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (first, visitor) = t.conversation(&widget, "订单 1001 什么时候发货？").await;
    let second = second_ticket(&t, &widget, &visitor, first, "还是 1001 的问题").await;
    let (status, _) = body(
        t.post(
            &format!("/api/v1/conversations/{second}/merge"),
            &t.admin_token,
            &json!({ "from": first }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let admin = crate::ui::Session::admin(&t).await;
    let fields = [
        ("subject", "催发货"),
        ("ticket_type", "inquiry"),
        ("priority", "high"),
        ("category", ""),
        ("reason_code", ""),
    ];
    let path = format!("/app/conversations/{first}/ticket");
    let (status, _, text) = admin.post(&t, &path, &fields).await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    let number = kefu_domain::ticket::ticket_number(second);
    assert!(text.contains(&format!("#{number}")), "{text}");
    t.set_locale("admin@shop.test", "zh-CN").await;
    let (status, _, text) = admin.post(&t, &path, &fields).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        text.contains(&format!("已合并到 #{number}")),
        "in the agent's language: {text}"
    );
}
