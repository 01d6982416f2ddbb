//! Real mail servers on 127.0.0.1 for tests: a private dovecot (IMAP, IMAPS) and an SMTP
//! server (aiosmtpd) that delivers into dovecot's Maildirs. Each [`MailServers`] has its own
//! temp dir and ports, so tests run in parallel.
//!
//! Needs `dovecot-imapd`, `python3-aiosmtpd` and `openssl` (Debian). Without them
//! [`MailServers::start`] skips (returns `None`), unless `KEFU_MAIL_TESTS=required`, when it
//! panics saying what to install.

mod dovecot;
mod smtp_sink;

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::email::imap::ImapConfig;
use crate::email::smtp::{SmtpConfig, SmtpLogin};
use crate::email::transport::{MailAuth, Security, TlsTrust};

/// The Debian packages these servers come from.
pub const INSTALL_HINT: &str = "apt-get install -y dovecot-imapd python3-aiosmtpd openssl";

/// Why the test servers could not start.
#[derive(Debug, thiserror::Error)]
pub enum TestServerError {
    #[error("{0} not found; install it with: {INSTALL_HINT}")]
    Missing(&'static str),
    #[error("{context}: {source}")]
    Io {
        context: &'static str,
        source: std::io::Error,
    },
    #[error("{0}")]
    Startup(String),
}

fn io_error(context: &'static str) -> impl FnOnce(std::io::Error) -> TestServerError {
    move |source| TestServerError::Io { context, source }
}

/// Choices for one set of servers.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Whether dovecot advertises IDLE (off to exercise the polling fallback).
    pub idle: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self { idle: true }
    }
}

/// A private dovecot plus SMTP server; both stop and their files go when this is dropped.
pub struct MailServers {
    // Field order matters: the servers stop before their directory is removed.
    dovecot: dovecot::Dovecot,
    smtp: smtp_sink::SmtpSink,
    owner: Owner,
    cert_pem: String,
    dir: tempfile::TempDir,
}

/// Who owns mailboxes and which users dovecot's helper processes run as.
struct Owner {
    mail_uid: u32,
    mail_gid: u32,
    login_user: String,
    internal_user: String,
    internal_group: String,
    /// Running as root: mail files must belong to `mail_uid` (dovecot refuses uid 0).
    chown: bool,
}

impl MailServers {
    /// Starts the servers, or returns `None` after explaining on stderr when the programs
    /// are missing; with `KEFU_MAIL_TESTS=required` a missing program is a panic instead.
    pub fn start() -> Option<Self> {
        Self::start_with(Options::default())
    }

    /// [`Self::start`] with [`Options`].
    pub fn start_with(options: Options) -> Option<Self> {
        match Self::try_start(options) {
            Ok(servers) => Some(servers),
            Err(TestServerError::Missing(what)) if !mail_tests_required() => {
                eprintln!("skipping: {what} not found (install with: {INSTALL_HINT})");
                None
            }
            Err(e) => panic!("mail test servers: {e}"),
        }
    }

    /// Starts the servers or says why not.
    pub fn try_start(options: Options) -> Result<Self, TestServerError> {
        let dovecot_bin = dovecot::find_binary().ok_or(TestServerError::Missing("dovecot"))?;
        let python =
            smtp_sink::find_python().ok_or(TestServerError::Missing("python3 with aiosmtpd"))?;
        find_on_path("openssl").ok_or(TestServerError::Missing("openssl"))?;
        let owner = Owner::detect()?;
        let dir = tempfile::Builder::new()
            .prefix("kefu-mail-")
            .tempdir()
            .map_err(io_error("creating a temp dir"))?;
        // dovecot's unprivileged login processes must traverse the directory.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(io_error("opening the temp dir"))?;
        std::fs::create_dir(dir.path().join("mail")).map_err(io_error("creating mail/"))?;
        std::fs::write(dir.path().join("users"), "").map_err(io_error("creating users"))?;
        let cert_pem = make_certificate(dir.path())?;
        let smtp = smtp_sink::start(&python, dir.path())?;
        let dovecot = dovecot::start(&dovecot_bin, dir.path(), &owner, options.idle)?;
        Ok(Self {
            dovecot,
            smtp,
            owner,
            cert_pem,
            dir,
        })
    }

    /// Creates mailbox user `name` (also its address `name@…` for the SMTP server);
    /// `password` also works as its XOAUTH2 token.
    pub fn add_user(&self, name: &str, password: &str) {
        let home = self.dir.path().join("mail").join(name);
        for sub in ["", "Maildir", "Maildir/cur", "Maildir/new", "Maildir/tmp"] {
            let path = home.join(sub);
            std::fs::create_dir_all(&path).expect("creating a Maildir");
            self.own(&path);
        }
        let mut users = std::fs::OpenOptions::new()
            .append(true)
            .open(self.dir.path().join("users"))
            .expect("opening the users file");
        writeln!(users, "{name}:{{PLAIN}}{password}::::::").expect("adding a user");
    }

