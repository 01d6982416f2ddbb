//! Where attachment bytes live: kefu's data directory, or an S3-compatible object store
//! that several instances share. Blobs are named by the SHA-256 of their content, so the
//! same bytes are stored once and a stored blob never changes.

mod local;
mod s3;
mod sigv4;

pub use local::LocalBlobs;
pub use s3::S3Blobs;

use futures_util::future::BoxFuture;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// What blob storage fails with.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob {0} is not in the store")]
    NotFound(String),
    #[error("'{0}' is not a blob key (64 lower-case hex digits)")]
    BadKey(String),
    #[error("while {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the object store answered {status} to {method} {key}: {body}")]
    Remote {
        method: &'static str,
        key: String,
        status: u16,
        body: String,
    },
    #[error("the object store could not be reached: {0}")]
    Unreachable(String),
    #[error("the object store settings are incomplete: {0}")]
    Settings(String),
}

/// A place to keep blobs. Implementations must make `put` atomic: a reader sees the
/// whole blob or none of it.
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `key` (their SHA-256); storing a key again changes nothing.
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, Result<(), BlobError>>;
    /// The bytes stored under `key`.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Vec<u8>, BlobError>>;
    /// Whether `key` is stored.
    fn exists<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, BlobError>>;
}

/// The key of some bytes: their SHA-256 in lower-case hex.
pub fn key_for(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses anything but a SHA-256 hex key, so a key can never name a path elsewhere.
pub(crate) fn check_key(key: &str) -> Result<(), BlobError> {
    let ok = key.len() == 64 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if ok {
        Ok(())
    } else {
        Err(BlobError::BadKey(key.chars().take(80).collect()))
    }
}

/// Which blob store to use.
#[derive(Debug, Clone)]
pub enum BlobSettings {
    /// A directory (`<KEFU_DATA_DIR>/blobs`): right for one instance.
    Local { dir: PathBuf },
    /// An S3-compatible bucket: for several instances.
    S3(S3Settings),
}

impl Default for BlobSettings {
    fn default() -> Self {
        BlobSettings::Local {
            dir: PathBuf::from("kefu-data").join("blobs"),
        }
    }
}

/// An S3-compatible bucket, addressed path-style (`<endpoint>/<bucket>/<key>`).
#[derive(Clone)]
pub struct S3Settings {
    /// e.g. `https://s3.eu-central-1.amazonaws.com`, `https://oss-cn-hangzhou.aliyuncs.com`.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
}

impl fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key", &self.access_key)
            .field("secret_key", &"***")
            .finish()
    }
}

/// Makes ring rustls' process-wide crypto provider (kefu's only one, as in kefu-channels).
/// HTTP clients with TLS in this process need it before they are built: `App::start`
/// and the `kefu` command call it first; call it in a test that builds one earlier.
pub fn install_tls_provider() {
    // Err means a provider is installed already: ours, or one the embedding program chose.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Opens the configured store.
pub fn open(settings: &BlobSettings) -> Result<Arc<dyn BlobStore>, BlobError> {
    Ok(match settings {
        BlobSettings::Local { dir } => Arc::new(LocalBlobs::new(dir.clone())),
        BlobSettings::S3(s3) => Arc::new(S3Blobs::new(s3.clone())?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_sha256_of_the_content() {
        assert_eq!(
            key_for(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(check_key(&key_for(b"abc")).is_ok());
    }

    #[test]
    fn keys_that_could_name_other_paths_are_refused() {
        for bad in [
            "../../etc/passwd",
            "",
            "AB",
            &"g".repeat(64),
            &"A".repeat(64),
        ] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_secret_key_never_reaches_logs() {
        let s = S3Settings {
            endpoint: "https://s3.example".into(),
            bucket: "kefu".into(),
            region: "us-east-1".into(),
            access_key: "AKIDEXAMPLE".into(),
            secret_key: "wJalrXUtnFEMI-secret".into(),
        };
        let shown = format!("{:?}", BlobSettings::S3(s));
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
        assert!(shown.contains("AKIDEXAMPLE"));
    }
}
