//! The ticket panel's forms: merge, split, link and unlink, the complaint from acceptance
//! to closing, and who holds a handed-off ticket since when.

use super::{body, messages, second_ticket, ticket};
use crate::helpers::TestApp;
use crate::ui::Session;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The ids of a conversation's messages, oldest first.
async fn message_ids(t: &TestApp, id: i64) -> Vec<i64> {
    let path = format!("/api/v1/conversations/{id}/messages");
    let (_, v) = body(t.get(&path, &t.admin_token).await).await;
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

async fn links(t: &TestApp, id: i64) -> Value {
    let path = format!("/api/v1/conversations/{id}/links");
    body(t.get(&path, &t.admin_token).await).await.1
}

async fn complaint(t: &TestApp, id: i64) -> (StatusCode, Value) {
    let path = format!("/api/v1/conversations/{id}/complaint");
    body(t.get(&path, &t.admin_token).await).await
}

fn number(id: i64) -> String {
    format!("#{}", id + 10_000)
}

#[tokio::test]
async fn merging_from_the_panel_moves_the_messages_and_refusals_say_why() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (first, visitor) = t.conversation(&widget, "杯子碎了").await;
    let second = second_ticket(&t, &widget, &visitor, first, "还是杯子的事").await;
    let (stranger, _) = t.conversation(&widget, "别的客户").await;
    let admin = Session::admin(&t).await;
    let merge = format!("/app/conversations/{second}/merge");

    let (status, _, text) = admin.post(&t, &merge, &[("other", &number(second))]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(text, "Pick another ticket, not this one.");
    let (status, _, text) = admin
        .post(&t, &merge, &[("other", &number(stranger))])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.contains("different customers"), "{text}");
    let (status, _, text) = admin.post(&t, &merge, &[("other", "杯子")]).await;
    assert_eq!(
        (status, text.as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Type a ticket number such as #10023."
        )
    );
    assert_eq!(
        messages(&t, second).await,
        ["还是杯子的事"],
        "nothing moved"
    );

    let (status, location, _) = admin.post(&t, &merge, &[("other", &number(first))]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with(&format!("/app/conversations/{second}?")),
        "{location}"
    );
    assert_eq!(messages(&t, second).await, ["杯子碎了", "还是杯子的事"]);
    assert_eq!(ticket(&t, first).await["merged_into"], second);
    let (_, html) = admin.page(&t, &format!("/app/conversations/{first}")).await;
    assert!(
        html.contains(&format!("merged into {}", number(second))),
        "the merged ticket points to the survivor"
    );
}

#[tokio::test]
async fn a_merge_refusal_speaks_chinese_to_a_chinese_speaking_agent() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, _) = t.conversation(&widget, "我要投诉").await;
    let agent = Session::of(&t, "agent@shop.test", "小李", "agent").await;
    t.set_locale("agent@shop.test", "zh-CN").await;

    let path = format!("/app/conversations/{id}/merge");
    let (status, _, text) = agent.post(&t, &path, &[("other", &number(id))]).await;
    assert_eq!(
        (status, text.as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "请选择另一个工单，而不是当前这个。"
        )
    );
}

