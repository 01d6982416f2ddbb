//! The [`Db`] handle and [`Tx`] transaction: one API, two databases.

use crate::writer::{SqliteWriter, WriteTx};
use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{FromRow, PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What storage calls fail with. `Conflict` names the unique index (`uq_<table>_<column>`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("record not found")]
    NotFound,
    #[error("unique constraint {0} violated")]
    Conflict(String),
    #[error("the database is closed")]
    Closed,
    #[error("commit failed: {0}")]
    CommitFailed(String),
    #[error(transparent)]
    Sqlite(rusqlite::Error),
    #[error(transparent)]
    Other(sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Whether the database refused what was written (a constraint, a value it cannot hold,
    /// a size limit, a trigger's refusal): writing the same again fails again. Everything
    /// else (a lost connection, a deadlock, a timeout, a shutdown) may pass if tried later.
    pub fn refuses_the_data(&self) -> bool {
        match self {
            StoreError::Conflict(_) => true,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => matches!(
                f.code,
                rusqlite::ErrorCode::ConstraintViolation
                    | rusqlite::ErrorCode::TooBig
                    | rusqlite::ErrorCode::TypeMismatch
            ),
            StoreError::Other(sqlx::Error::Database(db)) => {
                db.kind() != sqlx::error::ErrorKind::Other
                    // SQLSTATE classes: data exception, integrity constraint, program
                    // limit exceeded, PL/pgSQL raise.
                    || db
                        .code()
                        .is_some_and(|c| ["22", "23", "54", "P0"].iter().any(|k| c.starts_with(k)))
            }
            _ => false,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(constraint_name(db.constraint(), db.message()))
            }
            _ => StoreError::Other(e),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::{SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE};
        match &e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            rusqlite::Error::SqliteFailure(f, message)
                if f.extended_code == SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                StoreError::Conflict(constraint_name(None, message.as_deref().unwrap_or("")))
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

/// PostgreSQL names the constraint; SQLite says "UNIQUE constraint failed: table.column, …".
fn constraint_name(pg_name: Option<&str>, message: &str) -> String {
    if let Some(name) = pg_name {
        return name.to_owned();
    }
    let cols = message.rsplit(": ").next().unwrap_or_default();
    let first = cols.split(',').next().unwrap_or_default().trim();
    format!("uq_{}", first.replace('.', "_"))
}

/// A row type that decodes from both databases: through sqlx for PostgreSQL and
/// SQLite's readers, through rusqlite for SQLite's writer. Declare row structs with
/// [`record!`](crate::record) to get all three.
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + WriterRow + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + WriterRow + Send + Unpin
{
}

/// Decodes a row read on SQLite's writer connection.
pub trait WriterRow: Sized {
    fn from_writer_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

macro_rules! tuple_rows {
    ($($t:ident $i:tt),+) => {
        impl<$($t: rusqlite::types::FromSql),+> WriterRow for ($($t,)+) {
            fn from_writer_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
        }
    };
}
impl WriterRow for () {
    fn from_writer_row(_: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(())
    }
}
tuple_rows!(A 0);
tuple_rows!(A 0, B 1);
tuple_rows!(A 0, B 1, C 2);

/// Declares a row struct that decodes on both databases (see [`Record`]): the
/// struct as written, with `sqlx::FromRow` derived and a [`WriterRow`] by column name.
#[macro_export]
macro_rules! record {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(sqlx::FromRow)]
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field : $ty ),*
        }

        impl $crate::WriterRow for $name {
            fn from_writer_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(Self { $( $field: row.get(stringify!($field))? ),* })
            }
        }
    };
}

/// sea-query's values as SQLite values, bound the way sea-query-sqlx binds them.
fn writer_params(values: sea_query_sqlx::SqlxValues) -> StoreResult<Vec<rusqlite::types::Value>> {
    use rusqlite::types::Value as V;
    use sea_query::Value;
    fn int(i: Option<impl Into<i64>>) -> V {
        i.map_or(V::Null, |i| V::Integer(i.into()))
    }
    values
        .0
        .0
        .into_iter()
        .map(|value| {
            Ok(match value {
                Value::Bool(b) => int(b),
                Value::TinyInt(i) => int(i),
                Value::SmallInt(i) => int(i),
                Value::Int(i) => int(i),
                Value::BigInt(i) => int(i),
                Value::TinyUnsigned(i) => int(i),
                Value::SmallUnsigned(i) => int(i),
                Value::Unsigned(i) => int(i),
                Value::BigUnsigned(i) => match i {
                    None => V::Null,
                    Some(i) => V::Integer(i64::try_from(i).map_err(|_| {
                        StoreError::Sqlite(rusqlite::Error::IntegralValueOutOfRange(0, i64::MAX))
                    })?),
                },
                Value::Float(f) => f.map_or(V::Null, |f| V::Real(f.into())),
                Value::Double(f) => f.map_or(V::Null, V::Real),
                Value::String(s) => s.map_or(V::Null, V::Text),
                Value::Char(c) => c.map_or(V::Null, |c| V::Text(c.to_string())),
                Value::Bytes(b) => b.map_or(V::Null, V::Blob),
                other => {
                    return Err(StoreError::Sqlite(rusqlite::Error::InvalidParameterName(
                        format!("kefu does not store values of this type: {other:?}"),
                    )));
                }
            })
        })
        .collect()
}

