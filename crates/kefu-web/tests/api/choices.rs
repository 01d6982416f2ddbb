//! The choice-list settings page: admins add ticket types, reason codes and departments
//! that the ticket panel and hand-offs then offer, and put people in departments.

use crate::helpers::TestApp;
use crate::helpers::status_and_json as body;
use crate::ui::Session;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn keys(t: &TestApp, kind: &str) -> Vec<String> {
    let (status, v) = body(
        t.get(&format!("/api/v1/choices/{kind}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_owned())
        .collect()
}

async fn user_id(t: &TestApp, email: &str) -> i64 {
    t.actor(email).await.user_id
}

async fn department_of(t: &TestApp, email: &str) -> Value {
    t.user_field(email, "department").await
}

#[tokio::test]
async fn an_admin_adds_a_ticket_type_on_the_page_and_the_ticket_panel_offers_it() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, _) = t.conversation(&widget, "包裹被海关扣了").await;
    let admin = Session::admin(&t).await;

    let (status, html) = admin.page(&t, "/app/settings/choices").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("href=\"/app/settings/choices\"")
            && html.contains("id=\"choice-form-ticket_type\"")
            && html.contains("id=\"choice-form-reason_code\"")
            && html.contains("id=\"choice-form-department\""),
        "linked from the navigation, one form per list: {html}"
    );

    let (status, location, _) = admin
        .post(
            &t,
            "/app/settings/choices/ticket_type",
            &[
                ("key", "customs"),
                ("label_zh", "海关扣留"),
                ("label_en", "Customs hold"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/app/settings/choices#choices-ticket_type");
    assert!(keys(&t, "ticket_type").await.contains(&"customs".into()));
    let (_, html) = admin.page(&t, "/app/settings/choices").await;
    assert!(html.contains("data-choice=\"customs\"") && html.contains("海关扣留"));

    let (status, panel) = admin.page(&t, &format!("/app/conversations/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        panel.contains("<option value=\"customs\" >Customs hold</option>"),
        "the type select offers the new type: {panel}"
    );
    let fields = [
        ("subject", "海关扣留"),
        ("ticket_type", "customs"),
        ("priority", "normal"),
        ("category", ""),
        ("reason_code", ""),
    ];
    let (status, _, _) = admin
        .post(&t, &format!("/app/conversations/{id}/ticket"), &fields)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, row) = body(
        t.get(&format!("/api/v1/conversations/{id}"), &t.admin_token)
            .await,
    )
    .await;
    assert_eq!(row["ticket_type"], "customs");
}

#[tokio::test]
async fn a_reason_code_is_added_under_the_category_picked() {
    let t = TestApp::spawn().await;
    let admin = Session::admin(&t).await;
    let (status, _, body) = admin
        .post(
            &t,
            "/app/settings/choices/reason_code",
            &[
                ("category", "delivery"),
                ("key", "customs_hold"),
                ("label_zh", "海关扣留"),
                ("label_en", "Held at customs"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(
        keys(&t, "reason_code")
            .await
            .contains(&"delivery.customs_hold".into())
    );

    let before = keys(&t, "reason_code").await;
    let (status, _, html) = admin
        .post(
            &t,
            "/app/settings/choices/reason_code",
            &[
                ("category", "no_such_category"),
                ("key", "late"),
                ("label_zh", "晚了"),
                ("label_en", "Late"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("value=\"Late\""),
        "the form comes back as typed"
    );
    assert_eq!(keys(&t, "reason_code").await, before, "nothing added");
}

#[tokio::test]
async fn a_refused_entry_says_why_in_chinese_and_adds_nothing() {
    let t = TestApp::spawn().await;
    t.set_locale("admin@shop.test", "zh-CN").await;
    let admin = Session::admin(&t).await;
    let before = keys(&t, "ticket_type").await;

    let (status, _, html) = admin
        .post(
            &t,
            "/app/settings/choices/ticket_type",
            &[
                ("key", "Customs Hold"),
                ("label_zh", "海关扣留"),
                ("label_en", "Customs hold"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("标识只能用小写字母"), "{html}");
    assert!(html.contains("value=\"Customs Hold\""));

    let (status, _, html) = admin
        .post(
            &t,
            "/app/settings/choices/ticket_type",
            &[
                ("key", "complaint"),
                ("label_zh", "投诉"),
                ("label_en", "Complaint"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("列表中已有这个标识"), "{html}");

    let (status, _, html) = admin
        .post(
            &t,
            "/app/settings/choices/ticket_type",
            &[
                ("key", "customs"),
                ("label_zh", " "),
                ("label_en", "Customs"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert_eq!(keys(&t, "ticket_type").await, before, "nothing added");

    let (status, _, _) = admin
        .post(
            &t,
            "/app/settings/choices/no_such_list",
            &[("key", "x"), ("label_zh", "x"), ("label_en", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_choices_page_is_for_admins_only() {
    let t = TestApp::spawn().await;
    let supervisor = Session::of(&t, "sup@shop.test", "主管", "supervisor").await;
    let before = keys(&t, "ticket_type").await;

    let (status, _) = supervisor.page(&t, "/app/settings/choices").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = supervisor
        .post(
            &t,
            "/app/settings/choices/ticket_type",
            &[
                ("key", "customs"),
                ("label_zh", "海关"),
                ("label_en", "Customs"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(keys(&t, "ticket_type").await, before);
    let (_, html) = supervisor.page(&t, "/app/settings/team").await;
    assert!(
        !html.contains("href=\"/app/settings/choices\""),
        "no link for those who cannot use it"
    );
}

#[tokio::test]
async fn an_admin_puts_a_user_in_a_new_department_from_the_people_page() {
    let t = TestApp::spawn().await;
    let admin = Session::admin(&t).await;
    t.user_token("qc@shop.test", "质检 小周", "agent").await;
    let qc = user_id(&t, "qc@shop.test").await;
    let (status, _, _) = admin
        .post(
            &t,
            "/app/settings/choices/department",
            &[("key", "lab"), ("label_zh", "检测室"), ("label_en", "Lab")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let (status, html) = admin.page(&t, "/app/settings/team").await;
    assert_eq!(status, StatusCode::OK);
    let form = format!("action=\"/app/settings/users/{qc}/department\"");
    assert!(html.contains(&form) && html.contains("<option value=\"lab\""));

    let path = format!("/app/settings/users/{qc}/department");
    let (status, location, _) = admin.post(&t, &path, &[("department", "lab")]).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/app/settings/team")
    );
    assert_eq!(department_of(&t, "qc@shop.test").await, json!("lab"));
    let (_, html) = admin.page(&t, "/app/settings/team").await;
    assert!(html.contains("<option value=\"lab\" selected>Lab</option>"));

    let (status, _, html) = admin.post(&t, &path, &[("department", "nowhere")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("role=\"alert\""), "{html}");
    assert_eq!(department_of(&t, "qc@shop.test").await, json!("lab"));

    let agent = Session::of(&t, "agent@shop.test", "小李", "agent").await;
    let (status, _, _) = agent.post(&t, &path, &[("department", "")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(department_of(&t, "qc@shop.test").await, json!("lab"));

    let (status, _, _) = admin.post(&t, &path, &[("department", "")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(department_of(&t, "qc@shop.test").await, Value::Null);
}
