//! Attachments: uploads with a reply or in the widget, downloads with safe headers,
//! per-inbox size limits, who may read a file, and blobs stored once.

use crate::helpers::{TestApp, status_and_json};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

/// A 1×1 transparent PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

fn file(name: &str, content_type: &str, bytes: &[u8]) -> Part {
    Part::bytes(bytes.to_vec())
        .file_name(name.to_owned())
        .mime_str(content_type)
        .expect("mime")
}

impl TestApp {
    /// An agent posts a message with files as a multipart form.
    async fn agent_sends(&self, conversation: i64, token: &str, form: Form) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url(&format!("/api/v1/conversations/{conversation}/messages")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("request");
        status_and_json(r).await
    }

    /// A widget visitor posts a message with files.
    async fn visitor_sends(&self, widget: &str, visitor: &str, form: Form) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url("/widget/v1/messages"))
            .header("x-kefu-widget", widget)
            .header("x-kefu-visitor", visitor)
            .multipart(form)
            .send()
            .await
            .expect("request");
        status_and_json(r).await
    }

    async fn visitor_fetches(&self, widget: &str, visitor: &str, url: &str) -> reqwest::Response {
        self.http
            .get(self.url(url))
            .header("x-kefu-widget", widget)
            .header("x-kefu-visitor", visitor)
            .send()
            .await
            .expect("request")
    }

    /// Blob files in this server's store (temporary files not counted).
    fn blob_files(&self) -> usize {
        fn walk(dir: &std::path::Path) -> usize {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return 0;
            };
            entries
                .flatten()
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() {
                        if e.file_name() == "tmp" {
                            0
                        } else {
                            walk(&path)
                        }
                    } else {
                        1
                    }
                })
                .sum()
        }
        walk(&self.server.blob_dir)
    }
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_reply_with_a_file_downloads_back_byte_for_byte_with_safe_headers() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, visitor) = t.conversation(&widget, "发票能开吗？").await;
    let pdf: Vec<u8> = b"%PDF-1.7\n"
        .iter()
        .copied()
        .chain((0..=255u8).cycle().take(50_000))
        .collect();

    let form = Form::new()
        .text("body", "发票见附件")
        .part("files", file("发票.pdf", "application/pdf", &pdf));
    let (status, posted) = t.agent_sends(conversation, &t.admin_token, form).await;

    assert_eq!(status, StatusCode::CREATED, "{posted}");
    let a = &posted["message"]["attachments"][0];
    assert_eq!(a["filename"], "发票.pdf");
    assert_eq!(a["content_type"], "application/pdf");
    assert_eq!(a["size"], pdf.len());
    assert_eq!(a["preview"], false);
    let url = a["url"].as_str().expect("url").to_owned();
    assert_eq!(url, format!("/api/v1/attachments/{}", a["id"]));

    let r = t.get(&url, &t.admin_token).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-type"), "application/pdf");
    assert_eq!(
        header(&r, "content-disposition"),
        "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E5%8F%91%E7%A5%A8.pdf"
    );
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    assert!(header(&r, "cache-control").starts_with("private"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice());

    // The thread lists it; the visitor reads it from the widget's own address.
    let page: Value = t
        .get(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &t.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["data"][1]["attachments"][0]["filename"], "发票.pdf");
    assert_eq!(page["data"][0]["attachments"], json!([]));
    let seen = t
        .visitor_fetches(
            &widget,
            &visitor,
            &format!("/widget/v1/attachments/{}", a["id"]),
        )
        .await;
    assert_eq!(seen.status(), StatusCode::OK);
    assert_eq!(seen.bytes().await.unwrap().as_ref(), pdf.as_slice());
}

#[tokio::test]
async fn images_are_previewed_by_their_bytes_and_html_or_svg_never_inline() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "看图").await;
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>";
    let html = b"<html><script>alert(document.cookie)</script></html>";
    let form = Form::new()
        .part("files", file("photo.bin", "application/octet-stream", PNG))
        .part("files", file("logo.svg", "image/svg+xml", svg))
        .part("files", file("page.html", "text/html", html))
        .part("files", file("fake.png", "image/png", html));
    let (status, posted) = t.agent_sends(conversation, &t.admin_token, form).await;
    assert_eq!(status, StatusCode::CREATED, "{posted}");
    assert_eq!(posted["message"]["body"], "", "files alone need no text");

    let files = posted["message"]["attachments"].as_array().unwrap().clone();
    let expected = [
        ("image/png", true, "inline"),
        ("image/svg+xml", false, "attachment"),
        ("text/html", false, "attachment"),
        ("application/octet-stream", false, "attachment"),
    ];
    for (f, (content_type, preview, disposition)) in files.iter().zip(expected) {
        assert_eq!(f["content_type"], content_type, "{f}");
        assert_eq!(f["preview"], preview, "{f}");
        let r = t.get(f["url"].as_str().unwrap(), &t.admin_token).await;
        assert_eq!(header(&r, "content-type"), content_type);
        assert!(
            header(&r, "content-disposition").starts_with(disposition),
            "{f}: {}",
            header(&r, "content-disposition")
        );
        assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    }
}

