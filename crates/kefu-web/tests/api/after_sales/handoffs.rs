//! Hand-offs to a department as tasks with deadlines, and cases following a merged customer.

use super::{detail, opened, paid_order, walk};
use crate::helpers::{TestApp, status_and_json as body};
use crate::orders::store;
use reqwest::StatusCode;
use serde_json::{Value, json};

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
