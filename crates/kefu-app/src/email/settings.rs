//! An email inbox's mailbox settings: IMAP to fetch from, SMTP to send through, sender
//! name and signature; validated here, secrets never shown again once saved.

use crate::auth::random_hex;
use crate::events::{append, commit};
use crate::inboxes::{InboxInput, validate};
use crate::{Actor, App, AppError, AppResult};
use kefu_channels::email::imap::ImapConfig;
use kefu_channels::email::smtp::{SmtpConfig, SmtpLogin};
use kefu_channels::email::transport::{MailAuth, Security, TlsTrust};
use kefu_domain::email::EmailAddress;
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::email::{self as store, AccountFields, EmailAccountRow};
use kefu_store::inboxes::{self, InboxRow};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// One mail server as an admin sets it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ServerSettings {
    pub host: String,
    /// Default: 993 (IMAP over TLS), 143 (IMAP STARTTLS), 465 (SMTP over TLS), 587 (SMTP
    /// STARTTLS).
    pub port: Option<u16>,
    /// `tls`, `starttls` or `plain` (plain only for a server on the same host).
    #[serde(default = "tls")]
    pub security: String,
    pub username: Option<String>,
    /// `password` or `xoauth2` (an OAuth access token as the secret).
    #[serde(default = "password")]
    pub auth: String,
    /// The password or token; absent keeps the one saved before.
    pub secret: Option<String>,
    /// IMAP only: the folder to read (default `INBOX`).
    pub mailbox: Option<String>,
}

fn tls() -> String {
    "tls".into()
}

fn password() -> String {
    "password".into()
}

/// What an admin sets on an email inbox.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct EmailSettings {
    /// The inbox's address: replies come from it.
    pub address: String,
    /// The name customers see beside the address (`星辰数码客服`).
    pub sender_name: Option<String>,
    /// Where new mail is fetched from; absent when mail arrives only by the raw-MIME
    /// endpoint.
    pub imap: Option<ServerSettings>,
    /// Where replies are sent through.
    pub smtp: Option<ServerSettings>,
    /// Added under every reply; `{{agent_name}}` and `{{inbox_name}}` are filled in.
    pub signature_text: Option<String>,
    pub signature_html: Option<String>,
    /// A PEM certificate to trust besides the system's (a company CA, a self-signed server).
    pub tls_ca_pem: Option<String>,
}

/// The settings as shown back: no secrets, only whether one is saved.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmailSettingsView {
    pub inbox_id: i64,
    pub address: String,
    pub sender_name: Option<String>,
    pub imap: Option<ServerView>,
    pub smtp: Option<ServerView>,
    pub signature_text: Option<String>,
    pub signature_html: Option<String>,
    pub tls_ca_pem: Option<String>,
    /// The key relays sign raw MIME posts with (HMAC-SHA256, see the API docs).
    pub ingest_secret: String,
    pub last_fetch_at: Option<i64>,
    /// Why the last fetch failed, if it did.
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServerView {
    pub host: String,
    pub port: u16,
    pub security: String,
    pub username: Option<String>,
    pub auth: String,
    pub has_secret: bool,
    pub mailbox: Option<String>,
}

fn bad(field: &'static str, message: String) -> Invalid {
    Invalid::new(field, "invalid_mail_server", message)
}

fn security(field: &'static str, s: &str) -> Result<Security, Invalid> {
    match s {
        "tls" => Ok(Security::Tls),
        "starttls" => Ok(Security::StartTls),
        "plain" => Ok(Security::Plain),
        other => Err(bad(
            field,
            format!("'{other}' is not a connection security; use tls, starttls or plain"),
        )),
    }
}

fn default_port(imap: bool, s: Security) -> u16 {
    match (imap, s) {
        (true, Security::Tls) => 993,
        (true, _) => 143,
        (false, Security::Tls) => 465,
        (false, _) => 587,
    }
}

