//! The calendar and SLA policy settings pages: dated lines in and out, refusals that
//! explain and keep what was typed, Chinese texts, reordering for admins only.

use super::{body, create_policy, default_calendar_id, matched};
use crate::helpers::TestApp;
use crate::ui::Session;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn admins_edit_calendars_as_dated_lines_and_preview_due_times_on_the_page() {
    let t = TestApp::spawn().await;
    let admin = Session::admin(&t).await;
    let cn = default_calendar_id(&t).await;

    let (status, list) = admin.page(&t, "/app/settings/calendars").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Business calendars") && list.contains("中国大陆 Mainland China"));
    assert!(
        list.contains("provisional"),
        "the 2027 dates are flagged in the list"
    );

    let (_, page) = admin
        .page(
            &t,
            &format!("/app/settings/calendars/{cn}?from=2026-09-30T17:00&minutes=120"),
        )
        .await;
    assert!(page.contains("id=\"provisional-notice\""), "{page}");
    assert!(
        page.contains("2026-10-01 国庆节\n"),
        "holidays as one dated line each"
    );
    assert!(
        page.contains("2027-02-05? 春节（除夕）"),
        "provisional lines keep their mark"
    );
    assert!(page.contains("2026-10-10 国庆节调休"));
    assert!(page.contains("Due at 2026-10-08 10:00 ("), "{page}");

    let fields = [
        ("name", "US office"),
        ("time_zone", "America/New_York"),
        ("hours_mon", "09:00-12:00, 13:00-17:00"),
        ("hours_fri", "09:00-17:00"),
        (
            "holidays",
            "# US\n2026-11-26 Thanksgiving\n2026-12-24..2026-12-25 Christmas",
        ),
        ("workdays", "2026-11-28 @fri Black Friday"),
    ];
    let (status, location, _) = admin.post(&t, "/app/settings/calendars", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let saved = body(
        t.get(&format!("/api/v1/calendars/{id}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(
        saved["weekly_hours"]["mon"],
        json!(["09:00-12:00", "13:00-17:00"])
    );
    assert_eq!(saved["weekly_hours"]["tue"], json!([]));
    assert_eq!(saved["holidays"].as_array().unwrap().len(), 3);
    assert_eq!(saved["workdays"][0]["hours_of"], "fri");

    // A date that is both a holiday and a make-up day: refused, explained, kept as typed.
    let count = t.count("business_calendars").await;
    let mut refused = fields.to_vec();
    refused[0] = ("name", "Second office");
    refused[5] = ("workdays", "2026-11-26 Thanksgiving shift");
    let (status, _, page) = admin.post(&t, "/app/settings/calendars", &refused).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("cannot be both a holiday and a make-up work day"),
        "{page}"
    );
    assert!(
        page.contains("2026-11-26 is listed both"),
        "the detail names the date"
    );
    assert!(page.contains("Thanksgiving shift"), "what was typed stays");
    let bad_line = [
        ("name", "x"),
        ("time_zone", "UTC"),
        ("hours_mon", "09:00-17:00"),
        ("holidays", "2026-11-26 ok\n26/12/2026 bad"),
    ];
    let (status, _, page) = admin
        .post(&t, &format!("/app/settings/calendars/{id}"), &bad_line)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("line 2:"), "the line at fault is named");
    assert_eq!(t.count("business_calendars").await, count);
    assert_eq!(
        body(
            t.get(&format!("/api/v1/calendars/{id}"), &t.admin_token)
                .await
        )
        .await,
        saved
    );
}

#[tokio::test]
async fn the_sla_pages_speak_chinese_and_reorder_policies_for_admins_only() {
    let t = TestApp::spawn().await;
    let admin = Session::admin(&t).await;
    admin
        .post(&t, "/app/profile/locale", &[("value", "zh-CN")])
        .await;
    let a = create_policy(
        &t,
        json!({ "name": "普通咨询", "first_response_minutes": 240 }),
    )
    .await;

    let fields = [
        ("name", "紧急投诉"),
        ("enabled", "1"),
        ("ticket_types", "complaint，after_sales"),
        ("priorities", "high"),
        ("priorities", "urgent"),
        ("channels", "widget"),
        ("first_response_minutes", "30"),
        ("resolution_minutes", "480"),
        ("warning_percent", "80"),
    ];
    let (status, _, _) = admin.post(&t, "/app/settings/sla-policies", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let list = body(t.get("/api/v1/sla-policies", &t.admin_token).await).await;
    let b = list[1]["id"].as_i64().unwrap();
    assert_eq!(list[1]["priorities"], json!(["high", "urgent"]));
    assert_eq!(list[1]["ticket_types"], json!(["complaint", "after_sales"]));
    assert_eq!(
        list[1]["calendar_id"],
        default_calendar_id(&t).await,
        "the default calendar"
    );

    let (status, _, _) = admin
        .post(
            &t,
            &format!("/app/settings/sla-policies/{b}/move"),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = admin.page(&t, "/app/settings/sla-policies").await;
    assert!(page.contains("SLA 策略") && page.contains("紧急") && page.contains("30 分钟"));
    let first = page.find("紧急投诉").unwrap();
    let second = page.find("普通咨询").unwrap();
    assert!(first < second, "moved up");
    assert_eq!(
        matched(&t, "priority=urgent&ticket_type=complaint&channel=widget")
            .await
            .as_deref(),
        Some("紧急投诉")
    );

    let (status, _, page) = admin
        .post(
            &t,
            &format!("/app/settings/sla-policies/{a}"),
            &[("name", "普通咨询"), ("enabled", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请至少设置一项时限"), "{page}");

    let agent = Session::of(&t, "agent@shop.test", "刘洋", "agent").await;
    let (status, page) = agent.page(&t, "/app/settings/sla-policies").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Urgent") && !page.contains("New SLA policy"),
        "read-only for agents"
    );
    let (status, _, _) = agent
        .post(
            &t,
            &format!("/app/settings/sla-policies/{a}/move"),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
