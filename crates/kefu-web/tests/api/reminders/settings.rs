//! Store reminder settings over the API and the settings page, and the order variables
//! agents' scripts fill from the customer's latest order.

use super::{buyer, put_order, reminder_store};
use crate::helpers::{PASSWORD, TestApp, status_and_json};
use crate::orders::order;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn store_reminder_settings_are_checked() {
    let t = TestApp::spawn().await;
    let base = json!({ "name": "丝施天猫店", "kind": "shop" });
    let with = |extra: Value| {
        let mut b = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let (_, scripts) = status_and_json(t.get("/api/v1/scripts", &t.admin_token).await).await;
    let (_, stages) = status_and_json(t.get("/api/v1/script-stages", &t.admin_token).await).await;
    let stage_of = |key: &str| {
        stages
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .unwrap()["id"]
            .clone()
    };
    let script_in = |stage: &Value| {
        scripts
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stage_id"] == *stage)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let reminder_script = script_in(&stage_of("payment_reminder"));
    let welcome = script_in(&stage_of("welcome"));
    for (extra, code) in [
        (
            json!({ "quiet_hours_start": "25:00" }),
            "invalid_clock_time",
        ),
        (json!({ "quiet_hours_end": "8" }), "invalid_clock_time"),
        (
            json!({ "reminder_script_id": welcome }),
            "invalid_reminder_script",
        ),
        (
            json!({ "reminder_script_id": 999_999 }),
            "invalid_reminder_script",
        ),
        (
            json!({ "reminder_script_id": reminder_script, "reminder_text": "亲，请付款" }),
            "reminder_script_and_text",
        ),
        (
            json!({ "reminder_text": "亲，{{buyer}}请付款" }),
            "unknown_variable",
        ),
        (json!({ "stale_after_days": 0 }), "invalid_stale_days"),
    ] {
        let (status, e) = status_and_json(
            t.post("/api/v1/stores", &t.admin_token, &with(extra.clone()))
                .await,
        )
        .await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{extra}"
        );
    }
    assert_eq!(t.count("stores").await, 0, "nothing stored");

    let (status, s) = status_and_json(
        t.post(
            "/api/v1/stores",
            &t.admin_token,
            &with(json!({ "reminder_script_id": reminder_script, "quiet_hours_start": "23:30" })),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    assert_eq!(s["quiet_hours_start"], "23:30");
    assert_eq!(s["quiet_hours_end"], "08:00", "the default");
    assert_eq!(s["reminder_script_id"], reminder_script);
    assert_eq!(s["stale_after_days"], 3);
}

#[tokio::test]
async fn agents_scripts_fill_carrier_amount_items_link_and_address_from_the_latest_order() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let conversation = buyer(&t, &widget, "13800138001", "CN").await;
    let s = reminder_store(&t, "丝施天猫店", json!({ "reminder_delay_minutes": null })).await;
    put_order(&t, s, &order("E4001", "13800138001")).await;
    let parcel = json!({ "carrier": "UPS", "tracking_number": "1Z999AA10123456784" });
    t.post(
        &format!("/api/v1/stores/{s}/orders/E4001/shipments"),
        &t.admin_token,
        &parcel,
    )
    .await;
    let (_, stages) = status_and_json(t.get("/api/v1/script-stages", &t.admin_token).await).await;
    let stage = stages.as_array().unwrap()[0]["id"].clone();
    let body = "{{carrier}} {{tracking_link}} | {{amount}} | {{items}} | {{address}}";
    let (status, _) = status_and_json(
        t.post(
            "/api/v1/scripts",
            &t.admin_token,
            &json!({ "title": "物流详情", "shortcut": "wl", "stage_id": stage, "bodies": { "zh-CN": body } }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let (_, found) = status_and_json(
        t.get(
            &format!("/api/v1/conversations/{conversation}/scripts?q=wl"),
            &t.admin_token,
        )
        .await,
    )
    .await;

    assert_eq!(
        found[0]["text"],
        "UPS https://www.ups.com/track?tracknum=1Z999AA10123456784 | 214.00 CNY | 蓝牙耳机 × 2、耳机套 × 1 | 浙江省杭州市西湖区文三路 100 号，王芳"
    );
    assert_eq!(found[0]["missing"], json!([]));
}

#[tokio::test]
async fn admins_set_reminders_and_quiet_hours_on_the_store_settings_page() {
    let t = TestApp::spawn().await;
    let s = reminder_store(&t, "丝施天猫店", json!({})).await;
    let (cookie, csrf) = t.sign_in("admin@shop.test", PASSWORD).await;
    let page = t
        .http
        .get(t.url("/app/settings/stores"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Quiet hours") && html.contains("催付 未付款"),
        "the 催付 scripts to pick from"
    );

    let r = t
        .http
        .post(t.url(&format!("/app/settings/stores/{s}")))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "丝施天猫店"),
            ("kind", "shop"),
            ("reminder_delay_minutes", "45"),
            ("quiet_hours_start", "21:30"),
            ("quiet_hours_end", "09:00"),
            ("reminder_text", "亲，订单{{order_number}}还没付款哦"),
            ("stale_after_days", "5"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, store) =
        status_and_json(t.get(&format!("/api/v1/stores/{s}"), &t.admin_token).await).await;
    assert_eq!(store["reminder_delay_minutes"], 45);
    assert_eq!(
        (
            store["quiet_hours_start"].as_str(),
            store["quiet_hours_end"].as_str()
        ),
        (Some("21:30"), Some("09:00"))
    );
    assert_eq!(store["reminder_text"], "亲，订单{{order_number}}还没付款哦");
    assert_eq!(store["stale_after_days"], 5);

    let r = t
        .http
        .post(t.url(&format!("/app/settings/stores/{s}")))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "丝施天猫店"),
            ("kind", "shop"),
            ("quiet_hours_start", "9pm"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().await.unwrap().contains("22:00 or 08:30"),
        "the translated reason"
    );
}
