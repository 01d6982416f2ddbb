//! The composer's `/` picker: finding scripts by shortcut, pinyin initials, title and
//! title word, and rendering them for a conversation in the customer's language.

use super::{pick, stage_id, titles};
use crate::customers::json_of;
use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_picker_finds_scripts_by_shortcut_pinyin_initials_title_and_title_word() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "在吗").await;
    let agent = t.user_token("a@shop.test", "小李", "agent").await;

    for q in [
        "hyy",
        "HYY",
        "%2Fhyy",
        "hy",
        "%E6%AC%A2%E8%BF%8E",
        "welcome",
        "hi",
    ] {
        let found = titles(&pick(&t, &agent, conversation, &format!("q={q}")).await);
        assert!(found.contains(&"欢迎语 Welcome".into()), "{q}: {found:?}");
    }
    // 订单确认 → ddqr; its shortcut and its English word find it too.
    for q in ["ddqr", "confirm", "订单"] {
        let found = titles(&pick(&t, &agent, conversation, &format!("q={}", urlencode(q))).await);
        assert_eq!(
            found.first().map(String::as_str),
            Some("订单确认 Confirm order"),
            "{q}: {found:?}"
        );
    }
    // A shortcut typed in full comes first even when other keys share its start.
    let stage = stage_id(&t, "welcome").await;
    let body = json!({ "title": "Hint about sizes", "shortcut": "hint", "stage_id": stage,
        "bodies": { "en": "Our sizes run small." } });
    json_of(
        t.post("/api/v1/scripts", &agent, &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        pick(&t, &agent, conversation, "q=hi").await[0]["shortcut"],
        "hi"
    );
    assert_eq!(
        pick(&t, &agent, conversation, "q=hin").await[0]["shortcut"],
        "hint"
    );
    assert!(titles(&pick(&t, &agent, conversation, "q=zzzq").await).is_empty());
    let few = pick(&t, &agent, conversation, "q=&limit=3").await;
    assert_eq!(few.as_array().unwrap().len(), 3);

    // Inserting counts a use; `/` alone offers the most used first.
    let unpaid = pick(&t, &agent, conversation, "q=unpaid").await[0]["id"]
        .as_i64()
        .unwrap();
    for _ in 0..2 {
        let r = t
            .post(
                &format!("/api/v1/scripts/{unpaid}/uses"),
                &agent,
                &json!({}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(pick(&t, &agent, conversation, "q=").await[0]["id"], unpaid);
    let listed = json_of(
        t.get(&format!("/api/v1/scripts/{unpaid}"), &agent).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["usage_count"], 2);

    assert_eq!(
        t.get("/api/v1/conversations/999999/scripts?q=hi", &agent)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let long = "a".repeat(61);
    let v = json_of(
        t.get(
            &format!("/api/v1/conversations/{conversation}/scripts?q={long}"),
            &agent,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(v["error"]["code"], "query_too_long");
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Sets the contact of a conversation: name, language and time zone.
async fn set_contact(t: &TestApp, conversation: i64, language: &str, time_zone: Option<&str>) {
    let contact = t.contact_of(conversation).await;
    let r = t
        .put(
            &format!("/api/v1/contacts/{contact}"),
            &t.admin_token,
            &json!({ "name": "王芳", "language": language, "time_zone": time_zone }),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn scripts_are_rendered_in_the_customers_language_with_the_conversations_values() {
    let t = TestApp::spawn().await;
    let (inbox, widget) = t.widget_inbox(None).await;
    let r = t
        .put(
            &format!("/api/v1/inboxes/{inbox}"),
            &t.admin_token,
            &json!({ "name": "示例商城", "shop_name": " 丝施品牌店 " }),
        )
        .await;
    assert_eq!(json_of(r, StatusCode::OK).await["shop_name"], "丝施品牌店");
    let (conversation, _) = t.conversation(&widget, "你好").await;
    set_contact(&t, conversation, "zh-CN", Some("Pacific/Auckland")).await;
    let agent = t.user_token("a@shop.test", "小李", "agent").await;

    // Chinese customer: names and shop filled in; the order number is a marked blank.
    let hi = &pick(&t, &agent, conversation, "q=hi").await[0];
    assert_eq!(hi["locale"], "zh-CN");
    assert_eq!(
        hi["text"],
        "亲，您好！欢迎光临丝施品牌店！我是客服小李，请问选购好款式了么？很愿意为亲服务！"
    );
    let confirm = &pick(&t, &agent, conversation, "q=confirm").await[0];
    let text = confirm["text"].as_str().unwrap();
    assert!(
        text.starts_with("亲爱的王芳，您的订单【订单号】已收到"),
        "{text}"
    );
    assert_eq!(confirm["missing"], json!(["order_number"]));
    assert_eq!(confirm["placeholders"], json!(["【订单号】"]));
    // An order number the caller knows fills it.
    let known = &pick(&t, &agent, conversation, "q=confirm&order_number=E20261123").await[0];
    assert!(
        known["text"]
            .as_str()
            .unwrap()
            .contains("您的订单E20261123已收到")
    );
    assert_eq!(known["missing"], json!([]));

    // The customer's local date, from their time zone.
    let stage = stage_id(&t, "logistics").await;
    let dated = json!({ "title": "发货日期", "shortcut": "today", "stage_id": stage,
        "bodies": { "zh-CN": "今天是{{local_date}}", "en": "Today is {{local_date}}" } });
    json_of(
        t.post("/api/v1/scripts", &agent, &dated).await,
        StatusCode::CREATED,
    )
    .await;
    let auckland = || {
        let d = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::get("Pacific/Auckland").unwrap())
            .date();
        (
            format!("今天是{}年{:02}月{:02}日", d.year(), d.month(), d.day()),
            format!("Today is {d}"),
        )
    };
    let (zh_before, _) = auckland();
    let today = pick(&t, &agent, conversation, "q=today").await[0]["text"].clone();
    let (zh_after, _) = auckland();
    assert!(
        today == zh_before.as_str() || today == zh_after.as_str(),
        "{today}"
    );

    // English customer: the English body, placeholders in English.
    set_contact(&t, conversation, "en-US", Some("Pacific/Auckland")).await;
    let confirm = &pick(&t, &agent, conversation, "q=confirm").await[0];
    assert_eq!(confirm["locale"], "en");
    assert!(
        confirm["text"]
            .as_str()
            .unwrap()
            .starts_with("Dear 王芳, we have received your order [order number].")
    );
    let (_, en_before) = auckland();
    let today = pick(&t, &agent, conversation, "q=today").await[0]["text"].clone();
    let (_, en_after) = auckland();
    assert!(
        today == en_before.as_str() || today == en_after.as_str(),
        "{today}"
    );

    // A language no body has: the agent's language, then whatever there is.
    set_contact(&t, conversation, "ru", None).await;
    assert_eq!(
        pick(&t, &agent, conversation, "q=hi").await[0]["locale"],
        "en"
    );
    t.set_locale("a@shop.test", "zh-CN").await;
    assert_eq!(
        pick(&t, &agent, conversation, "q=hi").await[0]["locale"],
        "zh-CN"
    );
    let russian = json!({ "title": "Приветствие", "shortcut": "privet", "stage_id": stage,
        "bodies": { "ru": "Здравствуйте, {{customer_name}}!" } });
    json_of(
        t.post("/api/v1/scripts", &agent, &russian).await,
        StatusCode::CREATED,
    )
    .await;
    let ru = &pick(&t, &agent, conversation, "q=privet").await[0];
    assert_eq!(
        (ru["locale"].as_str(), ru["text"].as_str()),
        (Some("ru"), Some("Здравствуйте, 王芳!"))
    );
    // Without a time zone the date is a blank to fill in, never a guess.
    let today = &pick(&t, &agent, conversation, "q=today").await[0];
    assert_eq!(today["text"], "今天是【客户当地日期】");
    assert_eq!(today["missing"], json!(["local_date"]));
}

#[tokio::test]
async fn an_inbox_without_a_shop_name_leaves_a_blank_in_scripts() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "你好").await;
    let hi = &pick(&t, &t.admin_token, conversation, "q=hi").await[0];
    assert!(
        hi["text"]
            .as_str()
            .unwrap()
            .starts_with("亲，您好！欢迎光临【店铺名】！")
    );
    assert_eq!(hi["missing"], json!(["shop_name"]));
}
