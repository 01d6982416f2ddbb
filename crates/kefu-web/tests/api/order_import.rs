//! Importing orders from .xlsx/.csv: one row per item grouped into orders by store and
//! number, a bad row reported with its line and column while the good orders are
//! stored, the same file twice changing nothing, and a changed row updating its order.

use crate::helpers::{TestApp, status_and_json};
use crate::orders::store;
use kefu_sheets::{Format, read, write};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

const HEADERS: [&str; 14] = [
    "订单编号",
    "店铺名称",
    "买家会员名",
    "联系手机",
    "付款状态",
    "发货状态",
    "付款时间",
    "商家编码",
    "宝贝标题",
    "商品属性",
    "数量",
    "单价",
    "运费",
    "收货地址",
];

#[rustfmt::skip]
fn rows(e5002_state: &'static str) -> Vec<[&'static str; 14]> {
    vec![
        ["E5001", "丝施天猫店", "王芳", "13800138001", "已付款", "未发货", "2026-11-23 10:07", "BT-01", "蓝牙耳机", "颜色:黑色", "2", "99.50", "10", "浙江省杭州市西湖区文三路100号"],
        ["E5001", "丝施天猫店", "", "", "", "", "", "EP-02", "耳机套", "", "1", "5.00", "", ""],
        ["E5002", "丝施天猫店", "李雷", "13900139002", "已付款", e5002_state, "2026-11-23 11:00", "BT-01", "蓝牙耳机", "颜色:白色", "1", "99.50", "0", "上海市浦东新区"],
        ["E5003", "丝施天猫店", "韩梅梅", "13700137003", "已付款", "未发货", "", "BT-01", "蓝牙耳机", "", "两个", "99.50", "", ""],
        ["E5003", "丝施天猫店", "", "", "", "", "", "EP-02", "耳机套", "", "1", "5.00", "", ""],
        ["E5004", "不存在的店", "赵六", "13600136004", "已付款", "未发货", "", "BT-01", "蓝牙耳机", "", "1", "99.50", "", ""],
    ]
}

fn xlsx(rows: &[[&str; 14]]) -> Vec<u8> {
    write(&HEADERS, rows.iter().map(|r| r.to_vec()), Format::Xlsx).expect("xlsx")
}

async fn manager(t: &TestApp) -> String {
    t.user_token("boss@shop.test", "经理 Manager", "manager")
        .await
}

async fn upload(t: &TestApp, path: &str, token: &str, body: Vec<u8>) -> reqwest::Response {
    upload_as(t, path, token, ("order", "淘宝订单.xlsx"), body).await
}

async fn upload_as(
    t: &TestApp,
    path: &str,
    token: &str,
    (entity, file_name): (&str, &str),
    body: Vec<u8>,
) -> reqwest::Response {
    t.http
        .post(t.url(path))
        .bearer_auth(token)
        .query(&[("entity", entity), ("file_name", file_name)])
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .expect("request")
}

/// Imports a file and waits until it has run; returns the finished import.
async fn import(t: &TestApp, token: &str, body: Vec<u8>) -> Value {
    import_as(t, token, ("order", "淘宝订单.xlsx"), body).await
}