    /// Puts `raw` into `user`'s INBOX the way an MTA would (tmp/, then renamed into new/).
    pub fn deliver(&self, user: &str, raw: &[u8]) {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let maildir = self.dir.path().join("mail").join(user).join("Maildir");
        let name = format!(
            "{}.{}.kefu-test",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let tmp = maildir.join("tmp").join(&name);
        std::fs::write(&tmp, raw).expect("writing into Maildir/tmp");
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644))
            .expect("making the message readable");
        std::fs::rename(&tmp, maildir.join("new").join(&name)).expect("moving into Maildir/new");
    }

    /// Settings to read `user`'s INBOX over plain IMAP, STARTTLS or IMAPS (the latter two
    /// trusting this server's self-signed certificate).
    pub fn imap_config(&self, user: &str, auth: MailAuth, security: Security) -> ImapConfig {
        let port = match security {
            Security::Tls => self.dovecot.imaps_port,
            Security::StartTls | Security::Plain => self.dovecot.imap_port,
        };
        let mut config = ImapConfig::new("127.0.0.1", port, security, user, auth);
        config.tls_trust = self.tls_trust();
        config.timeout = Duration::from_secs(20);
        config
    }

    /// Settings to send through the SMTP server, logging in as `login` if given.
    pub fn smtp_config(&self, security: Security, login: Option<(&str, MailAuth)>) -> SmtpConfig {
        let port = match security {
            Security::Tls => self.smtp.smtps_port,
            Security::StartTls | Security::Plain => self.smtp.smtp_port,
        };
        let login = login.map(|(username, auth)| SmtpLogin {
            username: username.to_owned(),
            auth,
        });
        let mut config = SmtpConfig::new("127.0.0.1", port, security, login);
        config.tls_trust = self.tls_trust();
        config.timeout = Duration::from_secs(20);
        config
    }

    /// The servers' self-signed certificate (PEM), valid for `127.0.0.1` and `localhost`.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The directory holding configs, logs and mail (for debugging a failing test).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn tls_trust(&self) -> TlsTrust {
        TlsTrust {
            extra_roots_pem: Some(self.cert_pem.clone()),
        }
    }

    fn own(&self, path: &Path) {
        if self.owner.chown {
            std::os::unix::fs::chown(path, Some(self.owner.mail_uid), Some(self.owner.mail_gid))
                .expect("handing a Maildir to the mail user");
        }
    }
}

impl Owner {
    fn detect() -> Result<Self, TestServerError> {
        let me = std::fs::metadata("/proc/self").map_err(io_error("reading /proc/self"))?;
        if me.uid() != 0 {
            // Unprivileged, every dovecot process runs as the test's own user and group.
            let name = command_output("id", &["-un"])?;
            return Ok(Self {
                mail_uid: me.uid(),
                mail_gid: me.gid(),
                login_user: name.clone(),
                internal_user: name,
                internal_group: command_output("id", &["-gn"])?,
                chown: false,
            });
        }
        let passwd = std::fs::read_to_string("/etc/passwd").map_err(io_error("reading passwd"))?;
        let (uid, gid) = passwd
            .lines()
            .find_map(|line| {
                let fields: Vec<&str> = line.split(':').collect();
                (fields.first() == Some(&"mail") && fields.len() > 3)
                    .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
                    .flatten()
            })
            .ok_or(TestServerError::Missing("system user `mail`"))?;
        Ok(Self {
            mail_uid: uid,
            mail_gid: gid,
            login_user: "dovenull".into(),
            internal_user: "root".into(),
            internal_group: "dovecot".into(),
            chown: true,
        })
    }
}

/// Whether CI demands the mail tests (`KEFU_MAIL_TESTS=required`).
pub fn mail_tests_required() -> bool {
    std::env::var("KEFU_MAIL_TESTS").is_ok_and(|v| v == "required")
}

/// A self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI.
fn make_certificate(dir: &Path) -> Result<String, TestServerError> {
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        // webpki refuses a CA certificate as the server's own (CaUsedAsEndEntity).
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(io_error("running openssl"))?;
    if !status.success() {
        return Err(TestServerError::Startup(format!(
            "openssl could not make a certificate ({status})"
        )));
    }
    std::fs::read_to_string(dir.join("cert.pem")).map_err(io_error("reading cert.pem"))
}

fn command_output(program: &str, args: &[&str]) -> Result<String, TestServerError> {
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(io_error("running a helper command"))?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|path| path.is_file())
}
