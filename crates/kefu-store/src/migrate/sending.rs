//! Migration 21: when a reply's submission to the SMTP server began. A reply still
//! `queued` with this set was being handed over when its sender stopped; whether the server
//! took it is then read from the copy kefu sends itself (see `kefu_app::email::outgoing`).

pub(super) fn sending() -> Vec<String> {
    vec!["ALTER TABLE email_messages ADD COLUMN sending_at BIGINT NULL".into()]
}