/// Runs a statement on the writer and decodes up to `limit` rows. Statements that
/// change data always run to completion, whatever `limit` is.
fn writer_query<T: WriterRow>(
    conn: &rusqlite::Connection,
    stmt: &impl SqlxBinder,
    limit: usize,
) -> StoreResult<Vec<T>> {
    let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
    let params = writer_params(values)?;
    let mut prepared = conn.prepare_cached(&sql)?;
    let readonly = prepared.readonly();
    let mut rows = prepared.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        if out.len() < limit {
            out.push(T::from_writer_row(row)?);
        } else if readonly {
            break;
        }
    }
    Ok(out)
}

/// The database handle. SQLite keeps one writer connection (SQLite allows one
/// writer at a time; a single connection avoids lock upgrades failing) and a
/// pool of readers in WAL mode.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite {
        writer: Arc<SqliteWriter>,
        read: SqlitePool,
    },
    Postgres {
        pool: PgPool,
        schema: Option<String>,
    },
}

macro_rules! on_pool {
    ($db:expr, $stmt:expr, |$q:ident, $sql:ident, $vals:ident| $body:expr) => {
        match $db {
            Db::Sqlite { read, .. } => {
                let ($sql, $vals) = $stmt.build_sqlx(SqliteQueryBuilder);
                let $q = read;
                $body
            }
            Db::Postgres { pool, .. } => {
                let ($sql, $vals) = $stmt.build_sqlx(PostgresQueryBuilder);
                let $q = pool;
                $body
            }
        }
    };
}

macro_rules! on_tx {
    ($tx:expr, $stmt:expr, |$q:ident, $sql:ident, $vals:ident| $body:expr) => {
        match &mut $tx.conn {
            Conn::Sqlite(_) => unreachable!("the writer's statements run in writer_query"),
            Conn::SqliteRead(t) => {
                let ($sql, $vals) = $stmt.build_sqlx(SqliteQueryBuilder);
                let $q = &mut **t;
                $body
            }
            Conn::Postgres(t, _) => {
                let ($sql, $vals) = $stmt.build_sqlx(PostgresQueryBuilder);
                let $q = &mut **t;
                $body
            }
        }
    };
}

