//! Configuration: environment variables, optionally a TOML file, then defaults.

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// kefu's settings. `Debug` hides the database URL's password.
#[derive(Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`KEFU_BIND`, default 127.0.0.1:8080).
    pub bind: Option<String>,
    /// Data directory for the embedded database (`KEFU_DATA_DIR`, default ./kefu-data).
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` to run on PostgreSQL (`KEFU_DATABASE_URL`).
    pub database_url: Option<String>,
    /// The address people reach kefu at, for the widget snippet (`KEFU_PUBLIC_URL`).
    pub public_url: Option<String>,
    /// Mark cookies Secure when served over HTTPS (`KEFU_SECURE_COOKIES=true`).
    pub secure_cookies: Option<bool>,
    /// An S3-compatible object store for attachments, shared by several instances
    /// (`KEFU_BLOB_S3_ENDPOINT`, e.g. `https://s3.eu-central-1.amazonaws.com`); unset:
    /// attachments are kept in `<data_dir>/blobs`.
    pub blob_s3_endpoint: Option<String>,
    /// `KEFU_BLOB_S3_BUCKET`.
    pub blob_s3_bucket: Option<String>,
    /// `KEFU_BLOB_S3_REGION` (default us-east-1).
    pub blob_s3_region: Option<String>,
    /// `KEFU_BLOB_S3_ACCESS_KEY`.
    pub blob_s3_access_key: Option<String>,
    /// `KEFU_BLOB_S3_SECRET_KEY` (never logged).
    pub blob_s3_secret_key: Option<String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(redact))
            .field("public_url", &self.public_url)
            .field("secure_cookies", &self.secure_cookies)
            .field("blob_s3_endpoint", &self.blob_s3_endpoint)
            .field("blob_s3_bucket", &self.blob_s3_bucket)
            .field("blob_s3_region", &self.blob_s3_region)
            .field("blob_s3_access_key", &self.blob_s3_access_key)
            .field(
                "blob_s3_secret_key",
                &self.blob_s3_secret_key.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Config {
    /// Reads the optional TOML file, then lets environment variables override it.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut config: Config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("while reading {}: {e}", path.display()))?;
                toml::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("while reading {}: {e}", path.display()))?
            }
            None => Config::default(),
        };
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let Some(v) = env("KEFU_BIND") {
            config.bind = Some(v);
        }
        if let Some(v) = env("KEFU_DATA_DIR") {
            config.data_dir = Some(v.into());
        }
        if let Some(v) = env("KEFU_DATABASE_URL") {
            config.database_url = Some(v);
        }
        if let Some(v) = env("KEFU_PUBLIC_URL") {
            config.public_url = Some(v);
        }
        if let Some(v) = env("KEFU_SECURE_COOKIES") {
            config.secure_cookies = Some(matches!(v.as_str(), "1" | "true" | "yes"));
        }
        for (key, field) in [
            ("KEFU_BLOB_S3_ENDPOINT", &mut config.blob_s3_endpoint),
            ("KEFU_BLOB_S3_BUCKET", &mut config.blob_s3_bucket),
            ("KEFU_BLOB_S3_REGION", &mut config.blob_s3_region),
            ("KEFU_BLOB_S3_ACCESS_KEY", &mut config.blob_s3_access_key),
            ("KEFU_BLOB_S3_SECRET_KEY", &mut config.blob_s3_secret_key),
        ] {
            if let Some(v) = env(key) {
                *field = Some(v);
            }
        }
        Ok(config)
    }

    pub fn bind(&self) -> &str {
        self.bind.as_deref().unwrap_or("127.0.0.1:8080")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("kefu-data"))
    }

    /// Where attachments are kept: the S3 bucket when an endpoint is set, else the data directory.
    pub fn blob_settings(&self) -> anyhow::Result<kefu_app::blobs::BlobSettings> {
        use kefu_app::blobs::{BlobSettings, S3Settings};
        let Some(endpoint) = self.blob_s3_endpoint.clone() else {
            return Ok(BlobSettings::Local {
                dir: self.data_dir().join("blobs"),
            });
        };
        let need = |v: &Option<String>, key: &str| {
            v.clone().ok_or_else(|| {
                anyhow::anyhow!("KEFU_BLOB_S3_ENDPOINT is set, so {key} is needed too")
            })
        };
        Ok(BlobSettings::S3(S3Settings {
            endpoint,
            bucket: need(&self.blob_s3_bucket, "KEFU_BLOB_S3_BUCKET")?,
            region: self
                .blob_s3_region
                .clone()
                .unwrap_or_else(|| "us-east-1".into()),
            access_key: need(&self.blob_s3_access_key, "KEFU_BLOB_S3_ACCESS_KEY")?,
            secret_key: need(&self.blob_s3_secret_key, "KEFU_BLOB_S3_SECRET_KEY")?,
        }))
    }

    /// Opens the configured database (creating the SQLite file and data directory if needed).
    pub async fn open_db(&self) -> anyhow::Result<kefu_store::Db> {
        if let Some(url) = &self.database_url {
            return kefu_store::Db::open_url(url)
                .await
                .map_err(|e| anyhow::anyhow!("while connecting to {}: {e}", redact(url)));
        }
        let dir = self.data_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| anyhow::anyhow!("while creating {}: {e}", dir.display()))?;
        let path = dir.join("kefu.sqlite3");
        kefu_store::Db::open_sqlite(&path)
            .await
            .map_err(|e| anyhow::anyhow!("while opening {}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_never_reach_logs() {
        let c = Config {
            database_url: Some("postgres://kefu:s3cret@db:5432/kefu".into()),
            ..Default::default()
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("postgres://kefu:***@db:5432/kefu"));
    }

    #[test]
    fn the_object_store_secret_never_reaches_logs_and_half_settings_are_refused() {
        let mut c = Config {
            blob_s3_endpoint: Some("https://s3.example".into()),
            blob_s3_bucket: Some("kefu".into()),
            blob_s3_access_key: Some("AKID".into()),
            blob_s3_secret_key: Some("very-s3cret".into()),
            ..Default::default()
        };
        assert!(!format!("{c:?}").contains("very-s3cret"));
        assert!(!format!("{:?}", c.blob_settings().unwrap()).contains("very-s3cret"));
        c.blob_s3_bucket = None;
        let e = c.blob_settings().unwrap_err().to_string();
        assert!(e.contains("KEFU_BLOB_S3_BUCKET"), "{e}");
    }

    #[test]
    fn the_toml_file_is_read_and_unknown_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("kefu-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = dir.join("ok.toml");
        std::fs::write(&ok, "bind = \"0.0.0.0:9000\"\n").unwrap();
        assert_eq!(
            Config::load(Some(&ok)).unwrap().bind.as_deref(),
            Some("0.0.0.0:9000")
        );
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "bnid = \"x\"\n").unwrap();
        assert!(Config::load(Some(&bad)).is_err());
    }
}
