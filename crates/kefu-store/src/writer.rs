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
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

/// Most transactions one commit carries.
const MAX_BATCH: usize = 64;

type Outcome = Result<(), String>;

#[derive(Default)]
struct State {
    conn: Option<PoolConnection<Sqlite>>,
    /// An outer transaction is open.
    open: bool,
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

/// Ends the batch unless another transaction is about to join it. Spawned, so that
/// a caller being cancelled cannot leave the batch half-finished.
fn hand_on(writer: Arc<SqliteWriter>, mut guard: OwnedMutexGuard<State>) {
    tokio::spawn(async move {
        if !guard.open {
            return;
        }
        if writer.waiting.load(Ordering::SeqCst) > 0 && guard.waiters.len() < MAX_BATCH {
            return; // the next member continues the batch and ends it
        }
        let outcome = exec(&mut guard, "COMMIT").await.map_err(|e| e.to_string());
        if outcome.is_err() {
            let _ = exec(&mut guard, "ROLLBACK").await;
        }
        guard.open = false;
        for waiter in guard.waiters.drain(..) {
            let _ = waiter.send(outcome.clone());
        }
    });
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
                hand_on(writer, guard);
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
        let mut tx = WriteTx {
            guard: Some(guard),
            writer: Arc::clone(self),
            savepoint: false,
        };
        let state = tx.state();
        if state.conn.is_none() {
            state.conn = Some(self.pool.acquire().await?);
        }
        if !state.open {
            exec(state, "BEGIN IMMEDIATE").await?;
            state.open = true;
        }
        exec(state, "SAVEPOINT kefu_write").await?;
        tx.savepoint = true;
        Ok(tx)
    }

    /// Finishes any open batch and closes the connection.
    pub async fn close(&self) {
        let mut state = self.state.lock().await;
        if state.open {
            let _ = exec(&mut state, "COMMIT").await;
            state.open = false;
        }
        state.conn = None;
        drop(state);
        self.pool.close().await;
    }
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
        let released = exec(self.state(), "RELEASE kefu_write").await;
        if let Err(e) = released {
            return Err(e.into()); // dropping `self` rolls the savepoint back
        }
        self.savepoint = false;
        let (sender, outcome) = oneshot::channel();
        self.state().waiters.push(sender);
        if let Some(guard) = self.guard.take() {
            hand_on(Arc::clone(&self.writer), guard);
        }
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
            hand_on(writer, guard);
        });
    }
}
