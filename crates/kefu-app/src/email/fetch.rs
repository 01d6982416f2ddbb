//! Mail in from IMAP: one task per email inbox that holds the mailbox's lease (so one
//! instance fetches it at a time), reads new UIDs in batches, stores each batch with the
//! cursor in one transaction, then waits with IDLE (or polls) for more.

use crate::auth::random_hex;
use crate::email::ingest::{Cursor, ingest_batch};
use crate::email::settings::imap_config;
use crate::{App, AppError, AppResult};
use kefu_channels::email::imap::{ImapClient, Wake};
use kefu_domain::time::now_ms;
use kefu_store::email as store;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long a lease lasts; renewed before every batch and after every wait.
const LEASE_MS: i64 = 90_000;
/// The longest wait for news before the lease is renewed (IDLE, or the poll interval).
const WAIT: Duration = Duration::from_secs(25);
/// Messages fetched and stored per round.
const BATCH: usize = 50;
/// How often the list of email inboxes is looked at again.
const RESCAN: Duration = Duration::from_secs(5);

/// Runs until shutdown: keeps one fetch task per email inbox with an IMAP server.
pub async fn worker(app: App, mut shutdown: watch::Receiver<bool>) {
    let owner = format!("{}-{}", std::process::id(), random_hex(6));
    let mut tasks: HashMap<i64, JoinHandle<()>> = HashMap::new();
    let mut tick = tokio::time::interval(RESCAN);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => break,
        }
        tasks.retain(|_, t| !t.is_finished());
        let accounts = match store::fetchable(&app.db).await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "could not list email inboxes");
                continue;
            }
        };
        for a in accounts {
            tasks.entry(a.inbox_id).or_insert_with(|| {
                tokio::spawn(mailbox(
                    app.clone(),
                    a.inbox_id,
                    owner.clone(),
                    shutdown.clone(),
                ))
            });
        }
    }
    for (_, t) in tasks {
        let _ = t.await;
    }
}

/// One inbox's fetch loop: take the lease, fetch until shutdown or an error, back off.
async fn mailbox(app: App, inbox_id: i64, owner: String, mut shutdown: watch::Receiver<bool>) {
    let mut backoff = Duration::from_secs(2);
    loop {
        let now = now_ms();
        let held = store::take_lease(&app.db, inbox_id, &owner, now, now + LEASE_MS)
            .await
            .unwrap_or(false);
        let pause = if held {
            match session(&app, inbox_id, &owner, &mut shutdown).await {
                Ok(Some(())) => Duration::from_secs(1),
                Ok(None) => {
                    let _ = store::release_lease(&app.db, inbox_id, &owner).await;
                    return;
                }
                Err(e) => {
                    tracing::warn!(inbox = inbox_id, error = %e, "fetching mail failed");
                    let _ = store::record_fetch(&app.db, inbox_id, Some(&e.to_string()), now_ms())
                        .await;
                    backoff = (backoff * 2).min(Duration::from_secs(120));
                    backoff
                }
            }
        } else {
            RESCAN
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.changed() => {
                let _ = store::release_lease(&app.db, inbox_id, &owner).await;
                return;
            }
        }
    }
}

fn imap_failed(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("IMAP: {e}"))
}

/// Connects and fetches until shutdown (`Ok(None)`), a lost lease or a changed setting
/// (`Ok(Some(()))`: start again), or an error.
async fn session(
    app: &App,
    inbox_id: i64,
    owner: &str,
    shutdown: &mut watch::Receiver<bool>,
) -> AppResult<Option<()>> {
    let Some(account) = store::find_account(&app.db, inbox_id).await? else {
        return Ok(None);
    };
    let Some(config) = imap_config(&account) else {
        return Ok(None);
    };
    let inbox = kefu_store::inboxes::find(&app.db, inbox_id)
        .await?
        .ok_or(AppError::NotFound("inbox"))?;
    let mut client = ImapClient::connect(&config).await.map_err(imap_failed)?;
    let state = client.select().await.map_err(imap_failed)?;
    let validity = i64::from(state.uid_validity);
    // A new UIDVALIDITY means old UIDs mean nothing: read the mailbox from the start;
    // mail already stored is known by its Message-ID.
    let mut last_uid = if account.uid_validity == Some(validity) {
        account.last_uid
    } else {
        0
    };
    store::record_fetch(&app.db, inbox_id, None, now_ms()).await?;
    loop {
        let now = now_ms();
        if !store::take_lease(&app.db, inbox_id, owner, now, now + LEASE_MS).await? {
            client.logout().await;
            return Ok(Some(()));
        }
        let after = u32::try_from(last_uid).unwrap_or(u32::MAX);
        let batch = client
            .fetch_after(after, BATCH)
            .await
            .map_err(imap_failed)?;
        let mails: Vec<(&[u8], Cursor)> = batch
            .iter()
            .map(|m| {
                let cursor = Cursor {
                    owner,
                    uid_validity: validity,
                    uid: i64::from(m.uid),
                };
                (m.raw.as_slice(), cursor)
            })
            .collect();
        ingest_batch(app, &inbox, &mails).await?;
        if let Some(m) = batch.last() {
            last_uid = i64::from(m.uid);
        }
        if batch.len() == BATCH {
            continue;
        }
        tokio::select! {
            woke = client.wait_for_change(WAIT) => match woke.map_err(imap_failed)? {
                Wake::Changed | Wake::TimedOut | Wake::PollDue => {}
            },
            _ = shutdown.changed() => {
                client.logout().await;
                return Ok(None);
            }
        }
    }
}
