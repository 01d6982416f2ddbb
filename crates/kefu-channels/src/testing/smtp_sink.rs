//! The test SMTP server: Python's aiosmtpd delivering into the private dovecot's Maildirs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::{TestServerError, io_error};

const SCRIPT: &str = include_str!("smtp_sink.py");
const STARTUP_LIMIT: Duration = Duration::from_secs(20);

/// A running SMTP server; it stops when this is dropped (its stdin closes).
pub(super) struct SmtpSink {
    child: Child,
    pub(super) smtp_port: u16,
    pub(super) smtps_port: u16,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the sink; it listens on two ports it picks itself and reports them on stdout.
pub(super) fn start(python: &Path, dir: &Path) -> Result<SmtpSink, TestServerError> {
    let script = dir.join("smtp_sink.py");
    std::fs::write(&script, SCRIPT).map_err(io_error("writing smtp_sink.py"))?;
    let log = std::fs::File::create(dir.join("smtp-sink.log"))
        .map_err(io_error("creating smtp-sink.log"))?;
    let mut child = Command::new(python)
        .arg(&script)
        .arg(dir.join("mail"))
        .arg(dir.join("users"))
        .arg(dir.join("cert.pem"))
        .arg(dir.join("key.pem"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(io_error("starting the SMTP sink"))?;
    let stdout = child.stdout.take().expect("stdout was piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(STARTUP_LIMIT).unwrap_or_default();
    let ports = (json_number(&line, "smtp"), json_number(&line, "smtps"));
    let mut sink = SmtpSink {
        child,
        smtp_port: 0,
        smtps_port: 0,
    };
    match ports {
        (Some(smtp), Some(smtps)) => {
            sink.smtp_port = smtp;
            sink.smtps_port = smtps;
            Ok(sink)
        }
        _ => {
            drop(sink);
            let log = std::fs::read_to_string(dir.join("smtp-sink.log")).unwrap_or_default();
            Err(TestServerError::Startup(format!(
                "the SMTP sink did not report its ports (got {line:?}):\n{log}"
            )))
        }
    }
}

/// `"key": 123` from a one-line JSON object (the sink prints nothing fancier).
fn json_number(line: &str, key: &str) -> Option<u16> {
    let rest = &line[line.find(&format!("\"{key}\":"))? + key.len() + 3..];
    rest.trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// A Python 3 that can import aiosmtpd: the one on `PATH` (pip) or Debian's (python3-aiosmtpd).
pub(super) fn find_python() -> Option<PathBuf> {
    let candidates = [
        super::find_on_path("python3"),
        Some(PathBuf::from("/usr/bin/python3")),
    ];
    candidates.into_iter().flatten().find(|python| {
        Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

#[cfg(test)]
mod tests {
    use super::json_number;

    #[test]
    fn ports_are_read_from_the_sinks_json_line() {
        let line = "{\"smtp\": 40001, \"smtps\": 40002}\n";
        assert_eq!(json_number(line, "smtp"), Some(40001));
        assert_eq!(json_number(line, "smtps"), Some(40002));
        assert_eq!(json_number("", "smtp"), None);
    }
}
