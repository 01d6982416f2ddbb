//! Builders for routing's test data, all through the API.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A test's routing desk: teams, agents, inboxes, rules and customers, through the API.
pub(crate) struct Desk<'a> {
    pub t: &'a TestApp,
}

impl Desk<'_> {
    pub async fn team(&self, name: &str) -> i64 {
        let r = self
            .t
            .post(
                "/api/v1/teams",
                &self.t.admin_token,
                &json!({ "name": name }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    /// An agent (`key` is their name and email) in these teams with this capacity,
    /// online or not; returns (user id, API token).
    pub async fn agent(
        &self,
        key: &str,
        teams: &[i64],
        capacity: i64,
        online: bool,
    ) -> (i64, String) {
        let token = self
            .t
            .user_token(&format!("{key}@shop.test"), key, "agent")
            .await;
        let me: Value = self.t.get("/api/v1/me", &token).await.json().await.unwrap();
        let id = me["user_id"].as_i64().unwrap();
        for team in teams {
            let path = format!("/api/v1/teams/{team}/members/{id}");
            let r = self.t.put(&path, &self.t.admin_token, &json!({})).await;
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
        }
        self.set_agent(id, capacity, &[]).await;
        if online {
            self.availability(&token, "online").await;
        }
        (id, token)
    }

    pub async fn set_agent(&self, user_id: i64, capacity: i64, skills: &[&str]) -> Value {
        let r = self
            .t
            .put(
                &format!("/api/v1/routing/agents/{user_id}"),
                &self.t.admin_token,
                &json!({ "capacity": capacity, "skills": skills }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    pub async fn availability(&self, token: &str, availability: &str) {
        let r = self
            .t
            .put(
                "/api/v1/me/availability",
                token,
                &json!({ "availability": availability }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }

    pub async fn strategy(&self, team: i64, strategy: &str) {
        let r = self
            .t
            .put(
                &format!("/api/v1/routing/teams/{team}"),
                &self.t.admin_token,
                &json!({ "strategy": strategy }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }

    /// An API-channel inbox (bridged WeChat, marketplace …), optionally with a team.
    pub async fn inbox(&self, team: Option<i64>) -> i64 {
        let r = self
            .t
            .post(
                "/api/v1/inboxes",
                &self.t.admin_token,
                &json!({ "name": "微信桥", "channel": "api", "team_id": team }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    /// The rules in the order they are tried.
    pub async fn rules(&self) -> Vec<Value> {
        let r = self
            .t
            .get("/api/v1/routing/rules", &self.t.admin_token)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    pub async fn delete_rule(&self, id: i64) -> StatusCode {
        self.t
            .http
            .delete(self.t.url(&format!("/api/v1/routing/rules/{id}")))
            .bearer_auth(&self.t.admin_token)
            .send()
            .await
            .unwrap()
            .status()
    }

    pub async fn rule(&self, body: Value) -> i64 {
        let r = self
            .t
            .post("/api/v1/routing/rules", &self.t.admin_token, &body)
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    /// A customer (known by `handle`) writes in an inbox; returns the conversation id.
    pub async fn customer_writes(&self, inbox: i64, handle: &str, body: &str) -> i64 {
        let r = self
            .t
            .post(
                &format!("/api/v1/inboxes/{inbox}/messages"),
                &self.t.admin_token,
                &json!({ "contact_handle": handle, "contact_name": handle, "body": body }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.unwrap();
        v["message"]["conversation_id"].as_i64().unwrap()
    }

    pub async fn conversation(&self, id: i64) -> Value {
        self.t
            .get(&format!("/api/v1/conversations/{id}"), &self.t.admin_token)
            .await
            .json()
            .await
            .unwrap()
    }

    pub async fn assignee(&self, id: i64) -> Option<i64> {
        self.conversation(id).await["assignee_id"].as_i64()
    }

    pub async fn set_status(&self, id: i64, token: &str, status: &str) {
        let r = self
            .t
            .post(
                &format!("/api/v1/conversations/{id}/status"),
                token,
                &json!({ "status": status }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }

    pub async fn queues(&self) -> Value {
        let r = self
            .t
            .get("/api/v1/routing/queues?per_team=100", &self.t.admin_token)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    /// The ids waiting in a team's queue, oldest first.
    pub async fn waiting(&self, team: i64) -> Vec<i64> {
        let view = self.queues().await;
        let queue = view["teams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["team_id"] == team)
            .expect("the team has a queue")
            .clone();
        queue["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_i64().unwrap())
            .collect()
    }

    /// Each agent's load as routing keeps it.
    pub async fn loads(&self) -> HashMap<i64, (i64, i64)> {
        let r = self
            .t
            .get("/api/v1/routing/agents", &self.t.admin_token)
            .await;
        let agents: Vec<Value> = r.json().await.unwrap();
        agents
            .iter()
            .map(|a| {
                let id = a["user_id"].as_i64().unwrap();
                (
                    id,
                    (
                        a["open_load"].as_i64().unwrap(),
                        a["capacity"].as_i64().unwrap(),
                    ),
                )
            })
            .collect()
    }
}
