//! The email channel: mailbox settings, mail in (IMAP fetch or a signed raw-MIME post),
//! replies out through SMTP from a durable queue.

pub mod blocklist;
pub mod fetch;
pub mod ingest;
pub mod outgoing;
pub mod read;
pub mod settings;
