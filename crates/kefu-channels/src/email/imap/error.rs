//! What can go wrong talking to an IMAP server, in terms an admin can act on.

use std::time::Duration;

use crate::email::transport::TlsSetupError;

/// An IMAP failure. The variants follow what the settings page tells the admin to fix: the
/// address, the certificate, the credentials, or the mailbox name.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// The host name did not resolve or nothing accepted the TCP connection.
    #[error("could not connect to {host}:{port}: {source}")]
    Connect {
        host: String,
        port: u16,
        #[source]
        source: std::io::Error,
    },
    /// The TLS handshake failed: untrusted or expired certificate, wrong host name, or the
    /// port does not speak TLS.
    #[error("TLS with {host} failed: {reason}")]
    Tls { host: String, reason: String },
    /// The configured TLS trust could not be used.
    #[error(transparent)]
    TlsSetup(#[from] TlsSetupError),
    /// STARTTLS was configured but the server refused it.
    #[error("the server refused STARTTLS: {0}")]
    StartTlsRefused(String),
    /// The server rejected the username and password or token.
    #[error("the server refused the login of {username}: {reason}")]
    AuthRefused { username: String, reason: String },
    /// The mailbox to read does not exist (or this user may not open it).
    #[error("mailbox {mailbox:?} cannot be opened: {reason}")]
    MailboxMissing { mailbox: String, reason: String },
    /// The server did not answer in time.
    #[error("the IMAP server did not answer within {0:?}")]
    Timeout(Duration),
    /// The server answered something this client cannot work with.
    #[error("IMAP protocol error: {0}")]
    Protocol(String),
    /// The connection broke; reconnecting is the remedy.
    #[error("the IMAP connection was lost: {0}")]
    ConnectionLost(String),
}

impl ImapError {
    /// Whether trying again later may help (network trouble) rather than a settings change.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Connect { .. } | Self::Timeout(_) | Self::ConnectionLost(_)
        )
    }
}

impl From<async_imap::error::Error> for ImapError {
    fn from(e: async_imap::error::Error) -> Self {
        use async_imap::error::Error as E;
        match e {
            E::Io(io) => Self::ConnectionLost(io.to_string()),
            E::ConnectionLost => Self::ConnectionLost("closed by the server".into()),
            other => Self::Protocol(other.to_string()),
        }
    }
}

/// Runs `fut`, turning a stall longer than `limit` into [`ImapError::Timeout`].
pub(crate) async fn within<T>(
    limit: Duration,
    fut: impl Future<Output = Result<T, ImapError>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(limit, fut)
        .await
        .unwrap_or(Err(ImapError::Timeout(limit)))
}
