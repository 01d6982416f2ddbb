//! Opening an IMAP connection: TCP, TLS or STARTTLS, the greeting, and LOGIN or XOAUTH2.

use std::fmt::Debug;

use async_imap::{Client, Session};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::{TlsConnector, rustls::pki_types::ServerName};

use super::{ImapConfig, ImapError};
use crate::email::transport::{MailAuth, Security, rustls_client_config, xoauth2_initial_response};

/// A byte stream an IMAP session runs over: plain TCP or TLS over TCP.
pub(crate) trait ImapIo: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> ImapIo for T {}

/// The stream type behind every [`super::ImapClient`].
pub(crate) type Io = Box<dyn ImapIo>;

/// Connects, reads the greeting, secures the connection as configured and logs in.
pub(crate) async fn open_session(config: &ImapConfig) -> Result<Session<Io>, ImapError> {
    let tcp = TcpStream::connect((config.host.as_str(), config.port))
        .await
        .map_err(|source| ImapError::Connect {
            host: config.host.clone(),
            port: config.port,
            source,
        })?;
    let client = match config.security {
        Security::Tls => {
            let mut client = Client::new(Box::new(tls_handshake(config, tcp).await?) as Io);
            read_greeting(&mut client).await?;
            client
        }
        Security::StartTls => {
            let mut plain = Client::new(tcp);
            read_greeting(&mut plain).await?;
            plain
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|e| ImapError::StartTlsRefused(e.to_string()))?;
            // After STARTTLS the server sends no second greeting.
            Client::new(Box::new(tls_handshake(config, plain.into_inner()).await?) as Io)
        }
        Security::Plain => {
            let mut client = Client::new(Box::new(tcp) as Io);
            read_greeting(&mut client).await?;
            client
        }
    };
    authenticate(config, client).await
}

async fn tls_handshake(
    config: &ImapConfig,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ImapError> {
    let tls_error = |reason: String| ImapError::Tls {
        host: config.host.clone(),
        reason,
    };
    let server_name = ServerName::try_from(config.host.clone())
        .map_err(|e| tls_error(format!("{:?} is not a valid host name: {e}", config.host)))?;
    let connector = TlsConnector::from(rustls_client_config(&config.tls_trust)?);
    connector
        .connect(server_name, tcp)
        .await
        .map_err(|e| tls_error(e.to_string()))
}

async fn read_greeting<T>(client: &mut Client<T>) -> Result<(), ImapError>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + Debug,
{
    use async_imap::imap_proto::{Response, Status};
    let greeting = client
        .read_response()
        .await
        .map_err(|e| ImapError::ConnectionLost(e.to_string()))?
        .ok_or_else(|| ImapError::ConnectionLost("closed before the greeting".into()))?;
    match greeting.parsed() {
        Response::Data {
            status: Status::Ok | Status::PreAuth,
            ..
        } => Ok(()),
        other => Err(ImapError::Protocol(format!(
            "unexpected greeting: {other:?}"
        ))),
    }
}

async fn authenticate(config: &ImapConfig, client: Client<Io>) -> Result<Session<Io>, ImapError> {
    let result = match &config.auth {
        MailAuth::Password(password) => client.login(&config.username, password).await,
        MailAuth::XOAuth2(token) => {
            let authenticator = XOAuth2 {
                initial: Some(xoauth2_initial_response(&config.username, token)),
            };
            client.authenticate("XOAUTH2", authenticator).await
        }
    };
    result.map_err(|(e, _client)| match e {
        async_imap::error::Error::No(reason) | async_imap::error::Error::Bad(reason) => {
            ImapError::AuthRefused {
                username: config.username.clone(),
                reason,
            }
        }
        other => other.into(),
    })
}

/// SASL XOAUTH2: the token on the first challenge; an empty answer to the server's JSON error
/// challenge so that it finishes with a tagged NO.
struct XOAuth2 {
    initial: Option<String>,
}

impl async_imap::Authenticator for XOAuth2 {
    type Response = String;

    fn process(&mut self, _challenge: &[u8]) -> String {
        self.initial.take().unwrap_or_default()
    }
}
