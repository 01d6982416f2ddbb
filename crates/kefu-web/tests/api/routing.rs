//! Routing: rules pick the team; round-robin and least-load share within capacity and
//! skills; queues drain in arrival order when someone frees up; supervisors see the
//! queues and reassign; loads stay exact; two instances assign each conversation once.

mod concurrency;
mod desk;
mod pages;
mod settings;

use crate::helpers::TestApp;
pub(crate) use desk::Desk;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;

#[tokio::test]
async fn rules_pick_the_team_by_keywords_language_and_inbox_and_the_inbox_team_otherwise() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let presale = d.team("售前").await;
    let aftersale = d.team("售后").await;
    let international = d.team("国际部").await;
    let web = d.team("网店").await;
    let shop = d.inbox(Some(presale)).await;
    let other = d.inbox(None).await;
    d.rule(json!({ "name": "退款", "keywords": ["退款", "Refund"], "team_id": aftersale }))
        .await;
    d.rule(json!({ "name": "English", "languages": ["en"], "team_id": international }))
        .await;
    d.rule(json!({ "name": "Other inbox", "inbox_ids": [other], "team_id": web }))
        .await;

    let cases = [
        (shop, "我要退款，收到的杯子碎了", aftersale),
        (
            shop,
            "Hello, I would like a REFUND for my broken cup",
            aftersale,
        ),
        (
            shop,
            "Hello, when will my order be shipped to Germany?",
            international,
        ),
        (other, "请问这款有货吗", web),
        (shop, "请问这款有货吗", presale),
    ];
    for (i, (inbox, text, team)) in cases.into_iter().enumerate() {
        let id = d.customer_writes(inbox, &format!("c{i}"), text).await;
        let c = d.conversation(id).await;
        assert_eq!(c["team_id"], team, "{text}");
        assert!(c["assignee_id"].is_null(), "nobody is online");
        assert_eq!(
            d.waiting(team).await.last(),
            Some(&id),
            "{text} waits in its team's queue"
        );
    }
}

