//! Routing settings: admins only, bad input refused with nothing stored, every change audited.

use super::Desk;
use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn bad_routing_settings_are_refused_and_nothing_is_stored() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let team = d.team("售前").await;
    let (amy, _) = d.agent("amy", &[team], 4, false).await;
    let agent_path = format!("/api/v1/routing/agents/{amy}");
    for (body, code) in [
        (json!({ "capacity": -1 }), "invalid_capacity"),
        (json!({ "capacity": 201 }), "invalid_capacity"),
        (
            json!({ "capacity": 3, "skills": ["lang:en", "a,b"] }),
            "invalid_skill",
        ),
    ] {
        let r = t.put(&agent_path, &t.admin_token, &body).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], code);
    }
    assert_eq!(d.loads().await[&amy].1, 4, "the capacity stayed");
    let missing = t
        .put(
            "/api/v1/routing/agents/999999",
            &t.admin_token,
            &json!({ "capacity": 3 }),
        )
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let bad_strategy = t
        .put(
            &format!("/api/v1/routing/teams/{team}"),
            &t.admin_token,
            &json!({ "strategy": "random" }),
        )
        .await;
    assert_eq!(bad_strategy.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad_strategy.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_strategy"
    );

    let inbox = d.inbox(None).await;
    for (body, code) in [
        (json!({ "name": " ", "team_id": team }), "required"),
        (json!({ "name": "x", "team_id": 999999 }), "unknown_team"),
        (
            json!({ "name": "x", "team_id": team, "inbox_ids": [inbox, 999999] }),
            "unknown_inbox",
        ),
        (
            json!({ "name": "x", "team_id": team, "languages": ["english"] }),
            "invalid_language_code",
        ),
        (
            json!({ "name": "x", "team_id": team, "member_levels": ["gold"] }),
            "unknown_member_level",
        ),
        (
            json!({ "name": "x", "team_id": team, "keywords": [""] }),
            "invalid_condition",
        ),
        (
            json!({ "name": "x", "team_id": team, "required_skills": ["  "] }),
            "invalid_skill",
        ),
    ] {
        let r = t.post("/api/v1/routing/rules", &t.admin_token, &body).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["code"],
            code,
            "{body}"
        );
    }
    let not_json = t
        .http
        .post(t.url("/api/v1/routing/rules"))
        .bearer_auth(&t.admin_token)
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        not_json.status(),
        StatusCode::BAD_REQUEST,
        "team_id is required"
    );
    assert_eq!(t.count("routing_rules").await, 0);

    let rule = d.rule(json!({ "name": "一", "team_id": team })).await;
    let incomplete = t
        .put(
            "/api/v1/routing/rules/order",
            &t.admin_token,
            &json!({ "rule_ids": [rule, rule] }),
        )
        .await;
    assert_eq!(incomplete.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        incomplete.json::<Value>().await.unwrap()["error"]["code"],
        "incomplete_order"
    );
}

#[tokio::test]
async fn only_admins_change_routing_and_supervisors_read_it() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let team = d.team("售前").await;
    let (amy, amy_token) = d.agent("amy", &[team], 4, false).await;
    let supervisor = t.user_token("sup@shop.test", "主管", "supervisor").await;
    for token in [&amy_token, &supervisor] {
        let r = t
            .put(
                &format!("/api/v1/routing/agents/{amy}"),
                token,
                &json!({ "capacity": 9 }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = t
            .post(
                "/api/v1/routing/rules",
                token,
                &json!({ "name": "x", "team_id": team }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = t
            .put(
                &format!("/api/v1/routing/teams/{team}"),
                token,
                &json!({ "strategy": "least_load" }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    for path in [
        "/api/v1/routing/agents",
        "/api/v1/routing/teams",
        "/api/v1/routing/rules",
        "/api/v1/routing/queues",
    ] {
        assert_eq!(
            t.get(path, &supervisor).await.status(),
            StatusCode::OK,
            "{path}"
        );
        assert_eq!(
            t.get(path, &amy_token).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

#[tokio::test]
async fn rules_are_edited_reordered_and_deleted_the_first_match_wins_and_every_change_is_audited() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let presale = d.team("售前").await;
    let aftersale = d.team("售后").await;
    let inbox = d.inbox(None).await;
    let broad = d
        .rule(json!({ "name": "Everything", "team_id": presale }))
        .await;
    let refunds = d
        .rule(json!({ "name": "Refunds", "keywords": ["退款"], "team_id": aftersale }))
        .await;

    let first = d.customer_writes(inbox, "a", "我要退款").await;
    assert_eq!(
        d.conversation(first).await["team_id"],
        presale,
        "the first rule that matches wins"
    );

    let r = t
        .put(
            "/api/v1/routing/rules/order",
            &t.admin_token,
            &json!({ "rule_ids": [refunds, broad] }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let order: Vec<i64> = r
        .json::<Vec<Value>>()
        .await
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, vec![refunds, broad]);
    let second = d.customer_writes(inbox, "b", "我要退款").await;
    assert_eq!(d.conversation(second).await["team_id"], aftersale);

    let r = t
        .put(
            &format!("/api/v1/routing/rules/{refunds}"),
            &t.admin_token,
            &json!({ "name": "Returns", "keywords": ["退货"], "team_id": aftersale }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let edited: Value = r.json().await.unwrap();
    assert_eq!(
        (
            edited["position"].as_i64(),
            edited["conditions"]["keywords"][0].as_str()
        ),
        (Some(1), Some("退货"))
    );
    let third = d.customer_writes(inbox, "c", "我要退款").await;
    assert_eq!(d.conversation(third).await["team_id"], presale);

    assert_eq!(d.delete_rule(broad).await, StatusCode::NO_CONTENT);
    assert_eq!(d.delete_rule(broad).await, StatusCode::NOT_FOUND);
    let fourth = d.customer_writes(inbox, "d", "在吗").await;
    assert!(
        d.conversation(fourth).await["team_id"].is_null(),
        "no rule and no inbox team"
    );

    let (amy, _) = d.agent("amy", &[presale], 4, false).await;
    d.set_agent(amy, 6, &["product:手机"]).await;
    d.strategy(presale, "least_load").await;
    for action in [
        "routing.rule_created",
        "routing.rules_reordered",
        "routing.rule_updated",
        "routing.rule_deleted",
        "routing.agent_updated",
        "routing.team_updated",
    ] {
        let entries = kefu_store::audit::list(&t.app().db, Some(action), 10)
            .await
            .unwrap();
        assert!(!entries.is_empty(), "{action} is audited");
        assert!(entries[0].actor_user_id.is_some());
    }
    let updated = kefu_store::audit::list(&t.app().db, Some("routing.agent_updated"), 10)
        .await
        .unwrap();
    let detail: Value = serde_json::from_str(&updated[0].detail).unwrap();
    assert_eq!(detail["capacity"], json!([4, 6]));
    assert_eq!(detail["skills"], json!([[], ["product:手机"]]));
}
