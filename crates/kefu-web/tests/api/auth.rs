//! Set-up, sign-in and its throttling, sessions with CSRF, API tokens.

use crate::helpers::{Instance, PASSWORD, TestApp, TestDb};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn an_empty_kefu_asks_for_its_first_administrator_once() {
    let (_place, db) = TestDb::create().await;
    let mut server = Instance::start(db).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let health = http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let root = http.get(format!("{}/", server.base)).send().await.unwrap();
    assert_eq!(root.headers()["location"], "/setup");

    let form = [
        ("name", "店长"),
        ("email", "owner@shop.test"),
        ("password", "short"),
        ("locale", "zh-CN"),
    ];
    let refused = http
        .post(format!("{}/setup", server.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("密码至少需要 8 个字符")
    );
    assert!(
        kefu_app::users::needs_setup(&server.app).await.unwrap(),
        "a refused form creates nobody"
    );

    let form = [
        ("name", "店长"),
        ("email", "owner@shop.test"),
        ("password", PASSWORD),
        ("locale", "zh-CN"),
    ];
    let created = http
        .post(format!("{}/setup", server.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert!(
        created.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("HttpOnly")
    );

    let again = http
        .get(format!("{}/setup", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["location"], "/login");
    let form = [
        ("name", "Intruder"),
        ("email", "x@shop.test"),
        ("password", PASSWORD),
        ("locale", "en"),
    ];
    let second = http
        .post(format!("{}/setup", server.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        second.status(),
        StatusCode::OK,
        "the form is shown again with an error"
    );
    assert!(
        kefu_store::users::find_by_email(&server.app.db, "x@shop.test")
            .await
            .unwrap()
            .is_none()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_slowed_down_and_audited() {
    let t = TestApp::spawn().await;
    for _ in 0..4 {
        let r = t
            .http
            .post(t.url("/login"))
            .form(&[("email", "admin@shop.test"), ("password", "wrong-password")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let fifth = t
        .http
        .post(t.url("/login"))
        .form(&[("email", "admin@shop.test"), ("password", "wrong-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(fifth.status(), StatusCode::UNAUTHORIZED);
    let locked = t
        .http
        .post(t.url("/login"))
        .form(&[("email", "admin@shop.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        locked.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits while locked"
    );

    let audit = kefu_store::audit::list(&t.app().db, None, 50)
        .await
        .unwrap();
    assert_eq!(
        audit.iter().filter(|a| a.action == "login.failed").count(),
        4
    );
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "login.throttled")
            .count(),
        1
    );
    assert!(audit.iter().all(|a| a.action != "login.succeeded"));
}

#[tokio::test]
async fn the_api_refuses_missing_and_unknown_tokens_with_the_error_envelope() {
    let t = TestApp::spawn().await;
    let none = t.http.get(t.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let body: Value = none.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Bearer")
    );

    let bogus = t.get("/api/v1/me", "kefu_not-a-real-token").await;
    assert_eq!(bogus.status(), StatusCode::UNAUTHORIZED);
    let me: Value = t
        .get("/api/v1/me", &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");
    let unknown_route = t.get("/api/v1/nothing-here", &t.admin_token).await;
    assert_eq!(unknown_route.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        unknown_route.json::<Value>().await.unwrap()["error"]["code"],
        "route_not_found"
    );
}

#[tokio::test]
async fn tokens_are_shown_once_stored_hashed_and_can_be_revoked() {
    let t = TestApp::spawn().await;
    let r = t
        .post(
            "/api/v1/tokens",
            &t.admin_token,
            &json!({ "name": "微信桥接" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let secret = created["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("kefu_"));
    let listed: Value = t.get("/api/v1/tokens", &secret).await.json().await.unwrap();
    assert!(listed.to_string().contains("微信桥接"));
    assert!(
        !listed.to_string().contains(&secret),
        "the secret is never listed"
    );

    let id = created["id"].as_i64().unwrap();
    let revoke = t
        .http
        .delete(t.url(&format!("/api/v1/tokens/{id}")))
        .bearer_auth(&t.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        t.get("/api/v1/me", &secret).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_browser_session_must_echo_its_csrf_token_to_write() {
    let t = TestApp::spawn().await;
    let (cookie, csrf) = t.sign_in("admin@shop.test", PASSWORD).await;
    let read = t
        .http
        .get(t.url("/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let body = json!({ "name": "售后" });
    let forged = t
        .http
        .post(t.url("/api/v1/teams"))
        .header("cookie", &cookie)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        forged.json::<Value>().await.unwrap()["error"]["code"],
        "csrf_failed"
    );
    assert_eq!(t.count("teams").await, 0);
    let ok = t
        .http
        .post(t.url("/api/v1/teams"))
        .header("cookie", &cookie)
        .header("x-csrf-token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn parallel_failed_sign_ins_are_all_counted() {
    let t = TestApp::spawn().await;
    let form = [("email", "admin@shop.test"), ("password", "wrong-password")];
    let attempts = (0..8).map(|_| t.http.post(t.url("/login")).form(&form).send());
    let statuses: Vec<StatusCode> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.unwrap().status())
        .collect();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count() as i64;
    let held_back = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count() as i64;
    assert_eq!(refused + held_back, 8, "{statuses:?}");
    let row = kefu_store::audit::login_failures(&t.app().db, "email:admin@shop.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.failures, refused,
        "every checked failure is counted, none lost to a race"
    );
    assert!(
        row.locked_until.is_some(),
        "five or more failures lock the address"
    );
}
