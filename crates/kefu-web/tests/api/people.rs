//! Users, teams, inboxes and contacts: roles are enforced, bad input changes nothing.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn admins_create_users_and_agents_may_not() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("agent@shop.test", "刘洋", "agent").await;
    let new = json!({ "email": "new@shop.test", "name": "赵敏", "role": "agent", "password": "long-enough-1" });
    let denied = t.post("/api/v1/users", &agent, &new).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        denied.json::<Value>().await.unwrap()["error"]["code"],
        "forbidden"
    );

    let ok = t.post("/api/v1/users", &t.admin_token, &new).await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    let user: Value = ok.json().await.unwrap();
    assert!(
        user.get("password_hash").is_none(),
        "hashes never leave the server"
    );

    let duplicate = t.post("/api/v1/users", &t.admin_token, &new).await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    assert_eq!(
        duplicate.json::<Value>().await.unwrap()["error"]["code"],
        "email_taken"
    );
}

#[tokio::test]
async fn invalid_user_fields_are_refused_and_nothing_is_stored() {
    let t = TestApp::spawn().await;
    let before = t.count("users").await;
    let cases = [
        (
            json!({ "email": "not-an-email", "name": "A", "role": "agent", "password": "long-enough-1" }),
            "invalid_email",
        ),
        (
            json!({ "email": "a@shop.test", "name": " ", "role": "agent", "password": "long-enough-1" }),
            "required",
        ),
        (
            json!({ "email": "a@shop.test", "name": "A", "role": "boss", "password": "long-enough-1" }),
            "invalid_role",
        ),
        (
            json!({ "email": "a@shop.test", "name": "A", "role": "agent", "password": "short" }),
            "password_too_short",
        ),
    ];
    for (body, code) in cases {
        let r = t.post("/api/v1/users", &t.admin_token, &body).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], code);
    }
    let malformed = t
        .http
        .post(t.url("/api/v1/users"))
        .bearer_auth(&t.admin_token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        malformed.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_json"
    );
    assert_eq!(t.count("users").await, before);
}

