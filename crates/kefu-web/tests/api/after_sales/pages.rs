//! The after-sales pages in zh-CN and English: the register with the loss view, a case
//! with its steps, and the order panel's cases and form beside the conversation.

use super::{opened, paid_order, walk};
use crate::helpers::{PASSWORD, TestApp};
use crate::orders::store;
use reqwest::StatusCode;
use serde_json::json;

async fn page(t: &TestApp, cookie: &str, path: &str) -> (StatusCode, String) {
    let r = t
        .http
        .get(t.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn post_form(
    t: &TestApp,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let r = t
        .http
        .post(t.url(path))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    let to = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status(), to, r.text().await.unwrap())
}

#[tokio::test]
async fn the_register_and_losses_read_in_chinese_and_english() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (o, [bt, _]) = paid_order(&t, s, "E6001", Some(1)).await;
    let case = opened(&t, o, json!({ "kind": "refund_only", "reason": "size", "items": [{ "order_item_id": bt, "quantity": 1 }] })).await;
    walk(
        &t,
        case,
        &[json!({ "to": "approved" }), json!({ "to": "refunded" })],
    )
    .await;
    t.user_token("lead@shop.test", "组长", "supervisor").await;
    t.user_token("agent@shop.test", "小王", "agent").await;
    t.set_locale("lead@shop.test", "zh-CN").await;

    let (lead, _) = t.sign_in("lead@shop.test", PASSWORD).await;
    let (status, zh) = page(&t, &lead, "/app/after-sales").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "退货登记表",
        "售后",
        "尺码不合适",
        "仅退款",
        "已退款",
        "E6001",
        "损失统计",
        "按原因",
        "99.50 CNY",
    ] {
        assert!(zh.contains(text), "zh-CN page lacks {text}");
    }
    assert!(zh.contains(&format!("href=\"/app/after-sales/{case}\"")));
    assert!(
        zh.contains("/api/v1/after-sales/export?format=xlsx"),
        "export links for supervisors"
    );
    let (_, filtered) = page(&t, &lead, "/app/after-sales?status=requested").await;
    assert!(filtered.contains("没有符合条件的售后单"));

    let (agent, _) = t.sign_in("agent@shop.test", PASSWORD).await;
    let (status, en) = page(&t, &agent, "/app/after-sales").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Returns register",
        "After-sales",
        "Wrong size",
        "Refund only",
        "Refunded",
    ] {
        assert!(en.contains(text), "English page lacks {text}");
    }
    assert!(
        !en.contains("as-export-xlsx") && !en.contains("id=\"as-losses\""),
        "agents see neither export nor losses"
    );
    let (status, _) = page(&t, &agent, "/app/after-sales?from=not-a-day").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_case_page_offers_its_next_steps_and_refuses_an_illegal_one() {
    let t = TestApp::spawn().await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (o, [bt, _]) = paid_order(&t, s, "E6101", Some(1)).await;
    let case = opened(&t, o, json!({ "kind": "return", "reason": "quality", "items": [{ "order_item_id": bt, "quantity": 1 }] })).await;
    t.user_token("agent@shop.test", "小王", "agent").await;
    t.user_token("lead@shop.test", "组长", "supervisor").await;
    t.set_locale("agent@shop.test", "zh-CN").await;
    let path = format!("/app/after-sales/{case}");

    let (agent, agent_csrf) = t.sign_in("agent@shop.test", PASSWORD).await;
    let (status, html) = page(&t, &agent, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("退货退款")
            && html.contains("质量问题")
            && html.contains("15 天质量问题保障")
    );
    assert!(
        !html.contains("data-to=\"approved\""),
        "no approval button for an agent"
    );
    assert!(html.contains("同意、拒绝和退款需要主管操作"));
    let step = format!("{path}/transition");
    let (status, _, text) = post_form(
        &t,
        &agent,
        &step,
        &[("csrf", &agent_csrf), ("to", "refunded")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(text, "售后单当前状态不能进行这一步。");
    let (status, _, _) = post_form(
        &t,
        &agent,
        &step,
        &[("csrf", &agent_csrf), ("to", "approved")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (lead, lead_csrf) = t.sign_in("lead@shop.test", PASSWORD).await;
    let (_, html) = page(&t, &lead, &path).await;
    assert!(html.contains("data-to=\"approved\"") && html.contains("Approve"));
    let (status, to, _) = post_form(
        &t,
        &lead,
        &step,
        &[
            ("csrf", &lead_csrf),
            ("to", "approved"),
            ("note", ""),
            ("refund", "80.00"),
        ],
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (StatusCode::SEE_OTHER, path.as_str())
    );
    let (status, _, _) = post_form(
        &t,
        &lead,
        &format!("{path}/return-shipment"),
        &[
            ("csrf", &lead_csrf),
            ("carrier", "圆通"),
            ("waybill", "YT6101"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let handoff = [
        ("csrf", lead_csrf.as_str()),
        ("department", "warehouse"),
        ("note", "请签收退货"),
        ("due_hours", "4"),
    ];
    let (status, _, _) = post_form(&t, &lead, &format!("{path}/handoff"), &handoff).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(&t, &lead, &path).await;
    assert!(
        html.contains("80.00 CNY")
            && html.contains("YT6101")
            && html.contains("Warehouse")
            && html.contains("请签收退货")
    );
    assert!(html.contains("data-to=\"goods_returned\""));
}

#[tokio::test]
async fn the_order_panel_lists_the_order_s_cases_and_opens_one() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "耳机坏了，想换货").await;
    let contact = t.contact_of(conversation).await;
    t.put(
        &format!("/api/v1/contacts/{contact}"),
        &t.admin_token,
        &json!({ "name": "王芳", "phone": "13800138001" }),
    )
    .await;
    let (s, _) = store(&t, "丝施天猫店", "CNY").await;
    let (o, [bt, sleeve]) = paid_order(&t, s, "E6201", Some(2)).await;
    let (cookie, csrf) = t.sign_in("admin@shop.test", PASSWORD).await;
    let conversation_page = format!("/app/conversations/{conversation}?view=all");
    let (_, html) = page(&t, &cookie, &conversation_page).await;
    assert!(
        html.contains(&format!("id=\"after-sales-order-{o}\""))
            && html.contains("Open an after-sales case")
    );

    let form = format!("/app/orders/{o}/after-sales");
    let (bt, sleeve) = (format!("qty_{bt}"), format!("qty_{sleeve}"));
    let conv = conversation.to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("conversation_id", &conv),
        ("kind", "exchange"),
        ("reason", "quality"),
        (&bt, "1"),
        (&sleeve, "0"),
        ("refund", ""),
        ("return_waybill", ""),
        ("description", "左耳没有声音"),
    ];
    let (status, to, _) = post_form(&t, &cookie, &form, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        to.starts_with(&format!("/app/conversations/{conversation}")),
        "{to}"
    );
    let too_many = [
        ("csrf", csrf.as_str()),
        ("kind", "exchange"),
        ("reason", "quality"),
        (&bt, "5"),
    ];
    let (status, _, text) = post_form(&t, &cookie, &form, &too_many).await;
    assert_eq!(
        (status, text.as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "More items than were bought (less those in other cases)."
        )
    );

    let (_, html) = page(&t, &cookie, &conversation_page).await;
    let panel = html
        .split(&format!("id=\"after-sales-order-{o}\""))
        .nth(1)
        .unwrap();
    assert!(
        panel.contains("Exchange")
            && panel.contains("Quality problem")
            && panel.contains("Requested"),
        "the open case under its order"
    );
    assert_eq!(t.count("after_sales_cases").await, 1);
}
