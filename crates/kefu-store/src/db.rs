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
    #[error(transparent)]
    Other(sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

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

/// PostgreSQL names the constraint; SQLite says "UNIQUE constraint failed: table.column, …".
fn constraint_name(pg_name: Option<&str>, message: &str) -> String {
    if let Some(name) = pg_name {
        return name.to_owned();
    }
    let cols = message.rsplit(": ").next().unwrap_or_default();
    let first = cols.split(',').next().unwrap_or_default().trim();
    format!("uq_{}", first.replace('.', "_"))
}

/// A row type that decodes from both databases.
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
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
        match $tx {
            Tx::Sqlite(t) => {
                let ($sql, $vals) = $stmt.build_sqlx(SqliteQueryBuilder);
                let $q = t.conn();
                $body
            }
            Tx::SqliteRead(t) => {
                let ($sql, $vals) = $stmt.build_sqlx(SqliteQueryBuilder);
                let $q = &mut **t;
                $body
            }
            Tx::Postgres(t) => {
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
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts.read_only(false))
            .await?;
        Ok(Db::Sqlite {
            writer: SqliteWriter::new(write),
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
        let mut opts = PgConnectOptions::from_str(url)?;
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

    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite { writer, .. } => Tx::Sqlite(writer.begin().await?),
            Db::Postgres { pool, .. } => Tx::Postgres(pool.begin().await?),
        })
    }

    /// A read-only transaction: on SQLite it uses a reader, not the one writer.
    pub async fn begin_read(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite { read, .. } => Tx::SqliteRead(read.begin().await?),
            Db::Postgres { pool, .. } => Tx::Postgres(pool.begin().await?),
        })
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
pub enum Tx {
    /// A write transaction on SQLite's shared writer (see `writer.rs`).
    Sqlite(WriteTx),
    /// A read-only transaction on one of SQLite's readers.
    SqliteRead(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) | Tx::SqliteRead(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::SqliteRead(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub async fn fetch_all<T: Record>(&mut self, stmt: &impl SqlxBinder) -> StoreResult<Vec<T>> {
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
        match self {
            Tx::Sqlite(t) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(t.conn())
                    .await?;
            }
            Tx::SqliteRead(t) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut **t)
                    .await?;
            }
            Tx::Postgres(t) => {
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
