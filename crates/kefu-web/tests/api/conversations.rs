//! Conversation lists, replies and notes, assignment and status.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn ids(t: &TestApp, token: &str, query: &str) -> Vec<i64> {
    t.listed_ids_as(&format!("/api/v1/conversations?{query}"), token)
        .await
}

#[tokio::test]
async fn views_show_mine_unassigned_and_all_by_status() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let agent = t.user_token("agent@shop.test", "刘洋", "agent").await;
    let (a, _) = t.conversation(&widget, "A").await;
    let (b, _) = t.conversation(&widget, "B").await;
    let (c, _) = t.conversation(&widget, "C").await;
    assert_eq!(t.post(&format!("/api/v1/conversations/{a}/assignment"), &agent, &json!({ "assignee_id": t.get("/api/v1/me", &agent).await.json::<Value>().await.unwrap()["user_id"] })).await.status(), StatusCode::OK);
    t.post(
        &format!("/api/v1/conversations/{c}/status"),
        &t.admin_token,
        &json!({ "status": "resolved" }),
    )
    .await;

    assert_eq!(ids(&t, &agent, "view=mine").await, [a]);
    assert_eq!(ids(&t, &agent, "view=unassigned&status=open").await, [b]);
    assert_eq!(ids(&t, &agent, "view=all&status=resolved").await, [c]);
    assert_eq!(
        ids(&t, &agent, "view=all").await,
        [c, a, b],
        "latest activity first: resolving c and assigning a count as activity"
    );
    let bad = t.get("/api/v1/conversations?view=everything", &agent).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = t.get("/api/v1/conversations?cursor=garbage", &agent).await;
    assert_eq!(
        bad.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_cursor"
    );
}

#[tokio::test]
async fn conversation_lists_page_by_cursor_without_gaps_or_repeats() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let mut created = Vec::new();
    for i in 0..7 {
        created.push(t.conversation(&widget, &format!("问题 {i}")).await.0);
    }
    created.reverse();
    let mut seen = Vec::new();
    let mut path = "/api/v1/conversations?view=all&limit=3".to_owned();
    loop {
        let page: Value = t.get(&path, &t.admin_token).await.json().await.unwrap();
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/conversations?view=all&limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, created);
}

