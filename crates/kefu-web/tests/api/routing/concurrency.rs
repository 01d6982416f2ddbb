//! Two kefu instances on one database (PostgreSQL, or one SQLite file): a thousand
//! conversations arrive at once across both. Each is assigned exactly once, no agent
//! exceeds their capacity, and none waits while an agent of its team has room.

use super::Desk;
use crate::helpers::{Instance, TestApp};
use futures_util::StreamExt;
use reqwest::StatusCode;
use sea_query::{Alias, Expr, ExprTrait, Query};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

const CONVERSATIONS: usize = 1_000;
const IN_FLIGHT: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_assign_a_thousand_concurrent_conversations_exactly_once() {
    let t = TestApp::spawn().await;
    let d = Desk { t: &t };
    let mut second = Instance::start(t.db_place.open_again().await).await;
    let presale = d.team("售前").await;
    let aftersale = d.team("售后").await;
    d.strategy(aftersale, "least_load").await;
    let mut agents = Vec::new();
    for i in 0..8 {
        let teams = match i % 3 {
            0 => vec![presale],
            1 => vec![aftersale],
            _ => vec![presale, aftersale],
        };
        // Capacities add up to 460: more than half of the arrivals must wait.
        let (id, _) = d.agent(&format!("a{i}"), &teams, 40 + i * 5, true).await;
        agents.push(id);
    }
    let inboxes = [d.inbox(Some(presale)).await, d.inbox(Some(aftersale)).await];
    let bases = [t.server.base.clone(), second.base.clone()];

    let ids: Vec<i64> = futures_util::stream::iter(0..CONVERSATIONS)
        .map(|i| {
            let (http, token) = (t.http.clone(), t.admin_token.clone());
            let url = format!("{}/api/v1/inboxes/{}/messages", bases[i % 2], inboxes[(i / 2) % 2]);
            async move {
                let body = json!({ "contact_handle": format!("c{i}"), "contact_name": format!("顾客{i}"), "body": "你好，在吗" });
                let r = http.post(url).bearer_auth(token).json(&body).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
                let v: Value = r.json().await.unwrap();
                v["message"]["conversation_id"].as_i64().unwrap()
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), CONVERSATIONS);
    let waiting = check(&t, &agents).await;
    assert!(waiting >= CONVERSATIONS - 460, "{waiting} wait");

    // Room for everyone, given on both instances at once: every queue drains.
    futures_util::stream::iter(agents.iter().enumerate())
        .for_each_concurrent(8, |(i, agent)| {
            let (http, token) = (t.http.clone(), t.admin_token.clone());
            let url = format!("{}/api/v1/routing/agents/{agent}", bases[i % 2]);
            async move {
                let r = http
                    .put(url)
                    .bearer_auth(token)
                    .json(&json!({ "capacity": 200 }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK);
            }
        })
        .await;
    assert_eq!(
        check(&t, &agents).await,
        0,
        "nothing waits once there is room"
    );
    second.shutdown().await;
}

/// Checks the invariants and returns how many conversations wait.
async fn check(t: &TestApp, agents: &[i64]) -> usize {
    let db = &t.app().db;
    let conversations: Vec<(i64, Option<i64>, Option<i64>)> = db
        .fetch_all(
            &Query::select()
                .columns([
                    Alias::new("id"),
                    Alias::new("assignee_id"),
                    Alias::new("queued_at"),
                ])
                .from(Alias::new("conversations"))
                .take(),
        )
        .await
        .unwrap();
    assert_eq!(conversations.len(), CONVERSATIONS);
    for (id, assignee, queued) in &conversations {
        assert!(
            assignee.is_some() != queued.is_some(),
            "conversation {id} is assigned or waits, not both or neither"
        );
    }

    // Exactly once: one routing decision announced per assigned conversation.
    let events: Vec<(String, Option<i64>, String)> = db
        .fetch_all(
            &Query::select()
                .columns([
                    Alias::new("kind"),
                    Alias::new("conversation_id"),
                    Alias::new("payload"),
                ])
                .from(Alias::new("events"))
                .and_where(
                    Expr::col(Alias::new("kind"))
                        .is_in(["conversation.created", "conversation.updated"]),
                )
                .take(),
        )
        .await
        .unwrap();
    let mut decisions: HashMap<i64, usize> = HashMap::new();
    for (kind, id, payload) in events {
        let p: Value = serde_json::from_str(&payload).unwrap();
        let routed = match kind.as_str() {
            "conversation.created" => !p["conversation"]["assignee_id"].is_null(),
            _ => p["routed"] == true,
        };
        if routed {
            *decisions.entry(id.unwrap()).or_default() += 1;
        }
    }
    for (id, assignee, _) in &conversations {
        let expected = usize::from(assignee.is_some());
        assert_eq!(
            decisions.get(id).copied().unwrap_or(0),
            expected,
            "conversation {id}"
        );
    }

    // Loads are exact and within capacity.
    let mut held: HashMap<i64, i64> = HashMap::new();
    for (_, assignee, _) in &conversations {
        if let Some(a) = assignee {
            *held.entry(*a).or_default() += 1;
        }
    }
    let d = super::Desk { t };
    let loads = d.loads().await;
    for agent in agents {
        let (load, capacity) = loads[agent];
        assert_eq!(load, held.get(agent).copied().unwrap_or(0), "agent {agent}");
        assert!(load <= capacity, "agent {agent} holds {load} of {capacity}");
    }

    // Nobody waits while someone of their team has room.
    let view = d.queues().await;
    for team in view["teams"].as_array().unwrap() {
        if team["waiting_count"].as_i64().unwrap() > 0 {
            assert_eq!(
                team["free_slots"], 0,
                "team {} has room yet conversations wait",
                team["name"]
            );
        }
    }
    conversations.iter().filter(|(_, _, q)| q.is_some()).count()
}
