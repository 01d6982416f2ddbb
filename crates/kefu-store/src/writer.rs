//! SQLite's single writer, shared by concurrent transactions (group commit).
//!
//! SQLite allows one writer at a time, and on this class of machine the cost of a
//! commit is mostly the WAL pages it writes. Transactions that arrive while another
//! is working join one outer transaction, each inside its own savepoint (a failure
//! rolls back only its own part). The last member of a batch — the one that sees
//! nobody waiting — commits for everyone; every member's `commit` returns only
//! after that shared COMMIT, so durability is what it would be alone, and pages the
//! members share (the tables' last pages, the list indexes) are written once.
//!
//! Every way a transaction can end — commit, error, being dropped, its task being
//! cancelled — hands the batch on in a spawned task, so a batch is never left open.

use crate::{StoreError, StoreResult};
use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

/// Most transactions one commit carries, and the longest a batch stays open.
const MAX_BATCH: usize = 64;
const MAX_BATCH_AGE: Duration = Duration::from_millis(50);

type Outcome = Result<(), String>;

#[derive(Default)]
struct State {
    conn: Option<PoolConnection<Sqlite>>,
    /// When the open outer transaction began (`None`: none is open).
    opened: Option<Instant>,
    /// Transactions that joined the open batch, committed or not.
    members: usize,
    /// Members whose work waits for the shared COMMIT.
    waiters: Vec<oneshot::Sender<Outcome>>,
}

/// The writer connection and the batch around it.
pub struct SqliteWriter {
    pool: SqlitePool,
    state: Arc<Mutex<State>>,
    /// Transactions waiting for the writer; while there are any, a batch stays open.
    waiting: AtomicUsize,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteWriter")
            .field("waiting", &self.waiting.load(Ordering::Relaxed))
            .finish()
    }
}

async fn exec(state: &mut State, sql: &'static str) -> Result<(), sqlx::Error> {
    let conn = state.conn.as_mut().ok_or(sqlx::Error::PoolClosed)?;
    sqlx::raw_sql(sql).execute(&mut **conn).await?;
    Ok(())
}

/// COMMITs the open batch and tells every member how it went.
async fn commit_batch(state: &mut State) {
    if state.opened.take().is_none() {
        return;
    }
    let outcome = exec(state, "COMMIT").await.map_err(|e| e.to_string());
    if outcome.is_err() {
        let _ = exec(state, "ROLLBACK").await;
    }
    state.members = 0;
    for waiter in state.waiters.drain(..) {
        let _ = waiter.send(outcome.clone());
    }
}

/// Ends the batch unless another transaction is about to join it (and the batch
/// is still small and young). Runs in the caller's spawned task or spawns one.
async fn hand_on(writer: &SqliteWriter, mut guard: OwnedMutexGuard<State>) {
    let Some(opened) = guard.opened else { return };
    let others_coming = writer.waiting.load(Ordering::SeqCst) > 0;
    if others_coming && guard.members < MAX_BATCH && opened.elapsed() < MAX_BATCH_AGE {
        return; // the next member continues the batch and ends it
    }
    commit_batch(&mut guard).await;
}

/// Counts a transaction as waiting until it holds the writer; if it is cancelled
/// while waiting, whoever left the batch to it must not wait forever.
struct Waiting(Arc<SqliteWriter>, bool);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
        if !self.1 {
            let writer = Arc::clone(&self.0);
            tokio::spawn(async move {
                let guard = Arc::clone(&writer.state).lock_owned().await;
                hand_on(&writer, guard).await;
            });
        }
    }
}

impl SqliteWriter {
    pub fn new(pool: SqlitePool) -> Arc<Self> {
        Arc::new(Self {
            pool,
            state: Arc::default(),
            waiting: AtomicUsize::new(0),
        })
    }