impl Db {
    /// Opens (creating if needed) the SQLite database file at `path`.
    pub async fn open_sqlite(path: &Path) -> StoreResult<Self> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-32000")
            .pragma("mmap_size", "268435456");
        // FULL: a commit returns once it is on disk; group commit shares that sync.
        let writer = crate::writer::open_connection(path, "FULL")?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts.read_only(false))
            .await?;
        Ok(Db::Sqlite {
            writer: SqliteWriter::new(writer),
            read,
        })
    }

    /// Connects to PostgreSQL. With `schema`, every connection works inside
    /// that schema (tests use one schema each).
    pub async fn connect_postgres(
        url: &str,
        schema: Option<&str>,
        max_connections: u32,
    ) -> StoreResult<Self> {
        // Plans are made for each query's own values: how many rows a search term
        // matches differs by orders of magnitude ("贸易" against one phone number), and a
        // generic plan made without the values (nor the page size) can cost 100× more.
        // Writing transactions go back to PostgreSQL's default (see `begin`).
        let mut opts =
            PgConnectOptions::from_str(url)?.options([("plan_cache_mode", "force_custom_plan")]);
        if let Some(schema) = schema {
            opts = opts.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(Db::Postgres {
            pool,
            schema: schema.map(str::to_owned),
        })
    }

    /// Opens the database a URL names: `postgres://…` or `sqlite://path`.
    pub async fn open_url(url: &str) -> StoreResult<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url, None, 20).await
        } else {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            Self::open_sqlite(Path::new(path)).await
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The PostgreSQL pool, for the few PostgreSQL-only mechanisms (LISTEN/NOTIFY).
    pub fn pg_pool(&self) -> Option<&PgPool> {
        match self {
            Db::Postgres { pool, .. } => Some(pool),
            Db::Sqlite { .. } => None,
        }
    }

    /// A name unique to this database (and schema), for notification channels.
    pub fn channel_name(&self, base: &str) -> String {
        match self {
            Db::Postgres {
                schema: Some(s), ..
            } => format!("{base}_{s}"),
            _ => base.to_owned(),
        }
    }

    /// A writing transaction. On PostgreSQL its statements may run on a plan made once
    /// per connection (`plan_cache_mode = auto`, PostgreSQL's default) instead of one made
    /// for each execution: writes find rows by key, so a generic plan is as good as a
    /// custom one, and planning each insert and each foreign-key check again cost as much
    /// server time as running them. Reads keep the connection's custom plans.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(Tx::on(match self {
            Db::Sqlite { writer, .. } => Conn::Sqlite(writer.begin().await?),
            Db::Postgres { pool, .. } => Conn::Postgres(
                pool.begin_with("BEGIN; SET LOCAL plan_cache_mode = auto")
                    .await?,
                Vec::new(),
            ),
        }))
    }

    /// A read-only transaction: on SQLite it uses a reader, not the one writer.
    pub async fn begin_read(&self) -> StoreResult<Tx> {
        Ok(Tx::on(match self {
            Db::Sqlite { read, .. } => Conn::SqliteRead(read.begin().await?),
            Db::Postgres { pool, .. } => Conn::Postgres(pool.begin().await?, Vec::new()),
        }))
    }

    pub async fn fetch_all<T: Record>(&self, stmt: &impl SqlxBinder) -> StoreResult<Vec<T>> {
        on_pool!(self, stmt, |pool, sql, vals| Ok(sqlx::query_as_with::<
            _,
            T,
            _,
        >(
            sqlx::AssertSqlSafe(sql),
            vals
        )
        .fetch_all(pool)
        .await?))
    }

    pub async fn fetch_optional<T: Record>(
        &self,
        stmt: &impl SqlxBinder,
    ) -> StoreResult<Option<T>> {
        on_pool!(self, stmt, |pool, sql, vals| Ok(sqlx::query_as_with::<
            _,
            T,
            _,
        >(
            sqlx::AssertSqlSafe(sql),
            vals
        )
        .fetch_optional(pool)
        .await?))
    }

    pub async fn fetch_one<T: Record>(&self, stmt: &impl SqlxBinder) -> StoreResult<T> {
        self.fetch_optional(stmt).await?.ok_or(StoreError::NotFound)
    }

    /// Runs one statement that returns a row (INSERT … RETURNING) in a transaction of its own.
    pub async fn fetch_one_write<T: Record>(&self, stmt: &impl SqlxBinder) -> StoreResult<T> {
        let mut tx = self.begin().await?;
        let row = tx.fetch_one(stmt).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Runs one writing statement in a transaction of its own.
    pub async fn execute(&self, stmt: &impl SqlxBinder) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let n = tx.execute(stmt).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Whether the database answers (health checks).
    pub async fn ping(&self) -> StoreResult<()> {
        match self {
            Db::Sqlite { read, .. } => {
                sqlx::query("SELECT 1").execute(read).await?;
            }
            Db::Postgres { pool, .. } => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { writer, read } => {
                read.close().await;
                writer.close().await;
            }
            Db::Postgres { pool, .. } => pool.close().await,
        }
    }

    /// Applies every migration not yet applied. Safe to call from several instances at once.
    pub async fn migrate(&self) -> StoreResult<usize> {
        crate::migrate::run(self).await
    }
}

/// A transaction on either database. Dropping it without `commit` rolls back.
pub struct Tx {
    pub(crate) conn: Conn,
    memo: Memo,
}

/// Reads a transaction keeps for its own later statements (see [`Tx::memo`]).
#[derive(Default)]
struct Memo(std::collections::HashMap<std::any::TypeId, Box<dyn std::any::Any + Send + Sync>>);

/// The connection a [`Tx`] runs on.
pub(crate) enum Conn {
    /// A write transaction on SQLite's shared writer (see `writer.rs`).
    Sqlite(WriteTx),
    /// A read-only transaction on one of SQLite's readers.
    SqliteRead(Transaction<'static, Sqlite>),
    /// A PostgreSQL transaction and the events it appended, written at commit (see
    /// `events.rs`: the log's ordering lock is then held only for the commit itself).
    Postgres(
        Transaction<'static, Postgres>,
        Vec<crate::events::PendingEvent>,
    ),
}

impl Tx {
    fn on(conn: Conn) -> Self {
        Tx {
            conn,
            memo: Memo::default(),
        }
    }

