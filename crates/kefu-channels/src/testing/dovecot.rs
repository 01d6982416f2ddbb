//! A private dovecot for one test: config from a template, passwd-file users, Maildir storage.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Owner, TestServerError, io_error};

const CONFIG_TEMPLATE: &str = include_str!("dovecot.conf");
const STARTUP_LIMIT: Duration = Duration::from_secs(20);

/// A running dovecot; it is killed when this is dropped.
pub(super) struct Dovecot {
    /// `sh` running dovecot in the foreground; closing its stdin kills dovecot.
    wrapper: Child,
    pub(super) imap_port: u16,
    pub(super) imaps_port: u16,
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        drop(self.wrapper.stdin.take());
        let _ = self.wrapper.wait();
    }
}

/// Starts dovecot on two free ports, trying again if another process took a port first.
pub(super) fn start(
    dovecot: &Path,
    dir: &Path,
    owner: &Owner,
    idle: bool,
) -> Result<Dovecot, TestServerError> {
    let mut last_error = None;
    for _ in 0..3 {
        let instance = unique_instance();
        let (imap_port, imaps_port) = (free_port()?, free_port()?);
        let config = render_config(dir, owner, idle, &instance, imap_port, imaps_port);
        let config_path = dir.join("dovecot.conf");
        std::fs::write(&config_path, config).map_err(io_error("writing dovecot.conf"))?;
        let wrapper = spawn(dovecot, &config_path, dir)?;
        let mut server = Dovecot {
            wrapper,
            imap_port,
            imaps_port,
        };
        match wait_until_ready(&mut server, &instance, dir) {
            Ok(()) => return Ok(server),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| TestServerError::Startup("dovecot did not start".into())))
}

fn render_config(
    dir: &Path,
    owner: &Owner,
    idle: bool,
    instance: &str,
    imap_port: u16,
    imaps_port: u16,
) -> String {
    // Without IDLE in the capability list, clients must fall back to polling.
    let capability = if idle {
        String::new()
    } else {
        "imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE UIDPLUS".into()
    };
    CONFIG_TEMPLATE
        .replace("{DIR}", &dir.display().to_string())
        .replace("{INSTANCE}", instance)
        .replace("{LOGIN_USER}", &owner.login_user)
        .replace("{INTERNAL_USER}", &owner.internal_user)
        .replace("{INTERNAL_GROUP}", &owner.internal_group)
        .replace("{MAIL_UID}", &owner.mail_uid.to_string())
        .replace("{MAIL_GID}", &owner.mail_gid.to_string())
        .replace("{IMAP_PORT}", &imap_port.to_string())
        .replace("{IMAPS_PORT}", &imaps_port.to_string())
        .replace("{CAPABILITY}", &capability)
        + &format!("login_greeting = {instance} ready.\n")
}

fn spawn(dovecot: &Path, config: &Path, dir: &Path) -> Result<Child, TestServerError> {
    // The wrapper exits when dovecot does (so startup failures show), and kills dovecot when
    // its stdin closes: on drop, or when the test process dies without dropping anything.
    // (sh gives background jobs /dev/null as stdin, hence the explicit fd 3.)
    let script = r#"
        exec 3<&0
        "$0" -F -c "$1" </dev/null & pid=$!
        (cat <&3 >/dev/null; kill -9 "$pid" 2>/dev/null) &
        exec 3<&-
        wait "$pid""#;
    let log = std::fs::File::create(dir.join("dovecot-stdout.log"))
        .map_err(io_error("creating dovecot-stdout.log"))?;
    let log_err = log.try_clone().map_err(io_error("cloning a log handle"))?;
    Command::new("sh")
        .args(["-c", script])
        .arg(dovecot)
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(io_error("starting dovecot"))
}

/// Ready when our own greeting (with this instance's name) comes back from the IMAP port.
fn wait_until_ready(
    server: &mut Dovecot,
    instance: &str,
    dir: &Path,
) -> Result<(), TestServerError> {
    let started = Instant::now();
    while started.elapsed() < STARTUP_LIMIT {
        if let Ok(Some(status)) = server.wrapper.try_wait() {
            return Err(TestServerError::Startup(format!(
                "dovecot exited ({status}):\n{}",
                logs(dir)
            )));
        }
        if greeting(server.imap_port).is_some_and(|line| line.contains(instance)) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(TestServerError::Startup(format!(
        "dovecot did not answer within {STARTUP_LIMIT:?}:\n{}",
        logs(dir)
    )))
}

fn greeting(port: u16) -> Option<String> {
    let stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).ok()?;
    Some(line)
}

fn logs(dir: &Path) -> String {
    ["dovecot-stdout.log", "dovecot.log"]
        .iter()
        .map(|name| std::fs::read_to_string(dir.join(name)).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

fn free_port() -> Result<u16, TestServerError> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(io_error("finding a free port"))?;
    Ok(listener
        .local_addr()
        .map_err(io_error("finding a free port"))?
        .port())
}

fn unique_instance() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "kefu{}x{}x{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Where the dovecot binary is: `PATH` first, then `/usr/sbin` (not on a normal user's PATH).
pub(super) fn find_binary() -> Option<PathBuf> {
    super::find_on_path("dovecot").or_else(|| {
        let sbin = PathBuf::from("/usr/sbin/dovecot");
        sbin.is_file().then_some(sbin)
    })
}
