//! The routing pages: the supervisor's queues (with the board fragment the page refetches
//! live, and moving a conversation), and the admins' settings forms, in both languages.

use super::Desk;
use crate::helpers::TestApp;
use crate::ui::Session;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_supervisor_watches_the_queues_and_moves_a_waiting_conversation() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let presale = d.team("售前一组").await;
    let aftersale = d.team("售后一组").await;
    let (bob, _) = d.agent("bob", &[aftersale], 3, true).await;
    let inbox = d.inbox(Some(presale)).await;
    let waiting = d
        .customer_writes(inbox, "王先生", "请问这款手机有货吗")
        .await;

    let agent = Session::of(&t, "amy@shop.test", "amy", "agent").await;
    let (status, _) = agent.page(&t, "/app/routing/queues").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let sup = Session::of(&t, "sup@shop.test", "主管", "supervisor").await;
    let (status, html) = sup.page(&t, "/app/routing/queues").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("售前一组") && html.contains("王先生"),
        "the waiting customer is listed"
    );
    assert!(
        html.contains("kefu-last-event"),
        "the page resumes the event stream where it was drawn"
    );
    let (status, fragment) = sup.page(&t, "/app/fragments/routing/queues").await;
    assert_eq!(status, StatusCode::OK);
    assert!(fragment.starts_with("<div id=\"routing-board\"") && !fragment.contains("<html"));

    let to = format!("team:{aftersale}");
    let (status, location, _) = sup
        .post(
            &t,
            &format!("/app/routing/conversations/{waiting}/reassign"),
            &[("to", &to)],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/app/routing/queues")
    );
    assert_eq!(d.assignee(waiting).await, Some(bob));
    let (_, html) = sup.page(&t, "/app/routing/queues").await;
    assert!(html.contains("1 / 3"), "Bob's load shows");
}

#[tokio::test]
async fn an_admin_sets_capacity_strategy_and_rules_from_the_settings_page() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let team = d.team("国际部").await;
    let (amy, _) = d.agent("amy", &[team], 5, false).await;
    let inbox = d.inbox(None).await;
    let admin = Session::admin(&t).await;
    let (status, html) = admin.page(&t, "/app/settings/routing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Routing settings"), "the admin reads English");

    let agent_path = format!("/app/settings/routing/agents/{amy}");
    let (status, _, _) = admin
        .post(
            &t,
            &agent_path,
            &[("capacity", "7"), ("skills", "lang:en，product:手机")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(d.loads().await[&amy].1, 7);
    let (status, _, html) = admin.post(&t, &agent_path, &[("capacity", "lots")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Capacity must be a whole number from 0 to 200."));

    let team_path = format!("/app/settings/routing/teams/{team}");
    let (status, _, _) = admin
        .post(&t, &team_path, &[("strategy", "least_load")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let team_id = team.to_string();
    let inbox_id = inbox.to_string();
    let rule = [
        ("name", "English buyers"),
        ("team_id", team_id.as_str()),
        ("inbox", inbox_id.as_str()),
        ("languages", "en"),
        ("member_level", "trading"),
        ("member_level", "microsite"),
        ("keywords", "price, 价格"),
        ("required_skills", "lang:en"),
    ];
    let (status, _, _) = admin.post(&t, "/app/settings/routing/rules", &rule).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let rules = d.rules().await;
    assert_eq!(rules.len(), 1);
    let created = &rules[0];
    assert_eq!(created["conditions"]["inbox_ids"], json!([inbox]));
    assert_eq!(
        created["conditions"]["member_levels"],
        json!(["trading", "microsite"])
    );
    assert_eq!(created["conditions"]["keywords"], json!(["price", "价格"]));
    assert_eq!(created["required_skills"], json!(["lang:en"]));

    let bad = [
        ("name", "Broken"),
        ("team_id", team_id.as_str()),
        ("languages", "English"),
    ];
    let (status, _, html) = admin.post(&t, "/app/settings/routing/rules", &bad).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("two or three letters") && html.contains("value=\"Broken\""),
        "the form says why and keeps what was typed"
    );

    let id = created["id"].as_i64().unwrap();
    let (status, html) = admin
        .page(&t, &format!("/app/settings/routing/rules/{id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"price, 价格\""));
    let edit = [
        ("name", "English buyers"),
        ("team_id", team_id.as_str()),
        ("keywords", "quote"),
    ];
    let (status, _, _) = admin
        .post(&t, &format!("/app/settings/routing/rules/{id}"), &edit)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let second = d.rule(json!({ "name": "Second", "team_id": team })).await;
    let (status, _, _) = admin
        .post(
            &t,
            &format!("/app/settings/routing/rules/{second}/move"),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let rules = d.rules().await;
    let order: Vec<i64> = rules.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(order, vec![second, id]);
    assert_eq!(rules[1]["conditions"]["keywords"], json!(["quote"]));
    let (status, _, _) = admin
        .post(&t, &format!("/app/settings/routing/rules/{id}/delete"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(t.count("routing_rules").await, 1);

    let sup = Session::of(&t, "sup@shop.test", "主管", "supervisor").await;
    sup.post(&t, "/app/profile/locale", &[("value", "zh-CN")])
        .await;
    let (status, html) = sup.page(&t, "/app/settings/routing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("分配设置") && !html.contains("/app/settings/routing/rules/"),
        "supervisors read, in Chinese, without forms"
    );
}
