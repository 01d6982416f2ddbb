//! Real time: the event stream delivers every event once, in order, across
//! reconnects and across two kefu instances on one database.

use crate::helpers::{EventStream, Instance, TestApp};
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_visitor_message_reaches_the_agent_stream_at_once() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let mut stream = EventStream::open(
        t.http
            .get(t.url("/api/v1/events/stream"))
            .bearer_auth(&t.admin_token),
    )
    .await;
    let (conversation, _) = t.conversation(&widget, "有人在吗？").await;
    let created = stream
        .next_of("conversation.created", WAIT)
        .await
        .expect("conversation.created");
    assert_eq!(created.data["conversation"]["id"], conversation);
    let message = stream
        .next_of("message.created", WAIT)
        .await
        .expect("message.created");
    assert_eq!(message.data["message"]["body"], "有人在吗？");
    assert_eq!(message.data["conversation"]["unread_count"], 1);
    assert!(message.id > created.id);
}

#[tokio::test]
async fn a_reconnecting_stream_resumes_after_its_last_event_without_gaps_or_repeats() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "first").await;
    let mut stream = EventStream::open(
        t.http
            .get(t.url("/api/v1/events/stream"))
            .bearer_auth(&t.admin_token),
    )
    .await;
    t.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        &t.admin_token,
        &json!({ "body": "reply 1" }),
    )
    .await;
    let seen = stream
        .next_of("message.created", WAIT)
        .await
        .expect("reply 1");
    drop(stream);

    for i in 2..=6 {
        t.post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &t.admin_token,
            &json!({ "body": format!("reply {i}") }),
        )
        .await;
    }
    let mut resumed = EventStream::open(
        t.http
            .get(t.url("/api/v1/events/stream"))
            .bearer_auth(&t.admin_token)
            .header("last-event-id", seen.id.to_string()),
    )
    .await;
    let mut bodies = Vec::new();
    let mut last = seen.id;
    while bodies.len() < 5 {
        let e = resumed
            .next_of("message.created", WAIT)
            .await
            .expect("missed event replayed");
        assert!(e.id > last, "ids strictly increase");
        last = e.id;
        bodies.push(e.data["message"]["body"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        bodies,
        ["reply 2", "reply 3", "reply 4", "reply 5", "reply 6"]
    );
    assert!(
        resumed.next(Duration::from_millis(300)).await.is_none(),
        "nothing repeated"
    );
}

#[tokio::test]
async fn the_widget_stream_carries_replies_but_never_notes() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, visitor) = t.conversation(&widget, "hello").await;
    let url = t.url(&format!(
        "/widget/v1/stream?widget_token={widget}&visitor_token={visitor}"
    ));
    let mut stream = EventStream::open(t.http.get(url)).await;
    let history = stream
        .next_of("message.created", WAIT)
        .await
        .expect("history replayed");
    assert_eq!(history.data["message"]["body"], "hello");
    assert!(
        history.data.get("conversation").is_none(),
        "staff-side details stay on the staff side"
    );
    t.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        &t.admin_token,
        &json!({ "body": "secret note", "private": true }),
    )
    .await;
    t.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        &t.admin_token,
        &json!({ "body": "您好！" }),
    )
    .await;
    let next = stream
        .next_of("message.created", WAIT)
        .await
        .expect("reply");
    assert_eq!(next.data["message"]["body"], "您好！");
    let forged = t
        .http
        .get(t.url(&format!(
            "/widget/v1/stream?widget_token={widget}&visitor_token=forged"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), reqwest::StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn two_instances_on_one_database_deliver_each_others_events() {
    let t = TestApp::spawn().await;
    let mut second = Instance::start(t.db_place.open_again().await).await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "first").await;
    let mut on_second = EventStream::open(
        t.http
            .get(format!("{}/api/v1/events/stream", second.base))
            .bearer_auth(&t.admin_token),
    )
    .await;
    let mut on_first = EventStream::open(
        t.http
            .get(t.url("/api/v1/events/stream"))
            .bearer_auth(&t.admin_token),
    )
    .await;

    // Written through instance one, seen on instance two …
    t.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        &t.admin_token,
        &json!({ "body": "via one" }),
    )
    .await;
    let e = on_second
        .next_of("message.created", WAIT)
        .await
        .expect("instance two sees instance one's write");
    assert_eq!(e.data["message"]["body"], "via one");
    // … and the other way round.
    let r = t
        .http
        .post(format!(
            "{}/api/v1/conversations/{conversation}/messages",
            second.base
        ))
        .bearer_auth(&t.admin_token)
        .json(&json!({ "body": "via two" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    let mut bodies = Vec::new();
    while bodies.len() < 2 {
        let e = on_first
            .next_of("message.created", WAIT)
            .await
            .expect("instance one sees both writes");
        bodies.push(e.data["message"]["body"].as_str().unwrap().to_owned());
    }
    assert_eq!(bodies, ["via one", "via two"]);

    // A subscriber of instance two resumes from instance one's event id.
    let resumed_from = e.id;
    let mut resumed = EventStream::open(
        t.http
            .get(format!("{}/api/v1/events/stream", second.base))
            .bearer_auth(&t.admin_token)
            .header("last-event-id", resumed_from.to_string()),
    )
    .await;
    let again = resumed
        .next_of("message.created", WAIT)
        .await
        .expect("resumed across instances");
    assert_eq!(again.data["message"]["body"], "via two");
    second.shutdown().await;
    if t.db_place.is_postgres() {
        eprintln!("cross-instance delivery verified on PostgreSQL (LISTEN/NOTIFY)");
    }
}

#[tokio::test]
async fn shutting_down_ends_open_streams_and_stops_the_server() {
    let t = TestApp::spawn().await;
    let mut extra = Instance::start(t.db_place.open_again().await).await;
    let mut stream = EventStream::open(
        t.http
            .get(format!("{}/api/v1/events/stream", extra.base))
            .bearer_auth(&t.admin_token),
    )
    .await;
    extra.shutdown().await;
    assert!(
        stream.next(Duration::from_secs(2)).await.is_none(),
        "the stream ended"
    );
    assert!(
        t.http
            .get(format!("{}/healthz", extra.base))
            .send()
            .await
            .is_err(),
        "the listener is closed"
    );
}

#[tokio::test]
async fn a_resume_point_beyond_the_log_starts_from_the_end_rather_than_skipping() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "first").await;
    let request = t
        .http
        .get(t.url("/api/v1/events/stream"))
        .bearer_auth(&t.admin_token)
        .header("last-event-id", "999999999");
    let mut stream = EventStream::open(request).await;
    t.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        &t.admin_token,
        &json!({ "body": "after" }),
    )
    .await;
    let e = stream
        .next_of("message.created", WAIT)
        .await
        .expect("the new event arrives");
    assert_eq!(e.data["message"]["body"], "after");
}
