//! The real `kefu` binary: set-up commands, serving, and a clean stop on SIGTERM.
//! (On the embedded SQLite database; the same code paths run on PostgreSQL in the API tests.)

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn kefu(data: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kefu"));
    c.env("KEFU_DATA_DIR", data)
        .env_remove("KEFU_DATABASE_URL")
        .env("KEFU_LOG", "warn");
    c
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kefu-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn help_documents_every_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for command in [
        "serve",
        "migrate",
        "admin",
        "token",
        "demo",
        "bench",
        "KEFU_DATABASE_URL",
    ] {
        assert!(text.contains(command), "--help mentions {command}:\n{text}");
    }
}

#[test]
fn an_administrator_and_a_token_are_created_from_the_command_line() {
    let dir = temp_dir("admin");
    let migrated = kefu(&dir).arg("migrate").output().unwrap();
    assert!(migrated.status.success());
    let applied = format!("applied {} migration(s)", kefu_store::MIGRATIONS.len());
    assert!(String::from_utf8_lossy(&migrated.stdout).contains(&applied));
    assert!(dir.join("kefu.sqlite3").exists());

    let mut create = kefu(&dir)
        .args([
            "admin",
            "create",
            "--email",
            "owner@shop.test",
            "--name",
            "店长",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(b"a-long-password\n")
        .unwrap();
    let out = create.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("owner@shop.test"));

    let mut short = kefu(&dir)
        .args([
            "admin",
            "create",
            "--email",
            "b@shop.test",
            "--name",
            "B",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    short.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let out = short.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8 characters"));

    let token = kefu(&dir)
        .args(["token", "create", "--email", "owner@shop.test"])
        .output()
        .unwrap();
    assert!(token.status.success());
    assert!(
        String::from_utf8_lossy(&token.stdout)
            .trim()
            .starts_with("kefu_")
    );
    let unknown = kefu(&dir)
        .args(["token", "create", "--email", "nobody@shop.test"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_answers_health_checks_and_stops_on_sigterm() {
    let dir = temp_dir("serve");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = kefu(&dir)
        .env("KEFU_BIND", format!("127.0.0.1:{port}"))
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let healthy = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::Read;
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut reply = String::new();
            let _ = s.read_to_string(&mut reply);
            break reply;
        }
        assert!(Instant::now() < deadline, "kefu did not start listening");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(healthy.starts_with("HTTP/1.1 200"), "{healthy}");
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "kefu did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "a clean stop exits 0");
    let _ = std::fs::remove_dir_all(&dir);
}
