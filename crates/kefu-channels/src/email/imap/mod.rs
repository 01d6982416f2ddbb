//! IMAP client for incoming mail: log in, select, fetch raw messages by UID, wait with IDLE.
//!
//! The caller keeps `(uid_validity, last_uid)` per inbox and asks for messages after
//! `last_uid`; when `uid_validity` changes, the stored UIDs mean nothing any more and the
//! caller starts over (deduplicating by Message-ID).

mod connect;
mod error;

use std::time::Duration;

use async_imap::Session;
use async_imap::extensions::idle::IdleResponse;
use async_imap::types::UnsolicitedResponse;
use futures_util::TryStreamExt;

use crate::email::transport::{MailAuth, Security, TlsTrust};
use connect::{Io, open_session};
pub use error::ImapError;
use error::within;

/// Where and how to read an inbox. Secrets live in `auth`, which redacts itself in `Debug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    pub auth: MailAuth,
    /// The mailbox to read; `INBOX` unless the admin picks another.
    pub mailbox: String,
    pub tls_trust: TlsTrust,
    /// How long one network step (connect, login, a command) may take.
    pub timeout: Duration,
}

impl ImapConfig {
    /// A configuration for `INBOX` with the system's TLS roots and a 30-second step timeout.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        security: Security,
        username: impl Into<String>,
        auth: MailAuth,
    ) -> Self {
        Self {
            host: host.into(),
            port,
            security,
            username: username.into(),
            auth,
            mailbox: "INBOX".into(),
            tls_trust: TlsTrust::default(),
            timeout: Duration::from_secs(30),
        }
    }
}

/// What SELECT reports about the mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxState {
    /// UIDs are only comparable while this stays the same.
    pub uid_validity: u32,
    /// The UID the next message will get, if the server says.
    pub uid_next: Option<u32>,
    /// How many messages the mailbox holds.
    pub exists: u32,
}

/// One message as the server stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedMessage {
    pub uid: u32,
    /// The complete RFC 5322 message, headers and body, as raw bytes.
    pub raw: Vec<u8>,
}

/// Why [`ImapClient::wait_for_change`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The server pushed a change (new mail, expunge, flags) through IDLE.
    Changed,
    /// Nothing was pushed before the timeout.
    TimedOut,
    /// The server cannot push (no IDLE): the wait was a polling pause, fetch now.
    PollDue,
}

/// A logged-in IMAP connection with the configured mailbox.
pub struct ImapClient {
    /// `None` only after a failure in the middle of IDLE left no usable session.
    session: Option<Session<Io>>,
    mailbox: String,
    timeout: Duration,
    supports_idle: bool,
}

impl ImapClient {
    /// Connects and logs in (nothing is selected yet).
    pub async fn connect(config: &ImapConfig) -> Result<Self, ImapError> {
        within(config.timeout, async {
            let mut session = open_session(config).await?;
            let supports_idle = session.capabilities().await?.has_str("IDLE");
            Ok(Self {
                session: Some(session),
                mailbox: config.mailbox.clone(),
                timeout: config.timeout,
                supports_idle,
            })
        })
        .await
    }

    /// Whether the server pushes changes (IDLE); without it [`Self::wait_for_change`] polls.
    pub fn supports_idle(&self) -> bool {
        self.supports_idle
    }

    /// Opens the configured mailbox and reports its UIDVALIDITY and UIDNEXT.
    pub async fn select(&mut self) -> Result<MailboxState, ImapError> {
        let (mailbox, timeout) = (self.mailbox.clone(), self.timeout);
        let session = self.session()?;
        let selected = within(timeout, async {
            session.select(&mailbox).await.map_err(|e| match e {
                async_imap::error::Error::No(reason) => ImapError::MailboxMissing {
                    mailbox: mailbox.clone(),
                    reason,
                },
                other => other.into(),
            })
        })
        .await?;
        let uid_validity = selected.uid_validity.ok_or_else(|| {
            ImapError::Protocol(format!("SELECT {mailbox} reported no UIDVALIDITY"))
        })?;
        Ok(MailboxState {
            uid_validity,
            uid_next: selected.uid_next,
            exists: selected.exists,
        })
    }

