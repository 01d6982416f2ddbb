//! Time as kefu stores it: UTC milliseconds since the Unix epoch.

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

/// Now, in UTC milliseconds.
pub fn now_ms() -> Millis {
    jiff::Timestamp::now().as_millisecond()
}