#[tokio::test]
async fn a_returning_customer_is_routed_by_their_member_level() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let vip = d.team("大客户").await;
    let (amy, _) = d.agent("amy", &[vip], 5, true).await;
    let inbox = d.inbox(None).await;
    d.rule(json!({ "name": "Trading members", "member_levels": ["trading"], "team_id": vip }))
        .await;

    let id = d.customer_writes(inbox, "buyer", "在吗").await;
    let first = d.conversation(id).await;
    assert!(
        first["team_id"].is_null(),
        "an unknown customer matches no rule"
    );
    assert!(first["assignee_id"].is_null());

    let org = t
        .post(
            "/api/v1/organisations",
            &t.admin_token,
            &json!({ "name": "义乌华强贸易有限公司", "member_level": "trading" }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let contact = first["contact_id"].as_i64().unwrap();
    let r = t
        .put(
            &format!("/api/v1/contacts/{contact}"),
            &t.admin_token,
            &json!({ "name": "buyer", "organisation_id": org["id"] }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    d.set_status(id, &t.admin_token, "resolved").await;

    assert_eq!(d.customer_writes(inbox, "buyer", "我又来了").await, id);
    let back = d.conversation(id).await;
    assert_eq!(back["team_id"], vip);
    assert_eq!(back["assignee_id"], amy);
    assert_eq!(back["status"], "open");
}

#[tokio::test]
async fn a_waiting_conversation_typed_by_an_agent_or_a_rule_goes_to_the_team_its_type_names() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let presale = d.team("售前").await;
    let aftersale = d.team("售后").await;
    let (amy, _) = d.agent("amy", &[aftersale], 5, true).await;
    let shop = d.inbox(Some(presale)).await;
    d.rule(json!({ "name": "售后类型", "ticket_types": ["after_sales"], "team_id": aftersale }))
        .await;
    let automation = t
        .post(
            "/api/v1/automation/rules",
            &t.admin_token,
            &json!({ "name": "退款进售后", "trigger": "message_received",
                     "conditions": [{ "field": "message_contains", "any": ["退款"] }],
                     "actions": [{ "action": "set_type", "ticket_type": "after_sales" }] }),
        )
        .await;
    assert_eq!(automation.status(), StatusCode::CREATED);

    // Nobody of 售前 is online: both wait there, untyped.
    let typed_by_agent = d.customer_writes(shop, "c1", "这件衣服能换个颜色吗").await;
    let typed_by_rule = d.customer_writes(shop, "c2", "我要退款").await;
    let quiet = d.customer_writes(shop, "c3", "在吗").await;
    assert_eq!(
        d.waiting(presale).await,
        vec![typed_by_agent, typed_by_rule, quiet]
    );

    let r = t
        .put(
            &format!("/api/v1/conversations/{typed_by_agent}/ticket"),
            &t.admin_token,
            &json!({ "ticket_type": "after_sales" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let moved: Value = r.json().await.unwrap();
    assert_eq!(
        (&moved["team_id"], &moved["assignee_id"]),
        (&json!(aftersale), &json!(amy)),
        "the answer shows where the type sent it: {moved}"
    );

    kefu_app::automation::run_pending(t.app()).await.unwrap();
    let c = d.conversation(typed_by_rule).await;
    assert_eq!(
        (&c["ticket_type"], &c["team_id"], &c["assignee_id"]),
        (&json!("after_sales"), &json!(aftersale), &json!(amy))
    );
    assert_eq!(
        d.waiting(presale).await,
        vec![quiet],
        "only the untyped one still waits for 售前"
    );

    // A type no rule names, or a ticket an agent already holds, stays where it is.
    let r = t
        .put(
            &format!("/api/v1/conversations/{quiet}/ticket"),
            &t.admin_token,
            &json!({ "ticket_type": "inquiry" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(d.waiting(presale).await, vec![quiet]);
    let r = t
        .put(
            &format!("/api/v1/conversations/{typed_by_agent}/ticket"),
            &t.admin_token,
            &json!({ "ticket_type": "complaint" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(d.assignee(typed_by_agent).await, Some(amy));
    // Nor does a resolved one: typing it does not reopen it into a queue.
    d.set_status(quiet, &t.admin_token, "resolved").await;
    let r = t
        .put(
            &format!("/api/v1/conversations/{quiet}/ticket"),
            &t.admin_token,
            &json!({ "ticket_type": "after_sales" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let c = d.conversation(quiet).await;
    assert_eq!(
        (&c["status"], &c["team_id"]),
        (&json!("resolved"), &json!(presale))
    );
    assert_loads_are_exact(&d, "after routing by type").await;
}

#[tokio::test]
async fn round_robin_shares_conversations_within_one_of_each_other() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let team = d.team("售前").await;
    let mut agents = Vec::new();
    for key in ["amy", "bob", "cat"] {
        agents.push(d.agent(key, &[team], 20, true).await.0);
    }
    let inbox = d.inbox(Some(team)).await;
    let mut order = Vec::new();
    for i in 0..10 {
        let id = d.customer_writes(inbox, &format!("c{i}"), "你好").await;
        order.push(d.assignee(id).await.expect("assigned at once"));
    }
    assert_eq!(&order[..3], &agents[..], "each agent in turn");
    assert_eq!(&order[3..6], &agents[..]);
    let loads = d.loads().await;
    let counts: Vec<i64> = agents.iter().map(|a| loads[a].0).collect();
    assert_eq!(counts.iter().sum::<i64>(), 10);
    assert!(
        counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1,
        "{counts:?}"
    );
}

#[tokio::test]
async fn least_load_gives_each_conversation_to_the_least_loaded_agent() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let team = d.team("售后").await;
    d.strategy(team, "least_load").await;
    let (amy, _) = d.agent("amy", &[team], 10, true).await;
    let (bob, bob_token) = d.agent("bob", &[team], 10, false).await;
    let inbox = d.inbox(Some(team)).await;
    for i in 0..2 {
        let id = d.customer_writes(inbox, &format!("early{i}"), "你好").await;
        assert_eq!(d.assignee(id).await, Some(amy), "Bob is away");
    }
    d.availability(&bob_token, "online").await;
    let mut order = Vec::new();
    for i in 0..4 {
        let id = d.customer_writes(inbox, &format!("c{i}"), "你好").await;
        order.push(d.assignee(id).await.unwrap());
    }
    // Bob catches up to two; then the one who waited longer goes first.
    assert_eq!(order, vec![bob, bob, amy, bob]);
    let loads = d.loads().await;
    assert_eq!((loads[&amy].0, loads[&bob].0), (3, 3));
}

#[tokio::test]
async fn capacity_is_respected_and_the_queue_drains_in_arrival_order_as_agents_free_up() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let team = d.team("售前").await;
    let (amy, amy_token) = d.agent("amy", &[team], 2, true).await;
    let inbox = d.inbox(Some(team)).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(d.customer_writes(inbox, &format!("c{i}"), "你好").await);
    }
    assert_eq!(d.assignee(ids[0]).await, Some(amy));
    assert_eq!(d.assignee(ids[1]).await, Some(amy));
    assert_eq!(
        d.waiting(team).await,
        vec![ids[2], ids[3]],
        "full: the rest wait, oldest first"
    );
    let view = d.queues().await;
    let queue = &view["teams"][0];
    assert_eq!(
        (
            queue["waiting_count"].as_i64(),
            queue["free_slots"].as_i64()
        ),
        (Some(2), Some(0))
    );

    // Resolving one frees a place: the oldest waiting conversation takes it.
    d.set_status(ids[0], &amy_token, "resolved").await;
    assert_eq!(d.assignee(ids[2]).await, Some(amy));
    assert_eq!(d.waiting(team).await, vec![ids[3]]);

    // A higher capacity makes room.
    d.set_agent(amy, 3, &[]).await;
    assert_eq!(d.assignee(ids[3]).await, Some(amy));
    assert!(d.waiting(team).await.is_empty());

    // Letting a conversation go (out of every team) frees a place too.
    let late = d.customer_writes(inbox, "late", "你好").await;
    assert_eq!(d.waiting(team).await, vec![late]);
    let r = t
        .post(
            &format!("/api/v1/conversations/{}/assignment", ids[1]),
            &amy_token,
            &json!({ "assignee_id": null, "team_id": null }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(d.assignee(late).await, Some(amy));

    // Someone coming online takes what waits.
    let after = d.customer_writes(inbox, "after", "你好").await;
    let (bob, bob_token) = d.agent("bob", &[team], 1, false).await;
    assert!(d.assignee(after).await.is_none());
    d.availability(&bob_token, "online").await;
    assert_eq!(d.assignee(after).await, Some(bob));
    let loads = d.loads().await;
    assert_eq!(loads[&amy], (3, 3));
    assert_eq!(loads[&bob], (1, 1));
}

#[tokio::test]
async fn skills_are_respected_without_holding_up_the_queue_behind() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let team = d.team("国际部").await;
    let (amy, _) = d.agent("amy", &[team], 5, true).await;
    let (bob, bob_token) = d.agent("bob", &[team], 5, true).await;
    d.set_agent(bob, 5, &["lang:en"]).await;
    let inbox = d.inbox(Some(team)).await;
    d.rule(json!({ "name": "Refunds in English", "keywords": ["refund"], "team_id": team, "required_skills": ["Lang:EN"] }))
        .await;
    for i in 0..2 {
        let id = d
            .customer_writes(inbox, &format!("en{i}"), "I need a refund")
            .await;
        assert_eq!(d.assignee(id).await, Some(bob), "only Bob speaks English");
    }
    let chinese = d.customer_writes(inbox, "zh", "你好").await;
    assert_eq!(d.assignee(chinese).await, Some(amy));

    d.availability(&bob_token, "busy").await;
    let blocked = d.customer_writes(inbox, "en-late", "refund please").await;
    let behind = d.customer_writes(inbox, "zh-late", "你好").await;
    assert!(d.assignee(blocked).await.is_none(), "Amy lacks the skill");
    assert_eq!(
        d.assignee(behind).await,
        Some(amy),
        "the next one does not wait behind it"
    );
    assert_eq!(d.waiting(team).await, vec![blocked]);
    d.availability(&bob_token, "online").await;
    assert_eq!(d.assignee(blocked).await, Some(bob));
}

#[tokio::test]
async fn a_supervisor_sees_the_queues_and_reassigns_to_an_agent_or_a_team_live() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let presale = d.team("售前").await;
    let aftersale = d.team("售后").await;
    let (amy, amy_token) = d.agent("amy", &[presale], 5, true).await;
    let (bob, _) = d.agent("bob", &[aftersale], 5, true).await;
    let supervisor = t.user_token("sup@shop.test", "主管", "supervisor").await;
    let inbox = d.inbox(Some(presale)).await;
    let id = d.customer_writes(inbox, "c", "你好").await;
    assert_eq!(d.assignee(id).await, Some(amy));

    let path = format!("/api/v1/routing/conversations/{id}/reassign");
    let denied = t
        .post(&path, &amy_token, &json!({ "team_id": aftersale }))
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        t.get("/api/v1/routing/queues", &amy_token).await.status(),
        StatusCode::FORBIDDEN
    );
    let empty = t.post(&path, &supervisor, &json!({})).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        empty.json::<Value>().await.unwrap()["error"]["code"],
        "reassign_target_required"
    );

    let mut stream = crate::helpers::EventStream::open(
        t.http
            .get(t.url("/api/v1/events/stream"))
            .bearer_auth(&supervisor),
    )
    .await;
    let moved = t
        .post(&path, &supervisor, &json!({ "team_id": aftersale }))
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let row: Value = moved.json().await.unwrap();
    assert_eq!(
        (row["team_id"].as_i64(), row["assignee_id"].as_i64()),
        (Some(aftersale), Some(bob))
    );
    let routed = loop {
        let e = stream
            .next_of("conversation.updated", std::time::Duration::from_secs(10))
            .await
            .expect("the routing decision is announced");
        if e.data["routed"] == true {
            break e;
        }
    };
    assert_eq!(routed.data["conversation"]["assignee_id"], bob);

    let back = t
        .post(&path, &supervisor, &json!({ "assignee_id": amy }))
        .await;
    let row: Value = back.json().await.unwrap();
    assert_eq!(
        (row["team_id"].as_i64(), row["assignee_id"].as_i64()),
        (Some(aftersale), Some(amy)),
        "the team stays"
    );
    let loads = d.loads().await;
    assert_eq!((loads[&amy].0, loads[&bob].0), (1, 0));

    // A resolved conversation moved to a team stays resolved and does not queue.
    d.set_status(id, &supervisor, "resolved").await;
    let moved = t
        .post(&path, &supervisor, &json!({ "team_id": presale }))
        .await;
    let row: Value = moved.json().await.unwrap();
    assert_eq!(
        (row["status"].as_str(), row["assignee_id"].as_i64()),
        (Some("resolved"), None)
    );
    assert!(d.waiting(presale).await.is_empty());
}

/// Open conversations per assignee, counted the slow way.
async fn counted_loads(t: &TestApp) -> HashMap<i64, i64> {
    use sea_query::{Alias, Expr, ExprTrait, Query};
    let q = Query::select()
        .column(Alias::new("assignee_id"))
        .expr(Expr::cust("COUNT(*)"))
        .from(Alias::new("conversations"))
        .and_where(Expr::col(Alias::new("status")).eq("open"))
        .and_where(Expr::col(Alias::new("assignee_id")).is_not_null())
        .group_by_col(Alias::new("assignee_id"))
        .take();
    let rows: Vec<(i64, i64)> = t.app().db.fetch_all(&q).await.unwrap();
    rows.into_iter().collect()
}

async fn assert_loads_are_exact(d: &Desk<'_>, step: &str) {
    let counted = counted_loads(d.t).await;
    for (agent, (load, _)) in d.loads().await {
        assert_eq!(
            load,
            counted.get(&agent).copied().unwrap_or(0),
            "after {step}, agent {agent}"
        );
    }
}

#[tokio::test]
async fn loads_follow_every_change_of_assignee_and_status() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let team = d.team("售前").await;
    let (_, amy_token) = d.agent("amy", &[team], 10, true).await;
    let (bob, _) = d.agent("bob", &[team], 10, true).await;
    let inbox = d.inbox(Some(team)).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(d.customer_writes(inbox, &format!("c{i}"), "你好").await);
    }
    assert_loads_are_exact(&d, "routing").await;
    d.set_status(ids[0], &amy_token, "resolved").await;
    assert_loads_are_exact(&d, "resolve").await;
    d.set_status(ids[1], &amy_token, "pending").await;
    assert_loads_are_exact(&d, "pending").await;
    d.customer_writes(inbox, "c1", "还在吗").await;
    assert_loads_are_exact(&d, "the customer reopening").await;
    let until = kefu_domain::time::now_ms() + 3_600_000;
    let r = t
        .post(
            &format!("/api/v1/conversations/{}/status", ids[2]),
            &amy_token,
            &json!({ "status": "snoozed", "snooze_until": until }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_loads_are_exact(&d, "snooze").await;
    for (assignee, team) in [(Some(bob), Some(team)), (None, Some(team)), (None, None)] {
        let r = t
            .post(
                &format!("/api/v1/conversations/{}/assignment", ids[3]),
                &t.admin_token,
                &json!({ "assignee_id": assignee, "team_id": team }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_loads_are_exact(&d, &format!("assigning {assignee:?} / {team:?}")).await;
    }
    d.set_status(ids[0], &t.admin_token, "open").await;
    assert_loads_are_exact(&d, "reopening by hand").await;
}