#[tokio::test]
async fn an_agent_reply_reaches_the_visitor_but_a_note_does_not() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let agent = t.user_token("agent@shop.test", "刘洋", "agent").await;
    let (conversation, visitor) = t.conversation(&widget, "请问有 M 码吗？").await;
    let reply = t
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &agent,
            &json!({ "body": "有的，M 码有货。" }),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    let note = t
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &agent,
            &json!({ "body": "客户是老会员", "private": true }),
        )
        .await;
    assert_eq!(
        note.json::<Value>().await.unwrap()["message"]["kind"],
        "note"
    );

    let thread = t
        .http
        .get(t.url("/widget/v1/messages"))
        .header("x-kefu-widget", &widget)
        .header("x-kefu-visitor", &visitor)
        .send()
        .await
        .unwrap();
    let bodies: Vec<String> = thread.json::<Value>().await.unwrap()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(bodies, ["请问有 M 码吗？", "有的，M 码有货。"]);
    let conv: Value = t
        .get(&format!("/api/v1/conversations/{conversation}"), &agent)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(conv["unread_count"], 0, "a reply clears unread");
    assert_eq!(conv["messages_count"], 3);
    assert_eq!(
        conv["last_message_preview"], "有的，M 码有货。",
        "notes do not become the preview"
    );

    let with_header = t
        .http
        .post(t.url(&format!("/api/v1/conversations/{conversation}/messages")))
        .bearer_auth(&agent)
        .header("idempotency-key", "k-1")
        .json(&json!({ "body": "好的" }))
        .send()
        .await
        .unwrap();
    assert_eq!(with_header.status(), StatusCode::CREATED);
    let replay = t
        .http
        .post(t.url(&format!("/api/v1/conversations/{conversation}/messages")))
        .bearer_auth(&agent)
        .header("idempotency-key", "k-1")
        .json(&json!({ "body": "好的" }))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(
        t.get(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &agent
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["data"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let missing = t
        .post(
            "/api/v1/conversations/999999/messages",
            &agent,
            &json!({ "body": "hi" }),
        )
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json::<Value>().await.unwrap()["error"]["code"],
        "conversation_not_found"
    );
}

#[tokio::test]
async fn agents_take_conversations_but_only_supervisors_assign_others() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let agent = t.user_token("agent@shop.test", "刘洋", "agent").await;
    let other = t.user_token("other@shop.test", "赵敏", "agent").await;
    let supervisor = t.user_token("lead@shop.test", "张伟", "supervisor").await;
    let other_id = t
        .get("/api/v1/me", &other)
        .await
        .json::<Value>()
        .await
        .unwrap()["user_id"]
        .clone();
    let agent_id = t
        .get("/api/v1/me", &agent)
        .await
        .json::<Value>()
        .await
        .unwrap()["user_id"]
        .clone();
    let (conversation, _) = t.conversation(&widget, "hello").await;
    let path = format!("/api/v1/conversations/{conversation}/assignment");

    let denied = t
        .post(&path, &agent, &json!({ "assignee_id": other_id }))
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let took = t
        .post(&path, &agent, &json!({ "assignee_id": agent_id }))
        .await;
    assert_eq!(took.json::<Value>().await.unwrap()["assignee_name"], "刘洋");
    let stolen = t
        .post(&path, &other, &json!({ "assignee_id": other_id }))
        .await;
    assert_eq!(
        stolen.status(),
        StatusCode::FORBIDDEN,
        "taking a colleague's conversation needs a supervisor"
    );
    let moved = t
        .post(&path, &supervisor, &json!({ "assignee_id": other_id }))
        .await;
    assert_eq!(
        moved.json::<Value>().await.unwrap()["assignee_name"],
        "赵敏"
    );
    let nobody = t
        .post(&path, &supervisor, &json!({ "assignee_id": 424242 }))
        .await;
    assert_eq!(nobody.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_job_an_instance_died_holding_runs_once_its_lease_runs_out() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "明天再联系我").await;
    let until = kefu_domain::time::now_ms() + 200;
    let (status, snoozed) = crate::helpers::status_and_json(
        t.post(
            &format!("/api/v1/conversations/{conversation}/status"),
            &t.admin_token,
            &json!({ "status": "snoozed", "snooze_until": until }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{snoozed}");
    // Another instance takes the wake-up as it falls due, leases it for 800 ms and dies.
    let taken = kefu_store::jobs::claim_due(&t.app().db, until, 800, 20)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1, "{taken:?}");
    let status_now = || async {
        let (_, c) = crate::helpers::status_and_json(
            t.get(
                &format!("/api/v1/conversations/{conversation}"),
                &t.admin_token,
            )
            .await,
        )
        .await;
        c["status"].clone()
    };

    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        kefu_app::jobs::run_due(t.app()).await.unwrap(),
        0,
        "due, but still leased to the instance that took it"
    );
    assert_eq!(status_now().await, json!("snoozed"));

    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(
        kefu_app::jobs::run_due(t.app()).await.unwrap(),
        1,
        "the lease ran out: this instance runs it"
    );
    assert_eq!(status_now().await, json!("open"));
    assert_eq!(
        kefu_app::jobs::run_due(t.app()).await.unwrap(),
        0,
        "and only once"
    );
}

#[tokio::test]
async fn resolve_reopen_and_snooze_with_a_wake_up_job() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, visitor) = t.conversation(&widget, "hello").await;
    let path = format!("/api/v1/conversations/{conversation}/status");
    let resolved: Value = t
        .post(&path, &t.admin_token, &json!({ "status": "resolved" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resolved["status"], "resolved");
    t.visitor_says(&widget, &visitor, "还有一个问题", None)
        .await;
    let reopened: Value = t
        .get(
            &format!("/api/v1/conversations/{conversation}"),
            &t.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reopened["status"], "open", "a customer message reopens");

    let no_time = t
        .post(&path, &t.admin_token, &json!({ "status": "snoozed" }))
        .await;
    assert_eq!(
        no_time.json::<Value>().await.unwrap()["error"]["code"],
        "snooze_needs_future_time"
    );
    let until = kefu_domain::time::now_ms() + 300;
    let snoozed: Value = t
        .post(
            &path,
            &t.admin_token,
            &json!({ "status": "snoozed", "snooze_until": until }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(snoozed["status"], "snoozed");
    assert_eq!(
        kefu_app::jobs::run_due(t.app()).await.unwrap(),
        0,
        "not due yet"
    );
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(kefu_app::jobs::run_due(t.app()).await.unwrap(), 1);
    let woke: Value = t
        .get(
            &format!("/api/v1/conversations/{conversation}"),
            &t.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(woke["status"], "open");
    assert_eq!(
        kefu_store::jobs::pending_count(&t.app().db).await.unwrap(),
        0
    );
    let bad = t
        .post(&path, &t.admin_token, &json!({ "status": "archived" }))
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_bridge_posts_customer_messages_to_an_api_inbox() {
    let t = TestApp::spawn().await;
    let inbox: Value = t
        .post(
            "/api/v1/inboxes",
            &t.admin_token,
            &json!({ "name": "WhatsApp", "channel": "api" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/inboxes/{}/messages", inbox["id"]);
    let body = json!({ "contact_handle": "+14155552671", "contact_name": "Emily", "body": "Where is my parcel?", "client_id": "wa-1" });
    let first = t.post(&path, &t.admin_token, &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(
        t.post(&path, &t.admin_token, &body).await.status(),
        StatusCode::OK
    );
    let second = t.post(&path, &t.admin_token, &json!({ "contact_handle": "+14155552671", "contact_name": "Emily", "body": "Tracking YT123" })).await;
    let (a, b): (Value, Value) = (first.json().await.unwrap(), second.json().await.unwrap());
    assert_eq!(
        a["message"]["conversation_id"],
        b["message"]["conversation_id"]
    );
    assert_eq!(t.count("contacts").await, 1);
    let (widget_id, _) = t.widget_inbox(None).await;
    let wrong = t
        .post(
            &format!("/api/v1/inboxes/{widget_id}/messages"),
            &t.admin_token,
            &body,
        )
        .await;
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["error"]["code"],
        "not_an_api_inbox"
    );
}

#[tokio::test]
async fn a_reused_client_id_never_hands_back_someone_elses_message() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, visitor) = t.conversation(&widget, "hello").await;
    let note =
        json!({ "body": "内部：该客户有过两次退货", "private": true, "client_id": "bridge-msg-1" });
    let posted = t
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &t.admin_token,
            &note,
        )
        .await;
    assert_eq!(posted.status(), StatusCode::CREATED);
    let probe = t
        .visitor_says(&widget, &visitor, "guess", Some("bridge-msg-1"))
        .await;
    assert_eq!(probe.status(), StatusCode::CONFLICT);
    let text = probe.text().await.unwrap();
    assert!(
        text.contains("client_id_taken") && !text.contains("退货"),
        "{text}"
    );
}

#[tokio::test]
async fn when_two_agents_take_a_conversation_at_once_one_of_them_gets_it() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let a = t.user_token("a@shop.test", "刘洋", "agent").await;
    let b = t.user_token("b@shop.test", "赵敏", "agent").await;
    let a_id = t.get("/api/v1/me", &a).await.json::<Value>().await.unwrap()["user_id"].clone();
    let b_id = t.get("/api/v1/me", &b).await.json::<Value>().await.unwrap()["user_id"].clone();
    let (conversation, _) = t.conversation(&widget, "hello").await;
    let path = format!("/api/v1/conversations/{conversation}/assignment");
    let (take_a, take_b) = (
        json!({ "assignee_id": a_id }),
        json!({ "assignee_id": b_id }),
    );
    let (ra, rb) = tokio::join!(t.post(&path, &a, &take_a), t.post(&path, &b, &take_b));
    let statuses = [ra.status(), rb.status()];
    // The loser is refused either by the check before (it saw the winner's assignment:
    // 403) or by the conditional update (the winner got there first: 409).
    let refused = |s: &StatusCode| *s == StatusCode::CONFLICT || *s == StatusCode::FORBIDDEN;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| refused(s)).count(),
        1,
        "{statuses:?}"
    );
    let conv: Value = t
        .get(&format!("/api/v1/conversations/{conversation}"), &a)
        .await
        .json()
        .await
        .unwrap();
    assert!(conv["assignee_id"] == a_id || conv["assignee_id"] == b_id);
}