#[tokio::test]
async fn splitting_from_the_panel_opens_the_new_ticket() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, visitor) = t.conversation(&widget, "衣服尺码偏小").await;
    t.visitor_says(&widget, &visitor, "另外，发票还没收到", None)
        .await;
    let admin = Session::admin(&t).await;
    let path = format!("/app/conversations/{id}");
    let (_, html) = admin.page(&t, &path).await;
    assert!(html.contains(&format!("action=\"{path}/split\"")), "{html}");
    let ids = message_ids(&t, id).await;

    let split = format!("{path}/split");
    let first = ids[0].to_string();
    let (status, _, text) = admin.post(&t, &split, &[("message_id", &first)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.contains("first message"), "{text}");
    assert_eq!(
        messages(&t, id).await.len(),
        2,
        "a refused split moves nothing"
    );

    let second = ids[1].to_string();
    let (status, location, _) = admin.post(&t, &split, &[("message_id", &second)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let new_id: i64 = location
        .trim_start_matches("/app/conversations/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("the new ticket's page: {location}"));
    assert_ne!(new_id, id);
    assert_eq!(messages(&t, new_id).await, ["另外，发票还没收到"]);
    assert_eq!(messages(&t, id).await, ["衣服尺码偏小"]);
    assert_eq!(links(&t, id).await[0]["kind"], "split");
}

#[tokio::test]
async fn a_link_made_in_the_panel_is_shown_on_both_tickets_and_unlinked_there() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (a, _) = t.conversation(&widget, "同一批货破损").await;
    let (b, _) = t.conversation(&widget, "我这边也破损了").await;
    let admin = Session::admin(&t).await;

    let (status, _, _) = admin
        .post(
            &t,
            &format!("/app/conversations/{a}/links"),
            &[("other", &number(b))],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(links(&t, a).await[0]["linked_id"], b);
    let unlink = format!("/app/conversations/{b}/links/{a}/delete");
    let (_, html) = admin.page(&t, &format!("/app/conversations/{b}")).await;
    assert!(
        html.contains(&number(a)) && html.contains(&format!("action=\"{unlink}\"")),
        "{html}"
    );

    let (status, location, _) = admin.post(&t, &unlink, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&format!("/app/conversations/{b}?")));
    assert_eq!(links(&t, a).await, json!([]));
    assert_eq!(links(&t, b).await, json!([]));
    let (_, html) = admin.page(&t, &format!("/app/conversations/{b}")).await;
    assert!(!html.contains(&format!("action=\"{unlink}\"")));
    let (status, _, _) = admin.post(&t, &unlink, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing left to unlink");
}

#[tokio::test]
async fn a_complaint_is_accepted_evidenced_decided_and_closed_from_the_panel() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, visitor) = t.conversation(&widget, "收到的杯子是碎的！").await;
    t.visitor_says(&widget, &visitor, "照片已经拍了", None)
        .await;
    let admin = Session::admin(&t).await;
    let path = format!("/app/conversations/{id}/complaint");

    let (status, _, _) = admin.post(&t, &path, &[("text", " ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(complaint(&t, id).await.0, StatusCode::NOT_FOUND);
    let (status, _, _) = admin
        .post(&t, &path, &[("text", "运输破损，客户要求补发")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, c) = complaint(&t, id).await;
    assert_eq!(c["complaint"]["status"], "open");
    assert_eq!(ticket(&t, id).await["ticket_type"], "complaint");

    let photo = message_ids(&t, id).await[1].to_string();
    let (status, _, _) = admin
        .post(
            &t,
            &format!("{path}/evidence"),
            &[("note", "客户自述有照片"), ("message_id", &photo)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = admin
        .post(
            &t,
            &format!("{path}/decision"),
            &[("text", "免费补发一个，运费由店铺承担")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, c) = complaint(&t, id).await;
    assert_eq!(
        (
            &c["evidence"][0]["message_body"],
            &c["complaint"]["decision"]
        ),
        (
            &json!("照片已经拍了"),
            &json!("免费补发一个，运费由店铺承担")
        )
    );

    let close = format!("{path}/close");
    let (status, _, _) = admin
        .post(&t, &close, &[("resolution", ""), ("follow_up_days", "3")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(complaint(&t, id).await.1["complaint"]["status"], "open");
    assert_eq!(
        t.count("tasks").await,
        0,
        "a refused close schedules nothing"
    );

    let before = kefu_domain::time::now_ms();
    let (status, _, _) = admin
        .post(
            &t,
            &close,
            &[
                ("resolution", "已补发，单号 SF456"),
                ("follow_up_days", "3"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, c) = complaint(&t, id).await;
    assert_eq!(
        (&c["complaint"]["status"], &c["complaint"]["resolution"]),
        (&json!("closed"), &json!("已补发，单号 SF456"))
    );
    let (_, tasks) = body(t.get("/api/v1/tasks", &t.admin_token).await).await;
    let follow_up = &tasks[0];
    assert_eq!(follow_up["kind"], "follow_up", "{tasks}");
    let due = follow_up["due_at"].as_i64().unwrap();
    let three_days = 3 * 86_400_000;
    assert!(
        due >= before + three_days && due <= kefu_domain::time::now_ms() + three_days,
        "followed up in three days"
    );
    let (_, html) = admin.page(&t, &format!("/app/conversations/{id}")).await;
    assert!(!html.contains("id=\"complaint-close\""), "closed once");
}

#[tokio::test]
async fn a_hand_off_shows_who_holds_the_ticket_and_since_when() {
    let t = TestApp::spawn().await;
    let (_, widget) = t.widget_inbox(None).await;
    let (id, _) = t.conversation(&widget, "要退差价").await;
    let admin = Session::admin(&t).await;
    assert_eq!(ticket(&t, id).await["held_since"], Value::Null);

    let before = kefu_domain::time::now_ms();
    let (status, _, _) = admin
        .post(
            &t,
            &format!("/app/conversations/{id}/escalate"),
            &[
                ("to", "supervisor"),
                ("note", "客户要求退差价，请批准"),
                ("due_in_minutes", "120"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let row = ticket(&t, id).await;
    assert_eq!(row["held_by_role"], "supervisor");
    let since = row["held_since"].as_i64().expect("held_since is set");
    assert!(since >= before && since <= kefu_domain::time::now_ms());

    let (_, html) = admin.page(&t, &format!("/app/conversations/{id}")).await;
    let holder = html
        .split("id=\"ticket-holder\"")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .expect("the holder line");
    assert!(
        holder.contains("Supervisor") && holder.contains(&format!("data-ms=\"{since}\"")),
        "{holder}"
    );
}
