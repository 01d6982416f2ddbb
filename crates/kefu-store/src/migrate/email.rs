//! Migration 14: the email channel — each email inbox's mailbox settings and fetch
//! cursor, what every mail carried (Message-ID, threading, sanitised HTML, delivery state
//! of replies), and the senders never to take mail from.

use crate::db::Backend;

pub(super) fn email(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    vec![
        // One row per email inbox. Secrets (password or OAuth token) are kept as given:
        // the database is the trust boundary, as for session and API token hashes. The
        // IMAP cursor is (uid_validity, last_uid), advanced in the transaction that
        // stores each message; the lease lets one instance fetch at a time. `tls_ca_pem` is a
        // certificate trusted besides the system's roots (a company CA, a self-signed server).
        "CREATE TABLE email_accounts (
             inbox_id BIGINT PRIMARY KEY REFERENCES inboxes (id) ON DELETE CASCADE,
             address TEXT NOT NULL,
             sender_name TEXT NULL,
             imap_host TEXT NULL,
             imap_port BIGINT NULL,
             imap_security TEXT NOT NULL DEFAULT 'tls',
             imap_username TEXT NULL,
             imap_auth TEXT NOT NULL DEFAULT 'password',
             imap_secret TEXT NULL,
             imap_mailbox TEXT NOT NULL DEFAULT 'INBOX',
             smtp_host TEXT NULL,
             smtp_port BIGINT NULL,
             smtp_security TEXT NOT NULL DEFAULT 'tls',
             smtp_username TEXT NULL,
             smtp_auth TEXT NOT NULL DEFAULT 'password',
             smtp_secret TEXT NULL,
             signature_text TEXT NULL,
             signature_html TEXT NULL,
             tls_ca_pem TEXT NULL,
             ingest_secret TEXT NOT NULL,
             uid_validity BIGINT NULL,
             last_uid BIGINT NOT NULL DEFAULT 0,
             lease_owner TEXT NULL,
             lease_until BIGINT NULL,
             last_fetch_at BIGINT NULL,
             last_error TEXT NULL,
             created_at BIGINT NOT NULL,
             updated_at BIGINT NOT NULL
         )"
        .into(),
        // What a mail carried besides the message's visible text. `rfc_message_id` is
        // unique per inbox: the same mail fetched twice, delivered to two addresses of
        // the inbox or posted again is stored once.
        "CREATE TABLE email_messages (
             message_id BIGINT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
             inbox_id BIGINT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
             conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
             direction TEXT NOT NULL,
             rfc_message_id TEXT NOT NULL,
             in_reply_to TEXT NULL,
             subject TEXT NOT NULL,
             from_address TEXT NULL,
             to_addresses TEXT NOT NULL DEFAULT '[]',
             cc_addresses TEXT NOT NULL DEFAULT '[]',
             html TEXT NULL,
             full_text TEXT NULL,
             automatic TEXT NULL,
             delivery TEXT NULL,
             failure TEXT NULL,
             attempts BIGINT NOT NULL DEFAULT 0,
             sent_at BIGINT NULL,
             created_at BIGINT NOT NULL
         )"
        .into(),
        "CREATE UNIQUE INDEX uq_email_messages_rfc ON email_messages (inbox_id, rfc_message_id)"
            .into(),
        "CREATE INDEX ix_email_messages_conversation ON email_messages (conversation_id)".into(),
        format!(
            "CREATE TABLE email_blocklist (
                id {pk},
                pattern TEXT NOT NULL,
                created_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_email_blocklist ON email_blocklist (pattern)".into(),
    ]
}
