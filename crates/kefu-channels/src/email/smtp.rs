//! SMTP client for outgoing mail: hand raw MIME bytes to the inbox's server, with typed errors.

use std::error::Error as _;
use std::str::FromStr;
use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::email::transport::{MailAuth, Security, TlsSetupError, TlsTrust, extra_roots};

/// Where and how to send an inbox's mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// `None` for a relay that accepts mail without logging in.
    pub login: Option<SmtpLogin>,
    pub tls_trust: TlsTrust,
    /// How long one network step may take.
    pub timeout: Duration,
}

/// Who to log in as; the secret redacts itself in `Debug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpLogin {
    pub username: String,
    pub auth: MailAuth,
}

impl SmtpConfig {
    /// A configuration with the system's TLS roots and a 30-second step timeout.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        security: Security,
        login: Option<SmtpLogin>,
    ) -> Self {
        Self {
            host: host.into(),
            port,
            security,
            login,
            tls_trust: TlsTrust::default(),
            timeout: Duration::from_secs(30),
        }
    }
}

/// Why a message was not accepted. `Permanent` means retrying the same message will fail
/// again (bad recipient, refused login, policy); `Transient` means a later retry may work.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// The server answered 5xx.
    #[error("the mail server said no ({code}): {message}")]
    Permanent { code: u16, message: String },
    /// The server answered 4xx (`code` is set), or the connection or TLS failed (`code` is
    /// `None`).
    #[error("sending failed for now{}: {message}", code.map(|c| format!(" ({c})")).unwrap_or_default())]
    Transient { code: Option<u16>, message: String },
    /// An envelope address is not a valid email address.
    #[error("{address:?} is not a valid email address: {reason}")]
    InvalidAddress { address: String, reason: String },
    /// The configured TLS trust could not be used.
    #[error(transparent)]
    TlsSetup(#[from] TlsSetupError),
}

impl SmtpError {
    /// Whether retrying the same message cannot succeed without a change.
    pub fn is_permanent(&self) -> bool {
        !matches!(self, Self::Transient { .. })
    }

    /// The SMTP reply code, when the server gave one.
    pub fn code(&self) -> Option<u16> {
        match self {
            Self::Permanent { code, .. } => Some(*code),
            Self::Transient { code, .. } => *code,
            _ => None,
        }
    }
}

impl From<lettre::transport::smtp::Error> for SmtpError {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        // The source holds the server's own words; the error's Display only the category.
        let message = e.source().map_or_else(|| e.to_string(), |s| s.to_string());
        match e.status().map(u16::from) {
            Some(code) if e.is_permanent() => Self::Permanent { code, message },
            code => Self::Transient {
                code,
                message: if e.is_tls() {
                    format!("TLS failed: {message}")
                } else {
                    message
                },
            },
        }
    }
}

/// Sends one message: `raw` goes out unchanged, to `recipients` (To, Cc and Bcc together)
/// with `envelope_from` as the bounce address.
pub async fn send(
    config: &SmtpConfig,
    envelope_from: &str,
    recipients: &[String],
    raw: &[u8],
) -> Result<(), SmtpError> {
    let envelope = envelope(envelope_from, recipients)?;
    let transport = transport(config)?;
    // lettre's timeout covers connecting only; a server that stops answering mid-way would
    // hold the send forever. Allow the step timeout plus one second per 16 KiB of message.
    let limit = config.timeout * 2 + Duration::from_secs(raw.len() as u64 / 16_384);
    within(limit, transport.send_raw(&envelope, raw)).await?;
    Ok(())
}

async fn within<T>(
    limit: Duration,
    fut: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, SmtpError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(SmtpError::Transient {
            code: None,
            message: format!("the server did not answer within {limit:?}"),
        }),
    }
}

/// Checks the settings end to end: connect, secure, log in (if configured).
pub async fn test_connection(config: &SmtpConfig) -> Result<(), SmtpError> {
    let transport = transport(config)?;
    if within(config.timeout * 2, transport.test_connection()).await? {
        Ok(())
    } else {
        Err(SmtpError::Transient {
            code: None,
            message: "the server did not answer NOOP".into(),
        })
    }
}

fn envelope(from: &str, recipients: &[String]) -> Result<Envelope, SmtpError> {
    let from = parse_address(from)?;
    let to = recipients
        .iter()
        .map(|r| parse_address(r))
        .collect::<Result<Vec<_>, _>>()?;
    Envelope::new(Some(from), to).map_err(|e| SmtpError::InvalidAddress {
        address: recipients.join(", "),
        reason: e.to_string(),
    })
}

fn parse_address(address: &str) -> Result<Address, SmtpError> {
    Address::from_str(address).map_err(|e| SmtpError::InvalidAddress {
        address: address.to_owned(),
        reason: e.to_string(),
    })
}

fn transport(config: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, SmtpError> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
        .port(config.port)
        .timeout(Some(config.timeout))
        .tls(tls(config)?);
    if let Some(login) = &config.login {
        let (secret, mechanisms) = match &login.auth {
            MailAuth::Password(password) => (password, vec![Mechanism::Plain, Mechanism::Login]),
            MailAuth::XOAuth2(token) => (token, vec![Mechanism::Xoauth2]),
        };
        builder = builder
            .credentials(Credentials::new(login.username.clone(), secret.clone()))
            .authentication(mechanisms);
    }
    Ok(builder.build())
}

fn tls(config: &SmtpConfig) -> Result<Tls, SmtpError> {
    if config.security == Security::Plain {
        return Ok(Tls::None);
    }
    let mut params = TlsParameters::builder(config.host.clone());
    for der in extra_roots(&config.tls_trust)? {
        let cert = Certificate::from_der(der.to_vec())
            .map_err(|e| TlsSetupError::BadExtraRoots(e.to_string()))?;
        params = params.add_root_certificate(cert);
    }
    let params = params.build_rustls().map_err(SmtpError::from)?;
    Ok(match config.security {
        Security::Tls => Tls::Wrapper(params),
        _ => Tls::Required(params),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_recipient_is_refused_before_connecting() {
        let err = envelope("desk@example.com", &["not an address".into()]).unwrap_err();
        assert!(matches!(err, SmtpError::InvalidAddress { .. }), "{err}");
        assert!(err.is_permanent());
    }

    #[test]
    fn a_4xx_reply_is_shown_with_its_code() {
        let err = SmtpError::Transient {
            code: Some(451),
            message: "try again later".into(),
        };
        assert_eq!(
            err.to_string(),
            "sending failed for now (451): try again later"
        );
        assert!(!err.is_permanent());
    }
}
