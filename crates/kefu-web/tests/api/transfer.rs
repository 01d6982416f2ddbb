//! Importing and exporting contacts and organisations: .xlsx and GB18030 .csv files with
//! good and bad rows, re-imports that create nothing new, saved mappings, exports with
//! filters and chosen columns, the audit log and who may do it.

use crate::helpers::TestApp;
use kefu_sheets::{Format, read, write};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

fn xlsx(headers: &[&str], rows: &[&[&str]]) -> Vec<u8> {
    write(headers, rows.iter().map(|r| r.to_vec()), Format::Xlsx).expect("xlsx")
}

fn gb18030_csv(lines: &[&str]) -> Vec<u8> {
    let text = lines.join("\r\n");
    let (bytes, _, failed) = encoding_rs::GB18030.encode(&text);
    assert!(!failed);
    bytes.into_owned()
}

async fn manager(t: &TestApp) -> String {
    t.user_token("boss@shop.test", "经理 Manager", "manager")
        .await
}

async fn upload(
    t: &TestApp,
    path: &str,
    token: &str,
    query: &[(&str, &str)],
    body: Vec<u8>,
) -> reqwest::Response {
    t.http
        .post(t.url(path))
        .bearer_auth(token)
        .query(query)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .expect("request")
}

/// Starts an import and waits until it has run; returns the finished import.
async fn import(t: &TestApp, token: &str, entity: &str, name: &str, body: Vec<u8>) -> Value {
    let r = upload(
        t,
        "/api/v1/imports",
        token,
        &[("entity", entity), ("file_name", name)],
        body,
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::ACCEPTED,
        "{}",
        r.text().await.unwrap()
    );
    let started: Value = r.json().await.unwrap();
    finished(t, token, started["id"].as_i64().unwrap()).await
}