    /// The messages with a UID above `after_uid`, oldest first, at most `limit` of them.
    /// Messages are read with `BODY.PEEK[]`, so their \Seen flag is left alone.
    pub async fn fetch_after(
        &mut self,
        after_uid: u32,
        limit: usize,
    ) -> Result<Vec<FetchedMessage>, ImapError> {
        let Some(first) = after_uid.checked_add(1) else {
            return Ok(Vec::new());
        };
        let timeout = self.timeout;
        let session = self.session()?;
        within(timeout, async {
            // NOOP lets the server notice mail that arrived since the last command.
            session.noop().await?;
            // `n:*` always matches the highest UID, even when it is below n: filter again.
            let mut uids: Vec<u32> = session
                .uid_search(format!("UID {first}:*"))
                .await?
                .into_iter()
                .filter(|uid| *uid > after_uid)
                .collect();
            uids.sort_unstable();
            uids.truncate(limit);
            if uids.is_empty() {
                return Ok(Vec::new());
            }
            let set = uids
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let fetches: Vec<_> = session
                .uid_fetch(set, "(UID BODY.PEEK[])")
                .await?
                .try_collect()
                .await?;
            let mut messages: Vec<FetchedMessage> = fetches
                .iter()
                .filter_map(|fetch| {
                    Some(FetchedMessage {
                        uid: fetch.uid?,
                        raw: fetch.body()?.to_vec(),
                    })
                })
                .filter(|message| message.uid > after_uid)
                .collect();
            messages.sort_by_key(|message| message.uid);
            messages.dedup_by_key(|message| message.uid);
            Ok(messages)
        })
        .await
    }

    /// Whether the selected mailbox holds a message with this Message-ID (given without
    /// the angle brackets): how a sender that lost track of a submission tells whether the
    /// server took it, from the copy it sent itself.
    pub async fn contains_message_id(&mut self, message_id: &str) -> Result<bool, ImapError> {
        // A quoted IMAP string: no quotes, backslashes or line breaks inside.
        let id: String = message_id
            .chars()
            .filter(|c| !matches!(c, '"' | '\\' | '\r' | '\n' | '<' | '>'))
            .collect();
        if id.is_empty() {
            return Ok(false);
        }
        let timeout = self.timeout;
        let session = self.session()?;
        within(timeout, async {
            session.noop().await?;
            let found = session
                .uid_search(format!("HEADER Message-ID \"{id}\""))
                .await?;
            Ok(!found.is_empty())
        })
        .await
    }

    /// Waits up to `timeout` for the server to report a change to the selected mailbox. With
    /// IDLE this returns as soon as mail arrives; without it, it sleeps `timeout` (the polling
    /// interval) and returns [`Wake::PollDue`]. Callers fetch after `Changed` and `PollDue`.
    pub async fn wait_for_change(&mut self, timeout: Duration) -> Result<Wake, ImapError> {
        if !self.supports_idle {
            tokio::time::sleep(timeout).await;
            let step = self.timeout;
            let session = self.session()?;
            within(step, async { Ok(session.noop().await?) }).await?;
            drain_unsolicited(session);
            return Ok(Wake::PollDue);
        }
        self.idle(timeout).await
    }

    async fn idle(&mut self, timeout: Duration) -> Result<Wake, ImapError> {
        let session = self
            .session
            .take()
            .ok_or_else(|| ImapError::ConnectionLost("an earlier IDLE failed".into()))?;
        let mut handle = session.idle();
        within(self.timeout, async { Ok(handle.init().await?) }).await?;
        let (wait, _stop) = handle.wait_with_timeout(timeout);
        // The crate's own timeout restarts on every keep-alive; this one bounds the whole wait.
        let wake = match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(IdleResponse::NewData(_))) => Wake::Changed,
            Ok(Ok(IdleResponse::Timeout | IdleResponse::ManualInterrupt)) | Err(_) => {
                Wake::TimedOut
            }
            Ok(Err(e)) => return Err(e.into()),
        };
        let mut session = within(self.timeout, async { Ok(handle.done().await?) }).await?;
        drain_unsolicited(&mut session);
        self.session = Some(session);
        Ok(wake)
    }

    /// Logs out politely; errors are ignored because the connection is going away anyway.
    pub async fn logout(mut self) {
        if let Some(mut session) = self.session.take() {
            let _ = tokio::time::timeout(self.timeout, session.logout()).await;
        }
    }

    fn session(&mut self) -> Result<&mut Session<Io>, ImapError> {
        self.session
            .as_mut()
            .ok_or_else(|| ImapError::ConnectionLost("an earlier IDLE failed".into()))
    }
}

/// Checks an inbox's settings end to end: connect, secure, log in, open the mailbox.
pub async fn test_connection(config: &ImapConfig) -> Result<MailboxState, ImapError> {
    let mut client = ImapClient::connect(config).await?;
    let state = client.select().await?;
    client.logout().await;
    Ok(state)
}

/// Empties the queue of unsolicited responses; they only tell us "something changed", which
/// the caller learns by fetching, and an unread queue would just fill up.
fn drain_unsolicited(session: &mut Session<Io>) {
    while let Ok(response) = session.unsolicited_responses.try_recv() {
        let _: UnsolicitedResponse = response;
    }
}
