//! Duplicates and merging: everything of the removed record moves to the survivor,
//! nothing is lost or left pointing at the removed record (property test on the schema).

mod backfill;
mod property;

use crate::helpers::{PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn created(t: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    let r = t.post(path, token, &body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{path}: {v}");
    v["id"].as_i64().unwrap()
}

/// A contact created by the admin; its id.
async fn contact(t: &TestApp, body: Value) -> i64 {
    created(t, &t.admin_token, "/api/v1/contacts", body).await
}

async fn organisation(t: &TestApp, body: Value) -> i64 {
    created(t, &t.admin_token, "/api/v1/organisations", body).await
}

async fn json_ok(t: &TestApp, token: &str, path: &str) -> Value {
    let r = t.get(path, token).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

async fn merge(
    t: &TestApp,
    token: &str,
    entity: &str,
    survivor: i64,
    from: i64,
) -> (StatusCode, Value) {
    let path = format!("/api/v1/{entity}/{survivor}/merge");
    let r = t.post(&path, token, &json!({ "from": from })).await;
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Rows of `table` whose `column` is `id`.
async fn count_where(t: &TestApp, table: &str, column: &str, id: i64) -> i64 {
    use sea_query::{Alias, Expr, ExprTrait, Query};
    let q = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new(column)).eq(id))
        .take();
    let (n,): (i64,) = t.app().db.fetch_one(&q).await.expect("count");
    n
}

/// A field of every entry of a list page.
fn strings<'a>(page: &'a Value, field: &str) -> Vec<&'a str> {
    let data = page["data"].as_array().unwrap();
    data.iter().map(|e| e[field].as_str().unwrap()).collect()
}

fn ids(page: &Value) -> Vec<i64> {
    let data = page["data"].as_array().unwrap();
    data.iter().map(|e| e["id"].as_i64().unwrap()).collect()
}

fn values(view: &Value) -> Vec<String> {
    let mut v: Vec<String> = view["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}:{}",
                i["kind"].as_str().unwrap(),
                i["value"].as_str().unwrap()
            )
        })
        .collect();
    v.sort();
    v
}

async fn duplicates(t: &TestApp, token: &str, entity: &str) -> Vec<Value> {
    let v = json_ok(t, token, &format!("/api/v1/duplicates?entity={entity}")).await;
    v["data"].as_array().unwrap().clone()
}

fn pair_of(list: &[Value], a: i64, b: i64) -> Option<Value> {
    list.iter()
        .find(|p| {
            let ids = [
                p["a"]["id"].as_i64().unwrap(),
                p["b"]["id"].as_i64().unwrap(),
            ];
            ids == [a, b] || ids == [b, a]
        })
        .cloned()
}

