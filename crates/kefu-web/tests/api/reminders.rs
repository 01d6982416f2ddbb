//! Payment reminders (催付): one reminder per unpaid order after the store's delay, in the
//! buyer's conversation with the store's script, never in the buyer's night, never
//! twice (two instances, a job run twice, the order sent again), not once paid or
//! cancelled; conversions counted for the report.

use crate::helpers::{TestApp, status_and_json};
use crate::orders::order;
use reqwest::StatusCode;
use sea_query::{Alias, Expr, ExprTrait, Query};
use serde_json::{Value, json};

mod email;
mod settings;

pub const JOB: &str = "order.payment_reminder";
pub const NO_QUIET: (&str, &str) = ("00:00", "00:00");

/// A store reminding after 30 minutes; `extra` sets other fields.
pub async fn reminder_store(t: &TestApp, name: &str, extra: Value) -> i64 {
    let mut body = json!({ "name": name, "kind": "shop", "currency": "CNY",
        "time_zone": "Asia/Shanghai", "reminder_delay_minutes": 30,
        "quiet_hours_start": NO_QUIET.0, "quiet_hours_end": NO_QUIET.1 });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, s) = status_and_json(t.post("/api/v1/stores", &t.admin_token, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{s} {body}");
    s["id"].as_i64().unwrap()
}

/// A buyer who wrote in the widget; their contact gets this phone and country.
pub async fn buyer(t: &TestApp, widget: &str, phone: &str, country: &str) -> i64 {
    let (conversation, _) = t.conversation(widget, "在吗？我想买耳机").await;
    let contact = t.contact_of(conversation).await;
    let r = t
        .put(
            &format!("/api/v1/contacts/{contact}"),
            &t.admin_token,
            &json!({ "name": "王芳", "phone": phone, "country": country }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    conversation
}

pub fn ago(minutes: i64) -> jiff::Timestamp {
    jiff::Timestamp::now() - jiff::SignedDuration::from_mins(minutes)
}

/// An unpaid order placed `minutes_ago`.
pub fn unpaid(number: &str, phone: &str, minutes_ago: i64) -> Value {
    let mut o = order(number, phone);
    o["payment_state"] = json!("unpaid");
    o["paid_at"] = Value::Null;
    o["placed_at"] = json!(ago(minutes_ago).to_string());
    o["updated_at"] = json!(ago(minutes_ago).to_string());
    o
}

pub async fn put_order(t: &TestApp, store: i64, o: &Value) -> i64 {
    let number = o["order_number"].as_str().unwrap();
    let (status, r) = status_and_json(
        t.put(
            &format!("/api/v1/stores/{store}/orders/{number}"),
            &t.admin_token,
            o,
        )
        .await,
    )
    .await;
    assert!(status.is_success(), "{r}");
    r["order_id"].as_i64().unwrap()
}

/// Runs the due jobs, and waits for any the server's own worker leased meanwhile.
pub async fn run_jobs(t: &TestApp) {
    for _ in 0..200 {
        kefu_app::jobs::run_due(t.app()).await.unwrap();
        let now = jiff::Timestamp::now().as_millisecond();
        if job_times(t).await.iter().all(|at| *at > now) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("jobs still due after 10 s");
}

/// Moves every pending reminder job to now: the delay has passed.
pub async fn make_due(t: &TestApp) {
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

/// When the pending reminder jobs are due (UTC ms), soonest first.
pub async fn job_times(t: &TestApp) -> Vec<i64> {
    let rows: Vec<(i64,)> = t
        .app()
        .db
        .fetch_all(
            &Query::select()
                .column(Alias::new("run_at"))
                .from(Alias::new("jobs"))
                .and_where(Expr::col(Alias::new("kind")).eq(JOB))
                .order_by(Alias::new("run_at"), sea_query::Order::Asc)
                .take(),
        )
        .await
        .unwrap();
    rows.into_iter().map(|(r,)| r).collect()
}

/// The reminders written into a conversation.
pub async fn reminders_in(t: &TestApp, conversation: i64) -> Vec<Value> {
    let (_, page) = status_and_json(
        t.get(
            &format!("/api/v1/conversations/{conversation}/messages?limit=100"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    let list = page["data"]
        .as_array()
        .or(page.as_array())
        .cloned()
        .unwrap_or_default();
    list.into_iter()
        .filter(|m| {
            m["client_id"]
                .as_str()
                .is_some_and(|c| c.starts_with("payment-reminder:"))
        })
        .collect()
}

async fn placed_ms(t: &TestApp, order_id: i64) -> i64 {
    let (_, o) = status_and_json(
        t.get(&format!("/api/v1/orders/{order_id}"), &t.admin_token)
            .await,
    )
    .await;
    o["placed_at"].as_i64().unwrap()
}

#[tokio::test]
async fn an_unpaid_order_is_reminded_once_after_the_delay_in_the_buyer_s_conversation() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let conversation = buyer(&t, &widget, "13800138001", "CN").await;
    let text = "亲，订单{{order_number}}共{{amount}}（{{items}}）还没付款，寄往{{address}}。";
    let s = reminder_store(&t, "丝施天猫店", json!({ "reminder_text": text })).await;
    let id = put_order(&t, s, &unpaid("E1001", "13800138001", 10)).await;

    run_jobs(&t).await;
    assert!(
        reminders_in(&t, conversation).await.is_empty(),
        "not before the delay"
    );
    assert_eq!(
        job_times(&t).await,
        vec![placed_ms(&t, id).await + 30 * 60_000],
        "due 30 minutes after it was placed"
    );

    make_due(&t).await;
    run_jobs(&t).await;
    let sent = reminders_in(&t, conversation).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["kind"], "outgoing");
    assert_eq!(
        sent[0]["body"],
        "亲，订单E1001共214.00 CNY（蓝牙耳机 × 2、耳机套 × 1）还没付款，寄往浙江省杭州市西湖区文三路 100 号，王芳。"
    );

    // The same order again (a new remark) schedules nothing that reminds twice.
    let mut again = unpaid("E1001", "13800138001", 10);
    again["seller_remark"] = json!("催过了");
    put_order(&t, s, &again).await;
    make_due(&t).await;
    run_jobs(&t).await;
    assert_eq!(reminders_in(&t, conversation).await.len(), 1, "never twice");
    assert_eq!(t.count("payment_reminders").await, 1);
}

#[tokio::test]
async fn paid_or_cancelled_orders_are_not_reminded_and_stores_without_a_delay_never_remind() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let conversation = buyer(&t, &widget, "13800138001", "CN").await;
    let s = reminder_store(&t, "丝施天猫店", json!({})).await;
    put_order(&t, s, &unpaid("E2001", "13800138001", 5)).await;
    put_order(&t, s, &unpaid("E2002", "13800138001", 5)).await;
    let mut paid = order("E2001", "13800138001");
    paid["updated_at"] = json!(jiff::Timestamp::now().to_string());
    put_order(&t, s, &paid).await;
    let mut cancelled = unpaid("E2002", "13800138001", 5);
    cancelled["fulfilment_state"] = json!("cancelled");
    cancelled["updated_at"] = json!(jiff::Timestamp::now().to_string());
    put_order(&t, s, &cancelled).await;
    let quiet_store = reminder_store(&t, "线下店", json!({ "reminder_delay_minutes": null })).await;
    put_order(&t, quiet_store, &unpaid("X1", "13800138001", 120)).await;

    make_due(&t).await;
    run_jobs(&t).await;

    assert!(reminders_in(&t, conversation).await.is_empty());
    assert_eq!(t.count("payment_reminders").await, 0);
}

#[tokio::test]
async fn quiet_hours_are_the_buyer_s_night_in_their_own_time_zone() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let in_new_york = buyer(&t, &widget, "+12125550100", "US").await;
    let in_china = buyer(&t, &widget, "13800138002", "CN").await;
    // Quiet from an hour ago to two hours from now in New York: night there, while in
    // China (and in the store's own zone, Shanghai) it is 12 or 13 hours later.
    let ny = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let here = jiff::Timestamp::now().to_zoned(ny.clone());
    let (start, end) = ((here.hour() + 23) % 24, (here.hour() + 2) % 24);
    let quiet = json!({ "quiet_hours_start": format!("{start:02}:00"), "quiet_hours_end": format!("{end:02}:00") });
    let s = reminder_store(&t, "丝施天猫店", quiet).await;
    put_order(&t, s, &unpaid("NY1", "+12125550100", 120)).await;
    put_order(&t, s, &unpaid("CN1", "13800138002", 120)).await;

    run_jobs(&t).await;

    assert_eq!(
        reminders_in(&t, in_china).await.len(),
        1,
        "daytime in China"
    );
    assert!(
        reminders_in(&t, in_new_york).await.is_empty(),
        "night in New York"
    );
    let mut wake = here.date().to_datetime(jiff::civil::time(end, 0, 0, 0));
    if end < here.hour() {
        wake = wake.tomorrow().unwrap();
    }
    let wake = wake.to_zoned(ny).unwrap().timestamp().as_millisecond();
    assert_eq!(
        job_times(&t).await,
        vec![wake],
        "waits for 0{end}:00 New York time"
    );

    // Morning comes.
    let (status, _) = status_and_json(
        t.put(
            &format!("/api/v1/stores/{s}"),
            &t.admin_token,
            &json!({ "name": "丝施天猫店", "kind": "shop", "reminder_delay_minutes": 30,
                     "quiet_hours_start": NO_QUIET.0, "quiet_hours_end": NO_QUIET.1 }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    make_due(&t).await;
    run_jobs(&t).await;
    assert_eq!(reminders_in(&t, in_new_york).await.len(), 1);
    assert_eq!(reminders_in(&t, in_china).await.len(), 1);
}

#[tokio::test]
async fn a_buyer_without_a_conversation_gets_an_agent_task_instead() {
    let t = TestApp::spawn().await;
    let s = reminder_store(&t, "丝施天猫店", json!({})).await;
    put_order(&t, s, &unpaid("E3001", "13900139000", 120)).await;

    run_jobs(&t).await;

    let (_, tasks) = status_and_json(t.get("/api/v1/tasks?scope=mine", &t.admin_token).await).await;
    let task = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "payment_reminder")
        .cloned()
        .unwrap_or_else(|| panic!("a reminder task: {tasks}"));
    assert!(task["title"].as_str().unwrap().contains("E3001"));
    assert!(
        task["note"].as_str().unwrap().contains("E3001"),
        "the default 催付 script, filled: {task}"
    );
    assert!(task["due_at"].as_i64().is_some());
    assert_eq!(t.count("payment_reminders").await, 1);
}

#[tokio::test]
async fn two_instances_remind_each_order_exactly_once() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let s = reminder_store(&t, "丝施天猫店", json!({})).await;
    let mut conversations = Vec::new();
    for i in 0..12 {
        let phone = format!("138001380{i:02}");
        conversations.push(buyer(&t, &widget, &phone, "CN").await);
        let id = put_order(&t, s, &unpaid(&format!("T{i}"), &phone, 120)).await;
        // The job is there twice (as if scheduled again under another key).
        let mut tx = t.app().db.begin().await.unwrap();
        kefu_store::jobs::enqueue(
            &mut tx,
            JOB,
            &format!("again-{id}"),
            &json!({ "order_id": id }),
            0,
            0,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    // A second instance on PostgreSQL; on SQLite (one writer) a second worker of it.
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
    // The server's own worker may still be finishing a job it leased meanwhile.
    for _ in 0..100 {
        if job_times(&t).await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    for c in conversations {
        assert_eq!(reminders_in(&t, c).await.len(), 1, "conversation {c}");
    }
    assert_eq!(t.count("payment_reminders").await, 12);
}

#[tokio::test]
async fn reminders_paid_afterwards_count_as_converted() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let s = reminder_store(&t, "丝施天猫店", json!({})).await;
    let other = reminder_store(&t, "Amazon JP", json!({})).await;
    for i in 0..3 {
        let phone = format!("1370013700{i}");
        buyer(&t, &widget, &phone, "CN").await;
        put_order(&t, s, &unpaid(&format!("C{i}"), &phone, 120)).await;
    }
    run_jobs(&t).await;
    for i in 0..2 {
        let mut paid = order(&format!("C{i}"), &format!("1370013700{i}"));
        paid["paid_at"] = json!(jiff::Timestamp::now().to_string());
        paid["updated_at"] = json!(jiff::Timestamp::now().to_string());
        put_order(&t, s, &paid).await;
    }

    let (status, r) = status_and_json(
        t.get(
            &format!("/api/v1/reports/reminders?store={s}"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        (r["sent"].as_i64(), r["converted"].as_i64()),
        (Some(3), Some(2))
    );
    assert!((r["rate"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    let (_, r) = status_and_json(
        t.get(
            &format!("/api/v1/reports/reminders?store={other}"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    assert_eq!(
        (r["sent"].as_i64(), r["rate"].as_f64()),
        (Some(0), Some(0.0))
    );
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .date();
    let (_, r) = status_and_json(
        t.get(
            &format!("/api/v1/reports/reminders?from={today}&to={today}"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    assert_eq!(r["sent"], 3, "today, every store");

    let (status, e) = status_and_json(
        t.get("/api/v1/reports/reminders?from=yesterday", &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_date"))
    );
    let agent = t.user_token("a@shop.test", "小王", "agent").await;
    let r = t.get("/api/v1/reports/reminders", &agent).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
