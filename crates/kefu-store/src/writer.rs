//! SQLite's single writer, shared by concurrent transactions (group commit).
//!
//! SQLite allows one writer at a time. kefu keeps one writing connection (rusqlite,
//! with cached prepared statements) and runs a transaction's statements directly on
//! the task that owns the transaction: a statement on a warm page cache takes
//! microseconds, far less than handing it to another thread and back. Only `COMMIT`,
//! which writes the log and may checkpoint it, runs on the blocking pool.
//!
//! Transactions that arrive while another is working join one outer transaction,
//! each inside its own savepoint (a failure rolls back only its own part). The last
//! member of a batch — the one that sees nobody waiting — commits for everyone;
//! every member's `commit` returns only after that shared COMMIT, so durability is
//! what it would be alone, and pages the members share (the tables' last pages, the
//! list indexes) are written once.
//!
//! Statements are synchronous, so a transaction cannot be interrupted halfway
//! through one; every way it can end — commit, error, being dropped, its task being
//! cancelled — ends its savepoint and hands the batch on, so a batch is never left open.

use crate::{StoreError, StoreResult};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
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
    conn: Option<Connection>,
    /// When the open outer transaction began (`None`: none is open).
    opened: Option<Instant>,
    /// Transactions that joined the open batch, committed or not.
    members: usize,
    /// Members whose work waits for the shared COMMIT.
    waiters: Vec<oneshot::Sender<Outcome>>,
}

impl State {
    fn conn(&self) -> StoreResult<&Connection> {
        self.conn.as_ref().ok_or(StoreError::Closed)
    }

    fn exec(&self, sql: &str) -> StoreResult<()> {
        self.conn()?.execute_batch(sql)?;
        Ok(())
    }

    /// Undoes the current member's savepoint.
    fn roll_back_member(&self) {
        let _ = self.exec("ROLLBACK TO kefu_write; RELEASE kefu_write");
    }
}

/// The writer connection and the batch around it.
pub struct SqliteWriter {
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

/// Opens the writing connection with the settings every kefu SQLite file uses.
pub fn open_connection(path: &Path, synchronous: &str) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "journal_mode stayed {mode}"
        )));
    }
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {synchronous};
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -32000;"
    ))?;
    // mmap_size answers with the size it set.
    conn.pragma_update_and_check(None, "mmap_size", 268_435_456, |_| Ok(()))?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

/// COMMITs the open batch and tells every member how it went.
fn commit_batch(state: &mut State) {
    if state.opened.take().is_none() {
        return;
    }
    let outcome = state.exec("COMMIT").map_err(|e| e.to_string());
    if outcome.is_err() {
        let _ = state.exec("ROLLBACK");
    }
    state.members = 0;
    for waiter in state.waiters.drain(..) {
        let _ = waiter.send(outcome.clone());
    }
}

/// Ends the batch unless another transaction is about to join it (and the batch
/// is still small and young). The COMMIT runs on the blocking pool.
fn hand_on(writer: &SqliteWriter, mut guard: OwnedMutexGuard<State>) {
    let Some(opened) = guard.opened else { return };
    let others_coming = writer.waiting.load(Ordering::SeqCst) > 0;
    if others_coming && guard.members < MAX_BATCH && opened.elapsed() < MAX_BATCH_AGE {
        return; // the next member continues the batch and ends it
    }
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn_blocking(move || commit_batch(&mut guard));
        }
        Err(_) => commit_batch(&mut guard),
    }
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
                hand_on(&writer, guard);
            });
        }
    }
}

impl SqliteWriter {
    pub fn new(conn: Connection) -> Arc<Self> {
        Arc::new(Self {
            state: Arc::new(Mutex::new(State {
                conn: Some(conn),
                ..State::default()
            })),
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
        // On failure, dropping `tx` hands the batch on.
        let state = tx.state()?;
        if state.opened.is_none() {
            state.exec("BEGIN IMMEDIATE")?;
            state.opened = Some(Instant::now());
        }
        state.members += 1;
        state.exec("SAVEPOINT kefu_write")?;
        tx.savepoint = true;
        Ok(tx)
    }

    /// Finishes any open batch and closes the connection.
    pub async fn close(&self) {
        let mut state = self.state.lock().await;
        commit_batch(&mut state);
        state.conn = None;
    }
}

/// One member of a batch. Dropped without `commit`, its part is rolled back.
pub struct WriteTx {
    guard: Option<OwnedMutexGuard<State>>,
    writer: Arc<SqliteWriter>,
    savepoint: bool,
}

impl WriteTx {
    fn state(&mut self) -> StoreResult<&mut State> {
        self.guard.as_deref_mut().ok_or(StoreError::Closed)
    }

    /// The writer connection, for this transaction's statements.
    pub fn conn(&mut self) -> StoreResult<&Connection> {
        self.state()?.conn()
    }

    /// Keeps this transaction's work and returns once the batch it belongs to is committed.
    pub async fn commit(mut self) -> StoreResult<()> {
        let Some(mut guard) = self.guard.take() else {
            return Err(StoreError::Closed);
        };
        let (sender, outcome) = oneshot::channel();
        match guard.exec("RELEASE kefu_write") {
            Ok(()) => guard.waiters.push(sender),
            Err(e) => {
                guard.roll_back_member();
                hand_on(&self.writer, guard);
                return Err(e);
            }
        }
        hand_on(&self.writer, guard);
        match outcome.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(StoreError::CommitFailed(message)),
            Err(_) => Err(StoreError::Closed),
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        let Some(guard) = self.guard.take() else {
            return;
        };
        if self.savepoint {
            guard.roll_back_member();
        }
        hand_on(&self.writer, guard);
    }
}