    pub fn backend(&self) -> Backend {
        match self.conn {
            Conn::Sqlite(_) | Conn::SqliteRead(_) => Backend::Sqlite,
            Conn::Postgres(..) => Backend::Postgres,
        }
    }

    /// A value this transaction read earlier and kept with [`Tx::remember`], by its type.
    /// For reads that many statements of one transaction repeat and none of them changes
    /// (the enabled SLA policies, the routing rules): the transaction then sees them as
    /// they were at its first read, the way a batch of mail is stored.
    pub fn memo<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.memo
            .0
            .get(&std::any::TypeId::of::<T>())
            .and_then(|v| v.downcast_ref::<T>())
            .cloned()
    }

    /// Keeps a value for [`Tx::memo`] until the transaction ends.
    pub fn remember<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.memo
            .0
            .insert(std::any::TypeId::of::<T>(), Box::new(value));
    }

    pub async fn commit(self) -> StoreResult<()> {
        match self.conn {
            Conn::Sqlite(t) => t.commit().await?,
            Conn::SqliteRead(t) => t.commit().await?,
            Conn::Postgres(mut t, events) => {
                crate::events::flush(&mut t, &events).await?;
                t.commit().await?
            }
        }
        Ok(())
    }

    pub async fn fetch_all<T: Record>(&mut self, stmt: &impl SqlxBinder) -> StoreResult<Vec<T>> {
        if let Conn::Sqlite(t) = &mut self.conn {
            return writer_query(t.conn()?, stmt, usize::MAX);
        }
        on_tx!(self, stmt, |c, sql, vals| Ok(
            sqlx::query_as_with::<_, T, _>(sqlx::AssertSqlSafe(sql), vals)
                .fetch_all(c)
                .await?
        ))
    }

    pub async fn fetch_optional<T: Record>(
        &mut self,
        stmt: &impl SqlxBinder,
    ) -> StoreResult<Option<T>> {
        if let Conn::Sqlite(t) = &mut self.conn {
            return Ok(writer_query(t.conn()?, stmt, 1)?.pop());
        }
        on_tx!(self, stmt, |c, sql, vals| Ok(
            sqlx::query_as_with::<_, T, _>(sqlx::AssertSqlSafe(sql), vals)
                .fetch_optional(c)
                .await?
        ))
    }

    pub async fn fetch_one<T: Record>(&mut self, stmt: &impl SqlxBinder) -> StoreResult<T> {
        self.fetch_optional(stmt).await?.ok_or(StoreError::NotFound)
    }

    pub async fn execute(&mut self, stmt: &impl SqlxBinder) -> StoreResult<u64> {
        if let Conn::Sqlite(t) = &mut self.conn {
            let conn = t.conn()?;
            writer_query::<()>(conn, stmt, 0)?;
            return Ok(conn.changes());
        }
        on_tx!(self, stmt, |c, sql, vals| Ok(sqlx::query_with(
            sqlx::AssertSqlSafe(sql),
            vals
        )
        .execute(c)
        .await?
        .rows_affected()))
    }

    /// Runs SQL text that has no parameters (DDL, locks) on this transaction.
    pub async fn execute_raw(&mut self, sql: &str) -> StoreResult<()> {
        match &mut self.conn {
            Conn::Sqlite(t) => t.conn()?.execute_batch(sql)?,
            Conn::SqliteRead(t) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut **t)
                    .await?;
            }
            Conn::Postgres(t, _) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut **t)
                    .await?;
            }
        }
        Ok(())
    }
}

/// Builds a statement's SQL for a backend (migrations and tests).
pub(crate) fn render(stmt: &impl sea_query::SchemaStatementBuilder, backend: Backend) -> String {
    match backend {
        Backend::Sqlite => stmt.to_string(SqliteQueryBuilder),
        Backend::Postgres => stmt.to_string(PostgresQueryBuilder),
    }
}

#[cfg(test)]
mod tests {
    use super::constraint_name;

    #[test]
    fn conflicts_are_named_the_same_on_both_databases() {
        assert_eq!(
            constraint_name(Some("uq_users_email"), "duplicate key"),
            "uq_users_email"
        );
        assert_eq!(
            constraint_name(None, "UNIQUE constraint failed: users.email"),
            "uq_users_email"
        );
        assert_eq!(
            constraint_name(
                None,
                "UNIQUE constraint failed: messages.conversation_id, messages.client_id"
            ),
            "uq_messages_conversation_id"
        );
    }
}
