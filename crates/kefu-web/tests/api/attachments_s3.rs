//! Two kefu instances keeping attachments in one S3-compatible bucket (moto, `pip install
//! 'moto[server]'`, started on 127.0.0.1): a file that came in through one is served by the
//! other. Skipped without moto, unless KEFU_S3_TESTS=required (CI).

use crate::email::relay_inbox;
use crate::helpers::{Instance, TestApp, status_and_json as body};
use kefu_app::blobs::{BlobSettings, BlobStore, S3Blobs, S3Settings, key_for};
use reqwest::StatusCode;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A moto server, stopped when dropped.
struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn moto() -> Option<(Moto, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let required = std::env::var("KEFU_S3_TESTS").is_ok_and(|v| v == "required");
    let child = match Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => Moto(c),
        Err(e) if required => panic!("KEFU_S3_TESTS=required but moto_server cannot start: {e}"),
        Err(e) => {
            eprintln!("skipping: moto_server is not installed ({e})");
            return None;
        }
    };
    // moto is Python: on a busy machine it may take a while to listen.
    for _ in 0..1200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some((child, format!("http://127.0.0.1:{port}")));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("moto_server did not start on port {port}");
}

#[tokio::test]
async fn a_file_that_came_in_through_one_instance_is_served_by_another_from_the_bucket() {
    let Some((_moto, endpoint)) = moto().await else {
        return;
    };
    kefu_app::blobs::install_tls_provider();
    let settings = S3Settings {
        endpoint,
        bucket: "kefu-shared".into(),
        region: "us-east-1".into(),
        access_key: "AKIDKEFUTEST".into(),
        secret_key: "kefu-test-secret".into(),
    };
    let bucket = S3Blobs::new(settings.clone()).expect("settings");
    bucket.create_bucket().await.expect("bucket");

    let t = TestApp::spawn().await;
    let (inbox, secret) = relay_inbox(&t, None).await;
    let mut instances = Vec::new();
    for _ in 0..2 {
        let dir = std::env::temp_dir().join(format!("kefu-s3-unused-{}", std::process::id()));
        let blobs = BlobSettings::S3(settings.clone());
        let db = t.db_place.open_again().await;
        instances.push(Instance::start_with_blobs(db, blobs, dir).await);
    }

    // A mail with a PDF, relayed to the first instance.
    let pdf = b"%PDF-1.4 shared between instances".to_vec();
    let raw = format!(
        "From: buyer@customer.test\r\nTo: sales@shop.test\r\nSubject: 合同\r\n\
         Message-ID: <s3-1@customer.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n\
         --m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n合同见附件\r\n\
         --m\r\nContent-Type: application/pdf\r\n\
         Content-Disposition: attachment; filename=\"contract.pdf\"\r\n\r\n{}\r\n--m--\r\n",
        String::from_utf8(pdf.clone()).unwrap()
    );
    let posted = t
        .http
        .post(format!(
            "{}/api/v1/inboxes/{inbox}/email/raw",
            instances[0].base
        ))
        .header(
            "x-kefu-signature",
            kefu_app::email::read::signature(&secret, raw.as_bytes()),
        )
        .body(raw)
        .send()
        .await
        .unwrap();
    let (status, stored) = body(posted).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    let conversation = stored["conversation_id"].as_i64().unwrap();

    // The bucket holds it; the second instance serves it to staff.
    assert!(bucket.exists(&key_for(&pdf)).await.unwrap());
    let listed = t
        .http
        .get(format!(
            "{}/api/v1/conversations/{conversation}/messages",
            instances[1].base
        ))
        .bearer_auth(&t.admin_token)
        .send()
        .await
        .unwrap();
    let (_, listed) = body(listed).await;
    let file = &listed["data"][0]["attachments"][0];
    assert_eq!(file["filename"], "contract.pdf", "{listed}");
    let url = format!("{}{}", instances[1].base, file["url"].as_str().unwrap());
    let got = t
        .http
        .get(url)
        .bearer_auth(&t.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), pdf.as_slice());
    // Neither instance kept a copy of its own.
    for i in &instances {
        assert!(!i.blob_dir.exists(), "{}", i.blob_dir.display());
    }
    for mut i in instances {
        i.shutdown().await;
    }
}
