//! Editing macros: through `PUT /api/v1/macros/{id}` and the macro page, with the checks
//! of a new macro; an agent edits their own, a shared one takes a supervisor.

use crate::helpers::TestApp;
use crate::helpers::status_and_json as body;
use crate::ui::Session;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The macro `id` as `token` sees it in the list (`Null` when it is not there).
async fn listed(t: &TestApp, token: &str, id: &Value) -> Value {
    let (_, list) = body(t.get("/api/v1/macros", token).await).await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|m| &m["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

fn reply(name: &str, text: &str) -> Value {
    json!({ "name": name, "actions": [{ "action": "reply", "text": text }] })
}

#[tokio::test]
async fn a_macro_is_rewritten_with_the_checks_of_a_new_one() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("a@shop.test", "小王", "agent").await;
    let colleague = t.user_token("b@shop.test", "小张", "agent").await;
    let supervisor = t.user_token("s@shop.test", "主管", "supervisor").await;
    let (status, m) = body(
        t.post("/api/v1/macros", &agent, &reply("查件", "请稍等"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let path = format!("/api/v1/macros/{}", m["id"]);

    let changed = json!({ "name": "查件并等待", "actions": [
        { "action": "reply", "text": "亲，我这边帮您查一下物流" },
        { "action": "set_status", "status": "waiting_customer" } ] });
    let (status, v) = body(t.put(&path, &agent, &changed).await).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let saved = listed(&t, &agent, &m["id"]).await;
    assert_eq!(
        (&saved["name"], &saved["actions"], &saved["owner_id"]),
        (&changed["name"], &changed["actions"], &m["owner_id"])
    );

    for bad in [reply("", "请稍等"), reply("查件", " ")] {
        let (status, e) = body(t.put(&path, &agent, &bad).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    }
    let (status, _) = body(
        t.put(
            &path,
            &agent,
            &json!({ "name": "x", "actions": [{ "action": "explode" }] }),
        )
        .await,
    )
    .await;
    assert!(status.is_client_error());
    let mut shared = changed.clone();
    shared["shared"] = json!(true);
    let (status, _) = body(t.put(&path, &agent, &shared).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "sharing takes a supervisor");
    let (status, _) = body(t.put(&path, &colleague, &changed).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "someone else's macro");
    let (status, _) = body(t.put("/api/v1/macros/999999", &agent, &changed).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        listed(&t, &agent, &m["id"]).await,
        saved,
        "refused edits change nothing"
    );

    let mut team_macro = reply("欢迎", "您好");
    team_macro["shared"] = json!(true);
    let (_, s) = body(t.post("/api/v1/macros", &supervisor, &team_macro).await).await;
    let shared_path = format!("/api/v1/macros/{}", s["id"]);
    let (status, _) = body(t.put(&shared_path, &agent, &reply("欢迎", "在的")).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    team_macro["actions"][0]["text"] = json!("您好，在的");
    let (status, v) = body(t.put(&shared_path, &supervisor, &team_macro).await).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (
            &listed(&t, &agent, &s["id"]).await["actions"][0]["text"],
            &v["owner_id"]
        ),
        (&json!("您好，在的"), &Value::Null),
        "still shared, changed for everyone"
    );
}

#[tokio::test]
async fn an_agent_edits_their_macro_on_its_page() {
    let t = TestApp::spawn().await;
    let agent = Session::of(&t, "a@shop.test", "小王", "agent").await;
    let colleague = Session::of(&t, "c@shop.test", "小赵", "agent").await;
    let (status, _, _) = agent
        .post(
            &t,
            "/app/settings/macros",
            &[
                ("name", "查件"),
                ("act_kind", "reply"),
                ("act_value", "请稍等"),
                ("act_target", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let owner = t.actor("a@shop.test").await.user_id;
    let list = kefu_store::automation::macros_for(&t.app().db, owner)
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    let id = list[0].id;
    let page = format!("/app/settings/macros/{id}");

    let (_, html) = agent.page(&t, "/app/settings/macros").await;
    assert!(
        html.contains(&format!("href=\"{page}#macro-form\"")),
        "{html}"
    );
    let (status, html) = agent.page(&t, &page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("action=\"{page}\"")) && html.contains("value=\"查件\""),
        "the form, filled in: {html}"
    );

    let (status, _, html) = agent
        .post(
            &t,
            &page,
            &[
                ("name", "查件"),
                ("act_kind", "add_label"),
                ("act_value", ""),
                ("act_target", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("role=\"alert\""), "{html}");
    let unchanged = kefu_store::automation::find_macro(&t.app().db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&unchanged.actions.0).unwrap(),
        json!([{ "action": "reply", "text": "请稍等" }]),
        "a refused edit changes nothing"
    );

    let (status, location, _) = agent
        .post(
            &t,
            &page,
            &[
                ("name", "查件并加标签"),
                ("act_kind", "reply"),
                ("act_value", "亲，我这边帮您查一下物流"),
                ("act_target", ""),
                ("act_kind", "add_label"),
                ("act_value", "查件"),
                ("act_target", ""),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/app/settings/macros")
    );
    let saved = kefu_store::automation::find_macro(&t.app().db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.name, "查件并加标签");
    assert_eq!(
        serde_json::to_value(&saved.actions.0).unwrap(),
        json!([{ "action": "reply", "text": "亲，我这边帮您查一下物流" },
               { "action": "add_label", "label": "查件" }])
    );

    let (status, _) = colleague.page(&t, &page).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = colleague
        .post(
            &t,
            &page,
            &[
                ("name", "偷改"),
                ("act_kind", "reply"),
                ("act_value", "x"),
                ("act_target", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let after = kefu_store::automation::find_macro(&t.app().db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.name, "查件并加标签", "a colleague changes nothing");
}
