//! The SLA engine: clocks start with the first customer message under the matching
//! policy, stop on the agent's reply, pause while waiting on the customer, and warn and
//! breach once at the times the business calendar gives.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::status_and_json as body;

/// A calendar open around the clock and a policy of `first`/`resolution` minutes for
/// urgent-or-any tickets on it.
async fn round_the_clock_policy(t: &TestApp, first: i64, resolution: i64) -> i64 {
    policy_warning_at(t, first, resolution, None).await
}

/// Like [`round_the_clock_policy`], warning at `warning_percent` of each target (`None`:
/// the default).
async fn policy_warning_at(
    t: &TestApp,
    first: i64,
    resolution: i64,
    warning_percent: Option<i64>,
) -> i64 {
    let all_day = json!(["00:00-24:00"]);
    let (status, cal) = body(
        t.post(
            "/api/v1/calendars",
            &t.admin_token,
            &json!({ "name": "24/7", "time_zone": "UTC",
                     "weekly_hours": { "mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day,
                                       "fri": all_day, "sat": all_day, "sun": all_day } }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{cal}");
    let (status, p) = body(
        t.post(
            "/api/v1/sla-policies",
            &t.admin_token,
            &json!({ "name": "全天", "calendar_id": cal["id"], "first_response_minutes": first,
                     "next_response_minutes": first, "resolution_minutes": resolution,
                     "warning_percent": warning_percent }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p["id"].as_i64().unwrap()
}

async fn clocks(t: &TestApp, id: i64) -> Vec<kefu_store::sla_clocks::ClockRow> {
    let mut tx = t.app().db.begin().await.unwrap();
    let rows = kefu_store::sla_clocks::of_conversation(&mut tx, id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rows
}

fn clock<'a>(
    all: &'a [kefu_store::sla_clocks::ClockRow],
    kind: &str,
) -> &'a kefu_store::sla_clocks::ClockRow {
    all.iter()
        .find(|c| c.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} clock in {all:?}"))
}

/// Moves a clock's start back by `minutes`, as if that much time had passed.
async fn age(t: &TestApp, id: i64, kind: &str, minutes: i64) {
    let mut tx = t.app().db.begin().await.unwrap();
    tx.execute_raw(&format!(
        "UPDATE sla_clocks SET running_since = running_since - {} WHERE conversation_id = {id} AND kind = '{kind}'",
        minutes * 60_000
    ))
    .await
    .unwrap();
    tx.execute_raw("UPDATE jobs SET run_at = 0 WHERE kind = 'sla.check'")
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn clocks_start_stop_and_pause_with_the_conversation() {
    let t = TestApp::spawn().await;
    round_the_clock_policy(&t, 30, 240).await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, visitor) = t.conversation(&widget, "在吗？").await;

    let started = clocks(&t, id).await;
    let first = clock(&started, "first_response");
    assert_eq!((first.target_ms, first.done_at), (30 * 60_000, None));
    let due = first.due_at.unwrap();
    assert_eq!(
        due - first.running_since.unwrap(),
        30 * 60_000,
        "round the clock: due 30 minutes later"
    );
    assert!(
        started.iter().all(|c| c.kind != "next_response"),
        "no reply owed twice yet"
    );

    let reply = format!("/api/v1/conversations/{id}/messages");
    t.post(
        &reply,
        &t.admin_token,
        &json!({ "body": "在的，请问有什么可以帮您？" }),
    )
    .await;
    let answered = clocks(&t, id).await;
    assert!(clock(&answered, "first_response").done_at.is_some());
    assert!(clock(&answered, "resolution").done_at.is_none());

    // The customer writes again: a next-response clock runs until the next reply.
    t.visitor_says(&widget, &visitor, "我想改地址", None).await;
    let owed = clocks(&t, id).await;
    assert!(clock(&owed, "next_response").running_since.is_some());
    t.post(
        &reply,
        &t.admin_token,
        &json!({ "body": "好的，请发新地址" }),
    )
    .await;
    assert!(
        clock(&clocks(&t, id).await, "next_response")
            .done_at
            .is_some()
    );

    // Waiting on the customer pauses the resolution clock; their answer resumes it.
    let status = format!("/api/v1/conversations/{id}/status");
    t.post(
        &status,
        &t.admin_token,
        &json!({ "status": "waiting_customer" }),
    )
    .await;
    let paused = clock(&clocks(&t, id).await, "resolution").clone();
    assert_eq!(
        (paused.running_since, paused.due_at),
        (None, None),
        "{paused:?}"
    );
    t.visitor_says(&widget, &visitor, "上海市浦东新区…", None)
        .await;
    let resumed = clock(&clocks(&t, id).await, "resolution").clone();
    assert!(
        resumed.running_since.is_some() && resumed.due_at.is_some(),
        "{resumed:?}"
    );
    assert_eq!(
        resumed.consumed_ms, paused.consumed_ms,
        "time used before the pause still counts"
    );

    t.post(&status, &t.admin_token, &json!({ "status": "closed" }))
        .await;
    assert!(clocks(&t, id).await.iter().all(|c| c.done_at.is_some()));
}

#[tokio::test]
async fn a_warning_and_a_breach_are_recorded_once_and_tell_the_supervisors() {
    let t = TestApp::spawn().await;
    round_the_clock_policy(&t, 20, 600).await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, _) = t.conversation(&widget, "急！订单还没发货").await;
    let before = kefu_store::events::latest_id(&t.app().db).await.unwrap();
    let fired = |kinds: Vec<String>| {
        kinds
            .into_iter()
            .filter(|k| k.starts_with("sla."))
            .collect::<Vec<_>>()
    };
    let events = |after: i64| {
        let t = &t;
        async move {
            let rows = kefu_store::events::list_after(&t.app().db, after, None, 100)
                .await
                .unwrap();
            fired(rows.into_iter().map(|e| e.kind).collect())
        }
    };

    // 16 of 20 minutes used: past the 75 % warning, before the breach.
    age(&t, id, "first_response", 16).await;
    kefu_app::jobs::run_due(t.app()).await.unwrap();
    assert_eq!(events(before).await, ["sla.warning"]);
    let c = clock(&clocks(&t, id).await, "first_response").clone();
    assert!(c.warned && !c.breached, "{c:?}");
    kefu_app::jobs::run_due(t.app()).await.unwrap();
    assert_eq!(events(before).await.len(), 1, "warned once");

    age(&t, id, "first_response", 5).await;
    let mut tx = t.app().db.begin().await.unwrap();
    kefu_store::jobs::enqueue(
        &mut tx,
        "sla.check",
        "test:due",
        &json!({ "conversation_id": id, "kind": "first_response" }),
        0,
        0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    kefu_app::jobs::run_due(t.app()).await.unwrap();
    assert_eq!(events(before).await, ["sla.warning", "sla.breached"]);
    assert_eq!(
        kefu_store::sla_clocks::breaches_since(&t.app().db, 0)
            .await
            .unwrap(),
        1
    );
    let last = kefu_store::events::list_after(&t.app().db, before, None, 100)
        .await
        .unwrap();
    let breach = last.iter().find(|e| e.kind == "sla.breached").unwrap();
    let payload: Value = serde_json::from_str(&breach.payload).unwrap();
    assert_eq!(payload["notify"]["roles"], json!(["supervisor", "manager"]));
    assert_eq!(payload["ticket_number"], id + 10_000);

    // Replying now stops the clock; a late check finds nothing more to do.
    t.post(
        &format!("/api/v1/conversations/{id}/messages"),
        &t.admin_token,
        &json!({ "body": "抱歉久等" }),
    )
    .await;
    let mut tx = t.app().db.begin().await.unwrap();
    kefu_store::jobs::enqueue(
        &mut tx,
        "sla.check",
        "test:late",
        &json!({ "conversation_id": id, "kind": "first_response" }),
        0,
        0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    kefu_app::jobs::run_due(t.app()).await.unwrap();
    assert_eq!(
        kefu_store::sla_clocks::breaches_since(&t.app().db, 0)
            .await
            .unwrap(),
        1
    );
}

/// Runs an SLA check of a conversation's clock now, as its timer would.
async fn check_now(t: &TestApp, id: i64, kind: &str, key: &str) {
    let mut tx = t.app().db.begin().await.unwrap();
    kefu_store::jobs::enqueue(
        &mut tx,
        "sla.check",
        key,
        &json!({ "conversation_id": id, "kind": kind }),
        0,
        0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    kefu_app::jobs::run_due(t.app()).await.unwrap();
}

#[tokio::test]
async fn a_policy_warning_at_half_the_target_warns_at_half_and_tells_the_assignee() {
    let t = TestApp::spawn().await;
    policy_warning_at(&t, 20, 600, Some(50)).await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, _) = t.conversation(&widget, "发票什么时候开？").await;
    t.user_token("agent@shop.test", "小王", "agent").await;
    let agent = t.actor("agent@shop.test").await.user_id;
    let (status, v) = body(
        t.post(
            &format!("/api/v1/conversations/{id}/assignment"),
            &t.admin_token,
            &json!({ "assignee_id": agent }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        clock(&clocks(&t, id).await, "first_response").warning_percent,
        50
    );
    let before = kefu_store::events::latest_id(&t.app().db).await.unwrap();
    let warnings = || {
        let db = &t.app().db;
        async move {
            kefu_store::events::list_after(db, before, None, 100)
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.kind.starts_with("sla."))
                .collect::<Vec<_>>()
        }
    };

    // 9 of 20 minutes (45 %): too early even for this policy.
    age(&t, id, "first_response", 9).await;
    check_now(&t, id, "first_response", "test:45").await;
    assert!(warnings().await.is_empty(), "no warning before half-time");

    // 11 of 20 minutes (55 %): past this policy's 50 %, well before the default 75 %.
    age(&t, id, "first_response", 2).await;
    check_now(&t, id, "first_response", "test:55").await;
    let fired = warnings().await;
    assert_eq!(
        fired.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["sla.warning"]
    );
    let payload: Value = serde_json::from_str(&fired[0].payload).unwrap();
    assert_eq!(payload["notify"]["user_ids"], json!([agent]), "{payload}");
    assert_eq!(payload["notify"]["roles"], json!(["supervisor", "manager"]));
    let c = clock(&clocks(&t, id).await, "first_response").clone();
    assert!(c.warned && !c.breached, "{c:?}");
}

#[tokio::test]
async fn tickets_no_policy_matches_carry_no_clocks() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, _) = t.conversation(&widget, "hello").await;
    assert!(clocks(&t, id).await.is_empty());
}

#[tokio::test]
async fn the_ticket_panel_shows_due_times_with_a_countdown_and_alerts_have_a_place() {
    let t = TestApp::spawn().await;
    round_the_clock_policy(&t, 30, 240).await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, _) = t.conversation(&widget, "在吗？").await;
    let due = clock(&clocks(&t, id).await, "first_response")
        .due_at
        .unwrap();
    let admin = crate::ui::Session::admin(&t).await;
    let (status, html) = admin.page(&t, &format!("/app/conversations/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("data-due=\"{due}\"")), "{html}");
    assert!(
        html.contains("id=\"alerts\"") && html.contains("name=\"kefu-role\" content=\"admin\"")
    );
}

#[tokio::test]
async fn outside_business_hours_the_auto_reply_goes_out_once_even_with_agents_online() {
    let t = TestApp::spawn().await;
    let (inbox, widget) = t
        .widget_inbox(Some("您好，现在是非工作时间，我们上班后第一时间回复您。"))
        .await;
    let agent = t.user_token("a@shop.test", "小王", "agent").await;
    t.put(
        "/api/v1/me/availability",
        &agent,
        &json!({ "availability": "online" }),
    )
    .await;
    // Open one hour a week, on a day that is not today: closed now.
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .weekday()
        .to_monday_zero_offset() as usize;
    let other = days[(today + 3) % 7];
    let (status, cal) = body(
        t.post(
            "/api/v1/calendars",
            &t.admin_token,
            &json!({ "name": "weekly hour", "time_zone": "UTC", "weekly_hours": { other: ["10:00-11:00"] } }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{cal}");
    let path = format!("/api/v1/inboxes/{inbox}/calendar");
    let agent_try = t
        .put(&path, &agent, &json!({ "calendar_id": cal["id"] }))
        .await;
    assert_eq!(agent_try.status(), StatusCode::FORBIDDEN);
    let missing = t
        .put(&path, &t.admin_token, &json!({ "calendar_id": 999_999 }))
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // Open all the time (no calendar) with an agent online: no auto-reply.
    let (open_hours, _) = t.conversation(&widget, "在吗").await;
    let r = t
        .put(&path, &t.admin_token, &json!({ "calendar_id": cal["id"] }))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (after_hours, visitor) = t.conversation(&widget, "在吗？").await;
    t.visitor_says(&widget, &visitor, "还有人吗", None).await;

    let outgoing = |id: i64| {
        let t = &t;
        async move {
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
                .filter(|m| m["kind"] == "outgoing")
                .count()
        }
    };
    assert_eq!(outgoing(open_hours).await, 0);
    assert_eq!(outgoing(after_hours).await, 1, "once per conversation");
}