/// Imports a file of `entity` and waits until it has run; returns the finished import.
pub async fn import_as(t: &TestApp, token: &str, what: (&str, &str), body: Vec<u8>) -> Value {
    let (status, started) =
        status_and_json(upload_as(t, "/api/v1/imports", token, what, body).await).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let id = started["id"].as_i64().unwrap();
    for _ in 0..300 {
        let (_, v) = status_and_json(t.get(&format!("/api/v1/imports/{id}"), token).await).await;
        if v["status"] != "running" {
            assert_eq!(v["status"], "done", "{v}");
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("import {id} did not finish within 30 s");
}

pub fn counts(v: &Value) -> [i64; 5] {
    ["created", "updated", "unchanged", "failed", "processed"].map(|k| v[k].as_i64().unwrap())
}

/// The error report as (line, reason).
pub async fn errors(t: &TestApp, token: &str, id: &Value) -> Vec<(String, String)> {
    let r = t
        .get(&format!("/api/v1/imports/{id}/errors?format=csv"), token)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let sheet = read(&r.bytes().await.unwrap(), Format::Csv).unwrap();
    sheet
        .rows
        .iter()
        .map(|r| (r.cells[0].clone(), r.cells.last().unwrap().clone()))
        .collect()
}

async fn order_by_number(t: &TestApp, number: &str) -> Value {
    let (_, page) = status_and_json(
        t.get(&format!("/api/v1/orders?q={number}"), &t.admin_token)
            .await,
    )
    .await;
    let id = page["data"][0]["id"].clone();
    let (_, detail) =
        status_and_json(t.get(&format!("/api/v1/orders/{id}"), &t.admin_token).await).await;
    detail
}

#[tokio::test]
async fn a_bad_row_is_reported_by_line_and_column_and_the_good_orders_are_stored() {
    let t = TestApp::spawn().await;
    let boss = manager(&t).await;
    store(&t, "丝施天猫店", "CNY").await;

    let done = import(&t, &boss, xlsx(&rows("未发货"))).await;

    assert_eq!(counts(&done), [3, 0, 0, 3, 6], "{done}");
    assert_eq!(t.count("orders").await, 2);
    let e5001 = order_by_number(&t, "E5001").await;
    assert_eq!(e5001["items"].as_array().unwrap().len(), 2, "{e5001}");
    assert_eq!(e5001["items"][1]["name"], "耳机套");
    assert_eq!(e5001["total"], 21_400, "2 × 99.50 + 5.00 + 10.00 shipping");
    assert_eq!(e5001["payment_state"], "paid", "已付款");
    assert_eq!(e5001["buyer_name"], "王芳");
    assert!(e5001["contact_id"].is_i64(), "the buyer joined the archive");
    let report = errors(&t, &boss, &done["id"]).await;
    assert_eq!(report.len(), 3, "{report:?}");
    let (line, reason) = &report[0];
    assert_eq!(line, "5", "the header is line 1");
    assert!(
        reason.contains("数量") && reason.contains("两个"),
        "{reason}"
    );
    assert!(report[1].1.contains("line 5"), "{:?}", report[1]);
    assert!(report[2].1.contains("店铺名称"), "{:?}", report[2]);
}

#[tokio::test]
async fn the_same_file_twice_changes_nothing_and_a_changed_row_updates_its_order() {
    let t = TestApp::spawn().await;
    let boss = manager(&t).await;
    store(&t, "丝施天猫店", "CNY").await;
    import(&t, &boss, xlsx(&rows("未发货"))).await;
    let (orders, items, contacts, events) = (
        t.count("orders").await,
        t.count("order_items").await,
        t.count("contacts").await,
        t.count("events").await,
    );
    let before = order_by_number(&t, "E5002").await;

    let again = import(&t, &boss, xlsx(&rows("未发货"))).await;

    assert_eq!(counts(&again), [0, 0, 3, 3, 6], "{again}");
    assert_eq!(t.count("orders").await, orders);
    assert_eq!(t.count("order_items").await, items);
    assert_eq!(t.count("contacts").await, contacts);
    assert_eq!(
        t.count("events").await,
        events,
        "nothing changed, nothing told"
    );
    assert_eq!(order_by_number(&t, "E5002").await, before);

    let shipped = import(&t, &boss, xlsx(&rows("已发货"))).await;

    assert_eq!(counts(&shipped), [0, 1, 2, 3, 6], "{shipped}");
    let after = order_by_number(&t, "E5002").await;
    assert_eq!(after["id"], before["id"], "the same order");
    assert_eq!(after["fulfilment_state"], "shipped");
    assert_eq!(t.count("orders").await, orders);
}

#[tokio::test]
async fn a_preview_recognises_the_columns_and_shows_each_row_s_fate() {
    let t = TestApp::spawn().await;
    let boss = manager(&t).await;
    store(&t, "丝施天猫店", "CNY").await;

    let (status, p) =
        status_and_json(upload(&t, "/api/v1/imports/preview", &boss, xlsx(&rows("未发货"))).await)
            .await;

    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["mapping"]["订单编号"], "order_number");
    assert_eq!(p["mapping"]["宝贝标题"], "item_name");
    assert_eq!(p["mapping"]["单价"], "unit_price");
    let statuses: Vec<&str> = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["create", "create", "create", "error", "error", "error"]
    );
    assert_eq!(p["rows"][3]["code"], "invalid_quantity");
    assert_eq!(p["rows"][5]["code"], "unknown_store");
    assert_eq!(t.count("orders").await, 0, "a preview writes nothing");
    let (status, unmapped) = status_and_json(
        t.http
            .post(t.url("/api/v1/imports"))
            .bearer_auth(&boss)
            .query(&[
                ("entity", "order"),
                ("file_name", "a.xlsx"),
                ("mapping", r#"{"订单编号":"order_number"}"#),
            ])
            .body(xlsx(&rows("未发货")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unmapped["error"]["code"], "field_not_mapped");
}

fn multipart(boundary: &str, csrf: &str, file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, value) in [("csrf", csrf), ("entity", "order")] {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"订单.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .bytes(),
    );
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    body
}

#[tokio::test]
async fn the_workspace_import_page_takes_orders() {
    let t = TestApp::spawn().await;
    let boss = manager(&t).await;
    store(&t, "丝施天猫店", "CNY").await;
    let (cookie, csrf) = t.sign_in("boss@shop.test", crate::helpers::PASSWORD).await;
    let get = |path: String| {
        let (t, cookie) = (&t, cookie.clone());
        async move {
            let r = t
                .http
                .get(t.url(&path))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            r.text().await.unwrap()
        }
    };
    assert!(
        get("/app/customers/import".into())
            .await
            .contains("value=\"order\"")
    );

    let r = t
        .http
        .post(t.url("/app/customers/import"))
        .header("cookie", &cookie)
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(multipart("XyZ", &csrf, &xlsx(&rows("未发货"))))
        .send()
        .await
        .unwrap();

    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    let html = get(to.clone()).await;
    assert!(
        html.contains("value=\"order_number\" selected"),
        "suggested mapping"
    );
    assert!(
        html.contains("Order number") && html.contains("Unit price"),
        "field labels"
    );
    assert!(html.contains("两个"), "the preview shows the bad row");
    let fields = [
        "order_number",
        "store",
        "buyer_name",
        "buyer_phone",
        "payment_state",
        "fulfilment_state",
        "paid_at",
        "sku",
        "item_name",
        "spec",
        "quantity",
        "unit_price",
        "shipping_fee",
        "address",
    ];
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("action".into(), "start".into()),
    ];
    for (i, f) in fields.iter().enumerate() {
        form.push((format!("map_{i}"), (*f).into()));
    }
    let started = t
        .http
        .post(t.url(&to))
        .header("cookie", &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let id = to.rsplit('/').next().unwrap();
    for _ in 0..300 {
        let (_, v) = status_and_json(t.get(&format!("/api/v1/imports/{id}"), &boss).await).await;
        if v["status"] == "done" {
            assert_eq!(counts(&v), [3, 0, 0, 3, 6], "{v}");
            assert_eq!(t.count("orders").await, 2);
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the import did not finish within 30 s");
}