#[tokio::test]
async fn a_file_over_the_inbox_limit_is_refused_and_nothing_is_stored() {
    let t = TestApp::spawn().await;
    let (inbox, widget) = t.widget_inbox(None).await;
    let (conversation, visitor) = t.conversation(&widget, "你好").await;
    let r = t
        .put(
            &format!("/api/v1/inboxes/{inbox}/attachment-limit"),
            &t.admin_token,
            &json!({ "max_attachment_bytes": 1_000 }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let before = t.count("messages").await;

    let big = vec![7u8; 3 * 1024 * 1024];
    let form = Form::new()
        .text("body", "合同")
        .part("files", file("合同.pdf", "application/pdf", &big));
    let (status, err) = t.agent_sends(conversation, &t.admin_token, form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["code"], "attachment_too_large");
    assert_eq!(
        err["error"]["message"],
        "合同.pdf is 3 MB; this inbox accepts files up to 1000 B"
    );

    let form = Form::new().part("files", file("photo.png", "image/png", &big));
    let (status, err) = t.visitor_sends(&widget, &visitor, form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");

    assert_eq!(t.count("messages").await, before);
    assert_eq!(t.count("attachments").await, 0);
    assert_eq!(t.blob_files(), 0);
}

#[tokio::test]
async fn only_the_visitor_of_the_conversation_and_staff_may_download_its_files() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let visitor = t.visitor(&widget).await;
    let form = Form::new()
        .text("body", "订单截图")
        .part("files", file("截图.png", "image/png", PNG));
    let (status, posted) = t.visitor_sends(&widget, &visitor, form).await;
    assert_eq!(status, StatusCode::CREATED, "{posted}");
    let url = posted["message"]["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = posted["message"]["attachments"][0]["id"].as_i64().unwrap();
    assert_eq!(url, format!("/widget/v1/attachments/{id}"));
    let conversation = posted["message"]["conversation_id"].as_i64().unwrap();

    assert_eq!(
        t.visitor_fetches(&widget, &visitor, &url).await.status(),
        StatusCode::OK
    );
    let stranger = t.visitor(&widget).await;
    let r = t.visitor_fetches(&widget, &stranger, &url).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = t.http.get(t.url(&url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let staff_url = format!("/api/v1/attachments/{id}");
    let r = t.http.get(t.url(&staff_url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let agent = t.user_token("agent@shop.test", "小王", "agent").await;
    assert_eq!(t.get(&staff_url, &agent).await.status(), StatusCode::OK);

    // A private note's file stays with staff, even in the visitor's own conversation.
    let form = Form::new()
        .text("private", "true")
        .part("files", file("内部.txt", "text/plain", b"refund approved"));
    let (status, note) = t.agent_sends(conversation, &agent, form).await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    assert_eq!(note["message"]["kind"], "note");
    let note_id = note["message"]["attachments"][0]["id"].as_i64().unwrap();
    let r = t
        .visitor_fetches(
            &widget,
            &visitor,
            &format!("/widget/v1/attachments/{note_id}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let thread: Value = t
        .visitor_fetches(&widget, &visitor, "/widget/v1/messages")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(thread["messages"].as_array().unwrap().len(), 1);
    assert_eq!(thread["messages"][0]["attachments"][0]["url"], url.as_str());
}

#[tokio::test]
async fn the_same_bytes_sent_twice_are_stored_once() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, visitor) = t.conversation(&widget, "再发一次").await;
    let bytes = b"%PDF-1.4 same invoice".to_vec();
    for _ in 0..2 {
        let form = Form::new().part("files", file("invoice.pdf", "application/pdf", &bytes));
        let (status, _) = t.agent_sends(conversation, &t.admin_token, form).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let form = Form::new().part("files", file("mine.pdf", "application/pdf", &bytes));
    assert_eq!(
        t.visitor_sends(&widget, &visitor, form).await.0,
        StatusCode::CREATED
    );
    assert_eq!(t.count("attachments").await, 3);
    assert_eq!(t.blob_files(), 1);
}

#[tokio::test]
async fn a_repeated_client_id_attaches_nothing_twice() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (conversation, _) = t.conversation(&widget, "hi").await;
    let send = || {
        Form::new()
            .text("client_id", "c-42")
            .part("files", file("a.txt", "text/plain", b"hello"))
    };
    let (first, a) = t.agent_sends(conversation, &t.admin_token, send()).await;
    let (again, b) = t.agent_sends(conversation, &t.admin_token, send()).await;
    assert_eq!((first, again), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(a["message"]["id"], b["message"]["id"]);
    assert_eq!(
        b["message"]["attachments"][0]["id"],
        a["message"]["attachments"][0]["id"]
    );
    assert_eq!(t.count("attachments").await, 1);
}

#[tokio::test]
async fn an_inbox_limit_outside_what_kefu_accepts_is_refused() {
    let t = TestApp::spawn().await;
    let (inbox, _) = t.widget_inbox(None).await;
    let path = format!("/api/v1/inboxes/{inbox}/attachment-limit");
    for bad in [0_i64, 100 * 1024 * 1024] {
        let r = t
            .put(
                &path,
                &t.admin_token,
                &json!({ "max_attachment_bytes": bad }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let agent = t.user_token("agent@shop.test", "小王", "agent").await;
    let r = t
        .put(&path, &agent, &json!({ "max_attachment_bytes": 1000 }))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let got: Value = t
        .get(&format!("/api/v1/inboxes/{inbox}"), &t.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["max_attachment_bytes"], Value::Null);
}
