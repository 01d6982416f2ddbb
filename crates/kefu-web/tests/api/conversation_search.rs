//! Finding conversations by what was written in them (`GET /api/v1/conversations?q=`):
//! Chinese words inside sentences, English in any case, ticket numbers and subjects,
//! paging, erasure, and the backfill of messages written before search existed.

use crate::helpers::{PASSWORD, TestApp};
use kefu_web::extract::urlencode;
use reqwest::StatusCode;
use sea_query::{Alias, Expr, Query};
use serde_json::{Value, json};

/// Every conversation id the search lists, page by page (`limit` per page), newest first.
async fn search(t: &TestApp, q: &str, limit: u64) -> Vec<i64> {
    let q = urlencode(q);
    let mut path = format!("/api/v1/conversations?view=all&q={q}&limit={limit}");
    let mut seen = Vec::new();
    loop {
        let r = t.get(&path, &t.admin_token).await;
        assert_eq!(r.status(), StatusCode::OK);
        let page: Value = r.json().await.unwrap();
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => {
                path = format!("/api/v1/conversations?view=all&q={q}&limit={limit}&cursor={c}")
            }
            None => return seen,
        }
    }
}

#[tokio::test]
async fn words_inside_sentences_are_found_in_chinese_and_in_english_of_any_case() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (earphones, _) = t
        .conversation(
            &widget,
            "你好，我上周买的蓝牙耳机到现在还没有收到发票，麻烦查一下",
        )
        .await;
    let (parcel, _) = t
        .conversation(
            &widget,
            "Where is my ORDER? Tracking says Delivered but nothing came.",
        )
        .await;
    let (_other, _) = t.conversation(&widget, "请问周末发货吗").await;

    assert_eq!(search(&t, "蓝牙耳机 发票", 20).await, [earphones]);
    assert_eq!(search(&t, "耳机", 20).await, [earphones]);
    assert_eq!(search(&t, "order", 20).await, [parcel]);
    assert_eq!(search(&t, "TRACKING deliv", 20).await, [parcel]);
    assert!(
        search(&t, "蓝牙 order", 20).await.is_empty(),
        "every word must be in one message"
    );
    assert!(search(&t, "发票 Delivered", 20).await.is_empty());

    // Replies and private notes are written through the same path and found too.
    let note = t
        .post(
            &format!("/api/v1/conversations/{parcel}/messages"),
            &t.admin_token,
            &json!({ "body": "客户要求换货，已联系仓库", "private": true }),
        )
        .await;
    assert_eq!(note.status(), StatusCode::CREATED);
    assert_eq!(search(&t, "换货 仓库", 20).await, [parcel]);
}