/// A server's settings checked: host, port, security and auth kind.
fn check_server(field: &'static str, s: &ServerSettings, imap: bool) -> Result<u16, Invalid> {
    let host = s.host.trim();
    if host.is_empty() || host.len() > 253 || host.chars().any(|c| c.is_whitespace() || c == '/') {
        return Err(bad(
            field,
            format!("'{host}' is not a mail server's host name"),
        ));
    }
    let sec = security(field, &s.security)?;
    if !matches!(s.auth.as_str(), "password" | "xoauth2") {
        return Err(bad(
            field,
            format!(
                "'{}' is not a login method; use password or xoauth2",
                s.auth
            ),
        ));
    }
    if s.port == Some(0) {
        return Err(bad(field, "the port must be 1 to 65535".into()));
    }
    // An OAuth token runs to a few thousand characters; a login or a folder name is short.
    for (what, text, max) in [
        ("username", &s.username, 320),
        ("secret", &s.secret, 8_000),
        ("mailbox", &s.mailbox, 200),
    ] {
        not_longer(field, &format!("the {field} {what}"), text, max)?;
    }
    Ok(s.port.unwrap_or_else(|| default_port(imap, sec)))
}

/// `text` (called `what` in the message) at most `max` characters long.
fn not_longer(
    field: &'static str,
    what: &str,
    text: &Option<String>,
    max: usize,
) -> Result<(), Invalid> {
    if text.as_ref().is_some_and(|t| t.chars().count() > max) {
        let message = format!("{what} is longer than {max} characters");
        return Err(Invalid::new(field, "too_long", message));
    }
    Ok(())
}