    /// Starts a transaction: joins the open batch or opens one.
    pub async fn begin(self: &Arc<Self>) -> StoreResult<WriteTx> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut waiting = Waiting(Arc::clone(self), false);
        let guard = Arc::clone(&self.state).lock_owned().await;
        waiting.1 = true;
        drop(waiting);
        // SQLite runs a statement once it is sent, even if we stop waiting for it; so
        // the statements and the state they change go together in a task of their own.
        // If our caller is gone when it finishes, the task undoes its savepoint itself.
        let (deliver, delivered) = oneshot::channel();
        let writer = Arc::clone(self);
        tokio::spawn(async move {
            let mut guard = guard;
            let opened = open_savepoint(&writer, &mut guard).await;
            let tx = WriteTx {
                guard: Some(guard),
                writer,
                savepoint: opened.is_ok(),
            };
            match opened {
                Ok(()) => {
                    let _ = deliver.send(Ok(tx)); // if undelivered, dropping it rolls back
                }
                Err(e) => {
                    drop(tx);
                    let _ = deliver.send(Err(e));
                }
            }
        });
        delivered
            .await
            .map_err(|_| StoreError::Other(sqlx::Error::PoolClosed))?
    }

    /// Finishes any open batch and closes the connection.
    pub async fn close(&self) {
        let mut state = self.state.lock().await;
        commit_batch(&mut state).await;
        state.conn = None;
        drop(state);
        self.pool.close().await;
    }
}

async fn open_savepoint(writer: &SqliteWriter, state: &mut State) -> StoreResult<()> {
    if state.conn.is_none() {
        state.conn = Some(writer.pool.acquire().await?);
    }
    if state.opened.is_none() {
        exec(state, "BEGIN IMMEDIATE").await?;
        state.opened = Some(Instant::now());
    }
    state.members += 1;
    exec(state, "SAVEPOINT kefu_write").await?;
    Ok(())
}

/// One member of a batch. Dropped without `commit`, its part is rolled back.
pub struct WriteTx {
    guard: Option<OwnedMutexGuard<State>>,
    writer: Arc<SqliteWriter>,
    savepoint: bool,
}

impl WriteTx {
    fn state(&mut self) -> &mut State {
        self.guard
            .as_mut()
            .expect("a live transaction holds the writer")
    }

    /// The writer connection, for this transaction's statements.
    pub fn conn(&mut self) -> &mut SqliteConnection {
        self.state()
            .conn
            .as_mut()
            .expect("the writer holds its connection")
    }

    /// Keeps this transaction's work and returns once the batch it belongs to is committed.
    pub async fn commit(mut self) -> StoreResult<()> {
        let (Some(mut guard), writer) = (self.guard.take(), Arc::clone(&self.writer)) else {
            return Err(StoreError::Other(sqlx::Error::PoolClosed));
        };
        let (sender, outcome) = oneshot::channel();
        // Release and hand-on in a task of their own, for the reason given in `begin`.
        tokio::spawn(async move {
            match exec(&mut guard, "RELEASE kefu_write").await {
                Ok(()) => guard.waiters.push(sender),
                Err(e) => {
                    let _ = exec(&mut guard, "ROLLBACK TO kefu_write").await;
                    let _ = exec(&mut guard, "RELEASE kefu_write").await;
                    let _ = sender.send(Err(e.to_string()));
                }
            }
            hand_on(&writer, guard).await;
        });
        match outcome.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(StoreError::Other(sqlx::Error::Protocol(format!(
                "commit failed: {message}"
            )))),
            Err(_) => Err(StoreError::Other(sqlx::Error::PoolClosed)),
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        let writer = Arc::clone(&self.writer);
        let savepoint = self.savepoint;
        // Rolling back needs the connection, which needs an await.
        tokio::spawn(async move {
            if savepoint {
                let _ = exec(&mut guard, "ROLLBACK TO kefu_write").await;
                let _ = exec(&mut guard, "RELEASE kefu_write").await;
            }
            hand_on(&writer, guard).await;
        });
    }
}