#[tokio::test]
async fn a_ticket_is_found_by_its_number_and_by_words_of_its_subject() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (refund, _) = t.conversation(&widget, "钱什么时候退给我").await;
    let (other, _) = t.conversation(&widget, "另一个问题").await;
    let r = t
        .put(
            &format!("/api/v1/conversations/{refund}/ticket"),
            &t.admin_token,
            &json!({ "subject": "退款申请 Refund request", "priority": "normal" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let number = refund + 10_000;
    assert_eq!(search(&t, &format!("#{number}"), 20).await, [refund]);
    assert_eq!(search(&t, &number.to_string(), 20).await, [refund]);
    assert_eq!(search(&t, &(other + 10_000).to_string(), 20).await, [other]);
    assert_eq!(search(&t, "退款", 20).await, [refund]);
    assert_eq!(search(&t, "REFUND req", 20).await, [refund]);

    // A new subject replaces the old one's words.
    t.put(
        &format!("/api/v1/conversations/{refund}/ticket"),
        &t.admin_token,
        &json!({ "subject": "物流查询", "priority": "normal" }),
    )
    .await;
    assert!(search(&t, "退款", 20).await.is_empty());
    assert_eq!(search(&t, "物流", 20).await, [refund]);
}

#[tokio::test]
async fn search_results_page_by_cursor_newest_activity_first_and_keep_other_filters() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let mut invoices = Vec::new();
    for i in 0..7 {
        invoices.push(
            t.conversation(&widget, &format!("第{i}单需要开发票"))
                .await
                .0,
        );
        t.conversation(&widget, &format!("第{i}单什么时候发货"))
            .await;
    }
    invoices.reverse();
    assert_eq!(search(&t, "发票", 3).await, invoices);

    // Resolving one is activity (it comes first) and the status filter still applies.
    let resolved = invoices[4];
    t.post(
        &format!("/api/v1/conversations/{resolved}/status"),
        &t.admin_token,
        &json!({ "status": "resolved" }),
    )
    .await;
    assert_eq!(search(&t, "发票", 3).await[0], resolved);
    let path = format!(
        "/api/v1/conversations?view=all&status=open&q={}",
        urlencode("发票")
    );
    let open: Value = t.get(&path, &t.admin_token).await.json().await.unwrap();
    let open: Vec<i64> = open["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let still_open: Vec<i64> = invoices
        .iter()
        .copied()
        .filter(|&id| id != resolved)
        .collect();
    assert_eq!(open, still_open);
}

#[tokio::test]
async fn a_word_in_more_messages_than_the_index_hands_over_is_found_by_walking_the_list() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (busy, _) = t.conversation(&widget, "开始").await;
    let (b, _) = t.conversation(&widget, "请开发票").await;
    let (c, _) = t.conversation(&widget, "发票抬头写错了").await;
    t.conversation(&widget, "没有关系").await;
    // More matching messages than one index read takes (5,000), all in one conversation.
    let tokens = kefu_app::conversation_search::message_tokens("发票 invoice");
    let db = &t.app().db;
    for chunk in 0..6 {
        let mut insert = Query::insert();
        insert.into_table(Alias::new("messages")).columns(
            [
                "conversation_id",
                "kind",
                "body",
                "search_tokens",
                "created_at",
            ]
            .map(Alias::new),
        );
        for _ in 0..1_000 {
            insert.values_panic([
                busy.into(),
                "incoming".into(),
                "发票 invoice".into(),
                tokens.clone().into(),
                Expr::val(chunk),
            ]);
        }
        db.execute(&insert).await.unwrap();
    }

    assert_eq!(search(&t, "发票", 2).await, [c, b, busy]);
    assert_eq!(search(&t, "发票 INVOICE", 2).await, [busy]);
    assert_eq!(search(&t, "发票 抬头", 2).await, [c]);
}

#[tokio::test]
async fn an_erased_customers_words_are_no_longer_found() {
    let t = TestApp::spawn().await;
    let manager = t.user_token("mgr@shop.test", "陈经理", "manager").await;
    let (_, widget) = t.widget_inbox(None).await;
    let (erased, _) = t.conversation(&widget, "我住在北京市朝阳区幸福小区").await;
    let (kept, _) = t.conversation(&widget, "朝阳区能送货吗").await;
    assert_eq!(search(&t, "朝阳", 20).await, [kept, erased]);

    let contact = t.contact_of(erased).await;
    let r = t
        .post(
            &format!("/api/v1/contacts/{contact}/erase"),
            &manager,
            &json!({ "reason": "客户要求删除" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(search(&t, "朝阳", 20).await, [kept]);
    assert!(search(&t, "幸福小区", 20).await.is_empty());
}

#[tokio::test]
async fn the_backfill_job_gives_earlier_messages_and_subjects_their_tokens() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (a, _) = t.conversation(&widget, "蓝牙耳机坏了").await;
    let (b, _) = t.conversation(&widget, "Bluetooth headset broken").await;
    t.put(
        &format!("/api/v1/conversations/{b}/ticket"),
        &t.admin_token,
        &json!({ "subject": "售后维修", "priority": "normal" }),
    )
    .await;

    // As an install upgraded from before message search: nothing has tokens.
    let db = &t.app().db;
    db.execute(
        &Query::update()
            .table(Alias::new("messages"))
            .value(Alias::new("search_tokens"), "")
            .take(),
    )
    .await
    .unwrap();
    db.execute(
        &Query::delete()
            .from_table(Alias::new("conversation_subjects"))
            .take(),
    )
    .await
    .unwrap();
    assert!(search(&t, "耳机", 20).await.is_empty());
    assert!(search(&t, "维修", 20).await.is_empty());

    let mut tx = db.begin().await.unwrap();
    for table in ["messages", "conversations"] {
        kefu_store::jobs::enqueue(
            &mut tx,
            kefu_app::conversation_search::BACKFILL_SEARCH,
            &format!("{table}:0"),
            &json!({ "table": table, "after": 0 }),
            0,
            0,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    // Each table: one page with rows, then one that finds none and stops.
    assert_eq!(kefu_app::jobs::run_due(t.app()).await.unwrap(), 4);
    assert_eq!(kefu_store::jobs::pending_count(db).await.unwrap(), 0);

    assert_eq!(search(&t, "耳机", 20).await, [a]);
    assert_eq!(search(&t, "bluetooth", 20).await, [b]);
    assert_eq!(search(&t, "维修", 20).await, [b]);
}

#[tokio::test]
async fn the_list_page_searches_keeps_its_filters_and_the_live_list_follows_the_search() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (found, _) = t.conversation(&widget, "发票开错了").await;
    let (missed, _) = t.conversation(&widget, "什么时候发货").await;
    let (cookie, _) = t.sign_in("admin@shop.test", PASSWORD).await;
    let get = |path: String| t.http.get(t.url(&path)).header("cookie", &cookie).send();
    let q = urlencode("发票");
    let html = get(format!("/app/conversations?view=all&status=any&q={q}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("name=\"q\"") && html.contains("value=\"发票\""));
    assert!(html.contains(&format!("data-id=\"{found}\"")));
    assert!(!html.contains(&format!("data-id=\"{missed}\"")));
    assert!(
        html.contains(&format!("data-keep=\"view=all&amp;status=any&amp;q={q}\"")),
        "the live list and the links keep the search"
    );
    let row = |id: i64| {
        get(format!(
            "/app/fragments/conversations/{id}?view=all&status=any&q={q}"
        ))
    };
    assert_eq!(row(found).await.unwrap().status(), StatusCode::OK);
    assert_eq!(row(missed).await.unwrap().status(), StatusCode::NO_CONTENT);

    let none = get(format!(
        "/app/conversations?view=all&q={}",
        urlencode("不存在的词")
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(none.contains("No conversation here contains these words."));
}
