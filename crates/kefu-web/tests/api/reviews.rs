//! Reviews: classes by the store's thresholds, exactly one call-back per medium or bad
//! review (importing it again opens no second), who holds it, recording the call-back
//! and the weekly summary of reasons, and review requests within the marketplaces' rules.

use crate::helpers::{TestApp, status_and_json};
use crate::orders::{order, store};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A store with one paid order; returns (store id, order id).
async fn store_with_order(t: &TestApp, number: &str, phone: &str) -> (i64, i64) {
    let (s, _) = store(t, "丝施天猫店", "CNY").await;
    let (status, o) = status_and_json(
        t.put(
            &format!("/api/v1/stores/{s}/orders/{number}"),
            &t.admin_token,
            &order(number, phone),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{o}");
    (s, o["order_id"].as_i64().unwrap())
}

fn review(number: &str, rating: i64) -> Value {
    json!({
        "order_number": number,
        "source_id": format!("R-{number}"),
        "rating": rating,
        "text": "物流太慢了，等了十天，包装也破了",
        "images": ["https://img.example.com/r1.jpg"],
        "reviewed_at": "2026-11-23 10:00"
    })
}

async fn post_review(t: &TestApp, store: i64, body: &Value) -> (StatusCode, Value) {
    status_and_json(
        t.post(
            &format!("/api/v1/stores/{store}/reviews"),
            &t.admin_token,
            body,
        )
        .await,
    )
    .await
}

async fn callback_tasks(t: &TestApp) -> i64 {
    use sea_query::{Alias, Expr, ExprTrait, Query};
    let q = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(Alias::new("tasks"))
        .and_where(Expr::col(Alias::new("kind")).eq("review_callback"))
        .take();
    let (n,): (i64,) = t.app().db.fetch_one(&q).await.unwrap();
    n
}

#[tokio::test]
async fn a_bad_review_opens_one_call_back_and_importing_it_again_opens_no_second() {
    let t = TestApp::spawn().await;
    let (s, order_id) = store_with_order(&t, "E3001", "13800138001").await;

    let (status, first) = post_review(&t, s, &review("E3001", 1)).await;

    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["class"], "bad");
    let task = first["callback_task_id"]
        .as_i64()
        .expect("a call-back task");
    assert_eq!(callback_tasks(&t).await, 1);

    let (status, again) = post_review(&t, s, &review("E3001", 1)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["outcome"], "unchanged", "{again}");
    assert_eq!(again["callback_task_id"], task);
    let (_, batch) = status_and_json(
        t.post(
            &format!("/api/v1/stores/{s}/reviews/batch"),
            &t.admin_token,
            &json!({ "reviews": [review("E3001", 1), review("E404", 1)] }),
        )
        .await,
    )
    .await;
    assert_eq!(batch["unchanged"], 1, "{batch}");
    assert_eq!(batch["results"][1]["code"], "order_not_found");
    let mut revised = review("E3001", 2);
    revised["text"] = json!("客服回访后改成两星");
    let (_, updated) = post_review(&t, s, &revised).await;
    assert_eq!(updated["outcome"], "updated");
    assert_eq!(
        updated["callback_task_id"], task,
        "still the same call-back"
    );
    assert_eq!(callback_tasks(&t).await, 1, "never a second call-back");

    let (_, stored) = status_and_json(
        t.get(
            &format!("/api/v1/reviews?order_id={order_id}"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    let rows = stored["data"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["rating"], 2);
    assert_eq!(rows[0]["week"], "2026-W48");
    assert_eq!(rows[0]["images"][0], "https://img.example.com/r1.jpg");
    assert_eq!(rows[0]["callback_status"], "open");
    let (_, supervisors) = status_and_json(t.get("/api/v1/tasks", &t.admin_token).await).await;
    let held = supervisors
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == task)
        .expect("with no agent and no team, the supervisors hold it");
    assert_eq!(held["to_role"], "supervisor");
    assert_eq!(held["kind"], "review_callback");
    assert!(held["due_at"].as_i64().unwrap() > held["created_at"].as_i64().unwrap());
}

#[tokio::test]
async fn a_good_review_opens_no_call_back_and_the_store_s_thresholds_decide() {
    let t = TestApp::spawn().await;
    let (s, _) = store_with_order(&t, "E3101", "13800138001").await;
    for n in ["E3102", "E3103"] {
        t.put(
            &format!("/api/v1/stores/{s}/orders/{n}"),
            &t.admin_token,
            &order(n, "13800138001"),
        )
        .await;
    }

    let (_, good) = post_review(&t, s, &review("E3101", 5)).await;
    let (_, medium) = post_review(&t, s, &review("E3102", 3)).await;

    assert_eq!(good["class"], "good");
    assert!(good["callback_task_id"].is_null(), "{good}");
    assert_eq!(medium["class"], "medium");
    assert!(
        medium["callback_task_id"].is_i64(),
        "中评 are called back too"
    );

    let path = format!("/api/v1/stores/{s}/follow-up-settings");
    let (status, refused) = status_and_json(
        t.put(
            &path,
            &t.admin_token,
            &json!({ "good_from": 3, "bad_to": 3 }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["code"], "invalid_thresholds");
    let (status, _) = status_and_json(
        t.put(
            &path,
            &t.admin_token,
            &json!({ "good_from": 5, "bad_to": 3 }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, strict) = post_review(&t, s, &review("E3103", 4)).await;
    assert_eq!(
        strict["class"], "medium",
        "a strict store: four stars is medium"
    );
    let (status, bad_rating) = post_review(&t, s, &review("E3103", 6)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_rating["error"]["code"], "invalid_rating");
}

#[tokio::test]
async fn the_agent_of_the_buyer_s_latest_conversation_gets_the_call_back() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("li@shop.test", "小李", "agent").await;
    let agent_id = t.actor("li@shop.test").await.user_id;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "耳机什么时候到？").await;
    let contact = t.contact_of(conversation).await;
    let (status, _) = status_and_json(
        t.put(
            &format!("/api/v1/contacts/{contact}"),
            &t.admin_token,
            &json!({ "name": "王芳", "phone": "13800138009" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    t.post(
        &format!("/api/v1/conversations/{conversation}/assignment"),
        &t.admin_token,
        &json!({ "assignee_id": agent_id }),
    )
    .await;
    let (s, _) = store_with_order(&t, "E3201", "13800138009").await;

    let (_, r) = post_review(&t, s, &review("E3201", 2)).await;

    let (_, mine) = status_and_json(t.get("/api/v1/tasks", &agent).await).await;
    let task = &mine.as_array().unwrap()[0];
    assert_eq!(task["id"], r["callback_task_id"]);
    assert_eq!(task["assignee_id"], agent_id);
    assert_eq!(
        task["contact_id"], contact,
        "the buyer is the conversation's customer"
    );
}

#[tokio::test]
async fn a_call_back_records_the_reason_and_counts_in_the_weekly_summary() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("li@shop.test", "小李", "agent").await;
    let outsider = t.user_token("wu@shop.test", "小吴", "agent").await;
    let (_, team) = status_and_json(
        t.post(
            "/api/v1/teams",
            &t.admin_token,
            &json!({ "name": "售后组" }),
        )
        .await,
    )
    .await;
    let team_id = team["id"].as_i64().unwrap();
    let agent_id = t.actor("li@shop.test").await.user_id;
    t.put(
        &format!("/api/v1/teams/{team_id}/members/{agent_id}"),
        &t.admin_token,
        &json!({}),
    )
    .await;
    let (s, _) = store_with_order(&t, "E3301", "13800138001").await;
    let (status, _) = status_and_json(
        t.put(
            &format!("/api/v1/stores/{s}/follow-up-settings"),
            &t.admin_token,
            &json!({ "team_id": team_id, "callback_hours": 4 }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, r) = post_review(&t, s, &review("E3301", 1)).await;
    let (review_id, task) = (
        r["review_id"].as_i64().unwrap(),
        r["callback_task_id"].clone(),
    );
    let (_, mine) = status_and_json(t.get("/api/v1/tasks", &agent).await).await;
    assert_eq!(mine[0]["id"], task, "the store's team holds it: {mine}");
    assert_eq!(mine[0]["team_name"], "售后组");
    let (status, plain) = status_and_json(
        t.post(
            &format!("/api/v1/tasks/{task}/complete"),
            &agent,
            &json!({ "result": "打过了" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{plain}");
    assert_eq!(plain["error"]["code"], "callback_needs_reason");
    let path = format!("/api/v1/reviews/{review_id}/callback");
    let answer = json!({
        "reason": "logistics_slow", "outcome": "revised",
        "reply": "亲，非常抱歉让您久等了，已为您补发赠品。", "note": "买家同意追评"
    });
    let (status, _) = status_and_json(t.post(&path, &outsider, &answer).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not of the store's team");
    let (status, unknown) = status_and_json(
        t.post(
            &path,
            &agent,
            &json!({ "reason": "weather", "outcome": "revised" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown["error"]["code"], "unknown_choice");

    let (status, done) = status_and_json(t.post(&path, &agent, &answer).await).await;

    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["callback_status"], "done");
    assert_eq!(done["callback_reason"], "logistics_slow");
    assert_eq!(done["callback_outcome"], "revised");
    assert_eq!(done["callback_reply"], answer["reply"]);
    let (status, _) = status_and_json(t.post(&path, &agent, &answer).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "recorded once");
    let (_, week) = status_and_json(
        t.get(
            &format!("/api/v1/reports/review-reasons?store={s}&week=2026-W48"),
            &agent,
        )
        .await,
    )
    .await;
    assert_eq!(week["reviews"]["bad"], 1, "{week}");
    assert_eq!(week["called_back"], 1);
    assert_eq!(week["reasons"][0]["reason"], "logistics_slow");
    assert_eq!(week["reasons"][0]["label_zh"], "物流慢");
    assert_eq!(week["reasons"][0]["count"], 1);
    let (_, other_week) = status_and_json(
        t.get(
            &format!("/api/v1/reports/review-reasons?store={s}&week=2026-W47"),
            &agent,
        )
        .await,
    )
    .await;
    assert_eq!(other_week["reasons"], json!([]));
    let (status, _) = status_and_json(
        t.get("/api/v1/reports/review-reasons?week=tuesday", &agent)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_review_request_is_refused_before_delivery_and_a_second_time() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("li@shop.test", "小李", "agent").await;
    let (s, order_id) = store_with_order(&t, "E3401", "13800138001").await;
    let path = format!("/api/v1/orders/{order_id}/review-request");

    let (status, early) = status_and_json(
        t.post(&path, &agent, &json!({ "channel": "message" }))
            .await,
    )
    .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{early}");
    assert_eq!(early["error"]["code"], "order_not_delivered");
    let mut delivered = order("E3401", "13800138001");
    delivered["fulfilment_state"] = json!("delivered");
    delivered["updated_at"] = json!("2026-11-30T02:00:00Z");
    t.put(
        &format!("/api/v1/stores/{s}/orders/E3401"),
        &t.admin_token,
        &delivered,
    )
    .await;
    let (status, first) = status_and_json(
        t.post(&path, &agent, &json!({ "channel": "message" }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, second) =
        status_and_json(t.post(&path, &agent, &json!({ "channel": "sms" })).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(second["error"]["code"], "review_already_requested");
    assert_eq!(t.count("review_requests").await, 1);
}

#[tokio::test]
async fn the_workspace_shows_reviews_records_a_call_back_and_puts_it_beside_the_conversation() {
    let t = TestApp::spawn().await;
    t.user_token("li@shop.test", "小李", "agent").await;
    let agent_id = t.actor("li@shop.test").await.user_id;
    t.set_locale("li@shop.test", "zh-CN").await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "耳机坏了").await;
    let contact = t.contact_of(conversation).await;
    t.put(
        &format!("/api/v1/contacts/{contact}"),
        &t.admin_token,
        &json!({ "name": "王芳", "phone": "13800138009" }),
    )
    .await;
    t.post(
        &format!("/api/v1/conversations/{conversation}/assignment"),
        &t.admin_token,
        &json!({ "assignee_id": agent_id }),
    )
    .await;
    let (s, _) = store_with_order(&t, "E3501", "13800138009").await;
    let (_, r) = post_review(&t, s, &review("E3501", 1)).await;
    let (review_id, task) = (
        r["review_id"].as_i64().unwrap(),
        r["callback_task_id"].clone(),
    );
    let (cookie, csrf) = t.sign_in("li@shop.test", crate::helpers::PASSWORD).await;
    let page = |path: String| {
        let (t, cookie) = (&t, cookie.clone());
        async move {
            let r = t
                .http
                .get(t.url(&path))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };

    let (status, list) = page(format!("/app/reviews?store={s}&class=bad")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("E3501") && list.contains("差评"), "{list}");
    let (_, tasks) = page("/app/tasks".into()).await;
    assert!(
        tasks.contains(&format!("/app/reviews/task/{task}")),
        "{tasks}"
    );
    assert!(tasks.contains("中差评回访"));
    let to_review = t
        .http
        .get(t.url(&format!("/app/reviews/task/{task}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        to_review.headers()["location"],
        format!("/app/reviews/{review_id}").as_str()
    );
    let (_, form) = page(format!("/app/reviews/{review_id}")).await;
    assert!(
        form.contains("物流慢") && form.contains("买家已修改评价"),
        "the taxonomy in Chinese"
    );

    let posted = t
        .http
        .post(t.url(&format!("/app/reviews/{review_id}/callback")))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("reason", "quality"),
            ("outcome", "compensated"),
            ("reply", "已为您补发新品"),
            ("note", ""),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let (_, done) = page(format!("/app/reviews/{review_id}")).await;
    assert!(
        done.contains("质量问题") && done.contains("已补偿") && done.contains("已为您补发新品")
    );
    let (_, thread) = page(format!("/app/conversations/{conversation}?view=all")).await;
    let panel = thread
        .split("id=\"orders\"")
        .nth(1)
        .and_then(|p| p.split("</section>").next())
        .expect("the order panel");
    assert!(
        panel.contains(&format!("data-review=\"{review_id}\"")),
        "{panel}"
    );
    assert!(panel.contains("差评") && panel.contains("已完成") && panel.contains("质量问题"));
}

#[tokio::test]
async fn erasing_the_buyer_erases_their_review_s_words_and_pictures() {
    let t = TestApp::spawn().await;
    let manager = t.user_token("boss@shop.test", "经理", "manager").await;
    let (s, order_id) = store_with_order(&t, "E3601", "13800138001").await;
    let (_, r) = post_review(&t, s, &review("E3601", 1)).await;
    let (_, stored) = status_and_json(
        t.get(
            &format!("/api/v1/reviews/{}", r["review_id"]),
            &t.admin_token,
        )
        .await,
    )
    .await;
    let contact = stored["contact_id"].as_i64().expect("the order's buyer");

    let status = t.erase_contact(&manager, contact).await;

    assert_eq!(status, StatusCode::OK);
    let (_, after) = status_and_json(
        t.get(
            &format!("/api/v1/reviews?order_id={order_id}"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    let kept = &after["data"][0];
    assert!(kept["body"].is_null(), "{kept}");
    assert_eq!(kept["images"], json!([]));
    assert_eq!(kept["rating"], 1, "the stars still count in the reports");
}

#[tokio::test]
async fn reviews_import_from_a_file_and_a_second_import_opens_no_second_call_back() {
    let t = TestApp::spawn().await;
    let boss = t.user_token("boss@shop.test", "经理", "manager").await;
    let (s, _) = store_with_order(&t, "E3701", "13800138001").await;
    t.put(
        &format!("/api/v1/stores/{s}/orders/E3702"),
        &t.admin_token,
        &order("E3702", "13800138002"),
    )
    .await;
    let csv = "订单编号,店铺名称,评价结果,评价内容,评价时间\r\n\
               E3701,丝施天猫店,差评,耳机一个月就坏了,2026-11-23 10:00\r\n\
               E3702,丝施天猫店,好评,音质很好,2026-11-23 11:00\r\n\
               E404,丝施天猫店,差评,没收到,2026-11-23 12:00\r\n";
    let file = ("review", "评价.csv");

    let done = crate::order_import::import_as(&t, &boss, file, csv.as_bytes().to_vec()).await;

    assert_eq!(
        crate::order_import::counts(&done),
        [2, 0, 0, 1, 3],
        "{done}"
    );
    assert_eq!(callback_tasks(&t).await, 1, "差评 is called back");
    let report = crate::order_import::errors(&t, &boss, &done["id"]).await;
    assert_eq!(report[0].0, "4");
    assert!(
        report[0].1.contains("订单编号") && report[0].1.contains("E404"),
        "{report:?}"
    );
    let again = crate::order_import::import_as(&t, &boss, file, csv.as_bytes().to_vec()).await;
    assert_eq!(crate::order_import::counts(&again), [0, 0, 2, 1, 3]);
    assert_eq!(callback_tasks(&t).await, 1, "no second call-back");
}
