//! The settings pages for automation rules, macros and an inbox's business hours, and
//! applying a macro from the ticket panel.

use crate::helpers::TestApp;
use crate::helpers::status_and_json as body;
use crate::ui::Session;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn rules(t: &TestApp) -> Vec<Value> {
    let (_, v) = body(t.get("/api/v1/automation/rules", &t.admin_token).await).await;
    v.as_array().unwrap().clone()
}

async fn conversation(t: &TestApp, id: i64) -> Value {
    let path = format!("/api/v1/conversations/{id}");
    body(t.get(&path, &t.admin_token).await).await.1
}

#[tokio::test]
async fn an_admin_builds_a_refund_rule_on_the_page_and_it_acts_on_the_next_message() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let admin = Session::admin(&t).await;
    let (status, html) = admin.page(&t, "/app/settings/automation").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"cond_field\"") && html.contains("name=\"act_kind\""));

    let (status, location, _) = admin
        .post(
            &t,
            "/app/settings/automation",
            &[
                ("name", "退款进售后"),
                ("trigger", "message_received"),
                ("enabled", "on"),
                ("cond_field", "message_contains"),
                ("cond_value", "退款，refund"),
                ("cond_field", ""),
                ("cond_value", ""),
                ("act_kind", "set_type"),
                ("act_value", "after_sales"),
                ("act_target", ""),
                ("act_kind", "add_label"),
                ("act_value", "退款"),
                ("act_target", ""),
                ("act_kind", "notify"),
                ("act_value", "有客户要退款"),
                ("act_target", "role:supervisor"),
                ("act_kind", ""),
                ("act_value", ""),
                ("act_target", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/app/settings/automation");
    let saved = rules(&t).await;
    assert_eq!(saved.len(), 1);
    assert_eq!(
        saved[0]["conditions"],
        json!([{ "field": "message_contains", "any": ["退款", "refund"] }])
    );
    assert_eq!(
        saved[0]["actions"][2],
        json!({ "action": "notify", "roles": ["supervisor"], "user_ids": [], "text": "有客户要退款" })
    );

    let (id, _) = t.conversation(&widget, "我想申请退款").await;
    kefu_app::automation::run_pending(t.app()).await.unwrap();
    let c = conversation(&t, id).await;
    assert_eq!(
        (&c["ticket_type"], &c["labels"]),
        (&json!("after_sales"), &json!(["退款"]))
    );

    // The rule's own page shows what was typed, ready to edit; saving a change keeps it.
    let rule = saved[0]["id"].as_i64().unwrap();
    let page = format!("/app/settings/automation/{rule}");
    let (_, html) = admin.page(&t, &page).await;
    assert!(html.contains("value=\"退款, refund\""), "{html}");
    let (status, location, _) = admin
        .post(
            &t,
            &page,
            &[
                ("name", "退款进售后"),
                ("trigger", "conversation_created"),
                ("cond_field", "outside_business_hours"),
                ("cond_value", ""),
                ("act_kind", "add_label"),
                ("act_value", "夜间"),
                ("act_target", ""),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, &*format!("{page}?saved=1"))
    );
    let changed = &rules(&t).await[0];
    assert_eq!(
        (
            &changed["trigger"],
            &changed["enabled"],
            &changed["conditions"]
        ),
        (
            &json!("conversation_created"),
            &json!(false),
            &json!([{ "field": "business_hours", "open": false }])
        )
    );

    let (status, _, _) = admin.post(&t, &format!("{page}/delete"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(rules(&t).await.is_empty());
}

#[tokio::test]
async fn a_refused_rule_form_says_why_keeps_the_rows_and_stores_nothing() {
    let t = TestApp::spawn().await;
    let admin = Session::admin(&t).await;
    let (status, _, html) = admin
        .post(
            &t,
            "/app/settings/automation",
            &[
                ("name", "淘宝夜间"),
                ("trigger", "message_received"),
                ("cond_field", "inbox"),
                ("cond_value", "淘宝旗舰店"),
                ("act_kind", "reply"),
                ("act_value", "您好，客服上班后回复您"),
                ("act_target", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("淘宝旗舰店") && html.contains("您好，客服上班后回复您"));
    assert!(html.contains("role=\"alert\""), "{html}");

    // No action at all: refused in the page's language.
    let (status, _, html) = admin
        .post(
            &t,
            "/app/settings/automation",
            &[("name", "空"), ("trigger", "message_received")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("add at least one action"), "{html}");
    assert!(rules(&t).await.is_empty());

    let agent = Session::of(&t, "a@shop.test", "小王", "agent").await;
    let (status, _) = agent.page(&t, "/app/settings/automation").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_agent_makes_a_macro_and_applies_it_from_the_ticket_panel() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, _) = t.conversation(&widget, "快递三天没动了").await;
    let agent = Session::of(&t, "a@shop.test", "小王", "agent").await;
    let (status, location, _) = agent
        .post(
            &t,
            "/app/settings/macros",
            &[
                ("name", "查件"),
                ("shared", "on"),
                ("act_kind", "reply"),
                ("act_value", "亲，我这边帮您查一下物流，请稍等。"),
                ("act_target", ""),
                ("act_kind", "set_status"),
                ("act_value", "waiting_customer"),
                ("act_target", ""),
            ],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "agents cannot share: {location}"
    );
    let (status, _, _) = agent
        .post(
            &t,
            "/app/settings/macros",
            &[
                ("name", "查件"),
                ("act_kind", "reply"),
                ("act_value", "亲，我这边帮您查一下物流，请稍等。"),
                ("act_target", ""),
                ("act_kind", "set_status"),
                ("act_value", "waiting_customer"),
                ("act_target", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = agent.page(&t, "/app/settings/macros").await;
    assert!(html.contains("查件") && html.contains("亲，我这边帮您查一下物流"));

    let (_, html) = agent
        .page(&t, &format!("/app/conversations/{id}?view=all&status=any"))
        .await;
    let macro_id = html
        .split("name=\"macro_id\"><option value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the ticket panel offers the macro")
        .to_owned();
    let (status, _, _) = agent
        .post(
            &t,
            &format!("/app/conversations/{id}/macros"),
            &[("macro_id", &macro_id)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        conversation(&t, id).await["status"],
        json!("waiting_customer")
    );
}

#[tokio::test]
async fn an_admin_sets_an_inbox_business_hours_on_its_page() {
    let t = TestApp::spawn().await;
    let (inbox, _) = t.widget_inbox(None).await;
    let admin = Session::admin(&t).await;
    let (_, cals) = body(t.get("/api/v1/calendars", &t.admin_token).await).await;
    let calendar = cals[0]["id"].as_i64().unwrap();
    let page = format!("/app/settings/inboxes/{inbox}");
    let (_, html) = admin.page(&t, &page).await;
    assert!(html.contains("id=\"business-hours\""));

    let (status, _, html) = admin
        .post(
            &t,
            &format!("{page}/calendar"),
            &[("calendar_id", &calendar.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("<option value=\"{calendar}\" selected>")),
        "{html}"
    );
    let (_, row) = body(
        t.get(&format!("/api/v1/inboxes/{inbox}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(row["calendar_id"], json!(calendar));

    let (status, _, _) = admin
        .post(&t, &format!("{page}/calendar"), &[("calendar_id", "")])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, row) = body(
        t.get(&format!("/api/v1/inboxes/{inbox}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(row["calendar_id"], Value::Null);
}
