//! The S3 blob store against a real S3-compatible server: moto (`pip install
//! 'moto[server]'`), started per test on 127.0.0.1. Without moto the test is skipped,
//! unless KEFU_S3_TESTS=required (CI), where it fails.

use kefu_app::blobs::{BlobError, BlobStore, S3Blobs, S3Settings, key_for};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A moto server, stopped when dropped.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn required() -> bool {
    std::env::var("KEFU_S3_TESTS").is_ok_and(|v| v == "required")
}

async fn start_moto() -> Option<Moto> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let spawned = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match spawned {
        Ok(c) => c,
        Err(e) if required() => panic!("KEFU_S3_TESTS=required but moto_server cannot start: {e}"),
        Err(e) => {
            eprintln!(
                "skipping the S3 test: moto_server is not installed ({e}); pip install 'moto[server]'"
            );
            return None;
        }
    };
    let moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(moto);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("moto_server did not start listening on port {port}");
}

fn store(endpoint: &str, secret: &str) -> S3Blobs {
    kefu_app::blobs::install_tls_provider();
    S3Blobs::new(S3Settings {
        endpoint: endpoint.to_owned(),
        bucket: "kefu-attachments".into(),
        region: "us-east-1".into(),
        access_key: "AKIDKEFUTEST".into(),
        secret_key: secret.into(),
    })
    .expect("settings")
}

#[tokio::test]
async fn blobs_put_into_an_s3_bucket_are_read_back_and_known_to_exist() {
    let Some(moto) = start_moto().await else {
        return;
    };
    let s3 = store(&moto.endpoint, "kefu-test-secret");
    s3.create_bucket().await.expect("bucket");
    s3.create_bucket().await.expect("creating it again is fine");

    let bytes: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    let key = key_for(&bytes);
    assert!(!s3.exists(&key).await.unwrap());
    assert!(matches!(s3.get(&key).await, Err(BlobError::NotFound(_))));

    s3.put(&key, &bytes).await.expect("put");
    s3.put(&key, &bytes)
        .await
        .expect("putting the same blob again");
    assert!(s3.exists(&key).await.unwrap());
    assert_eq!(s3.get(&key).await.unwrap(), bytes);

    let empty = key_for(b"");
    s3.put(&empty, b"").await.expect("an empty file");
    assert_eq!(s3.get(&empty).await.unwrap(), Vec::<u8>::new());
    assert!(matches!(
        s3.put("../x", b"").await,
        Err(BlobError::BadKey(_))
    ));
}

#[test]
fn incomplete_or_malformed_settings_are_refused_with_a_reason() {
    kefu_app::blobs::install_tls_provider();
    let base = S3Settings {
        endpoint: "https://s3.example.com".into(),
        bucket: "b".into(),
        region: "us-east-1".into(),
        access_key: "a".into(),
        secret_key: "s".into(),
    };
    assert!(S3Blobs::new(base.clone()).is_ok());
    let e = S3Blobs::new(S3Settings {
        endpoint: "ftp://x".into(),
        ..base.clone()
    })
    .unwrap_err();
    assert!(e.to_string().contains("http:// or https://"), "{e}");
    let e = S3Blobs::new(S3Settings {
        bucket: " ".into(),
        ..base
    })
    .unwrap_err();
    assert!(e.to_string().contains("bucket"), "{e}");
}