fn optional(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The row's fields from checked settings (secrets `None`: keep what is saved).
fn fields<'a>(s: &'a EmailSettings, address: &'a str, ports: Ports) -> AccountFields<'a> {
    let imap = s.imap.as_ref();
    let smtp = s.smtp.as_ref();
    AccountFields {
        address,
        sender_name: optional(&s.sender_name),
        imap_host: imap.map(|i| i.host.trim()),
        imap_port: ports.0.map(i64::from),
        imap_security: imap.map_or("tls", |i| i.security.as_str()),
        imap_username: imap.and_then(|i| optional(&i.username)),
        imap_auth: imap.map_or("password", |i| i.auth.as_str()),
        imap_secret: imap.and_then(|i| optional(&i.secret)),
        imap_mailbox: imap.and_then(|i| optional(&i.mailbox)).unwrap_or("INBOX"),
        smtp_host: smtp.map(|i| i.host.trim()),
        smtp_port: ports.1.map(i64::from),
        smtp_security: smtp.map_or("tls", |i| i.security.as_str()),
        smtp_username: smtp.and_then(|i| optional(&i.username)),
        smtp_auth: smtp.map_or("password", |i| i.auth.as_str()),
        smtp_secret: smtp.and_then(|i| optional(&i.secret)),
        signature_text: optional(&s.signature_text),
        signature_html: optional(&s.signature_html),
        tls_ca_pem: optional(&s.tls_ca_pem),
    }
}

/// The IMAP and SMTP ports (when the inbox has the server).
type Ports = (Option<u16>, Option<u16>);

/// Checks the settings; returns the normalised address and the two ports.
fn check(s: &EmailSettings) -> Result<(String, Ports), Invalid> {
    // Named after the settings' own field, so the form marks the right box.
    let address = EmailAddress::parse(&s.address)
        .map_err(|e| Invalid {
            field: "address",
            ..e
        })?
        .as_str()
        .to_owned();
    let imap = s
        .imap
        .as_ref()
        .map(|i| check_server("imap", i, true))
        .transpose()?;
    let smtp = s
        .smtp
        .as_ref()
        .map(|i| check_server("smtp", i, false))
        .transpose()?;
    for (field, text, max) in [
        ("sender_name", &s.sender_name, 120),
        ("signature_text", &s.signature_text, 4_000),
        ("signature_html", &s.signature_html, 20_000),
        ("tls_ca_pem", &s.tls_ca_pem, 20_000),
    ] {
        not_longer(field, field, text, max)?;
    }
    if let Some(pem) = optional(&s.tls_ca_pem)
        && !pem.contains("-----BEGIN CERTIFICATE-----")
    {
        return Err(bad(
            "tls_ca_pem",
            "the certificate must be PEM text starting with -----BEGIN CERTIFICATE-----".into(),
        ));
    }
    Ok((address, (imap, smtp)))
}

/// Creates an email inbox and its mailbox settings together.
pub async fn create_email_inbox(
    app: &App,
    actor: &Actor,
    input: &InboxInput<'_>,
    settings: &EmailSettings,
) -> AppResult<InboxRow> {
    actor.require(Permission::ManageInboxes)?;
    let (name, mut fields_in) = validate(app, input).await?;
    fields_in.name = name.as_str();
    let (address, ports) = check(settings)?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let inbox = inboxes::insert(&mut tx, "email", &random_hex(16), &fields_in, now).await?;
    let account = fields(settings, &address, ports);
    store::insert_account(&mut tx, inbox.id, &account, &random_hex(32), now).await?;
    let payload = json!({ "inbox": inbox });
    append(
        app,
        &mut tx,
        "inbox.created",
        None,
        Some(inbox.id),
        true,
        &payload,
    )
    .await?;
    commit(app, tx).await?;
    Ok(inbox)
}

/// Changes an email inbox's mailbox settings; a different mailbox starts fetching afresh
/// (mail already stored is recognised by its Message-ID and not stored twice).
pub async fn update_email_settings(
    app: &App,
    actor: &Actor,
    inbox_id: i64,
    settings: &EmailSettings,
) -> AppResult<EmailSettingsView> {
    actor.require(Permission::ManageInboxes)?;
    let (address, ports) = check(settings)?;
    let old = store::find_account(&app.db, inbox_id)
        .await?
        .ok_or(AppError::NotFound("email inbox"))?;
    let account = fields(settings, &address, ports);
    let moved = old.imap_host.as_deref() != account.imap_host
        || old.imap_username.as_deref() != account.imap_username
        || old.imap_mailbox != account.imap_mailbox;
    let mut tx = app.db.begin().await?;
    store::update_account(&mut tx, inbox_id, &account, moved, now_ms()).await?;
    kefu_store::audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "inbox.email_settings_changed",
        &format!("inbox:{inbox_id}"),
        &json!({ "address": address, "imap": account.imap_host, "smtp": account.smtp_host })
            .to_string(),
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    email_settings(app, actor, inbox_id).await
}

fn server_view(
    host: &Option<String>,
    port: Option<i64>,
    security: &str,
    username: &Option<String>,
    auth: &str,
    secret: &Option<String>,
    mailbox: Option<&str>,
) -> Option<ServerView> {
    let host = host.clone()?;
    Some(ServerView {
        host,
        port: port.and_then(|p| u16::try_from(p).ok()).unwrap_or_default(),
        security: security.to_owned(),
        username: username.clone(),
        auth: auth.to_owned(),
        has_secret: secret.is_some(),
        mailbox: mailbox.map(str::to_owned),
    })
}

pub(crate) fn view(a: &EmailAccountRow) -> EmailSettingsView {
    EmailSettingsView {
        inbox_id: a.inbox_id,
        address: a.address.clone(),
        sender_name: a.sender_name.clone(),
        imap: server_view(
            &a.imap_host,
            a.imap_port,
            &a.imap_security,
            &a.imap_username,
            &a.imap_auth,
            &a.imap_secret,
            Some(&a.imap_mailbox),
        ),
        smtp: server_view(
            &a.smtp_host,
            a.smtp_port,
            &a.smtp_security,
            &a.smtp_username,
            &a.smtp_auth,
            &a.smtp_secret,
            None,
        ),
        signature_text: a.signature_text.clone(),
        signature_html: a.signature_html.clone(),
        tls_ca_pem: a.tls_ca_pem.clone(),
        ingest_secret: a.ingest_secret.clone(),
        last_fetch_at: a.last_fetch_at,
        last_error: a.last_error.clone(),
    }
}

/// An email inbox's settings (admins: they include the relay signing key).
pub async fn email_settings(
    app: &App,
    actor: &Actor,
    inbox_id: i64,
) -> AppResult<EmailSettingsView> {
    actor.require(Permission::ManageInboxes)?;
    let a = store::find_account(&app.db, inbox_id)
        .await?
        .ok_or(AppError::NotFound("email inbox"))?;
    Ok(view(&a))
}

fn auth(kind: &str, secret: &Option<String>) -> MailAuth {
    let secret = secret.clone().unwrap_or_default();
    if kind == "xoauth2" {
        MailAuth::XOAuth2(secret)
    } else {
        MailAuth::Password(secret)
    }
}

fn trust(a: &EmailAccountRow) -> TlsTrust {
    TlsTrust {
        extra_roots_pem: a.tls_ca_pem.clone(),
    }
}

/// The IMAP settings of an account, if it fetches.
pub(crate) fn imap_config(a: &EmailAccountRow) -> Option<ImapConfig> {
    let host = a.imap_host.clone()?;
    let sec = security("imap", &a.imap_security).ok()?;
    let port = a
        .imap_port
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or_else(|| default_port(true, sec));
    let user = a.imap_username.clone().unwrap_or_else(|| a.address.clone());
    let mut c = ImapConfig::new(host, port, sec, user, auth(&a.imap_auth, &a.imap_secret));
    c.mailbox = a.imap_mailbox.clone();
    c.tls_trust = trust(a);
    Some(c)
}

/// The SMTP settings of an account, if it sends.
pub(crate) fn smtp_config(a: &EmailAccountRow) -> Option<SmtpConfig> {
    let host = a.smtp_host.clone()?;
    let sec = security("smtp", &a.smtp_security).ok()?;
    let port = a
        .smtp_port
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or_else(|| default_port(false, sec));
    let login = a.smtp_username.clone().map(|username| SmtpLogin {
        username,
        auth: auth(&a.smtp_auth, &a.smtp_secret),
    });
    let mut c = SmtpConfig::new(host, port, sec, login);
    c.tls_trust = trust(a);
    Some(c)
}

/// How a connection test went, per server, in words an admin can act on.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConnectionTest {
    /// `null` when the inbox has no IMAP server.
    pub imap: Option<ServerTest>,
    pub smtp: Option<ServerTest>,
}