#[tokio::test]
async fn teams_gather_members() {
    let t = TestApp::spawn().await;
    let team: Value = t
        .post(
            "/api/v1/teams",
            &t.admin_token,
            &json!({ "name": "国际部" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let me: Value = t
        .get("/api/v1/me", &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/teams/{}/members/{}", team["id"], me["user_id"]);
    assert_eq!(
        t.put(&path, &t.admin_token, &json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    let teams: Value = t
        .get("/api/v1/teams", &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(teams[0]["member_ids"], json!([me["user_id"]]));
    let twice = t
        .post(
            "/api/v1/teams",
            &t.admin_token,
            &json!({ "name": "国际部" }),
        )
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    let missing = t
        .put(
            &format!("/api/v1/teams/{}/members/999999", team["id"]),
            &t.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json::<Value>().await.unwrap()["error"]["code"],
        "user_not_found"
    );
}

#[tokio::test]
async fn only_admins_create_inboxes_and_channels_are_checked() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("agent@shop.test", "刘洋", "agent").await;
    let body = json!({ "name": "Shop", "channel": "widget" });
    assert_eq!(
        t.post("/api/v1/inboxes", &agent, &body).await.status(),
        StatusCode::FORBIDDEN
    );
    let bad = t
        .post(
            "/api/v1/inboxes",
            &t.admin_token,
            &json!({ "name": "Shop", "channel": "pigeon" }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.count("inboxes").await, 0);
    let (id, token) = t.widget_inbox(Some("稍后回复")).await;
    assert_eq!(token.len(), 32);
    let updated = t
        .put(
            &format!("/api/v1/inboxes/{id}"),
            &t.admin_token,
            &json!({ "name": "Shop 2", "auto_reply": "" }),
        )
        .await;
    let updated: Value = updated.json().await.unwrap();
    assert_eq!(updated["name"], "Shop 2");
    assert_eq!(
        updated["auto_reply"],
        Value::Null,
        "an empty auto-reply switches it off"
    );
}

#[tokio::test]
async fn contacts_are_normalised_and_duplicates_point_to_the_existing_record() {
    let t = TestApp::spawn().await;
    let created = t
        .post("/api/v1/contacts", &t.admin_token, &json!({ "name": "王芳", "phone": "138 1234 5678", "email": "WangFang@Example.CN", "country": "cn", "time_zone": "Asia/Shanghai", "language": "zh_cn" }))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let c: Value = created.json().await.unwrap();
    assert_eq!(c["phone"], "+8613812345678");
    assert_eq!(c["email"], "WangFang@example.cn");
    assert_eq!(c["country"], "CN");
    assert_eq!(c["language"], "zh-CN");
    assert!(c["local_time"].as_str().is_some());

    let us = t
        .post(
            "/api/v1/contacts",
            &t.admin_token,
            &json!({ "name": "Emily", "phone": "(415) 555-2671", "country": "US" }),
        )
        .await;
    assert_eq!(us.json::<Value>().await.unwrap()["phone"], "+14155552671");

    let dup = t
        .post(
            "/api/v1/contacts",
            &t.admin_token,
            &json!({ "name": "Someone", "phone": "+86 138-1234-5678" }),
        )
        .await;
    assert_eq!(dup.status(), StatusCode::CONFLICT);
    let dup: Value = dup.json().await.unwrap();
    assert_eq!(dup["error"]["code"], "duplicate_contact");
    assert_eq!(dup["error"]["existing_id"], c["id"]);

    let before = t.count("contacts").await;
    for (body, code) in [
        (json!({ "name": "X", "phone": "12" }), "invalid_phone"),
        (json!({ "name": "X", "email": "x@" }), "invalid_email"),
        (
            json!({ "name": "X", "time_zone": "Mars/Base" }),
            "invalid_time_zone",
        ),
        (
            json!({ "name": "X", "country": "China" }),
            "invalid_country",
        ),
        (json!({ "name": "" }), "required"),
    ] {
        let r = t.post("/api/v1/contacts", &t.admin_token, &body).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], code);
    }
    assert_eq!(t.count("contacts").await, before);
}

#[tokio::test]
async fn contact_lists_page_by_cursor_without_gaps_or_repeats() {
    let t = TestApp::spawn().await;
    for i in 0..7 {
        t.post(
            "/api/v1/contacts",
            &t.admin_token,
            &json!({ "name": format!("客户 {i}") }),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/contacts?limit=3&cursor={c}"),
            None => "/api/v1/contacts?limit=3".into(),
        };
        let page: Value = t.get(&path, &t.admin_token).await.json().await.unwrap();
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).rev().map(|i| format!("客户 {i}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn the_demo_shop_has_teams_agents_and_conversations_in_every_status() {
    let t = TestApp::spawn().await;
    let summary = kefu_app::demo::load(t.app()).await.unwrap();
    assert_eq!(summary.agent_emails.len(), 5);
    let all: Value = t
        .get(
            "/api/v1/conversations?view=all&status=open&limit=100",
            &t.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(!all["data"].as_array().unwrap().is_empty());
    for status in ["pending", "snoozed", "resolved"] {
        let page: Value = t
            .get(
                &format!("/api/v1/conversations?view=all&status={status}"),
                &t.admin_token,
            )
            .await
            .json()
            .await
            .unwrap();
        assert!(
            !page["data"].as_array().unwrap().is_empty(),
            "a {status} conversation"
        );
    }
    let teams: Value = t
        .get("/api/v1/teams", &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = teams
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["售前", "售后", "国际部"]);
    let contacts: Value = t
        .get("/api/v1/contacts?limit=100", &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let countries: std::collections::HashSet<&str> = contacts["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["country"].as_str())
        .collect();
    assert!(
        countries.len() >= 5,
        "customers in several countries: {countries:?}"
    );
    assert!(
        kefu_app::demo::load(t.app()).await.is_err(),
        "loading twice is refused"
    );
}