#[tokio::test]
async fn merging_contacts_moves_conversations_messages_identities_timeline_and_tags() {
    let t = TestApp::spawn().await;
    let admin = t.admin_token.clone();
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, visitor) = t.conversation(&widget, "你好，我想问一下报价").await;
    let conv: Value = json_ok(&t, &admin, &format!("/api/v1/conversations/{conversation}")).await;
    let visitor_contact = conv["contact_id"].as_i64().unwrap();
    let keeper = contact(
        &t,
        json!({
            "name": "王芳", "phone": "13800138000", "tags": ["VIP"], "country": "CN"
        }),
    )
    .await;
    let other = contact(
        &t,
        json!({
            "name": "Wang Fang", "title": "采购", "email": "wang.fang@example.com",
            "handles": [{"kind": "wechat", "value": "wangfang88"}], "tags": ["VIP", "展会"],
            "time_zone": "Asia/Shanghai", "consent_email": true
        }),
    )
    .await;
    let note = t
        .post(
            &format!("/api/v1/contacts/{other}/timeline"),
            &admin,
            &json!({ "kind": "note", "body": "要样品" }),
        )
        .await;
    assert_eq!(note.status(), StatusCode::CREATED);
    let totals = [
        t.count("conversations").await,
        t.count("messages").await,
        t.count("contact_identities").await,
    ];

    let (status, view) = merge(&t, &admin, "contacts", keeper, visitor_contact).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let (status, view) = merge(&t, &admin, "contacts", keeper, other).await;
    assert_eq!(status, StatusCode::OK, "{view}");

    assert_eq!(view["id"], keeper);
    assert_eq!(view["name"], "王芳", "the survivor's own fields stay");
    assert_eq!(
        view["title"], "采购",
        "empty fields are filled from the removed record"
    );
    assert_eq!(view["time_zone"], "Asia/Shanghai");
    assert_eq!(view["email"], "wang.fang@example.com");
    assert_eq!(view["consent_email"], true);
    assert_eq!(view["tags"], json!(["VIP", "展会"]));
    let identities = values(&view);
    for expected in [
        "phone:+8613800138000",
        "email:wang.fang@example.com",
        "wechat:wangfang88",
    ] {
        assert!(
            identities.contains(&expected.to_owned()),
            "{expected} in {identities:?}"
        );
    }
    assert!(
        identities.iter().any(|i| i.starts_with("widget_visitor:")),
        "the visitor id moved: {identities:?}"
    );
    assert_eq!(
        [
            t.count("conversations").await,
            t.count("messages").await,
            t.count("contact_identities").await
        ],
        totals,
        "nothing lost"
    );
    for loser in [visitor_contact, other] {
        assert_eq!(
            count_where(&t, "conversations", "contact_id", loser).await,
            0
        );
        assert_eq!(
            count_where(&t, "messages", "author_contact_id", loser).await,
            0
        );
        assert_eq!(
            count_where(&t, "contact_identities", "contact_id", loser).await,
            0
        );
        assert_eq!(
            count_where(&t, "timeline_entries", "contact_id", loser).await,
            0
        );
        let gone = json_ok(&t, &admin, &format!("/api/v1/contacts/{loser}")).await;
        assert_eq!(gone["merged_into"], keeper);
        assert!(gone["identities"].as_array().unwrap().is_empty());
    }
    assert_eq!(count_where(&t, "entity_tags", "entity_id", other).await, 0);
    assert_eq!(
        count_where(&t, "conversations", "contact_id", keeper).await,
        1
    );
    let conv: Value = json_ok(&t, &admin, &format!("/api/v1/conversations/{conversation}")).await;
    assert_eq!(conv["contact_id"], keeper);

    // The visitor goes on writing into the same, now merged, customer.
    let r = t.visitor_says(&widget, &visitor, "还在吗？", None).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        count_where(&t, "messages", "author_contact_id", keeper).await,
        2
    );

    // Timeline: the conversation, the note and both merges are on the survivor's.
    let timeline = json_ok(&t, &admin, &format!("/api/v1/contacts/{keeper}/timeline")).await;
    let kinds: Vec<&str> = strings(&timeline, "kind");
    for kind in ["conversation", "note", "merge"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert_eq!(kinds.iter().filter(|k| **k == "merge").count(), 2);

    // Found by the removed record's phone, email, handle and tag; the tombstone is not listed.
    for q in ["wangfang88", "wang.fang", "展会", "Wang"] {
        let list = json_ok(&t, &admin, &format!("/api/v1/contacts?q={q}")).await;
        let found: Vec<i64> = ids(&list);
        assert_eq!(found, vec![keeper], "search {q}");
    }

    // Both audit trails record the merge; the removed record's earlier entries are kept.
    let trail = json_ok(
        &t,
        &admin,
        &format!("/api/v1/audit?subject=contact:{other}"),
    )
    .await;
    let actions: Vec<&str> = strings(&trail, "action");
    assert_eq!(actions, vec!["contact.merged", "contact.created"]);
    let trail = json_ok(
        &t,
        &admin,
        &format!("/api/v1/audit?subject=contact:{keeper}&action=contact.merged"),
    )
    .await;
    let latest: Value = serde_json::from_str(trail["data"][0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(latest["merged_id"], other);
    assert_eq!(
        latest["merged"]["contact"]["name"], "Wang Fang",
        "a snapshot of the removed record"
    );
}

#[tokio::test]
async fn merging_organisations_moves_their_contacts_and_fills_empty_fields() {
    let t = TestApp::spawn().await;
    let admin = t.admin_token.clone();
    let keeper = organisation(
        &t,
        json!({
            "name": "深圳华强电子有限公司", "products": ["电容"], "tags": ["重点客户"]
        }),
    )
    .await;
    let r = t
        .post(
            "/api/v1/organisations",
            &admin,
            &json!({ "name": "深圳华强电子" }),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "a similar name is refused first"
    );
    let other = created(
        &t,
        &admin,
        "/api/v1/organisations?allow_similar=true",
        json!({
            "name": "深圳华强电子", "tax_no": "91440300MA5F0X1234", "products": ["电容", "电阻"],
            "country": "CN", "member_level": "trading"
        }),
    )
    .await;
    let li = contact(&t, json!({ "name": "李伟", "organisation_id": other })).await;
    let note = t
        .post(
            &format!("/api/v1/contacts/{li}/timeline"),
            &admin,
            &json!({ "kind": "note", "body": "来访" }),
        )
        .await;
    assert_eq!(note.status(), StatusCode::CREATED);

    let (status, org) = merge(&t, &admin, "organisations", keeper, other).await;
    assert_eq!(status, StatusCode::OK, "{org}");
    assert_eq!(org["name"], "深圳华强电子有限公司");
    assert_eq!(org["tax_no"], "91440300MA5F0X1234");
    assert_eq!(org["country"], "CN");
    assert_eq!(org["member_level"], "trading");
    assert_eq!(org["products"], json!(["电容", "电阻"]));
    assert_eq!(org["tags"], json!(["重点客户"]));

    let contact = json_ok(&t, &admin, &format!("/api/v1/contacts/{li}")).await;
    assert_eq!(contact["organisation_id"], keeper);
    assert_eq!(contact["organisation_name"], "深圳华强电子有限公司");
    assert_eq!(
        count_where(&t, "contacts", "organisation_id", other).await,
        0
    );
    assert_eq!(
        count_where(&t, "timeline_entries", "organisation_id", other).await,
        0
    );
    let timeline = json_ok(
        &t,
        &admin,
        &format!("/api/v1/organisations/{keeper}/timeline"),
    )
    .await;
    let kinds: Vec<&str> = strings(&timeline, "kind");
    assert!(
        kinds.contains(&"note") && kinds.contains(&"merge"),
        "{kinds:?}"
    );
    let gone = json_ok(&t, &admin, &format!("/api/v1/organisations/{other}")).await;
    assert_eq!(gone["merged_into"], keeper);
    let list = json_ok(&t, &admin, "/api/v1/organisations?q=华强").await;
    let found: Vec<i64> = ids(&list);
    assert_eq!(found, vec![keeper]);
    let trail = json_ok(
        &t,
        &admin,
        &format!("/api/v1/audit?subject=organisation:{other}&action=organisation.merged"),
    )
    .await;
    assert_eq!(trail["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn agents_may_not_merge_or_dismiss_and_see_identities_masked() {
    let t = TestApp::spawn().await;
    let admin = t.admin_token.clone();
    let agent = t.user_token("agent@shop.test", "小李", "agent").await;
    // The same London number typed once with the US country code.
    let a = contact(
        &t,
        json!({ "name": "Amy Clark", "phone": "+44 20 7946 0958" }),
    )
    .await;
    let b = contact(&t, json!({ "name": "Amy C.", "phone": "+1 207 946 0958" })).await;
    let (status, body) = merge(&t, &agent, "contacts", a, b).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let r = t
        .post(
            "/api/v1/duplicates/dismiss",
            &agent,
            &json!({ "entity": "contact", "a": a, "b": b }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(t.count("duplicate_dismissals").await, 0);
    assert!(json_ok(&t, &admin, &format!("/api/v1/contacts/{b}")).await["merged_into"].is_null());

    let pair = pair_of(&duplicates(&t, &agent, "contact").await, a, b).expect("listed for agents");
    assert_eq!(pair["reasons"], json!(["same_phone"]));
    let text = pair.to_string();
    assert!(
        !text.contains("79460958") && text.contains("+44 207***0958"),
        "masked for agents: {text}"
    );
    let pair = pair_of(&duplicates(&t, &admin, "contact").await, a, b).unwrap();
    assert!(
        pair.to_string().contains("+442079460958"),
        "in full for admins"
    );
}

#[tokio::test]
async fn a_record_is_not_merged_into_itself_a_tombstone_or_from_an_erased_contact() {
    let t = TestApp::spawn().await;
    let sup = t.user_token("sup@shop.test", "主管", "supervisor").await;
    let admin = t.admin_token.clone();
    let a = contact(&t, json!({ "name": "甲" })).await;
    let b = contact(&t, json!({ "name": "乙" })).await;
    let c = contact(&t, json!({ "name": "丙" })).await;

    let (status, body) = merge(&t, &sup, "contacts", a, a).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "merge_into_itself");
    let (status, _) = merge(&t, &sup, "contacts", a, 999_999).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = merge(&t, &sup, "contacts", a, b).await;
    assert_eq!(status, StatusCode::OK, "a supervisor merges: {body}");
    for (survivor, from) in [(c, b), (b, c)] {
        let (status, body) = merge(&t, &sup, "contacts", survivor, from).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "already_merged");
        assert_eq!(body["error"]["existing_id"], a, "says where it went");
    }
    let r = t
        .post(
            &format!("/api/v1/contacts/{c}/erase"),
            &admin,
            &json!({ "reason": "客户要求删除" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (status, body) = merge(&t, &sup, "contacts", a, c).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "erased_contact");
    let r = t
        .post(
            &format!("/api/v1/contacts/{a}/merge"),
            &sup,
            &json!({ "from": "b" }),
        )
        .await;
    assert_eq!(
        r.status().as_u16() / 100,
        4,
        "a body without an id is refused"
    );

    let o = organisation(&t, json!({ "name": "ACME Ltd" })).await;
    let (status, _) = merge(&t, &sup, "organisations", o, o).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let trail = json_ok(&t, &admin, "/api/v1/audit?action=contact.merged").await;
    assert_eq!(
        trail["data"].as_array().unwrap().len(),
        2,
        "only the one merge, on both records"
    );
    let trail = json_ok(&t, &admin, "/api/v1/audit?action=organisation.merged").await;
    assert!(trail["data"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn duplicates_are_found_by_email_and_name_kept_current_on_edits_and_dismissed_pairs_stay_hidden()
 {
    let t = TestApp::spawn().await;
    let admin = t.admin_token.clone();
    let org = organisation(&t, json!({ "name": "义乌小商品城" })).await;
    let gmail = contact(
        &t,
        json!({ "name": "Li Wei", "email": "Li.Wei+shop@gmail.com" }),
    )
    .await;
    let google = contact(
        &t,
        json!({ "name": "李伟", "email": "liwei@googlemail.com" }),
    )
    .await;
    let zhang = contact(&t, json!({ "name": "张伟", "organisation_id": org })).await;
    let zhang2 = contact(&t, json!({ "name": " 张 伟 ", "organisation_id": org })).await;
    let lone = contact(&t, json!({ "name": "张伟", "email": "zw@example.com" })).await;

    let list = duplicates(&t, &admin, "contact").await;
    assert_eq!(
        pair_of(&list, gmail, google).unwrap()["reasons"],
        json!(["same_email"])
    );
    let names = pair_of(&list, zhang, zhang2).unwrap();
    assert_eq!(names["reasons"], json!(["same_name_in_organisation"]));
    assert_eq!(names["a"]["organisation_name"], "义乌小商品城");
    assert_eq!(names["entity"], "contact");
    assert!(
        pair_of(&list, zhang, lone).is_none(),
        "the same name outside the organisation is no reason"
    );
    assert_eq!(list.len(), 2, "{list:?}");

    // Kept current on every edit: a changed email makes (and unmakes) a pair.
    let r = t
        .put(
            &format!("/api/v1/contacts/{lone}"),
            &admin,
            &json!({ "name": "张伟", "email": "LIWEI@gmail.com" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(pair_of(&duplicates(&t, &admin, "contact").await, gmail, lone).is_some());
    let r = t
        .put(
            &format!("/api/v1/contacts/{lone}"),
            &admin,
            &json!({ "name": "张伟" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(pair_of(&duplicates(&t, &admin, "contact").await, gmail, lone).is_none());

    let dismiss = |a: i64, b: i64| json!({ "entity": "contact", "a": a, "b": b });
    for _ in 0..2 {
        let r = t
            .post(
                "/api/v1/duplicates/dismiss",
                &admin,
                &dismiss(google, gmail),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::NO_CONTENT,
            "dismissing twice is fine"
        );
    }
    let r = t
        .post("/api/v1/duplicates/dismiss", &admin, &dismiss(gmail, gmail))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post(
            "/api/v1/duplicates/dismiss",
            &admin,
            &dismiss(gmail, 999_999),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let list = duplicates(&t, &admin, "contact").await;
    assert!(
        pair_of(&list, gmail, google).is_none(),
        "a dismissed pair stays hidden"
    );

    let (status, _) = merge(&t, &admin, "contacts", zhang, zhang2).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        duplicates(&t, &admin, "contact").await.is_empty(),
        "a merged pair is gone"
    );

    let r = t.get("/api/v1/duplicates?entity=people", &admin).await;
    assert_eq!(r.status().as_u16() / 100, 4);
}

#[tokio::test]
async fn organisation_duplicates_are_found_by_name_near_identical_name_and_tax_number() {
    let t = TestApp::spawn().await;
    let admin = t.admin_token.clone();
    let similar = "/api/v1/organisations?allow_similar=true";
    let acme = created(
        &t,
        &admin,
        similar,
        json!({ "name": "ACME Trading Co., Ltd." }),
    )
    .await;
    let acme2 = created(&t, &admin, similar, json!({ "name": "Acme Trading" })).await;
    let typo = created(
        &t,
        &admin,
        similar,
        json!({ "name": "Acme Tradng Limited" }),
    )
    .await;
    let foo = created(
        &t,
        &admin,
        similar,
        json!({ "name": "福田五金", "tax_no": "91-440300 MA5F" }),
    )
    .await;
    let bar = created(
        &t,
        &admin,
        similar,
        json!({ "name": "Futian Hardware", "tax_no": "91440300ma5f" }),
    )
    .await;
    let other = created(&t, &admin, similar, json!({ "name": "Globex" })).await;

    let list = duplicates(&t, &admin, "organisation").await;
    assert_eq!(
        pair_of(&list, acme, acme2).unwrap()["reasons"],
        json!(["same_name"])
    );
    assert_eq!(
        pair_of(&list, acme, typo).unwrap()["reasons"],
        json!(["similar_name"])
    );
    assert_eq!(
        pair_of(&list, acme2, typo).unwrap()["reasons"],
        json!(["similar_name"])
    );
    let tax = pair_of(&list, foo, bar).unwrap();
    assert_eq!(tax["reasons"], json!(["same_tax_no"]));
    assert_eq!(tax["a"]["tax_no"], "91-440300 MA5F");
    assert!(
        list.iter()
            .all(|p| p["a"]["id"] != other && p["b"]["id"] != other)
    );
    assert_eq!(list.len(), 4);
    let first = list[0]["b"]["id"].as_i64().unwrap();
    assert!(
        list.iter().all(|p| p["b"]["id"].as_i64().unwrap() <= first),
        "newest first"
    );
}

/// A signed-in browser: cookie and CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

impl Browser {
    async fn sign_in(t: &TestApp, email: &str) -> Self {
        let (cookie, csrf) = t.sign_in(email, PASSWORD).await;
        Self { cookie, csrf }
    }

    async fn page(&self, t: &TestApp, path: &str) -> String {
        let r = t
            .http
            .get(t.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        r.text().await.unwrap()
    }

    async fn post(&self, t: &TestApp, path: &str, form: &[(&str, String)]) -> reqwest::Response {
        t.http
            .post(t.url(path))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_supervisor_merges_from_the_duplicates_page_and_an_agent_only_sees_the_pairs() {
    let t = TestApp::spawn().await;
    let admin = t.admin_token.clone();
    t.user_token("sup@shop.test", "主管", "supervisor").await;
    t.user_token("agent@shop.test", "小李", "agent").await;
    let a = contact(&t, json!({ "name": "陈静", "phone": "+44 20 7946 0958" })).await;
    let b = contact(
        &t,
        json!({ "name": "<b>Chen Jing</b>", "phone": "+1 207 946 0958" }),
    )
    .await;

    let agent = Browser::sign_in(&t, "agent@shop.test").await;
    let html = agent
        .page(&t, "/app/customers/duplicates?entity=contact")
        .await;
    assert!(
        html.contains("陈静") && html.contains("&lt;b&gt;Chen Jing"),
        "listed, escaped"
    );
    assert!(html.contains("Same phone number"));
    assert!(
        !html.contains("/app/customers/duplicates/merge"),
        "no merge buttons for agents"
    );
    assert!(!html.contains("2079460958"), "masked");

    let sup = Browser::sign_in(&t, "sup@shop.test").await;
    let html = sup
        .page(&t, "/app/customers/duplicates?entity=contact")
        .await;
    assert!(html.contains("/app/customers/duplicates/merge") && html.contains("Not duplicates"));
    assert!(html.contains(&format!("href=\"/app/contacts/{a}\"")));
    let form = |csrf: &str| {
        vec![
            ("csrf", csrf.to_owned()),
            ("entity", "contact".to_owned()),
            ("survivor", a.to_string()),
            ("loser", b.to_string()),
        ]
    };
    let r = sup
        .post(&t, "/app/customers/duplicates/merge", &form("forged"))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = sup
        .post(&t, "/app/customers/duplicates/merge", &form(&sup.csrf))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        to,
        format!("/app/customers/duplicates?entity=contact&done=merged&id={a}")
    );
    let html = sup.page(&t, &to).await;
    assert!(
        html.contains("Merged") && html.contains("No likely duplicates"),
        "{html}"
    );
    assert_eq!(
        json_ok(&t, &admin, &format!("/api/v1/contacts/{b}")).await["merged_into"],
        a
    );

    // Merging again from a stale page says why, in the user's language.
    let r = sup
        .post(&t, "/app/customers/duplicates/merge", &form(&sup.csrf))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("already merged"));

    let html = sup
        .page(&t, "/app/customers/duplicates?entity=organisation")
        .await;
    assert!(html.contains("Organisations"));
}