/// One server's outcome: the facts for a page to word in its own language, and `detail`
/// in English (on failure, the error with the server's own words).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServerTest {
    pub ok: bool,
    /// What the server said, or why it could not be reached.
    pub detail: String,
    /// The server that was tried.
    pub host: String,
    pub port: u16,
    /// IMAP: the folder opened.
    pub mailbox: Option<String>,
    /// IMAP, when it worked: how many messages the folder holds.
    pub messages: Option<u32>,
}

/// Connects to the inbox's IMAP and SMTP servers with the saved settings and logs in.
pub async fn test_connection(app: &App, actor: &Actor, inbox_id: i64) -> AppResult<ConnectionTest> {
    actor.require(Permission::ManageInboxes)?;
    let a = store::find_account(&app.db, inbox_id)
        .await?
        .ok_or(AppError::NotFound("email inbox"))?;
    let imap = match imap_config(&a) {
        Some(c) => Some(test_imap(&c).await),
        None => None,
    };
    let smtp = match smtp_config(&a) {
        Some(c) => Some(test_smtp(&c).await),
        None => None,
    };
    Ok(ConnectionTest { imap, smtp })
}

async fn test_imap(c: &ImapConfig) -> ServerTest {
    let outcome = kefu_channels::email::imap::test_connection(c).await;
    ServerTest {
        ok: outcome.is_ok(),
        detail: match &outcome {
            Ok(state) => format!(
                "{}: {} messages (UIDVALIDITY {})",
                c.mailbox, state.exists, state.uid_validity
            ),
            Err(e) => e.to_string(),
        },
        host: c.host.clone(),
        port: c.port,
        mailbox: Some(c.mailbox.clone()),
        messages: outcome.ok().map(|state| state.exists),
    }
}

async fn test_smtp(c: &SmtpConfig) -> ServerTest {
    let outcome = kefu_channels::email::smtp::test_connection(c).await;
    ServerTest {
        ok: outcome.is_ok(),
        detail: match outcome {
            Ok(()) => format!("{}:{} accepted the login", c.host, c.port),
            Err(e) => e.to_string(),
        },
        host: c.host.clone(),
        port: c.port,
        mailbox: None,
        messages: None,
    }
}
