//! `JsonText<T>`: a value stored as JSON text (tags, custom fields), decoded on every connection.

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sqlx::{Decode, Postgres, Sqlite, Type};

/// JSON kept in a `TEXT` column, read back as `T` (an unreadable value reads as `T::default()`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JsonText<T>(pub T);

impl<T: Serialize> JsonText<T> {
    /// The text stored in the column.
    pub fn to_text(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "null".into())
    }
}

fn parse<T: DeserializeOwned + Default>(text: &str) -> JsonText<T> {
    JsonText(serde_json::from_str(text).unwrap_or_default())
}

impl<T> Type<Sqlite> for JsonText<T> {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl<T> Type<Postgres> for JsonText<T> {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <String as Type<Postgres>>::type_info()
    }
}

impl<'r, T: DeserializeOwned + Default> Decode<'r, Sqlite> for JsonText<T> {
    fn decode(value: sqlx::sqlite::SqliteValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(parse(<&str as Decode<Sqlite>>::decode(value)?))
    }
}

impl<'r, T: DeserializeOwned + Default> Decode<'r, Postgres> for JsonText<T> {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(parse(<&str as Decode<Postgres>>::decode(value)?))
    }
}

impl<T: DeserializeOwned + Default> rusqlite::types::FromSql for JsonText<T> {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        Ok(parse(value.as_str()?))
    }
}
