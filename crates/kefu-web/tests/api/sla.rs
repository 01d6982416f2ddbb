//! Business calendars and SLA policies: the seeded mainland-China calendar, due previews
//! across holidays and make-up days, admin-only writes that are audited, validation that
//! changes nothing, and policy matching in order.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

mod pages;

async fn body(r: reqwest::Response) -> Value {
    r.json().await.expect("json")
}

/// Each input is refused with its code on create (`POST create`) and on edit (`PUT edit`).
async fn assert_refused(t: &TestApp, create: &str, edit: &str, cases: Vec<(Value, &str)>) {
    for (input, code) in cases {
        let r = t.post(create, &t.admin_token, &input).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{input}");
        assert_eq!(body(r).await["error"]["code"], code, "{input}");
        let r = t.put(edit, &t.admin_token, &input).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{input}");
        assert_eq!(body(r).await["error"]["code"], code, "{input}");
    }
}

async fn default_calendar_id(t: &TestApp) -> i64 {
    let list = body(t.get("/api/v1/calendars", &t.admin_token).await).await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["is_default"] == true)
        .expect("a default calendar")["id"]
        .as_i64()
        .unwrap()
}

async fn due(t: &TestApp, calendar: i64, from: &str, minutes: i64) -> Value {
    let from = from.replace('+', "%2B");
    let r = t
        .get(
            &format!("/api/v1/calendars/{calendar}/due?from={from}&minutes={minutes}"),
            &t.admin_token,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    body(r).await
}

fn new_york() -> Value {
    json!({
        "name": "US office",
        "time_zone": "America/New_York",
        "weekly_hours": { "mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"],
                          "thu": ["09:00-17:00"], "fri": ["09:00-12:00", "13:00-17:00"] },
        "holidays": [{ "date": "2026-11-26", "name": "Thanksgiving" }],
    })
}

