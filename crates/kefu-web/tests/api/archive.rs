//! The customer archive: organisations, richer contacts, search, filters, custom fields, audit.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn ids(t: &TestApp, path: &str) -> Vec<i64> {
    t.listed_ids(path).await
}

#[tokio::test]
async fn an_agent_finds_a_customer_by_part_of_a_chinese_company_name_phone_email_handle_or_tag() {
    let t = TestApp::spawn().await;
    let org = t.created("/api/v1/organisations",
        json!({
            "name": "深圳市华强北电子有限公司", "country": "cn", "products": ["电容", "LED 灯珠"],
            "member_level": "trading", "source_channel": "alibaba", "tags": ["重点客户"]
        }),
    )
    .await;
    assert_eq!(org["country"], "CN");
    assert_eq!(org["products"], json!(["电容", "LED 灯珠"]));
    let li = t.created("/api/v1/contacts", json!({
        "name": "李伟", "title": "采购经理", "organisation_id": org["id"],
        "phones": [{"value": "138 0013 8000", "label": "手机"}, {"value": "+86 755 8888 6666", "label": "办公"}],
        "emails": [{"value": "Li.Wei@HQB-Electronics.com"}],
        "handles": [{"kind": "wechat", "value": "liwei_hqb"}],
        "tags": ["VIP"], "country": "CN", "time_zone": "Asia/Shanghai"
    })).await;
    assert_eq!(li["organisation_name"], "深圳市华强北电子有限公司");
    assert_eq!(li["phone"], "+8613800138000");
    assert_eq!(li["identities"].as_array().unwrap().len(), 4);
    assert!(li["daytime"].is_boolean());
    let other = t
        .created(
            "/api/v1/contacts",
            json!({ "name": "Emily Carter", "email": "emily@shop.example", "country": "US" }),
        )
        .await;
    let li_id = li["id"].as_i64().unwrap();
    let emily = other["id"].as_i64().unwrap();

    for q in [
        "华强",
        "强北电子",
        "李",
        "采购",
        "13800138000",
        "138-0013",
        "+86 138 0013 8000",
        "8000",
        "li.wei",
        "hqb",
        "liwei",
        "VIP",
    ] {
        let path = format!("/api/v1/contacts?q={}", urlencode(q));
        assert_eq!(ids(&t, &path).await, vec![li_id], "search {q}");
    }
    assert_eq!(ids(&t, "/api/v1/contacts?q=emily%20car").await, vec![emily]);
    assert!(ids(&t, "/api/v1/contacts?q=华强南").await.is_empty());
    assert!(
        ids(&t, "/api/v1/contacts?q=%2C%2C").await.is_empty(),
        "nothing searchable finds nothing"
    );
    assert_eq!(
        ids(
            &t,
            &format!("/api/v1/organisations?q={}", urlencode("华强北"))
        )
        .await,
        vec![org["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids(
            &t,
            &format!("/api/v1/organisations?q={}", urlencode("电容"))
        )
        .await,
        vec![org["id"].as_i64().unwrap()]
    );

    // Filters, alone and with search.
    assert_eq!(
        ids(&t, "/api/v1/contacts?member_level=trading").await,
        vec![li_id]
    );
    assert_eq!(
        ids(&t, "/api/v1/contacts?source_channel=alibaba&q=li").await,
        vec![li_id]
    );
    assert_eq!(ids(&t, "/api/v1/contacts?country=us").await, vec![emily]);
    assert_eq!(ids(&t, "/api/v1/contacts?tag=VIP").await, vec![li_id]);
    assert_eq!(
        ids(
            &t,
            &format!("/api/v1/contacts?organisation_id={}", org["id"])
        )
        .await,
        vec![li_id]
    );
    assert!(
        ids(&t, "/api/v1/contacts?member_level=registered")
            .await
            .is_empty()
    );
    assert_eq!(
        ids(
            &t,
            &format!("/api/v1/organisations?tag={}", urlencode("重点客户"))
        )
        .await,
        vec![org["id"].as_i64().unwrap()]
    );

    // Renaming the company re-indexes its contacts.
    let renamed = t
        .put(
            &format!("/api/v1/organisations/{}", org["id"]),
            &t.admin_token,
            &json!({ "name": "华南电子科技有限公司", "member_level": "trading" }),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(
        ids(&t, &format!("/api/v1/contacts?q={}", urlencode("华南电子"))).await,
        vec![li_id]
    );
    assert!(
        ids(&t, &format!("/api/v1/contacts?q={}", urlencode("华强北")))
            .await
            .is_empty()
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn identities_belong_to_one_contact_and_a_duplicate_names_the_owner() {
    let t = TestApp::spawn().await;
    let a = t.created("/api/v1/contacts", json!({ "name": "张三", "handles": [{"kind": "qq", "value": "10001"}], "phones": [{"value": "13900000001"}] })).await;
    let before = t.count("contacts").await;
    for body in [
        json!({ "name": "另一人", "handles": [{"kind": "QQ", "value": "10001"}] }),
        json!({ "name": "另一人", "phone": "+86 139 0000 0001" }),
    ] {
        let r = t.post("/api/v1/contacts", &t.admin_token, &body).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], "duplicate_contact");
        assert_eq!(e["error"]["existing_id"], a["id"]);
    }
    for (body, code) in [
        (
            json!({ "name": "X", "handles": [{"kind": "myspace", "value": "x"}] }),
            "unknown_handle_kind",
        ),
        (
            json!({ "name": "X", "organisation_id": 999999 }),
            "unknown_organisation",
        ),
        (json!({ "name": "X", "owner_id": 999999 }), "unknown_user"),
        (
            json!({ "name": "X", "custom": {"nope": 1} }),
            "unknown_field",
        ),
        (
            json!({ "name": "X", "tags": ["a".repeat(41)] }),
            "tag_too_long",
        ),
    ] {
        let r = t.post("/api/v1/contacts", &t.admin_token, &body).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["code"],
            code,
            "{body}"
        );
    }
    assert_eq!(
        t.count("contacts").await,
        before,
        "refused contacts store nothing"
    );

    // Editing keeps one's own identities and can move a value between one's own entries.
    let r = t.put(&format!("/api/v1/contacts/{}", a["id"]), &t.admin_token, &json!({ "name": "张三", "handles": [{"kind": "qq", "value": "10001"}, {"kind": "whatsapp", "value": "+8613900000001"}] })).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let kinds: Vec<&str> = v["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["qq", "whatsapp"]);
    assert_eq!(v["phone"], Value::Null, "the removed phone is gone");
}

#[tokio::test]
async fn similar_company_names_are_flagged_until_confirmed() {
    let t = TestApp::spawn().await;
    let first = t
        .created(
            "/api/v1/organisations",
            json!({ "name": "ACME Trading Co., Ltd." }),
        )
        .await;
    let r = t
        .post(
            "/api/v1/organisations",
            &t.admin_token,
            &json!({ "name": "acme trading" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "duplicate_organisation");
    assert_eq!(e["error"]["existing_id"], first["id"]);
    t.created(
        "/api/v1/organisations?allow_similar=true",
        json!({ "name": "acme trading" }),
    )
    .await;
    let bad = t
        .post(
            "/api/v1/organisations",
            &t.admin_token,
            &json!({ "name": "X", "member_level": "gold" }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["error"]["code"],
        "unknown_choice"
    );
    let levels: Value = t
        .get("/api/v1/choices/member_level", &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        levels
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["key"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["registered", "trading", "microsite"]
    );
}

#[tokio::test]
async fn admins_define_custom_fields_that_are_validated_and_filterable() {
    let t = TestApp::spawn().await;
    let agent = t.user_token("agent@shop.test", "Agent", "agent").await;
    let field = json!({ "entity": "contact", "key": "industry", "label_en": "Industry", "label_zh": "行业", "kind": "multi_choice", "options": ["电子", "服装", "五金"] });
    assert_eq!(
        t.post("/api/v1/custom-fields", &agent, &field)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    t.created("/api/v1/custom-fields", field.clone()).await;
    assert_eq!(
        t.post("/api/v1/custom-fields", &t.admin_token, &field)
            .await
            .status(),
        StatusCode::CONFLICT
    );
    t.created("/api/v1/custom-fields", json!({ "entity": "contact", "key": "first_order", "label_en": "First order", "label_zh": "首单日期", "kind": "date" })).await;
    t.created("/api/v1/custom-fields", json!({ "entity": "contact", "key": "credit", "label_en": "Credit", "label_zh": "信用额度", "kind": "number" })).await;

    let a = t.created("/api/v1/contacts", json!({ "name": "A", "custom": { "industry": ["电子", "五金"], "first_order": "2026-03-01", "credit": "5000" } })).await;
    assert_eq!(
        a["custom"],
        json!({ "industry": ["电子", "五金"], "first_order": "2026-03-01", "credit": 5000.0 })
    );
    let b = t
        .created(
            "/api/v1/contacts",
            json!({ "name": "B", "custom": { "industry": ["服装"] } }),
        )
        .await;
    for (custom, why) in [
        (json!({ "industry": ["家具"] }), "not an option"),
        (json!({ "first_order": "2026-02-30" }), "not a date"),
        (json!({ "credit": "lots" }), "not a number"),
    ] {
        let r = t
            .post(
                "/api/v1/contacts",
                &agent,
                &json!({ "name": "C", "custom": custom }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["code"],
            "invalid_custom_value"
        );
    }
    assert_eq!(
        ids(&t, "/api/v1/contacts?custom=industry:%E4%BA%94%E9%87%91").await,
        vec![a["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids(&t, "/api/v1/contacts?custom=industry:%E6%9C%8D%E8%A3%85").await,
        vec![b["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids(&t, "/api/v1/contacts?custom=first_order:2026-03-01").await,
        vec![a["id"].as_i64().unwrap()]
    );
    let bad = t
        .get("/api/v1/contacts?custom=no-colon", &t.admin_token)
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn every_change_is_audited_with_who_and_old_to_new() {
    let t = TestApp::spawn().await;
    let c = t
        .created(
            "/api/v1/contacts",
            json!({ "name": "王芳", "title": "采购", "tags": ["老客户"] }),
        )
        .await;
    let r = t.put(&format!("/api/v1/contacts/{}", c["id"]), &t.admin_token, &json!({ "name": "王芳", "title": "采购总监", "tags": ["老客户", "VIP"], "phone": "13812345678" })).await;
    assert_eq!(r.status(), StatusCode::OK);
    let entries = kefu_store::audit::list(&t.app().db, Some("contact.updated"), 10)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e.subject, format!("contact:{}", c["id"]));
    assert!(e.actor_user_id.is_some());
    let detail: Value = serde_json::from_str(&e.detail).unwrap();
    assert_eq!(detail["title"], json!(["采购", "采购总监"]));
    assert_eq!(detail["tags"], json!([["老客户"], ["老客户", "VIP"]]));
    assert_eq!(detail["identities"], json!([[], ["phone:+8613812345678"]]));
    assert!(
        detail.get("name").is_none(),
        "unchanged fields are not listed"
    );
    // Saving without a change records nothing.
    t.put(&format!("/api/v1/contacts/{}", c["id"]), &t.admin_token, &json!({ "name": "王芳", "title": "采购总监", "tags": ["老客户", "VIP"], "phone": "13812345678" })).await;
    assert_eq!(
        kefu_store::audit::list(&t.app().db, Some("contact.updated"), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_word_thousands_of_contacts_share_still_pages_newest_first() {
    let t = TestApp::spawn().await;
    // More matches than PostgreSQL reads through its text index before it walks the
    // table newest first instead; on SQLite the full-text index pages them either way.
    let rows = 5_100;
    let mut tx = t.app().db.begin().await.unwrap();
    tx.execute_raw(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
         INSERT INTO contacts (name, search_tokens, tags, custom, created_at, updated_at)
         SELECT 'Kunde ' || i, 'grosshandel kunde', '[]', '{{}}', 0, 0 FROM n"
    ))
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut seen = Vec::new();
    let mut path = "/api/v1/contacts?q=grosshandel&limit=100".to_owned();
    for _ in 0..3 {
        let page: Value = t.get(&path, &t.admin_token).await.json().await.unwrap();
        let ids: Vec<i64> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), 100, "{page}");
        seen.extend(ids);
        path = format!(
            "/api/v1/contacts?q=grosshandel&limit=100&cursor={}",
            page["next_cursor"].as_str().unwrap()
        );
    }
    let newest: Vec<i64> = (rows - 299..=rows).rev().collect();
    assert_eq!(
        seen, newest,
        "newest first, no gaps or repeats across pages"
    );

    let one: Value = t
        .get("/api/v1/contacts?q=Kunde 4711", &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        one["data"].as_array().unwrap().len(),
        0,
        "4711 is not a token"
    );
}
