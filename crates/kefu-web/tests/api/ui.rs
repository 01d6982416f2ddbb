//! The workspace pages: both languages, escaped customer text, the live list's row fragment.

use crate::helpers::{PASSWORD, TestApp};
use reqwest::StatusCode;

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
