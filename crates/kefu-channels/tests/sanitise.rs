//! HTML sanitising: what an email's HTML may keep, and how blocked images come back.

use kefu_channels::email::{REMOTE_SRC_ATTR, SafeHtml, sanitise_html};

#[test]
fn scripts_handlers_and_forms_are_removed() {
    let safe = sanitise_html(
        "<script>alert(1)</script><p onclick=\"x()\" onmouseover=x()>hi</p>\
         <form action=/x><input name=p><textarea>t</textarea><select><option>o</select></form>\
         <iframe src=https://e.example></iframe><embed src=x><object data=x></object>\
         <base href=https://e.example/><meta http-equiv=refresh content=0><link rel=stylesheet href=x>",
    );
    let html = safe.as_str();
    for banned in [
        "<script",
        "onclick",
        "onmouseover",
        "<form",
        "<input",
        "<textarea",
        "<select",
        "<iframe",
        "<embed",
        "<object",
        "<base",
        "<meta",
        "<link",
        "alert",
    ] {
        assert!(!html.contains(banned), "{banned} survived in {html}");
    }
    assert!(html.contains("<p>hi</p>"));
}

#[test]
fn javascript_and_data_links_lose_their_href() {
    let html = sanitise_html(
        "<a href=\"javascript:alert(1)\">a</a><a href=\" JaVaScRiPt:alert(1)\">b</a>\
         <a href=\"data:text/html;base64,PHNjcmlwdD4=\">c</a><a href=\"vbscript:x\">d</a>",
    );
    assert!(!html.as_str().contains("href"), "{}", html.as_str());
}

#[test]
fn remote_images_are_parked_until_allowed() {
    let safe = sanitise_html(
        "<img src=\"https://t.example/p.gif?a=1&amp;b=2\" width=1 height=1><img src=//cdn.example/x.png>",
    );
    assert!(!safe.as_str().contains(" src="), "{}", safe.as_str());
    assert!(safe.as_str().contains(&format!(
        "{REMOTE_SRC_ATTR}=\"https://t.example/p.gif?a=1&amp;b=2\""
    )));
    let allowed = safe.with_remote_images();
    assert!(allowed.contains("<img src=\"https://t.example/p.gif?a=1&amp;b=2\""));
    assert!(
        allowed.contains("<img src=\"https://cdn.example/x.png\""),
        "{allowed}"
    );
    assert!(!allowed.contains(REMOTE_SRC_ATTR));
}

#[test]
fn text_that_mentions_the_parking_attribute_stays_text() {
    let safe = sanitise_html(
        "<p>data-kefu-remote-src=\"https://e.example/x\"</p><p data-kefu-remote-src=x>y</p>",
    );
    let allowed = safe.with_remote_images();
    assert!(!allowed.contains("<img"));
    assert!(!allowed.contains("<p src"));
    assert!(!allowed.contains("<p data-kefu"));
}

#[test]
fn a_forged_interim_marker_is_rejected() {
    let safe = sanitise_html("<img src=\"kefu-remote:https://e.example/x\">");
    assert!(
        !safe.with_remote_images().contains("e.example"),
        "{}",
        safe.as_str()
    );
}

#[test]
fn cid_images_are_rewritten_to_attachment_urls() {
    let safe = sanitise_html(
        "<img src=\"cid:logo@x\"><img src=\"cid:<gone@x>\"><img src=https://e.example/a>",
    );
    let html =
        safe.with_cid(|cid| (cid == "logo@x").then(|| "/attachments/7?a=1&b=\"2\"".to_owned()));
    assert!(
        html.contains("<img src=\"/attachments/7?a=1&amp;b=&quot;2&quot;\">"),
        "{html}"
    );
    assert!(html.contains("<img src=\"\">"), "{html}");
    assert!(html.contains(REMOTE_SRC_ATTR));
}

#[test]
fn small_raster_data_images_stay_but_svg_does_not() {
    let safe = sanitise_html(
        "<img src=\"data:image/png;base64,iVBORw0KGgo=\"><img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
    );
    assert!(safe.as_str().contains("data:image/png"));
    assert!(!safe.as_str().contains("svg"), "{}", safe.as_str());
}

#[test]
fn css_that_escapes_its_box_is_removed() {
    let safe = sanitise_html(
        "<div style=\"position:fixed;top:0;z-index:99;margin-left:-3000px;color:#333;\
         background:url(https://t.example/x);width:expression(alert(1));font-size:14px\">x</div>\
         <style>body{display:none}</style>",
    );
    assert_eq!(
        safe.as_str(),
        "<div style=\"color:#333;font-size:14px;\">x</div>"
    );
}

#[test]
fn links_open_in_a_new_window_without_referrer() {
    let safe = sanitise_html("<a href=\"https://shop.example/\">shop</a>");
    assert_eq!(
        safe.as_str(),
        "<a href=\"https://shop.example/\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">shop</a>"
    );
}

#[test]
fn the_isolated_document_forbids_scripts_and_foreign_loads() {
    let doc = SafeHtml::isolated_document("<p>x</p>", "data: \"><script>");
    assert!(doc.contains("default-src 'none'"));
    assert!(doc.contains("img-src data: script"));
    assert!(!doc.contains("\"><script>"));
    assert!(doc.contains("<body><p>x</p></body>"));
}

#[test]
fn chinese_email_formatting_survives() {
    let safe = sanitise_html(
        "<table width=\"600\" cellpadding=\"0\"><tr><td bgcolor=\"#ffffff\" valign=\"top\">\
         <font face=\"微软雅黑\" color=\"#333333\">您好</font></td></tr></table>",
    );
    let html = safe.as_str();
    assert!(
        html.contains("<font face=\"微软雅黑\" color=\"#333333\">您好</font>"),
        "{html}"
    );
    assert!(html.contains("bgcolor=\"#ffffff\""), "{html}");
}

#[test]
fn absurdly_nested_html_is_shown_as_escaped_text() {
    let html = format!(
        "{}<script>x()</script>deep <img src=https://t.example/p>",
        "<div>".repeat(20_000)
    );
    let safe = sanitise_html(&html);
    assert!(
        safe.as_str()
            .starts_with("<p style=\"white-space:pre-wrap;\">")
    );
    assert!(safe.as_str().contains("deep"));
    assert!(!safe.as_str().contains("<div") && !safe.as_str().contains("<img"));
}