async fn finished(t: &TestApp, token: &str, id: i64) -> Value {
    for _ in 0..300 {
        let v: Value = t
            .get(&format!("/api/v1/imports/{id}"), token)
            .await
            .json()
            .await
            .unwrap();
        if v["status"] != "running" {
            assert_eq!(v["status"], "done", "{v}");
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("import {id} did not finish within 30 s");
}

fn counts(v: &Value) -> [i64; 5] {
    ["created", "updated", "unchanged", "failed", "total"].map(|k| v[k].as_i64().unwrap())
}

async fn error_file(t: &TestApp, token: &str, id: i64, format: &str) -> kefu_sheets::Sheet {
    let r = t
        .get(
            &format!("/api/v1/imports/{id}/errors?format={format}"),
            token,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains(&format!(".errors.{format}")),
        "{disposition}"
    );
    let bytes = r.bytes().await.unwrap();
    read(
        &bytes,
        if format == "csv" {
            Format::Csv
        } else {
            Format::Xlsx
        },
    )
    .unwrap()
}

const CONTACT_HEADERS: [&str; 6] = ["姓名", "手机", "邮箱", "公司", "职位", "标签"];

fn contact_rows() -> Vec<&'static [&'static str]> {
    vec![
        &[
            "张伟",
            "13800138000",
            "zhang.wei@example.cn",
            "深圳华强电子有限公司",
            "采购经理",
            "VIP;老客户",
        ],
        &[
            "李娜",
            "139 0013 9000 / +86 137 0013 7000",
            "",
            "深圳华强电子",
            "",
            "",
        ],
        &["", "13600136000", "", "", "", ""],
        &["王芳", "12345", "", "", "", ""],
        &["张伟（重复）", "+86 138-0013-8000", "", "", "", ""],
        &[
            "John Smith",
            "+1 415 555 0100",
            "john@acme.example",
            "ACME Co., Ltd.",
            "Buyer",
            "",
        ],
    ]
}

#[tokio::test]
async fn an_xlsx_import_reports_bad_rows_and_a_second_run_creates_nothing() {
    let t = TestApp::spawn().await;
    let boss = manager(&t).await;
    let file = xlsx(&CONTACT_HEADERS, &contact_rows());

    let first = import(&t, &boss, "contact", "客户名单.xlsx", file.clone()).await;
    assert_eq!(counts(&first), [3, 0, 0, 3, 6], "{first}");
    assert_eq!(t.count("contacts").await, 3);
    assert_eq!(t.count("organisations").await, 2, "华强 once, ACME once");
    assert_eq!(t.count("contact_identities").await, 6);

    let errors = error_file(&t, &boss, first["id"].as_i64().unwrap(), "csv").await;
    assert_eq!(errors.headers.first().map(String::as_str), Some("line"));
    assert_eq!(errors.headers.last().map(String::as_str), Some("reason"));
    assert_eq!(errors.headers[1..7], CONTACT_HEADERS);
    let lines: Vec<&str> = errors.rows.iter().map(|r| r.cells[0].as_str()).collect();
    assert_eq!(lines, ["4", "5", "6"]);
    assert!(
        errors.rows[0].cells[7].contains("name is required"),
        "{:?}",
        errors.rows[0]
    );
    assert!(
        errors.rows[1].cells[7].contains("not a valid phone"),
        "{:?}",
        errors.rows[1]
    );
    assert!(
        errors.rows[2].cells[7].contains("line 2"),
        "{:?}",
        errors.rows[2]
    );
    assert_eq!(
        errors.rows[1].cells[1], "王芳",
        "the original cells are kept"
    );
    let xlsx_errors = error_file(&t, &boss, first["id"].as_i64().unwrap(), "xlsx").await;
    assert_eq!(xlsx_errors.rows.len(), 3);

    let found: Value = t
        .get("/api/v1/contacts?q=华强", &boss)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["data"].as_array().unwrap().len(), 2, "{found}");
    let li: Value = t
        .get("/api/v1/contacts?q=13700137000", &boss)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        li["data"][0]["name"], "李娜",
        "a second phone in the cell is kept"
    );
    assert_eq!(li["data"][0]["organisation_name"], "深圳华强电子有限公司");

    let again = import(&t, &boss, "contact", "客户名单.xlsx", file).await;
    assert_eq!(counts(&again), [0, 0, 3, 3, 6], "{again}");
    assert_eq!(t.count("contacts").await, 3);
    assert_eq!(t.count("organisations").await, 2);
    assert_eq!(t.count("contact_identities").await, 6);

    let audit = kefu_store::audit::list(&t.app().db, Some("contacts.imported"), 10)
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    let detail: Value = serde_json::from_str(&audit[0].detail).unwrap();
    assert_eq!(detail["counts"]["unchanged"], 3, "{detail}");
}

