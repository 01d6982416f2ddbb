//! Scripts (话术): the seeded starter set, personal and shared scripts and who may
//! change them, refused input that changes nothing, the `/` search by shortcut, pinyin
//! initials and title, and rendering for a conversation in the customer's language.

use crate::customers::json_of;
use crate::helpers::TestApp;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

mod pages;
mod picker;

/// The tables a script write touches.
const TABLES: [&str; 4] = ["scripts", "script_bodies", "script_keys", "script_stages"];

async fn counts(t: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for table in TABLES {
        out.push(t.count(table).await);
    }
    out
}

async fn delete(t: &TestApp, path: &str, token: &str) -> Response {
    t.http
        .delete(t.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

async fn stage_id(t: &TestApp, key: &str) -> i64 {
    let stages = json_of(
        t.get("/api/v1/script-stages", &t.admin_token).await,
        StatusCode::OK,
    )
    .await;
    stages
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .and_then(|s| s["id"].as_i64())
        .expect("stage")
}

fn titles(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_owned())
        .collect()
}

/// What the picker offers in a conversation for `q`, as `token` sees it.
async fn pick(t: &TestApp, token: &str, conversation: i64, query: &str) -> Value {
    let path = format!("/api/v1/conversations/{conversation}/scripts?{query}");
    json_of(t.get(&path, token).await, StatusCode::OK).await
}

async fn user_id(t: &TestApp, email: &str) -> i64 {
    kefu_store::users::find_by_email(&t.app().db, email)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn audited(t: &TestApp, action: &str) -> usize {
    kefu_store::audit::list(&t.app().db, Some(action), 100)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn the_starter_set_follows_the_pre_sale_flow_in_chinese_and_english() {
    let t = TestApp::spawn().await;
    let stages = json_of(
        t.get("/api/v1/script-stages", &t.admin_token).await,
        StatusCode::OK,
    )
    .await;
    let zh: Vec<&str> = stages
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label_zh"].as_str().unwrap())
        .collect();
    let flow = ["欢迎语", "活动告知", "商品问答", "订单确认", "收藏店铺"];
    let at: Vec<usize> = flow
        .iter()
        .map(|s| zh.iter().position(|z| z == s).expect(s))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{zh:?}");
    for s in ["议价", "支付", "催付", "物流", "售后", "告别"] {
        assert!(zh.contains(&s), "{s} in {zh:?}");
    }

    let agent = t.user_token("a@shop.test", "小李", "agent").await;
    let all = json_of(t.get("/api/v1/scripts", &agent).await, StatusCode::OK).await;
    let scripts = all.as_array().unwrap();
    assert!(scripts.len() >= 20, "{}", scripts.len());
    for s in scripts {
        assert_eq!(s["shared"], true);
        assert!(
            s["bodies"]["zh-CN"].is_string() && s["bodies"]["en"].is_string(),
            "{s}"
        );
    }
    let welcome = scripts.iter().find(|s| s["shortcut"] == "hi").unwrap();
    assert_eq!(welcome["title"], "欢迎语 Welcome");
    assert!(
        welcome["bodies"]["zh-CN"]
            .as_str()
            .unwrap()
            .starts_with("亲，您好！欢迎光临{{shop_name}}！我是客服{{agent_name}}")
    );
    let welcome_stage = stage_id(&t, "welcome").await;
    let only = json_of(
        t.get(&format!("/api/v1/scripts?stage_id={welcome_stage}"), &agent)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        only.as_array()
            .unwrap()
            .iter()
            .all(|s| s["stage_id"] == welcome_stage)
    );
    assert!(titles(&only).contains(&"欢迎语 Welcome".to_owned()));
}

#[tokio::test]
async fn personal_scripts_are_their_owners_alone_and_shared_ones_are_for_supervisors() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "你好").await;
    let a = t.user_token("a@shop.test", "小李", "agent").await;
    let b = t.user_token("b@shop.test", "小王", "agent").await;
    let boss = t.user_token("boss@shop.test", "主管", "supervisor").await;
    let stage = stage_id(&t, "bargaining").await;
    let mine = json!({ "title": "我的砍价回复", "shortcut": "kj", "stage_id": stage,
        "bodies": { "zh-CN": "亲，这是最低价啦～" } });

    // An agent writes their own; nobody else sees it, anywhere.
    let own = json_of(
        t.post("/api/v1/scripts", &a, &mine).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(own["shared"], false);
    assert_eq!(own["owner_id"], user_id(&t, "a@shop.test").await);
    let id = own["id"].as_i64().unwrap();
    let path = format!("/api/v1/scripts/{id}");
    assert!(titles(&pick(&t, &a, conversation, "q=kj").await).contains(&"我的砍价回复".into()));
    assert!(titles(&pick(&t, &b, conversation, "q=kj").await).is_empty());
    assert!(titles(&pick(&t, &b, conversation, "q=wd").await).is_empty());
    let listed = json_of(t.get("/api/v1/scripts", &b).await, StatusCode::OK).await;
    assert!(!titles(&listed).contains(&"我的砍价回复".into()));
    for r in [
        t.get(&path, &b).await,
        t.put(&path, &b, &mine).await,
        delete(&t, &path, &b).await,
        t.post(&format!("{path}/uses"), &b, &json!({})).await,
    ] {
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    // Another agent may use the same shortcut for their own script.
    json_of(
        t.post("/api/v1/scripts", &b, &mine).await,
        StatusCode::CREATED,
    )
    .await;

    // Agents may not write, change or remove shared scripts, nor share their own.
    let shared = json!({ "title": "统一回复", "shortcut": "ty", "stage_id": stage, "shared": true,
        "bodies": { "zh-CN": "亲，价格都是统一的哦" } });
    let before = counts(&t).await;
    assert_eq!(
        t.post("/api/v1/scripts", &a, &shared).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.put(&path, &a, &shared).await.status(),
        StatusCode::FORBIDDEN
    );
    let seeded = pick(&t, &a, conversation, "q=hi").await[0]["id"]
        .as_i64()
        .unwrap();
    let seeded_path = format!("/api/v1/scripts/{seeded}");
    assert_eq!(
        t.put(&seeded_path, &a, &mine).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        delete(&t, &seeded_path, &a).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(counts(&t).await, before);

    // A supervisor's shared script reaches every agent; changes to shared scripts are audited.
    let team = json_of(
        t.post("/api/v1/scripts", &boss, &shared).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(team["shared"], true);
    assert_eq!(team["owner_id"], Value::Null);
    assert_eq!(
        pick(&t, &b, conversation, "q=ty").await[0]["title"],
        "统一回复"
    );
    let team_path = format!("/api/v1/scripts/{}", team["id"]);
    let mut edited = shared.clone();
    edited["title"] = json!("统一定价回复");
    let updated = json_of(t.put(&team_path, &boss, &edited).await, StatusCode::OK).await;
    assert_eq!(updated["title"], "统一定价回复");
    assert_eq!(
        audited(&t, "script.created").await,
        1,
        "personal scripts are not audited"
    );
    assert_eq!(audited(&t, "script.updated").await, 1);

    // The owner changes and removes their own.
    let mut renamed = mine.clone();
    renamed["title"] = json!("我的议价回复");
    let r = json_of(t.put(&path, &a, &renamed).await, StatusCode::OK).await;
    assert_eq!(r["title"], "我的议价回复");
    assert_eq!(r["shared"], false);
    assert_eq!(delete(&t, &path, &a).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(t.get(&path, &a).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        delete(&t, &team_path, &boss).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(audited(&t, "script.deleted").await, 1);
}

#[tokio::test]
async fn refused_scripts_and_stages_change_nothing() {
    let t = TestApp::spawn().await;
    let boss = t.user_token("boss@shop.test", "主管", "supervisor").await;
    let agent = t.user_token("a@shop.test", "小李", "agent").await;
    let stage = stage_id(&t, "welcome").await;
    let good = json!({ "title": "新欢迎语", "shortcut": "hello", "stage_id": stage, "shared": true,
        "bodies": { "zh-CN": "您好 {{customer_name}}", "en": "Hi {{customer_name}}" } });
    let created = json_of(
        t.post("/api/v1/scripts", &boss, &good).await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/api/v1/scripts/{}", created["id"]);
    let before = counts(&t).await;

    let bad = |patch: Value| {
        let mut v = good.clone();
        for (k, val) in patch.as_object().unwrap() {
            v[k] = val.clone();
        }
        v
    };
    let cases = [
        (
            bad(json!({ "title": "  " })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
        ),
        (
            bad(json!({ "shortcut": "two words" })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_shortcut",
        ),
        (
            bad(json!({ "stage_id": 999_999 })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_stage",
        ),
        (
            bad(json!({ "bodies": {} })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bodies_required",
        ),
        (
            bad(json!({ "bodies": { "zh-CN": "   ", "en": "" } })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bodies_required",
        ),
        (
            bad(json!({ "bodies": { "zh-CN": "您好 {{buyer_name}}" } })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_variable",
        ),
        (
            bad(json!({ "bodies": { "zh-CN": "您好 {{customer_name" } })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unclosed_variable",
        ),
        (
            bad(json!({ "bodies": { "english!": "Hi" } })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_script_locale",
        ),
        (
            bad(json!({ "bodies": { "zh-cn": "您好", "zh-CN": "你好" } })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "duplicate_locale",
        ),
        (
            bad(json!({ "bodies": { "en": "x".repeat(5_001) } })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body_too_long",
        ),
        (
            bad(json!({ "shortcut": "hi" })),
            StatusCode::CONFLICT,
            "shortcut_taken",
        ),
    ];
    for (body, status, code) in &cases {
        for r in [
            t.post("/api/v1/scripts", &boss, body).await,
            t.put(&path, &boss, body).await,
        ] {
            let v = json_of(r, *status).await;
            assert_eq!(v["error"]["code"], *code, "{v}");
            assert!(!v["error"]["message"].as_str().unwrap().is_empty());
        }
    }
    let r = t
        .post("/api/v1/scripts", &boss, &json!({ "title": 5 }))
        .await;
    assert!(r.status().is_client_error());
    assert_eq!(counts(&t).await, before);
    let unchanged = json_of(t.get(&path, &boss).await, StatusCode::OK).await;
    assert_eq!(unchanged["bodies"], good["bodies"]);
    assert_eq!(unchanged["shortcut"], "hello");

    // Stages: supervisors only, keys checked, one in use stays.
    let new_stage = json!({ "label_zh": "复购", "label_en": "Repeat purchase" });
    assert_eq!(
        t.post("/api/v1/script-stages", &agent, &new_stage)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    for (body, status, code) in [
        (
            json!({ "label_zh": "复购", "label_en": "Repeat", "key": "Bad Key" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_key",
        ),
        (
            json!({ "label_zh": "", "label_en": "Repeat" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
        ),
        (
            json!({ "label_zh": "欢迎", "label_en": "Welcome", "key": "welcome" }),
            StatusCode::CONFLICT,
            "duplicate_stage",
        ),
    ] {
        let v = json_of(t.post("/api/v1/script-stages", &boss, &body).await, status).await;
        assert_eq!(v["error"]["code"], code, "{v}");
    }
    let in_use = json_of(
        delete(&t, &format!("/api/v1/script-stages/{stage}"), &boss).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(in_use["error"]["code"], "stage_in_use");
    assert_eq!(counts(&t).await, before);

    let added = json_of(
        t.post("/api/v1/script-stages", &boss, &new_stage).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(added["key"], "repeat_purchase");
    let stage_path = format!("/api/v1/script-stages/{}", added["id"]);
    let moved = json_of(
        t.put(
            &stage_path,
            &boss,
            &json!({ "label_zh": "复购回访", "label_en": "Repeat purchase", "position": 0 }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (moved["label_zh"].as_str(), moved["position"].as_i64()),
        (Some("复购回访"), Some(0))
    );
    assert_eq!(
        delete(&t, &stage_path, &agent).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        delete(&t, &stage_path, &boss).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(counts(&t).await, before);
    assert_eq!(audited(&t, "script_stage.created").await, 1);
    assert_eq!(audited(&t, "script_stage.deleted").await, 1);
}