#[tokio::test]
async fn the_mainland_china_calendar_is_seeded_as_the_default() {
    let t = TestApp::spawn().await;
    let id = default_calendar_id(&t).await;
    let cal = body(
        t.get(&format!("/api/v1/calendars/{id}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(cal["time_zone"], "Asia/Shanghai");
    assert_eq!(cal["weekly_hours"]["mon"], json!(["09:00-18:00"]));
    assert_eq!(cal["weekly_hours"]["sat"], json!([]));
    let holidays = cal["holidays"].as_array().unwrap();
    let national_day = holidays.iter().find(|h| h["date"] == "2026-10-01").unwrap();
    assert_eq!(national_day["name"], "国庆节");
    assert_eq!(national_day["provisional"], false);
    let new_year_2027 = holidays.iter().find(|h| h["date"] == "2027-01-01").unwrap();
    assert_eq!(
        new_year_2027["provisional"], true,
        "2027 awaits the official notice"
    );
    assert!(
        cal["workdays"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["date"] == "2026-10-10")
    );
}

#[tokio::test]
async fn due_previews_skip_holidays_and_weekends_and_work_make_up_days() {
    let t = TestApp::spawn().await;
    let cn = default_calendar_id(&t).await;
    // Friday 17:30 with one hour: Monday 09:30.
    assert_eq!(
        due(&t, cn, "2026-03-06T17:30:00+08:00", 60).await["due"],
        "2026-03-09T09:30:00+08:00"
    );
    // Wednesday 30 September 17:00 with two hours: one that day, one after 国庆.
    let across = due(&t, cn, "2026-09-30T09:00:00Z", 120).await;
    assert_eq!(across["due"], "2026-10-08T10:00:00+08:00");
    assert_eq!(across["from"], "2026-09-30T17:00:00+08:00");
    // A local time is read in the calendar's zone; Saturday 14 February is worked (调休).
    assert_eq!(
        due(&t, cn, "2026-02-13T17:30", 60).await["due"],
        "2026-02-14T09:30:00+08:00"
    );

    let bad = t
        .get(
            &format!("/api/v1/calendars/{cn}/due?from=yesterday&minutes=60"),
            &t.admin_token,
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(bad).await["error"]["code"], "invalid_time");
    let bad = t
        .get(
            &format!("/api/v1/calendars/{cn}/due?from=2026-03-06T17:30&minutes=-5"),
            &t.admin_token,
        )
        .await;
    assert_eq!(body(bad).await["error"]["code"], "invalid_target");
    let far = t
        .get(
            &format!("/api/v1/calendars/{cn}/due?from=9999-12-30T00:00:00Z&minutes=6000"),
            &t.admin_token,
        )
        .await;
    assert_eq!(far.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(far).await["error"]["code"], "due_out_of_range");
    let missing = t
        .get(
            "/api/v1/calendars/999999/due?from=2026-03-06T17:30&minutes=5",
            &t.admin_token,
        )
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn admins_write_calendars_agents_read_them_and_changes_are_audited() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("agent@shop.test", "刘洋", "agent").await;
    let denied = t.post("/api/v1/calendars", &agent, &new_york()).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let audit_before = t.count("audit_log").await;
    let events_before = t.count("events").await;

    let created = t
        .post("/api/v1/calendars", &t.admin_token, &new_york())
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let cal = body(created).await;
    let id = cal["id"].as_i64().unwrap();
    assert_eq!(cal["is_default"], false);
    assert_eq!(
        cal["weekly_hours"]["fri"],
        json!(["09:00-12:00", "13:00-17:00"])
    );
    // Friday 6 March 16:00 EST + 2 h: one on Friday, one on Monday after the clocks moved.
    assert_eq!(
        due(&t, id, "2026-03-06T16:00", 120).await["due"],
        "2026-03-09T10:00:00-04:00"
    );

    let mut edited = new_york();
    edited["holidays"] = json!([
        { "date": "2026-12-25", "name": "Christmas" },
        { "date": "2026-11-26", "name": "Thanksgiving" },
    ]);
    edited["workdays"] =
        json!([{ "date": "2026-12-26", "name": "Inventory", "hours": ["10:00-14:00"] }]);
    let r = t
        .put(&format!("/api/v1/calendars/{id}"), &t.admin_token, &edited)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let read = body(t.get(&format!("/api/v1/calendars/{id}"), &agent).await).await;
    assert_eq!(
        read["holidays"][0]["date"], "2026-11-26",
        "dates are kept in order"
    );
    assert_eq!(read["workdays"][0]["hours"], json!(["10:00-14:00"]));
    assert_eq!(
        due(&t, id, "2026-12-24T16:30", 60).await["due"],
        "2026-12-26T10:30:00-05:00"
    );

    let denied = t
        .put(&format!("/api/v1/calendars/{id}"), &agent, &edited)
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    assert_eq!(t.count("audit_log").await, audit_before + 2);
    assert_eq!(
        t.count("events").await,
        events_before + 2,
        "calendar.created and calendar.updated, for caches to follow"
    );
}

#[tokio::test]
async fn invalid_calendars_are_refused_and_change_nothing() {
    let t = TestApp::spawn().await;
    let created = body(
        t.post("/api/v1/calendars", &t.admin_token, &new_york())
            .await,
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let before = t.count("business_calendars").await;
    let with = |key: &str, value: Value| {
        let mut c = new_york();
        c[key] = value;
        c
    };
    let cases = [
        (
            with(
                "weekly_hours",
                json!({ "mon": ["09:00-12:00", "11:00-13:00"] }),
            ),
            "overlapping_hours",
        ),
        (
            with("weekly_hours", json!({ "mon": ["18:00-09:00"] })),
            "backwards_interval",
        ),
        (
            with("weekly_hours", json!({ "mon": ["9 to 5"] })),
            "invalid_hours",
        ),
        (with("weekly_hours", json!({})), "no_working_hours"),
        (
            with("time_zone", json!("Mars/Olympus")),
            "invalid_time_zone",
        ),
        (
            with("holidays", json!([{ "date": "2026-02-30", "name": "x" }])),
            "invalid_date",
        ),
        (
            with("holidays", json!([{ "date": "2026-10-01", "name": " " }])),
            "invalid_date_name",
        ),
        (
            json!({ "name": "Both", "time_zone": "Asia/Shanghai", "weekly_hours": { "mon": ["09:00-18:00"] },
                    "holidays": [{ "date": "2026-10-10", "name": "国庆节" }],
                    "workdays": [{ "date": "2026-10-10", "name": "调休" }] }),
            "holiday_and_workday",
        ),
        (
            with(
                "workdays",
                json!([{ "date": "2026-10-10", "name": "调休", "hours_of": "sat" }]),
            ),
            "workday_without_hours",
        ),
        (with("name", json!("")), "required"),
    ];
    assert_refused(
        &t,
        "/api/v1/calendars",
        &format!("/api/v1/calendars/{id}"),
        cases.to_vec(),
    )
    .await;
    let unknown_field = t
        .post(
            "/api/v1/calendars",
            &t.admin_token,
            &with("hours", json!([])),
        )
        .await;
    assert_eq!(unknown_field.status(), StatusCode::BAD_REQUEST);
    let message = body(unknown_field).await["error"]["message"].to_string();
    assert!(message.contains("unknown field `hours`"), "{message}");
    assert_eq!(t.count("business_calendars").await, before);
    let after = body(
        t.get(&format!("/api/v1/calendars/{id}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(after, created, "refused edits leave the calendar as it was");
}

#[tokio::test]
async fn calendar_names_are_unique_and_the_default_or_used_calendars_stay() {
    let t = TestApp::spawn().await;
    let cn = default_calendar_id(&t).await;
    let us = body(
        t.post("/api/v1/calendars", &t.admin_token, &new_york())
            .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let again = t
        .post("/api/v1/calendars", &t.admin_token, &new_york())
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(body(again).await["error"]["code"], "calendar_name_taken");

    let r = t
        .http
        .delete(t.url(&format!("/api/v1/calendars/{cn}")))
        .bearer_auth(&t.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(body(r).await["error"]["code"], "calendar_is_default");

    let policy = json!({ "name": "US", "calendar_id": us, "first_response_minutes": 60 });
    let policy = body(
        t.post("/api/v1/sla-policies", &t.admin_token, &policy)
            .await,
    )
    .await;
    let r = t
        .http
        .delete(t.url(&format!("/api/v1/calendars/{us}")))
        .bearer_auth(&t.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(body(r).await["error"]["code"], "calendar_in_use");

    // Making the US calendar the default moves the flag: still exactly one default.
    let mut make_default = new_york();
    make_default["is_default"] = json!(true);
    t.put(
        &format!("/api/v1/calendars/{us}"),
        &t.admin_token,
        &make_default,
    )
    .await;
    assert_eq!(default_calendar_id(&t).await, us);
    let list = body(t.get("/api/v1/calendars", &t.admin_token).await).await;
    assert_eq!(
        list.as_array()
            .unwrap()
            .iter()
            .filter(|c| c["is_default"] == true)
            .count(),
        1
    );

    let policy_id = policy["id"].as_i64().unwrap();
    t.http
        .delete(t.url(&format!("/api/v1/sla-policies/{policy_id}")))
        .bearer_auth(&t.admin_token)
        .send()
        .await
        .unwrap();
    let r = t
        .http
        .delete(t.url(&format!("/api/v1/calendars/{cn}")))
        .bearer_auth(&t.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NO_CONTENT,
        "no longer the default, no longer used"
    );
}

async fn create_policy(t: &TestApp, input: Value) -> i64 {
    let r = t.post("/api/v1/sla-policies", &t.admin_token, &input).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{input}");
    body(r).await["id"].as_i64().unwrap()
}

async fn matched(t: &TestApp, query: &str) -> Option<String> {
    let r = body(
        t.get(
            &format!("/api/v1/sla-policies/match?{query}"),
            &t.admin_token,
        )
        .await,
    )
    .await;
    r["policy"]["name"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn the_first_enabled_policy_in_order_whose_conditions_hold_applies() {
    let t = TestApp::spawn().await;
    let team = body(
        t.post("/api/v1/teams", &t.admin_token, &json!({ "name": "售后" }))
            .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let off = create_policy(
        &t,
        json!({ "name": "Off", "enabled": false, "first_response_minutes": 1 }),
    )
    .await;
    let vip = create_policy(&t, json!({
        "name": "Trading members' complaints", "ticket_types": ["complaint"], "customer_levels": ["trading"],
        "priorities": ["high", "urgent"], "first_response_minutes": 30, "resolution_minutes": 480, "warning_percent": 80,
    })).await;
    let widget_team = create_policy(&t, json!({
        "name": "After-sales on the widget", "channels": ["widget"], "team_ids": [team], "first_response_minutes": 60,
    })).await;
    let any = create_policy(
        &t,
        json!({ "name": "Everyone", "first_response_minutes": 240 }),
    )
    .await;

    let list = body(t.get("/api/v1/sla-policies", &t.admin_token).await).await;
    let order: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, [off, vip, widget_team, any]);
    assert_eq!(list[1]["warning_percent"], 80);
    assert_eq!(list[2]["warning_percent"], 75, "the default warning share");

    let vip_q = "ticket_type=complaint&customer_level=trading&priority=urgent";
    assert_eq!(
        matched(&t, vip_q).await.as_deref(),
        Some("Trading members' complaints")
    );
    assert_eq!(
        matched(
            &t,
            "ticket_type=complaint&customer_level=trading&priority=normal"
        )
        .await
        .as_deref(),
        Some("Everyone"),
        "every condition must hold"
    );
    let widget_q = format!("channel=widget&team_id={team}&{vip_q}");
    assert_eq!(
        matched(&t, &widget_q).await.as_deref(),
        Some("Trading members' complaints")
    );
    assert_eq!(matched(&t, "").await.as_deref(), Some("Everyone"));

    // Widget/team first: now it wins where both hold.
    let r = t
        .put(
            "/api/v1/sla-policies/order",
            &t.admin_token,
            &json!({ "ids": [widget_team, off, vip, any] }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        matched(&t, &widget_q).await.as_deref(),
        Some("After-sales on the widget")
    );
    assert_eq!(
        matched(&t, vip_q).await.as_deref(),
        Some("Trading members' complaints")
    );

    // Switching the catch-all off leaves tickets nothing matches without a policy.
    let mut everyone =
        json!({ "name": "Everyone", "first_response_minutes": 240, "enabled": false });
    assert_eq!(
        t.put(
            &format!("/api/v1/sla-policies/{any}"),
            &t.admin_token,
            &everyone
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(matched(&t, "priority=low").await, None);
    everyone["enabled"] = json!(true);
    t.put(
        &format!("/api/v1/sla-policies/{any}"),
        &t.admin_token,
        &everyone,
    )
    .await;
    assert_eq!(
        matched(&t, "priority=low").await.as_deref(),
        Some("Everyone")
    );
}

#[tokio::test]
async fn invalid_policies_and_orders_are_refused_and_change_nothing() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("agent@shop.test", "刘洋", "agent").await;
    let a = create_policy(&t, json!({ "name": "A", "first_response_minutes": 60 })).await;
    let b = create_policy(&t, json!({ "name": "B", "resolution_minutes": 600 })).await;
    let before = body(t.get("/api/v1/sla-policies", &t.admin_token).await).await;
    let with = |key: &str, value: Value| {
        let mut p = json!({ "name": "New", "first_response_minutes": 60 });
        p[key] = value;
        p
    };
    let cases = [
        (with("priorities", json!(["asap"])), "invalid_priority"),
        (with("channels", json!(["fax"])), "invalid_channel"),
        (with("team_ids", json!([424242])), "unknown_team"),
        (
            with("customer_levels", json!(["platinum"])),
            "unknown_choice",
        ),
        (with("ticket_types", json!(["After Sales"])), "invalid_key"),
        (with("calendar_id", json!(424242)), "unknown_calendar"),
        (with("first_response_minutes", json!(0)), "invalid_target"),
        (
            with("warning_percent", json!(100)),
            "invalid_warning_percent",
        ),
        (json!({ "name": "No targets" }), "no_targets"),
    ];
    assert_refused(
        &t,
        "/api/v1/sla-policies",
        &format!("/api/v1/sla-policies/{a}"),
        cases.to_vec(),
    )
    .await;
    let taken = t
        .post(
            "/api/v1/sla-policies",
            &t.admin_token,
            &json!({ "name": "B", "first_response_minutes": 5 }),
        )
        .await;
    assert_eq!(body(taken).await["error"]["code"], "sla_policy_name_taken");
    for ids in [
        json!([a]),
        json!([a, a]),
        json!([a, b, 424242]),
        json!([b, a, a]),
    ] {
        let r = t
            .put(
                "/api/v1/sla-policies/order",
                &t.admin_token,
                &json!({ "ids": ids }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{ids}");
        assert_eq!(body(r).await["error"]["code"], "invalid_order");
    }
    let denied = t
        .put(
            "/api/v1/sla-policies/order",
            &agent,
            &json!({ "ids": [b, a] }),
        )
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let denied = t
        .post(
            "/api/v1/sla-policies",
            &agent,
            &with("name", json!("Agent's")),
        )
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let readable = t.get("/api/v1/sla-policies", &agent).await;
    assert_eq!(readable.status(), StatusCode::OK);
    assert_eq!(body(readable).await, before, "nothing changed");
}