#[tokio::test]
async fn a_gb18030_csv_fills_in_the_contacts_it_matches() {
    let t = TestApp::spawn().await;
    let boss = manager(&t).await;
    let r = t
        .post(
            "/api/v1/contacts",
            &t.admin_token,
            &json!({ "name": "老客户", "phone": "13800138000" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let existing: Value = r.json().await.unwrap();
    let file = gb18030_csv(&[
        "联系人,电话,微信,国家,备注",
        "陈晓明,+86 138 0013 8000,chen_xm,CN,大客户",
        "赵六,,,CN,",
        "孙七,13900139000,,中国,",
        "周八,13700137000,zhou8,CN,",
    ]);

    let r = upload(
        &t,
        "/api/v1/imports/preview",
        &boss,
        &[("entity", "contact"), ("file_name", "导出.csv")],
        file.clone(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let preview: Value = r.json().await.unwrap();
    assert_eq!(preview["encoding"], "GB18030");
    assert_eq!(preview["mapping"]["联系人"], "name");
    assert_eq!(preview["mapping"]["电话"], "phones");
    assert_eq!(preview["mapping"]["微信"], "wechat");
    assert_eq!(preview["mapping"]["国家"], "country");
    assert_eq!(
        preview["mapping"]["备注"], "",
        "contacts have no notes: ignored"
    );
    let statuses: Vec<&str> = preview["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["update", "error", "error", "create"]);
    assert_eq!(preview["rows"][1]["code"], "no_identity");
    assert_eq!(preview["rows"][2]["code"], "invalid_country");
    assert_eq!(t.count("contacts").await, 1, "a preview writes nothing");

    let done = import(&t, &boss, "contacts", "导出.csv", file.clone()).await;
    assert_eq!(counts(&done), [1, 1, 0, 2, 4], "{done}");
    let id = existing["id"].as_i64().unwrap();
    let contact: Value = t
        .get(&format!("/api/v1/contacts/{id}"), &boss)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(contact["name"], "陈晓明");
    assert_eq!(contact["country"], "CN");
    let kinds: Vec<&str> = contact["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["phone", "wechat"]);
    let audit = kefu_store::audit::list(&t.app().db, Some("contact.updated"), 10)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(audit[0].detail.contains("import_id"), "{}", audit[0].detail);
    assert!(
        audit[0].detail.contains("wechat:chen_xm"),
        "{}",
        audit[0].detail
    );

    let again = import(&t, &boss, "contacts", "导出.csv", file).await;
    assert_eq!(counts(&again), [0, 0, 2, 2, 4], "{again}");
    assert_eq!(t.count("contacts").await, 2);
}

#[tokio::test]
async fn organisations_are_matched_by_name_and_choices_by_label() {
    let t = TestApp::spawn().await;
    let boss = manager(&t).await;
    let file = xlsx(
        &["公司", "会员等级", "来源", "主营", "备注", "税号"],
        &[
            &[
                "深圳华强电子有限公司",
                "交易会员",
                "微信",
                "电子元件、LED",
                "老客户",
                "",
            ],
            &["深圳华强电子", "", "", "", "", ""],
            &["ACME Ltd", "Gold", "", "", "", ""],
            &[
                "Globex GmbH",
                "Registered",
                "website",
                "",
                "",
                "DE123456789",
            ],
        ],
    );
    let done = import(&t, &boss, "organisation", "企业.xlsx", file.clone()).await;
    assert_eq!(counts(&done), [2, 0, 0, 2, 4], "{done}");
    let errors = error_file(&t, &boss, done["id"].as_i64().unwrap(), "xlsx").await;
    assert!(errors.rows[0].cells.last().unwrap().contains("line 2"));
    assert!(
        errors.rows[1]
            .cells
            .last()
            .unwrap()
            .contains("'Gold' is not in the list")
    );
    let list: Value = t
        .get("/api/v1/organisations?q=华强", &boss)
        .await
        .json()
        .await
        .unwrap();
    let org = &list["data"][0];
    assert_eq!(org["member_level"], "trading");
    assert_eq!(org["source_channel"], "wechat");
    assert_eq!(org["products"], json!(["电子元件", "LED"]));
    assert_eq!(org["notes"], "老客户");

    let again = import(&t, &boss, "organisation", "企业.xlsx", file).await;
    assert_eq!(counts(&again), [0, 0, 2, 2, 4], "{again}");
    assert_eq!(t.count("organisations").await, 2);
}

#[tokio::test]
async fn a_saved_mapping_reads_files_with_other_headers() {
    let t = TestApp::spawn().await;
    let boss = manager(&t).await;
    let mapping = json!({ "客户": "name", "联系方式": "phones", "备用": "" });
    let r = t
        .post(
            "/api/v1/import-mappings",
            &boss,
            &json!({ "entity": "contact", "name": "淘宝导出", "mapping": mapping }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let saved: Value = r.json().await.unwrap();
    let again = t
        .post(
            "/api/v1/import-mappings",
            &boss,
            &json!({ "entity": "contact", "name": "淘宝导出", "mapping": mapping }),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let bad = t
        .post(
            "/api/v1/import-mappings",
            &boss,
            &json!({ "entity": "contact", "name": "x", "mapping": { "a": "shoe_size" } }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let list: Value = t
        .get("/api/v1/import-mappings?entity=contact", &boss)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["mapping"], mapping);

    let file = xlsx(
        &["客户", "联系方式", "备用"],
        &[&["刘洋", "13500135000", "x"]],
    );
    let without = upload(
        &t,
        "/api/v1/imports",
        &boss,
        &[("entity", "contact"), ("file_name", "tb.xlsx")],
        file.clone(),
    )
    .await;
    assert_eq!(without.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = without.json().await.unwrap();
    assert_eq!(body["error"]["code"], "name_not_mapped");

    let id = saved["id"].as_i64().unwrap().to_string();
    let r = upload(
        &t,
        "/api/v1/imports",
        &boss,
        &[
            ("entity", "contact"),
            ("file_name", "tb.xlsx"),
            ("mapping_id", &id),
        ],
        file,
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let started: Value = r.json().await.unwrap();
    let done = finished(&t, &boss, started["id"].as_i64().unwrap()).await;
    assert_eq!(counts(&done), [1, 0, 0, 0, 1]);

    let path = format!("/api/v1/import-mappings/{id}");
    let gone = t
        .http
        .delete(t.url(&path))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let twice = t
        .http
        .delete(t.url(&path))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unreadable_files_are_refused_with_a_reason() {
    let t = TestApp::spawn().await;
    let boss = manager(&t).await;
    let r = upload(
        &t,
        "/api/v1/imports",
        &boss,
        &[("entity", "contact"), ("file_name", "客户.xlsx")],
        b"not a workbook".to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unreadable_file");
    assert!(body["error"]["message"].as_str().unwrap().contains(".xlsx"));
    let r = upload(
        &t,
        "/api/v1/imports",
        &boss,
        &[("entity", "shoes"), ("file_name", "a.csv")],
        b"name\nx".to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.count("imports").await, 0);

    // Uploads may be far larger than the 1 MiB other requests are held to.
    let mut big = String::from("姓名,手机\n");
    for i in 0..100_000 {
        big.push_str(&format!("客户{i},139{i:08}\n"));
    }
    assert!(big.len() > 2 * 1024 * 1024);
    let r = upload(
        &t,
        "/api/v1/imports/preview",
        &boss,
        &[("entity", "contact"), ("file_name", "big.csv")],
        big.into_bytes(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let preview: Value = r.json().await.unwrap();
    assert_eq!(preview["total_rows"], 100_000);
    assert_eq!(preview["rows"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn exports_follow_the_filters_and_columns_and_are_audited() {
    let t = TestApp::spawn().await;
    let boss = manager(&t).await;
    for (name, phone, country, tag) in [
        ("张伟", "13800138000", "CN", "VIP"),
        ("李娜", "13900139000", "CN", ""),
        ("John", "+14155550100", "US", "VIP"),
    ] {
        let r = t
            .post(
                "/api/v1/contacts",
                &boss,
                &json!({ "name": name, "phone": phone, "country": country, "tags": [tag] }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = t
        .get(
            "/api/v1/contacts/export?country=CN&columns=name,phones,tags&format=xlsx",
            &boss,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("contacts-") && disposition.contains(".xlsx"));
    let sheet = read(&r.bytes().await.unwrap(), Format::Xlsx).unwrap();
    assert_eq!(sheet.headers, ["name", "phones", "tags"]);
    let mut rows: Vec<Vec<String>> = sheet
        .rows
        .into_iter()
        .map(|mut r| {
            r.cells.resize(3, String::new());
            r.cells
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            ["张伟", "+8613800138000", "VIP"].map(String::from).to_vec(),
            ["李娜", "+8613900139000", ""].map(String::from).to_vec(),
        ]
    );

    let r = t
        .get(
            "/api/v1/contacts/export?tag=VIP&columns=name&format=csv",
            &boss,
        )
        .await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let sheet = read(&r.bytes().await.unwrap(), Format::Csv).unwrap();
    assert_eq!(sheet.rows.len(), 2);

    let r = t
        .get("/api/v1/contacts/export?columns=name,shoe_size", &boss)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let r = t
        .get("/api/v1/organisations/export?format=csv", &boss)
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let audit: Value = t
        .get("/api/v1/audit?action=contacts.exported", &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let entries = audit["data"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{audit}");
    let detail: Value = serde_json::from_str(entries[1]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["rows"], 2);
    assert_eq!(detail["columns"], json!(["name", "phones", "tags"]));
    assert_eq!(detail["filters"]["country"], "CN");
    assert_eq!(entries[1]["actor_name"], "经理 Manager");
    let orgs = kefu_store::audit::list(&t.app().db, Some("organisations.exported"), 10)
        .await
        .unwrap();
    assert_eq!(orgs.len(), 1);
}

#[tokio::test]
async fn agents_and_supervisors_may_neither_import_nor_export() {
    let t = TestApp::spawn().await;
    let file = xlsx(&CONTACT_HEADERS, &contact_rows());
    for (email, role) in [
        ("agent@shop.test", "agent"),
        ("sup@shop.test", "supervisor"),
    ] {
        let token = t.user_token(email, role, role).await;
        for path in ["/api/v1/imports/preview", "/api/v1/imports"] {
            let r = upload(
                &t,
                path,
                &token,
                &[("entity", "contact"), ("file_name", "a.xlsx")],
                file.clone(),
            )
            .await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{role} {path}");
        }
        for path in [
            "/api/v1/contacts/export",
            "/api/v1/organisations/export",
            "/api/v1/import-mappings",
        ] {
            assert_eq!(t.get(path, &token).await.status(), StatusCode::FORBIDDEN);
        }
    }
    assert_eq!(t.count("contacts").await, 0);
    assert_eq!(
        kefu_store::audit::list(&t.app().db, Some("contacts.exported"), 10)
            .await
            .unwrap()
            .len(),
        0
    );
}

fn multipart(boundary: &str, csrf: &str, entity: &str, name: &str, file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, value) in [("csrf", csrf), ("entity", entity)] {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .bytes(),
    );
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    body
}

#[tokio::test]
async fn the_workspace_imports_a_file_in_steps() {
    let t = TestApp::spawn().await;
    t.user_token("boss@shop.test", "经理", "manager").await;
    let (cookie, csrf) = t.sign_in("boss@shop.test", crate::helpers::PASSWORD).await;
    let page = t
        .http
        .get(t.url("/app/customers/import"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("multipart/form-data"));

    let file = xlsx(&CONTACT_HEADERS, &contact_rows());
    let r = t
        .http
        .post(t.url("/app/customers/import"))
        .header("cookie", &cookie)
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(multipart("XyZ", &csrf, "contact", "客户.xlsx", &file))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    let html = t
        .http
        .get(t.url(&to))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("name=\"map_0\""), "a select per column");
    assert!(
        html.contains("value=\"name\" selected"),
        "suggested mapping"
    );
    assert!(
        html.contains("王芳") && html.contains("not a valid phone"),
        "the preview shows reasons"
    );
    assert_eq!(t.count("contacts").await, 0);

    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("action".into(), "start".into()),
    ];
    for (i, f) in ["name", "phones", "emails", "organisation", "title", "tags"]
        .iter()
        .enumerate()
    {
        form.push((format!("map_{i}"), (*f).into()));
    }
    let r = t
        .http
        .post(t.url(&to))
        .header("cookie", &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
    let admin = t.admin_token.clone();
    let done = finished(&t, &admin, id).await;
    assert_eq!(counts(&done), [3, 0, 0, 3, 6]);
    assert_eq!(
        t.count("import_files").await,
        0,
        "the upload is not kept after its import"
    );
    let html = t
        .http
        .get(t.url(&to))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("/api/v1/imports/{id}/errors?format=xlsx")));

    let export = t
        .http
        .get(t.url("/app/customers/export?entity=contact&country=CN"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(export.contains("name=\"col.phones\""));
    assert!(
        !export.contains("transfer-") && !html.contains("transfer-"),
        "every text is translated"
    );
    assert!(export.contains("name=\"country\" value=\"CN\""));
    let r = t
        .http
        .post(t.url("/app/customers/export"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("entity", "contact"),
            ("q", "John"),
            ("col.name", "on"),
            ("format", "csv"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let sheet = read(&r.bytes().await.unwrap(), Format::Csv).unwrap();
    assert_eq!(sheet.headers, ["name"]);
    assert_eq!(sheet.rows.len(), 1, "the search selects John Smith alone");
    assert_eq!(sheet.rows[0].cells, ["John Smith"]);

    let r = t
        .http
        .post(t.url("/app/profile/locale"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("value", "zh-CN")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for page in [
        "/app/customers/import",
        "/app/customers/export?entity=organisation",
        to.as_str(),
    ] {
        let html = t
            .http
            .get(t.url(page))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains("transfer-"), "{page} is translated:\n{html}");
        assert!(
            html.contains("导入客户") || html.contains("导出客户"),
            "{page} is in Chinese"
        );
    }
}

#[tokio::test]
async fn imported_records_join_the_duplicates_view() {
    let t = TestApp::spawn().await;
    let boss = manager(&t).await;
    let r = t
        .post(
            "/api/v1/contacts",
            &t.admin_token,
            &json!({ "name": "Li Wei", "email": "liwei@gmail.com" }),
        )
        .await;
    let existing: Value = r.json().await.unwrap();
    let r = t
        .post(
            "/api/v1/organisations",
            &t.admin_token,
            &json!({ "name": "Acme Trading", "tax_no": "91310000MA1K000001" }),
        )
        .await;
    let acme: Value = r.json().await.unwrap();

    let file = xlsx(
        &["姓名", "邮箱", "手机", "公司"],
        &[
            &["李伟", "Li.Wei+shop@gmail.com", "", "义乌小商品城"],
            &["张伟", "", "13900139000", "义乌小商品城"],
            &[" 张 伟 ", "zw@example.cn", "", "义乌小商品城"],
        ],
    );
    let run = import(&t, &boss, "contact", "contacts.xlsx", file).await;
    assert_eq!(counts(&run)[0], 3, "{run}");
    let orgs = xlsx(
        &["公司名称", "税号"],
        &[&["ACME Tradng Co., Ltd.", "91310000MA1K000002"]],
    );
    let run = import(&t, &boss, "organisation", "orgs.xlsx", orgs).await;
    assert_eq!(counts(&run)[0], 1, "{run}");

    let list: Value = t
        .get("/api/v1/duplicates?entity=contact", &boss)
        .await
        .json()
        .await
        .unwrap();
    let reasons: Vec<(String, bool)> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let ids = [p["a"]["id"].as_i64(), p["b"]["id"].as_i64()];
            (
                p["reasons"][0].as_str().unwrap().to_owned(),
                ids.contains(&existing["id"].as_i64()),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("same_name_in_organisation".to_owned(), false),
            ("same_email".to_owned(), true)
        ],
        "{list}"
    );
    let list: Value = t
        .get("/api/v1/duplicates?entity=organisation", &boss)
        .await
        .json()
        .await
        .unwrap();
    let pair = &list["data"][0];
    assert_eq!(pair["a"]["id"], acme["id"], "{list}");
    assert_eq!(pair["b"]["name"], "ACME Tradng Co., Ltd.", "{list}");
    assert!(
        pair["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("similar_name")),
        "{list}"
    );
}
