//! Escalations to departments, supervisors and colleagues with deadlines, and
//! complaints closed only with a resolution and a follow-up.

use super::{body, messages, ticket};
use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Moves a task's deadline (and its job) into the past, as if the time had come.
async fn pass_deadline(t: &TestApp, task: i64) {
    use sea_query::{Alias, Expr, ExprTrait, Query};
    let db = &t.app().db;
    db.execute(
        &Query::update()
            .table(Alias::new("tasks"))
            .value(Alias::new("due_at"), 1)
            .and_where(Expr::col(Alias::new("id")).eq(task))
            .take(),
    )
    .await
    .unwrap();
    db.execute(
        &Query::update()
            .table(Alias::new("jobs"))
            .value(Alias::new("run_at"), 1)
            .and_where(Expr::col(Alias::new("kind")).eq("task.due"))
            .take(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_department_answers_a_hand_off_inside_kefu_and_the_ticket_comes_back() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, _) = t.conversation(&widget, "快递显示签收但我没收到").await;
    let agent = t.user_token("agent@shop.test", "小王", "agent").await;
    let courier = t.user_token("wl@shop.test", "物流 老李", "agent").await;
    let bystander = t.user_token("other@shop.test", "小张", "agent").await;
    let me: Value = t.get("/api/v1/me", &agent).await.json().await.unwrap();
    let agent_id = me["user_id"].as_i64().unwrap();
    let users: Value = t
        .get("/api/v1/users", &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let courier_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "wl@shop.test")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let dept = format!("/api/v1/users/{courier_id}/department");
    let (status, _) = body(
        t.put(&dept, &t.admin_token, &json!({ "department": "moon" }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = body(
        t.put(&dept, &agent, &json!({ "department": "logistics" }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, u) = body(
        t.put(&dept, &t.admin_token, &json!({ "department": "logistics" }))
            .await,
    )
    .await;
    assert_eq!(
        (status, &u["department"]),
        (StatusCode::OK, &json!("logistics"))
    );
    let assign = format!("/api/v1/conversations/{id}/assignment");
    t.post(&assign, &agent, &json!({ "assignee_id": agent_id }))
        .await;
    assert_eq!(ticket(&t, id).await["held_by_user_id"], agent_id);

    let path = format!("/api/v1/conversations/{id}/escalate");
    for (bad, code) in [
        (
            json!({ "to": "department", "department": "logistics", "note": "  " }),
            "required",
        ),
        (json!({ "to": "department", "note": "查件" }), "required"),
        (
            json!({ "to": "department", "department": "logistics", "note": "查件", "due_in_minutes": 0 }),
            "invalid_deadline",
        ),
    ] {
        let (status, e) = body(t.post(&path, &agent, &bad).await).await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{bad}: {e}"
        );
    }
    let ask = json!({ "to": "department", "department": "logistics", "note": "请查询运单 SF123 的签收记录", "due_in_minutes": 60 });
    let (status, task) = body(t.post(&path, &agent, &ask).await).await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let task_id = task["id"].as_i64().unwrap();
    assert!(
        task["title"]
            .as_str()
            .unwrap()
            .starts_with(&format!("#{} ", id + 10_000)),
        "{task}"
    );
    let held = ticket(&t, id).await;
    assert_eq!(
        (
            &held["held_by_department"],
            &held["held_by_user_id"],
            &held["status"],
            &held["handoff_task_id"]
        ),
        (
            &json!("logistics"),
            &Value::Null,
            &json!("waiting_department"),
            &json!(task_id)
        )
    );
    let (status, e) = body(t.post(&path, &agent, &ask).await).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_handed_off"))
    );
    // Assigning meanwhile does not take the ticket back from the department.
    t.post(&assign, &t.admin_token, &json!({ "assignee_id": agent_id }))
        .await;
    assert_eq!(ticket(&t, id).await["held_by_department"], "logistics");

    let (_, mine) = body(t.get("/api/v1/tasks", &courier).await).await;
    assert_eq!(
        mine[0]["id"], task_id,
        "the department's member sees it: {mine}"
    );
    let (_, theirs) = body(t.get("/api/v1/tasks?scope=mine", &bystander).await).await;
    assert!(theirs.as_array().unwrap().is_empty());
    let done = format!("/api/v1/tasks/{task_id}/complete");
    let (status, _) = body(
        t.post(&done, &bystander, &json!({ "result": "不知道" }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, e) = body(t.post(&done, &courier, &json!({})).await).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("result"))
    );

    let (status, closed) = body(
        t.post(
            &done,
            &courier,
            &json!({ "result": "快递员放在驿站，已联系重新派送" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["status"], "done");
    let back = ticket(&t, id).await;
    assert_eq!(
        (
            &back["held_by_department"],
            &back["held_by_user_id"],
            &back["status"],
            &back["handoff_task_id"]
        ),
        (&Value::Null, &json!(agent_id), &json!("open"), &Value::Null)
    );
    assert_eq!(
        messages(&t, id).await.last().unwrap(),
        "快递员放在驿站，已联系重新派送"
    );
    let (status, _) = body(t.post(&done, &courier, &json!({ "result": "again" })).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        kefu_store::audit::list(&t.app().db, Some("ticket.escalated"), 5)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn an_overdue_hand_off_is_flagged_once_and_supervisors_see_it() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, _) = t.conversation(&widget, "要求赔偿").await;
    let agent = t.user_token("agent@shop.test", "小王", "agent").await;
    let supervisor = t.user_token("sup@shop.test", "主管", "supervisor").await;
    let (status, task) = body(
        t.post(
            &format!("/api/v1/conversations/{id}/escalate"),
            &agent,
            &json!({ "to": "supervisor", "note": "客户要求赔偿 200 元，超出我的权限" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let task_id = task["id"].as_i64().unwrap();
    assert_eq!(ticket(&t, id).await["held_by_role"], "supervisor");
    let (_, sup_tasks) = body(t.get("/api/v1/tasks", &supervisor).await).await;
    assert_eq!(sup_tasks[0]["id"], task_id);
    let (status, _) = body(t.get("/api/v1/tasks?scope=overdue", &agent).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    assert_eq!(
        kefu_app::jobs::run_due(t.app()).await.unwrap(),
        0,
        "not due yet"
    );
    pass_deadline(&t, task_id).await;
    let before = kefu_store::events::latest_id(&t.app().db).await.unwrap();
    assert_eq!(kefu_app::jobs::run_due(t.app()).await.unwrap(), 1);
    let events = kefu_store::events::list_after(&t.app().db, before, None, 10)
        .await
        .unwrap();
    let overdue: Vec<&kefu_store::events::EventRow> =
        events.iter().filter(|e| e.kind == "task.overdue").collect();
    assert_eq!(overdue.len(), 1);
    let payload: Value = serde_json::from_str(&overdue[0].payload).unwrap();
    assert_eq!(payload["notify"]["roles"], json!(["supervisor", "manager"]));
    let (_, late) = body(t.get("/api/v1/tasks?scope=overdue", &supervisor).await).await;
    assert_eq!(
        (&late[0]["id"], &late[0]["overdue"]),
        (&json!(task_id), &json!(true))
    );

    // The same deadline again (a second instance, a retried job) changes nothing.
    let mut tx = t.app().db.begin().await.unwrap();
    kefu_store::jobs::enqueue(
        &mut tx,
        kefu_app::tasks::TASK_DUE,
        "again",
        &json!({ "task_id": task_id }),
        0,
        0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(kefu_app::jobs::run_due(t.app()).await.unwrap(), 1);
    let after = kefu_store::events::list_after(&t.app().db, before, None, 10)
        .await
        .unwrap();
    assert_eq!(after.len(), events.len());
}

#[tokio::test]
async fn a_complaint_closes_only_with_a_resolution_and_a_follow_up() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, visitor) = t.conversation(&widget, "收到的杯子是碎的！").await;
    t.visitor_says(&widget, &visitor, "照片已经拍了", None)
        .await;
    let agent = t.user_token("agent@shop.test", "小王", "agent").await;
    let supervisor = t.user_token("sup@shop.test", "主管", "supervisor").await;
    let path = format!("/api/v1/conversations/{id}/complaint");

    let (status, _) = body(t.get(&path, &agent).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, e) = body(t.post(&path, &agent, &json!({ "accepted": " " })).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (status, c) = body(
        t.post(
            &path,
            &agent,
            &json!({ "accepted": "商品运输破损，客户要求补发" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["complaint"]["status"], "open");
    assert_eq!(ticket(&t, id).await["ticket_type"], "complaint");
    let (status, _) = body(t.post(&path, &agent, &json!({ "accepted": "again" })).await).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (_, list) = body(
        t.get(&format!("/api/v1/conversations/{id}/messages"), &agent)
            .await,
    )
    .await;
    let photo = list["data"][1]["id"].as_i64().unwrap();
    let evidence = format!("{path}/evidence");
    let (status, c) = body(
        t.post(
            &evidence,
            &agent,
            &json!({ "message_id": photo, "note": "客户自述有照片" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["evidence"][0]["message_body"], "照片已经拍了");
    let (other, _) = t.conversation(&widget, "别的客户").await;
    let (_, theirs) = body(
        t.get(&format!("/api/v1/conversations/{other}/messages"), &agent)
            .await,
    )
    .await;
    let foreign = theirs["data"][0]["id"].as_i64().unwrap();
    let (status, _) = body(
        t.post(
            &evidence,
            &agent,
            &json!({ "message_id": foreign, "note": "x" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let decision = format!("{path}/decision");
    let (status, _) = body(
        t.post(&decision, &agent, &json!({ "decision": "补发" }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, c) = body(
        t.post(
            &decision,
            &supervisor,
            &json!({ "decision": "免费补发一个，运费由店铺承担" }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, &c["complaint"]["decision"]),
        (StatusCode::OK, &json!("免费补发一个，运费由店铺承担"))
    );

    let close = format!("{path}/close");
    let soon = kefu_domain::time::now_ms() + 3 * 24 * 3_600_000;
    let (status, e) = body(
        t.post(
            &close,
            &agent,
            &json!({ "resolution": "", "follow_up_at": soon }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("resolution"))
    );
    let (status, e) = body(
        t.post(
            &close,
            &agent,
            &json!({ "resolution": "已补发", "follow_up_at": 1 }),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("follow_up_at"))
    );
    assert_eq!(t.count("tasks").await, 0, "refused closes schedule nothing");
    assert_eq!(ticket(&t, id).await["status"], "open");

    let (status, c) = body(
        t.post(
            &close,
            &agent,
            &json!({ "resolution": "已补发，单号 SF456", "follow_up_at": soon }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(
        (&c["complaint"]["status"], &c["complaint"]["resolution"]),
        (&json!("closed"), &json!("已补发，单号 SF456"))
    );
    assert_eq!(
        (&c["follow_up"]["kind"], &c["follow_up"]["due_at"]),
        (&json!("follow_up"), &json!(soon))
    );
    assert_eq!(ticket(&t, id).await["status"], "resolved");
    let (_, mine) = body(t.get("/api/v1/tasks", &agent).await).await;
    assert_eq!(
        mine[0]["id"], c["follow_up"]["id"],
        "the follow-up is the closer's: {mine}"
    );
    let (status, _) = body(t.post(&evidence, &agent, &json!({ "note": "late" })).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let actions: Vec<String> = kefu_store::audit::list(&t.app().db, None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .filter(|a| a.starts_with("complaint."))
        .collect();
    assert_eq!(
        actions,
        [
            "complaint.closed",
            "complaint.decided",
            "complaint.evidence_added",
            "complaint.accepted"
        ]
    );
}

#[tokio::test]
async fn a_thousand_deadlines_due_at_once_fire_once_each_with_two_instances() {
    let t = TestApp::spawn().await;
    let db = &t.app().db;
    let mut tx = db.begin().await.unwrap();
    for i in 0..1_000 {
        let task = kefu_store::tasks::insert(
            &mut tx,
            &kefu_store::tasks::NewTask {
                kind: "follow_up",
                title: &format!("回访 {i}"),
                note: None,
                conversation_id: None,
                contact_id: None,
                assignee_id: None,
                department: None,
                to_role: Some("supervisor"),
                due_at: Some(1),
                created_by: None,
            },
            0,
        )
        .await
        .unwrap();
        kefu_store::jobs::enqueue(
            &mut tx,
            kefu_app::tasks::TASK_DUE,
            &format!("{}:1", task.id),
            &json!({ "task_id": task.id }),
            1,
            0,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let before = kefu_store::events::latest_id(db).await.unwrap();

    // A second instance on PostgreSQL; on SQLite (one instance) two workers of it.
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
        kefu_app::jobs::run_due(t.app()),
        kefu_app::jobs::run_due(&other)
    );
    a.unwrap();
    b.unwrap();

    // The server's own worker may still be finishing a batch it leased meanwhile.
    for _ in 0..100 {
        if kefu_store::jobs::pending_count(db).await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(kefu_store::jobs::pending_count(db).await.unwrap(), 0);
    let mut overdue = 0;
    let mut after = before;
    loop {
        let page = kefu_store::events::list_after(db, after, None, 500)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        overdue += page.iter().filter(|e| e.kind == "task.overdue").count();
    }
    assert_eq!(overdue, 1_000, "each deadline fired exactly once in effect");
    let flagged: Value = t
        .get("/api/v1/tasks?scope=overdue", &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        flagged.as_array().unwrap().len(),
        200,
        "the list shows the first 200"
    );
}
