//! The event hub: tails the durable event log and fans new events out to subscribers.
//!
//! One tail task per process reads the log after each local commit (a poke), after a
//! PostgreSQL NOTIFY from another instance, and once a second as a safety net; it
//! broadcasts each event once. A subscriber replays what it missed from the log
//! (`Last-Event-ID`) and then follows the broadcast, skipping ids it has already
//! sent, so it sees every event once and in order.

use crate::{App, AppResult};
use kefu_domain::time::now_ms;
use kefu_store::events::{self, EventRow, NewEvent};
use kefu_store::{Db, Tx};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, broadcast, mpsc, watch};

const PAGE: u64 = 500;
const SAFETY_TICK: Duration = Duration::from_secs(1);

/// Which events a subscriber receives.
#[derive(Debug, Clone, Copy)]
pub enum Audience {
    /// Staff: every event.
    Staff,
    /// A customer's widget: the public events of one conversation.
    Conversation(i64),
}

impl Audience {
    fn admits(self, e: &EventRow) -> bool {
        match self {
            Audience::Staff => true,
            Audience::Conversation(id) => e.conversation_id == Some(id) && !e.private,
        }
    }

    fn conversation(self) -> Option<i64> {
        match self {
            Audience::Staff => None,
            Audience::Conversation(id) => Some(id),
        }
    }
}

pub struct EventHub {
    db: Db,
    channel: String,
    wake: Notify,
    sender: broadcast::Sender<Arc<EventRow>>,
    latest: watch::Sender<i64>,
    shutdown: watch::Sender<bool>,
}

impl EventHub {
    /// Starts the tail task (and the PostgreSQL listener) for this database.
    pub async fn start(db: Db) -> AppResult<Arc<Self>> {
        let latest_id = events::latest_id(&db).await?;
        let (sender, _) = broadcast::channel(4096);
        let hub = Arc::new(Self {
            channel: db.channel_name(events::NOTIFY_CHANNEL),
            db,
            wake: Notify::new(),
            sender,
            latest: watch::channel(latest_id).0,
            shutdown: watch::channel(false).0,
        });
        tokio::spawn(tail(Arc::clone(&hub), latest_id));
        if hub.db.pg_pool().is_some() {
            tokio::spawn(listen(Arc::clone(&hub)));
        }
        Ok(hub)
    }

    /// The notification channel events are announced on (PostgreSQL).
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// Wakes the tail after a local commit.
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    /// The newest event id this process has broadcast.
    pub fn latest_id(&self) -> i64 {
        *self.latest.borrow()
    }

    /// Waits until this process has broadcast event `id` (tests, benchmarks).
    pub async fn wait_for(&self, id: i64) {
        let mut rx = self.latest.subscribe();
        let _ = rx.wait_for(|&latest| latest >= id).await;
    }

    /// Stops the tail and listener tasks.
    pub fn stop(&self) {
        self.shutdown.send_replace(true);
        self.wake.notify_one();
    }

    /// Events after `after` (or from now when `None`) for `audience`, as a channel.
    /// "Now" is fixed before this returns, so nothing committed after the caller
    /// answers is missed. The feeding task ends when the receiver is dropped.
    pub async fn subscribe(
        self: &Arc<Self>,
        after: Option<i64>,
        audience: Audience,
    ) -> mpsc::Receiver<Arc<EventRow>> {
        let (tx, rx) = mpsc::channel(256);
        // Both subscribed before reading the log: anything newer arrives live, and a
        // shutdown that comes first is still seen.
        let live = self.sender.subscribe();
        let stop = self.shutdown.subscribe();
        // The log, not the local tail, which may lag another instance's writes. A
        // resume point beyond the log's end (a database restored from a backup) would
        // silently skip events: start from the end instead.
        let newest = events::latest_id(&self.db)
            .await
            .unwrap_or_else(|_| self.latest_id());
        let cursor = after.map_or(newest, |id| id.min(newest));
        tokio::spawn(feed(Arc::clone(self), live, stop, cursor, audience, tx));
        rx
    }
}

async fn feed(
    hub: Arc<EventHub>,
    mut live: broadcast::Receiver<Arc<EventRow>>,
    mut stop: watch::Receiver<bool>,
    mut cursor: i64,
    audience: Audience,
    out: mpsc::Sender<Arc<EventRow>>,
) {
    if *stop.borrow() {
        return;
    }
    let mut replay = true;
    loop {
        if replay {
            // Read the log until caught up; anything newer also arrives on `live`.
            loop {
                let Ok(rows) =
                    events::list_after(&hub.db, cursor, audience.conversation(), PAGE).await
                else {
                    // The database is away: wait for it, but not past a shutdown or a hang-up.
                    tokio::select! {
                        () = tokio::time::sleep(SAFETY_TICK) => continue,
                        _ = stop.changed() => return,
                        () = out.closed() => return,
                    }
                };
                let full = rows.len() as u64 == PAGE;
                for row in rows {
                    cursor = row.id;
                    if out.send(Arc::new(row)).await.is_err() {
                        return;
                    }
                }
                if !full {
                    break;
                }
            }
            replay = false;
        }
        tokio::select! {
            received = live.recv() => match received {
                Ok(event) if event.id <= cursor => {}
                Ok(event) => {
                    cursor = event.id;
                    if audience.admits(&event) && out.send(event).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => replay = true,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            () = out.closed() => return,
            _ = stop.changed() => return,
        }
    }
}

async fn tail(hub: Arc<EventHub>, mut last: i64) {
    let mut stop = hub.shutdown.subscribe();
    loop {
        tokio::select! {
            () = hub.wake.notified() => {}
            () = tokio::time::sleep(SAFETY_TICK) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        loop {
            let rows = match events::list_after(&hub.db, last, None, PAGE).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "event tail could not read the log");
                    break;
                }
            };
            let full = rows.len() as u64 == PAGE;
            for row in rows {
                last = row.id;
                let _ = hub.sender.send(Arc::new(row));
            }
            hub.latest.send_replace(last);
            if !full {
                break;
            }
        }
    }
}

/// PostgreSQL: wake the tail whenever any instance appends an event.
async fn listen(hub: Arc<EventHub>) {
    let Some(pool) = hub.db.pg_pool().cloned() else {
        return;
    };
    let mut stop = hub.shutdown.subscribe();
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "event listener could not connect; retrying");
                tokio::time::sleep(SAFETY_TICK).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(&hub.channel).await {
            tracing::warn!(error = %e, "LISTEN failed; retrying");
            tokio::time::sleep(SAFETY_TICK).await;
            continue;
        }
        loop {
            tokio::select! {
                n = listener.recv() => match n {
                    Ok(_) => hub.wake.notify_one(),
                    Err(e) => {
                        tracing::warn!(error = %e, "event listener lost its connection; reconnecting");
                        hub.wake.notify_one();
                        break;
                    }
                },
                _ = stop.changed() => return,
            }
        }
    }
}

/// Appends an event to the log inside `tx` (call last, just before [`commit`]).
pub(crate) async fn append(
    app: &App,
    tx: &mut Tx,
    kind: &str,
    conversation_id: Option<i64>,
    inbox_id: Option<i64>,
    private: bool,
    payload: &serde_json::Value,
) -> AppResult<()> {
    let event = NewEvent {
        kind,
        conversation_id,
        inbox_id,
        private,
        payload,
        now: now_ms(),
    };
    Ok(events::append(tx, &event, app.hub.channel()).await?)
}

/// Commits and wakes the local event tail.
pub(crate) async fn commit(app: &App, tx: Tx) -> AppResult<()> {
    tx.commit().await?;
    app.hub.poke();
    Ok(())
}
