//! The script pages: the list by stage in the agent's language, the form with its locale
//! variants, the shop name on the inbox page, and the composer's picker on the page.

use super::{counts, pick, stage_id};
use crate::helpers::TestApp;
use crate::ui::Session;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_scripts_page_lists_scripts_by_stage_in_the_agents_language() {
    let t = TestApp::spawn().await;
    let agent = Session::of(&t, "a@shop.test", "小李", "agent").await;
    let (status, html) = agent.page(&t, "/app/scripts").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Scripts",
        "Welcome",
        "Payment reminder",
        "欢迎语 Welcome",
        "/hi",
        "Shared",
        "{{customer_name}}",
    ] {
        assert!(html.contains(text), "{text}");
    }
    assert!(
        !html.contains("id=\"stages\""),
        "agents do not manage stages"
    );
    let boss = Session::of(&t, "boss@shop.test", "主管", "supervisor").await;
    t.set_locale("boss@shop.test", "zh-CN").await;
    let (_, html) = boss.page(&t, "/app/scripts").await;
    for text in [
        "话术",
        "欢迎语",
        "催付",
        "共享",
        "id=\"stages\"",
        "添加阶段",
    ] {
        assert!(html.contains(text), "{text}");
    }
}

#[tokio::test]
async fn the_script_form_saves_locale_variants_and_a_refused_one_keeps_what_was_typed() {
    let t = TestApp::spawn().await;
    let agent = Session::of(&t, "a@shop.test", "小李", "agent").await;
    let stage = stage_id(&t, "after_sales").await.to_string();
    let (status, html) = agent.page(&t, "/app/scripts/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"body\"") && !html.contains("name=\"shared\""));

    let typed = [
        ("title", "退款到账 Refund"),
        ("shortcut", "refund"),
        ("stage_id", stage.as_str()),
        ("locale", "zh-CN"),
        ("body", "亲，{{buyer}}您好"),
        ("locale", "en"),
        ("body", "Your refund is on its way."),
        ("locale", ""),
        ("body", ""),
    ];
    let before = counts(&t).await;
    let (status, _, html) = agent.post(&t, "/app/scripts", &typed).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("A variable in the text is not one kefu knows"),
        "{html}"
    );
    assert!(
        html.contains("value=\"退款到账 Refund\"") && html.contains("Your refund is on its way.")
    );
    assert_eq!(counts(&t).await, before);

    let mut fixed = typed;
    fixed[4] = ("body", "亲，{{customer_name}}您好，退款已经原路退回。");
    fixed[7] = ("locale", "ru");
    fixed[8] = ("body", "Возврат отправлен.");
    let (status, location, _) = agent.post(&t, "/app/scripts", &fixed).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/app/scripts")
    );
    let (_, html) = agent.page(&t, "/app/scripts").await;
    assert!(html.contains("退款到账 Refund") && html.contains("Mine"));
    let mine = with_shortcut(&t, "a@shop.test", "refund").await;
    assert_eq!(mine["shared"], false);
    assert_eq!(
        mine["bodies"],
        json!({ "zh-CN": "亲，{{customer_name}}您好，退款已经原路退回。", "en": "Your refund is on its way.", "ru": "Возврат отправлен." })
    );
    let edit = format!("/app/scripts/{}", mine["id"]);
    let (status, html) = agent.page(&t, &edit).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"ru\"") && html.contains("Возврат отправлен."));
    let (status, location, _) = agent.post(&t, &format!("{edit}/delete"), &[]).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/app/scripts")
    );
    assert_eq!(counts(&t).await, before);

    // Shared scripts are not the agent's to edit.
    let seeded = with_shortcut(&t, "a@shop.test", "hi").await;
    let (status, _) = agent
        .page(&t, &format!("/app/scripts/{}", seeded["id"]))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The script with this shortcut that `email` sees.
async fn with_shortcut(t: &TestApp, email: &str, shortcut: &str) -> Value {
    let all = kefu_app::scripts::list_scripts(t.app(), &t.actor(email).await, None)
        .await
        .unwrap();
    let found = all
        .into_iter()
        .find(|s| s.shortcut.as_deref() == Some(shortcut));
    serde_json::to_value(found.unwrap_or_else(|| panic!("no script /{shortcut}"))).unwrap()
}

#[tokio::test]
async fn the_shop_name_is_set_on_the_inbox_page_and_the_composer_has_the_picker() {
    let t = TestApp::spawn().await;
    let (inbox, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "你好").await;
    let admin = Session::admin(&t).await;
    let (status, _, html) = admin
        .post(
            &t,
            &format!("/app/settings/inboxes/{inbox}"),
            &[("name", "示例商城"), ("shop_name", "丝施品牌店")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"丝施品牌店\""));
    let hi = &pick(&t, &t.admin_token, conversation, "q=hi").await[0];
    assert!(hi["text"].as_str().unwrap().contains("欢迎光临丝施品牌店"));

    let (_, html) = admin
        .page(&t, &format!("/app/conversations/{conversation}"))
        .await;
    assert!(html.contains(&format!(
        "data-api=\"/api/v1/conversations/{conversation}/scripts\""
    )));
    assert!(html.contains("src=\"/assets/scripts.js\""));
    let js = t
        .http
        .get(t.url("/assets/scripts.js"))
        .send()
        .await
        .unwrap();
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/javascript")
    );
    assert!(js.text().await.unwrap().contains("script-picker"));
}
