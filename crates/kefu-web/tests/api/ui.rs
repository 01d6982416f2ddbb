//! The workspace pages: both languages, escaped customer text, the live list's row fragment.

use crate::helpers::{PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_sign_in_page_speaks_the_browsers_language() {
    let t = TestApp::spawn().await;
    let zh = t
        .http
        .get(t.url("/login"))
        .header("accept-language", "zh-CN,zh;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(zh.contains("登录 kefu"));
    let en = t
        .http
        .get(t.url("/login"))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("Sign in to kefu"));
    let chosen = t
        .http
        .get(t.url("/login?lang=en"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert!(
        chosen.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("kefu_locale=en")
    );
}

#[tokio::test]
async fn the_workspace_requires_a_session() {
    let t = TestApp::spawn().await;
    let r = t
        .http
        .get(t.url("/app/conversations"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=/app/conversations")
    );
}

#[tokio::test]
async fn customer_markup_is_shown_escaped_in_the_workspace() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "<script>alert('x')</script>").await;
    let (cookie, _) = t.sign_in("admin@shop.test", PASSWORD).await;
    let html = t
        .http
        .get(t.url(&format!("/app/conversations/{conversation}?view=all")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;&#x2f;script&gt;")
            || html.contains("&lt;script&gt;"),
        "escaped"
    );
    assert!(!html.contains("<script>alert"), "never raw");
    let row = t
        .http
        .get(t.url(&format!(
            "/app/fragments/conversations/{conversation}?view=all"
        )))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(row.status(), StatusCode::OK);
    let row = row.text().await.unwrap();
    assert!(row.contains(&format!("data-id=\"{conversation}\"")) && !row.contains("<script>alert"));
    let not_mine = t
        .http
        .get(t.url(&format!(
            "/app/fragments/conversations/{conversation}?view=mine"
        )))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        not_mine.status(),
        StatusCode::NO_CONTENT,
        "an unassigned conversation is not in 'mine'"
    );
}

#[tokio::test]
async fn the_inbox_page_shows_the_snippet_to_paste() {
    let t = TestApp::spawn().await;
    let (id, widget) = t.widget_inbox(None).await;
    let (cookie, _) = t.sign_in("admin@shop.test", PASSWORD).await;
    let html = t
        .http
        .get(t.url(&format!("/app/settings/inboxes/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("data-kefu-inbox=&quot;{widget}&quot;")),
        "the snippet, escaped for display"
    );
    assert!(html.contains("widget.js"));
}

// ---- The customer archive pages ----

/// A signed-in browser: its cookie and CSRF token.
/// A signed-in browser: its session cookie and CSRF token (also used by other page tests).
pub(crate) struct Session {
    cookie: String,
    csrf: String,
}

impl Session {
    pub(crate) async fn of(t: &TestApp, email: &str, name: &str, role: &str) -> Self {
        t.user_token(email, name, role).await;
        let (cookie, csrf) = t.sign_in(email, PASSWORD).await;
        Self { cookie, csrf }
    }

    pub(crate) async fn admin(t: &TestApp) -> Self {
        let (cookie, csrf) = t.sign_in("admin@shop.test", PASSWORD).await;
        Self { cookie, csrf }
    }

    pub(crate) async fn page(&self, t: &TestApp, path: &str) -> (StatusCode, String) {
        let r = t
            .http
            .get(t.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// Posts a form (with this session's CSRF token); returns status, location, body.
    pub(crate) async fn post(
        &self,
        t: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let mut form: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        form.extend_from_slice(fields);
        let r = t
            .http
            .post(t.url(path))
            .header("cookie", &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (r.status(), location, r.text().await.unwrap())
    }
}

/// 上海明远贸易有限公司 with its buyer 王芳 (+86 138 1234 5678); returns (organisation, contact).
async fn mingyuan(t: &TestApp) -> (i64, i64) {
    let r = t
        .post(
            "/api/v1/organisations",
            &t.admin_token,
            &json!({ "name": "上海明远贸易有限公司", "country": "CN", "member_level": "trading" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let org = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = t
        .post(
            "/api/v1/contacts",
            &t.admin_token,
            &json!({ "name": "王芳", "title": "采购经理", "organisation_id": org,
                     "phones": [{"value": "138 1234 5678", "label": "手机"}],
                     "emails": [{"value": "wang.fang@mingyuan.example"}],
                     "tags": ["VIP"], "time_zone": "Asia/Shanghai" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let contact = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let other = t
        .post(
            "/api/v1/contacts",
            &t.admin_token,
            &json!({ "name": "Emily Carter", "email": "emily@shop.example" }),
        )
        .await;
    assert_eq!(other.status(), StatusCode::CREATED);
    (org, contact)
}

#[tokio::test]
async fn the_customer_list_finds_a_contact_by_part_of_a_chinese_company_name() {
    let t = TestApp::spawn().await;
    let (org, contact) = mingyuan(&t).await;
    let agent = Session::of(&t, "agent@shop.test", "小李", "agent").await;

    let (status, html) = agent.page(&t, "/app/customers?q=%E6%98%8E%E8%BF%9C").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("href=\"/app/contacts/{contact}\"")),
        "{html}"
    );
    assert!(html.contains("王芳") && html.contains("上海明远贸易有限公司"));
    assert!(!html.contains("Emily Carter"), "only matches are listed");
    assert!(html.contains("+86 138****5678"), "agents see phones masked");
    assert!(!html.contains("13812345678"));
    assert!(
        !html.contains("/app/customers/export"),
        "agents may not export"
    );
    assert!(html.contains("/app/customers/duplicates?entity=contact"));

    let (_, html) = agent
        .page(
            &t,
            "/app/customers?tab=organisations&q=%E6%98%8E%E8%BF%9C&member_level=trading",
        )
        .await;
    assert!(html.contains(&format!("href=\"/app/organisations/{org}\"")));
    assert!(
        html.contains("Trading member"),
        "levels are labelled in the page's language"
    );
    let (_, html) = agent
        .page(
            &t,
            "/app/customers?tab=organisations&member_level=registered",
        )
        .await;
    assert!(!html.contains("上海明远贸易有限公司"), "filters hold");

    let manager = Session::of(&t, "boss@shop.test", "Boss", "manager").await;
    let (_, html) = manager.page(&t, "/app/customers?q=VIP").await;
    assert!(html.contains("+86 13812345678") || html.contains("+8613812345678"));
    assert!(
        html.contains("/app/customers/export?entity=contact&q=VIP"),
        "{html}"
    );
    assert!(html.contains("/app/customers/import"));
}

#[tokio::test]
async fn a_refused_contact_form_says_why_and_keeps_what_was_typed() {
    let t = TestApp::spawn().await;
    let (_, existing) = mingyuan(&t).await;
    let agent = Session::of(&t, "agent@shop.test", "小李", "agent").await;

    let (status, _, html) = agent
        .post(
            &t,
            "/app/contacts",
            &[("name", "赵强"), ("phone", "12"), ("phone_label", "手机")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("That is not a valid phone number"), "{html}");
    assert!(html.contains("value=\"赵强\""), "the name typed stays");

    let (status, _, html) = agent
        .post(
            &t,
            "/app/contacts",
            &[
                ("name", "赵强"),
                ("phone", "+86 138 1234 5678"),
                ("phone_label", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        html.contains(&format!("href=\"/app/contacts/{existing}\"")),
        "links the customer who has it"
    );

    let (status, _, html) = agent
        .post(
            &t,
            "/app/contacts",
            &[("name", "赵强"), ("organisation", "没有这家公司")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("There is no such organisation"));
    assert_eq!(t.count("contacts").await, 2, "nothing was stored");

    let (status, location, _) = agent
        .post(
            &t,
            "/app/contacts",
            &[
                ("name", "赵强"),
                ("organisation", "上海明远贸易有限公司"),
                ("phone", "139 0000 1111"),
                ("phone_label", "手机"),
                ("phone", ""),
                ("phone_label", ""),
                ("handle_kind", "wechat"),
                ("handle", "zhaoqiang_sh"),
                ("tags", "新客户，展会"),
                ("consent_call", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let v: Value = t
        .get(&format!("/api/v1/contacts/{id}"), &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["organisation_name"], "上海明远贸易有限公司");
    assert_eq!(v["phone"], "+8613900001111");
    assert_eq!(v["tags"], json!(["新客户", "展会"]));
    assert_eq!(v["consent_call"], true);
    assert_eq!(v["identities"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_contact_page_masks_phones_for_agents_and_shows_them_to_supervisors() {
    let t = TestApp::spawn().await;
    let (org, contact) = mingyuan(&t).await;
    let agent = Session::of(&t, "agent@shop.test", "小李", "agent").await;
    let (status, html) = agent.page(&t, &format!("/app/contacts/{contact}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("+86 138****5678") && !html.contains("13812345678"));
    assert!(
        html.contains("data-reveal=\"/api/v1/contacts/"),
        "a Reveal button"
    );
    assert!(html.contains(&format!("href=\"/app/organisations/{org}\"")));
    assert!(!html.contains("erase-form"), "agents may not erase");

    let supervisor = Session::of(&t, "sup@shop.test", "Sup", "supervisor").await;
    let (_, html) = supervisor
        .page(&t, &format!("/app/contacts/{contact}"))
        .await;
    assert!(html.contains("+8613812345678"));
    assert!(!html.contains("data-reveal="), "nothing to reveal");
}

#[tokio::test]
async fn an_agents_edit_keeps_the_phones_they_see_masked() {
    let t = TestApp::spawn().await;
    let (_, contact) = mingyuan(&t).await;
    let agent = Session::of(&t, "agent@shop.test", "小李", "agent").await;
    let (_, form) = agent
        .page(&t, &format!("/app/contacts/{contact}/edit"))
        .await;
    assert!(form.contains("id=\"kept-note\"") && !form.contains("13812345678"));
    let (status, _, _) = agent
        .post(
            &t,
            &format!("/app/contacts/{contact}/edit"),
            &[
                ("name", "王芳"),
                ("title", "采购总监"),
                ("phone", "021 6888 0000"),
                ("phone_label", "办公"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let v: Value = t
        .get(&format!("/api/v1/contacts/{contact}"), &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let values: Vec<&str> = v["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_str().unwrap())
        .collect();
    assert!(
        values.contains(&"+8613812345678"),
        "the real phone stays: {values:?}"
    );
    assert!(values.contains(&"wang.fang@mingyuan.example"));
    assert!(values.contains(&"+862168880000"), "the new phone is added");
    assert!(
        !values.iter().any(|v| v.contains('*')),
        "no masked text stored"
    );
    assert_eq!(v["title"], "采购总监");
}

#[tokio::test]
async fn a_note_and_a_call_from_the_contact_page_land_on_its_timeline() {
    let t = TestApp::spawn().await;
    let (org, contact) = mingyuan(&t).await;
    let agent = Session::of(&t, "agent@shop.test", "小李", "agent").await;
    let path = format!("/app/contacts/{contact}/timeline");
    let (status, _, html) = agent
        .post(&t, &path, &[("kind", "note"), ("body", "  ")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Please fill in the required fields"));
    let (status, location, _) = agent
        .post(
            &t,
            &path,
            &[("kind", "note"), ("body", "想要 M 码样品，下周寄出")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&format!("/app/contacts/{contact}")));
    let (status, _, _) = agent
        .post(
            &t,
            &path,
            &[
                ("kind", "call"),
                ("direction", "outbound"),
                ("outcome", "answered"),
                ("duration_min", "2.5"),
                ("body", "确认了报价"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = agent.page(&t, &format!("/app/contacts/{contact}")).await;
    assert!(html.contains("想要 M 码样品，下周寄出"));
    assert!(
        html.contains("Outgoing call · answered · 2 min 30 s"),
        "{html}"
    );
    assert!(html.contains("小李"), "who wrote it");
    let (_, html) = agent.page(&t, &format!("/app/organisations/{org}")).await;
    assert!(
        html.contains("想要 M 码样品"),
        "the organisation timeline shows it too: {html}"
    );
    assert!(html.contains("Note"), "labels in the viewer's language");
}

#[tokio::test]
async fn the_audit_page_is_for_managers_and_lists_an_agents_reveal() {
    let t = TestApp::spawn().await;
    let (_, contact) = mingyuan(&t).await;
    let agent = Session::of(&t, "agent@shop.test", "小李", "agent").await;
    let (status, _) = agent.page(&t, "/app/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let v: Value = t
        .get(&format!("/api/v1/contacts/{contact}"), &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let phone = v["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "phone")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = t
        .http
        .post(t.url(&format!(
            "/api/v1/contacts/{contact}/identities/{phone}/reveal"
        )))
        .header("cookie", &agent.cookie)
        .header("x-csrf-token", &agent.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let manager = Session::of(&t, "boss@shop.test", "Boss", "manager").await;
    let (status, html) = manager.page(&t, "/app/audit?action=contact.revealed").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Phone or email revealed") && html.contains("小李"),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"/app/contacts/{contact}\"")));
    assert!(!html.contains("Contact created"), "filtered by action");
    let (_, html) = manager
        .page(
            &t,
            "/app/audit?action=contact.&from=2000-01-01&to=2000-01-02&tz=Asia%2FShanghai",
        )
        .await;
    assert!(
        !html.contains("data-action=\"contact.revealed\""),
        "the date range holds"
    );
    let (status, _) = manager.page(&t, "/app/audit?from=yesterday").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_manager_erases_a_contacts_personal_data_from_its_page() {
    let t = TestApp::spawn().await;
    let (_, contact) = mingyuan(&t).await;
    let path = format!("/app/contacts/{contact}/erase");
    let agent = Session::of(&t, "agent@shop.test", "小李", "agent").await;
    let (status, _, _) = agent
        .post(&t, &path, &[("reason", "asked"), ("confirm", "1")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let manager = Session::of(&t, "boss@shop.test", "Boss", "manager").await;
    let (_, html) = manager.page(&t, &format!("/app/contacts/{contact}")).await;
    assert!(html.contains("id=\"erase-form\""));
    let (status, _, html) = manager
        .post(&t, &path, &[("reason", "客户来电要求删除")])
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the box must be ticked"
    );
    assert!(html.contains("Tick the box"));
    let (status, _, _) = manager
        .post(
            &t,
            &path,
            &[("reason", "客户来电要求删除"), ("confirm", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = manager.page(&t, &format!("/app/contacts/{contact}")).await;
    assert!(html.contains("id=\"erased-notice\"") && !html.contains("王芳"));
    assert!(!html.contains("13812345678") && !html.contains("id=\"erase-form\""));
}

#[tokio::test]
async fn a_similar_organisation_name_is_created_only_when_confirmed() {
    let t = TestApp::spawn().await;
    let (org, _) = mingyuan(&t).await;
    let admin = Session::admin(&t).await;
    let (status, _, html) = admin
        .post(
            &t,
            "/app/organisations",
            &[
                ("name", "上海明远贸易"),
                ("products", "茶叶, 瓷器"),
                ("member_level", "trading"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        html.contains(&format!("href=\"/app/organisations/{org}\""))
            && html.contains("name=\"allow_similar\"")
    );
    let (status, location, _) = admin
        .post(
            &t,
            "/app/organisations",
            &[
                ("name", "上海明远贸易"),
                ("products", "茶叶, 瓷器"),
                ("member_level", "trading"),
                ("allow_similar", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = admin.page(&t, &location).await;
    assert!(html.contains("茶叶") && html.contains("瓷器") && html.contains("Trading member"));
}

#[tokio::test]
async fn the_ticket_panel_classifies_and_hands_off_and_the_department_answers_from_its_tasks() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, _) = t.conversation(&widget, "包裹显示签收但没收到").await;
    let admin = Session::admin(&t).await;
    let courier = Session::of(&t, "wl@shop.test", "物流 老李", "agent").await;
    let users: Value = t
        .get("/api/v1/users", &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let courier_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "wl@shop.test")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    t.put(
        &format!("/api/v1/users/{courier_id}/department"),
        &t.admin_token,
        &json!({ "department": "logistics" }),
    )
    .await;

    let path = format!("/app/conversations/{id}");
    let (status, html) = admin.page(&t, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("#{}", id + 10_000)) && html.contains("id=\"escalate-form\""),
        "{html}"
    );

    let fields = [
        ("subject", "签收未收到"),
        ("ticket_type", "logistics"),
        ("priority", "high"),
        ("category", "delivery"),
        ("reason_code", "delivery.lost"),
    ];
    let (status, location, _) = admin.post(&t, &format!("{path}/ticket"), &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&path), "{location}");
    let (status, _, body) = admin
        .post(
            &t,
            &format!("{path}/ticket"),
            &[
                ("subject", ""),
                ("ticket_type", "nope"),
                ("priority", "high"),
                ("category", ""),
                ("reason_code", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let row: Value = t
        .get(&format!("/api/v1/conversations/{id}"), &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&row["ticket_type"], &row["reason_code"]),
        (&json!("logistics"), &json!("delivery.lost"))
    );

    let (status, _, _) = admin
        .post(
            &t,
            &format!("{path}/escalate"),
            &[
                ("to", "department:logistics"),
                ("note", "请查 SF123 签收照片"),
                ("due_in_minutes", "120"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = admin.page(&t, &path).await;
    assert!(
        !html.contains("id=\"escalate-form\""),
        "one hand-off at a time"
    );

    let (status, tasks) = courier.page(&t, "/app/tasks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(tasks.contains("请查 SF123 签收照片"), "{tasks}");
    let task = tasks
        .split("data-task=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let (status, location, _) = courier
        .post(
            &t,
            &format!("/app/tasks/{task}/complete"),
            &[("result", "驿站代收，已通知派送")],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/app/tasks")
    );
    let row: Value = t
        .get(&format!("/api/v1/conversations/{id}"), &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&row["held_by_department"], &row["status"]),
        (&Value::Null, &json!("open"))
    );
    let (_, html) = admin.page(&t, &path).await;
    assert!(
        html.contains("驿站代收，已通知派送"),
        "the answer is on the ticket"
    );
}
