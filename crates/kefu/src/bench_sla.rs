//! The SLA part of `kefu bench routing`: what keeping clocks on every message costs, at
//! the same 100 agents and 100,000 open tickets.
//!
//! Times a customer's first message and an agent's reply with no SLA policy, then adds a
//! policy for every ticket (first response, next response and resolution on the default
//! business calendar), gives the 100,000 open tickets running clocks as if the policy had
//! always been there, and times the same steps again plus a customer's follow-up (which
//! starts the next-response clock). The difference is the SLA bookkeeping per message.

use kefu_app::sla::PolicyInput;
use kefu_app::{Actor, App, AppError};
use std::time::{Duration, Instant};

fn err(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// First messages from new customers; returns their times and conversations.
async fn arrivals(
    app: &App,
    admin: &Actor,
    inbox: i64,
    label: &str,
    samples: usize,
) -> anyhow::Result<(Vec<Duration>, Vec<i64>)> {
    let mut times = Vec::with_capacity(samples);
    let mut ids = Vec::with_capacity(samples);
    for i in 0..samples {
        let handle = format!("{label}-{i}");
        let t = Instant::now();
        let posted = kefu_app::widget::api_inbound(
            app,
            admin,
            inbox,
            &handle,
            &handle,
            "你好，我的快递三天没动了",
            None,
        )
        .await
        .map_err(err)?;
        times.push(t.elapsed());
        ids.push(posted.message.conversation_id);
    }
    Ok((times, ids))
}

/// An agent's reply to each conversation.
async fn replies(app: &App, admin: &Actor, ids: &[i64]) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(ids.len());
    for &id in ids {
        let t = Instant::now();
        kefu_app::conversations::post_message(app, admin, id, "亲，我帮您查一下物流", false, None)
            .await
            .map_err(err)?;
        times.push(t.elapsed());
    }
    Ok(times)
}

/// The customer writes again in each conversation (starting the next-response clock).
async fn follow_ups(
    app: &App,
    admin: &Actor,
    inbox: i64,
    label: &str,
    count: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(count);
    for i in 0..count {
        let handle = format!("{label}-{i}");
        let t = Instant::now();
        kefu_app::widget::api_inbound(app, admin, inbox, &handle, &handle, "还在吗？", None)
            .await
            .map_err(err)?;
        times.push(t.elapsed());
    }
    Ok(times)
}

/// Running clocks for every open ticket without them, as a policy in place all along
/// would have left them.
async fn clocks_for_open_tickets(app: &App, policy: i64, calendar: i64) -> anyhow::Result<()> {
    let mut tx = app.db.begin().await?;
    for (kind, minutes) in [("first_response", 30), ("resolution", 1440)] {
        let target = minutes * 60_000;
        tx.execute_raw(&format!(
            "INSERT INTO sla_clocks (conversation_id, kind, policy_id, calendar_id, \
             warning_percent, target_ms, consumed_ms, running_since, due_at) \
             SELECT id, '{kind}', {policy}, {calendar}, 75, {target}, 0, created_at, \
             created_at + {target} FROM conversations c WHERE status = 'open' AND NOT EXISTS \
             (SELECT 1 FROM sla_clocks s WHERE s.conversation_id = c.id AND s.kind = '{kind}')"
        ))
        .await?;
    }
    tx.commit().await?;
    if let Some(pool) = app.db.pg_pool() {
        sqlx::raw_sql("ANALYZE sla_clocks").execute(pool).await?;
    }
    Ok(())
}

/// Measures and prints the SLA rows of the routing table; returns the extra p95 (ms) a
/// first message pays for its clocks.
pub async fn measure(
    app: &App,
    admin: &Actor,
    inbox: i64,
    samples: usize,
    row: fn(&str, &mut [Duration]) -> f64,
) -> anyhow::Result<f64> {
    let (mut first, plain) = arrivals(app, admin, inbox, "no-sla", samples).await?;
    let first_without = row("first message, no SLA policy", &mut first);
    row(
        "agent reply, no SLA policy",
        &mut replies(app, admin, &plain).await?,
    );

    let calendar = kefu_app::calendars::list_calendars(app, admin)
        .await
        .map_err(err)?
        .into_iter()
        .find(|c| c.is_default)
        .ok_or_else(|| anyhow::anyhow!("no default calendar"))?
        .id;
    let policy = kefu_app::sla::create_policy(
        app,
        admin,
        &PolicyInput {
            name: "全部工单".into(),
            enabled: true,
            ticket_types: vec![],
            priorities: vec![],
            channels: vec![],
            team_ids: vec![],
            customer_levels: vec![],
            calendar_id: Some(calendar),
            first_response_minutes: Some(30),
            next_response_minutes: Some(60),
            resolution_minutes: Some(1440),
            warning_percent: Some(75),
        },
    )
    .await
    .map_err(err)?;
    clocks_for_open_tickets(app, policy.id, calendar).await?;

    let (mut first, timed) = arrivals(app, admin, inbox, "sla", samples).await?;
    let first_with = row(
        "first message with an SLA policy (first-response and resolution clocks start)",
        &mut first,
    );
    row(
        "agent reply with an SLA policy (first-response clock stops)",
        &mut replies(app, admin, &timed).await?,
    );
    row(
        "customer follow-up with an SLA policy (next-response clock starts)",
        &mut follow_ups(app, admin, inbox, "sla", samples).await?,
    );
    Ok(first_with - first_without)
}
