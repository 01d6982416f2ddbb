//! The job worker: claims due jobs and runs them. Jobs are idempotent, so a job
//! that runs twice (a lease expired mid-run) changes nothing the second time.

use crate::{App, AppResult};
use kefu_domain::time::now_ms;
use kefu_store::jobs::{self, JobRow};
use std::time::Duration;
use tokio::sync::watch;

/// Reopens a snoozed conversation when its time comes.
pub const WAKE_SNOOZED: &str = "conversation.wake";

/// Gives records written before duplicate keys existed their keys, a page per run.
pub const BACKFILL_DUPLICATE_KEYS: &str = "duplicates.backfill";

const LEASE_MS: i64 = 60_000;
/// How often waiting conversations are offered again, in case a drain was lost.
const ROUTING_SWEEP_SECS: u64 = 10;

async fn run_one(app: &App, job: &JobRow) -> AppResult<()> {
    let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
    match job.kind.as_str() {
        WAKE_SNOOZED => {
            if let Some(id) = payload["conversation_id"].as_i64() {
                crate::conversations::wake_snoozed(app, id).await?;
            }
            Ok(())
        }
        crate::sla_clocks::SLA_CHECK => {
            if let (Some(id), Some(kind)) = (
                payload["conversation_id"].as_i64(),
                payload["kind"].as_str(),
            ) {
                crate::sla_clocks::check(app, id, kind).await?;
            }
            Ok(())
        }
        crate::tasks::TASK_DUE => {
            if let Some(id) = payload["task_id"].as_i64() {
                crate::tasks::on_due(app, id).await?;
            }
            Ok(())
        }
        crate::email::outgoing::SEND_MAIL => {
            if let Some(id) = payload["message_id"].as_i64() {
                crate::email::outgoing::send(app, id, job.attempts).await?;
            }
            Ok(())
        }
        crate::reminders::PAYMENT_REMINDER => {
            if let Some(id) = payload["order_id"].as_i64() {
                crate::reminders::remind(app, id).await?;
            }
            Ok(())
        }
        crate::orders::changes::WAREHOUSE_POST => {
            if let Some(id) = payload["change_id"].as_i64() {
                let attempt = payload["attempt"].as_u64().unwrap_or(0);
                let attempt = u32::try_from(attempt).unwrap_or(u32::MAX);
                crate::orders::changes::post_to_warehouse(app, id, attempt).await?;
            }
            Ok(())
        }
        BACKFILL_DUPLICATE_KEYS => {
            let entity = payload["entity"].as_str().unwrap_or_default();
            let after = payload["after"].as_i64().unwrap_or_default();
            crate::merge::backfill(app, entity, after).await
        }
        crate::conversation_search::BACKFILL_SEARCH => {
            let table = payload["table"].as_str().unwrap_or_default();
            let after = payload["after"].as_i64().unwrap_or_default();
            crate::conversation_search::backfill(app, table, after).await
        }
        other => Err(crate::AppError::Internal(format!(
            "unknown job kind {other}"
        ))),
    }
}

/// Runs every job due now; returns how many ran. Tests call this directly.
pub async fn run_due(app: &App) -> AppResult<usize> {
    let mut ran = 0;
    loop {
        let now = now_ms();
        let batch = jobs::claim_due(&app.db, now, LEASE_MS, 20).await?;
        if batch.is_empty() {
            return Ok(ran);
        }
        for job in &batch {
            match run_one(app, job).await {
                Ok(()) => jobs::complete(&app.db, job.id).await?,
                Err(e) => {
                    let backoff = 1_000 * 2i64.pow(job.attempts.clamp(0, 12) as u32);
                    tracing::warn!(job = job.id, kind = %job.kind, error = %e, "job failed; retrying later");
                    jobs::fail(&app.db, job, &e.to_string(), now_ms() + backoff).await?;
                }
            }
            ran += 1;
        }
    }
}

/// The background worker: runs due jobs every second and cleans up expired sessions.
pub async fn worker(app: App, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut rounds: u64 = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        if let Err(e) = run_due(&app).await {
            tracing::warn!(error = %e, "job worker round failed");
        }
        if let Err(e) = crate::automation::run_pending(&app).await {
            tracing::warn!(error = %e, "automation round failed");
        }
        rounds += 1;
        if rounds.is_multiple_of(ROUTING_SWEEP_SECS)
            && let Err(e) = crate::routing::sweep(&app).await
        {
            tracing::warn!(error = %e, "routing sweep failed");
        }
        if rounds.is_multiple_of(crate::logistics::auto::STALE_CHECK_SECS)
            && let Err(e) = crate::logistics::auto::check_stale_parcels(&app).await
        {
            tracing::warn!(error = %e, "stale parcel check failed");
        }
        if rounds.is_multiple_of(3600) {
            let _ = kefu_store::sessions::delete_expired(&app.db, now_ms()).await;
        }
    }
}
