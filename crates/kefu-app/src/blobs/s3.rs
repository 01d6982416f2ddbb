//! Blobs in an S3-compatible bucket (AWS S3, Aliyun OSS, Tencent COS, Ceph, MinIO …),
//! path-style over HTTP(S), each request signed with AWS Signature V4.

use super::sigv4::{self, Credentials, Request};
use super::{BlobError, BlobStore, S3Settings, check_key};
use futures_util::future::BoxFuture;
use reqwest::{Method, StatusCode, Url};
use std::time::Duration;

/// The S3 blob store.
#[derive(Debug, Clone)]
pub struct S3Blobs {
    settings: S3Settings,
    endpoint: Url,
    http: reqwest::Client,
}

impl S3Blobs {
    pub fn new(settings: S3Settings) -> Result<Self, BlobError> {
        let endpoint = Url::parse(settings.endpoint.trim_end_matches('/')).map_err(|e| {
            BlobError::Settings(format!(
                "endpoint '{}' is not a URL: {e}",
                settings.endpoint
            ))
        })?;
        if !matches!(endpoint.scheme(), "http" | "https") || endpoint.host_str().is_none() {
            return Err(BlobError::Settings(format!(
                "endpoint '{}' must be an http:// or https:// address",
                settings.endpoint
            )));
        }
        for (name, value) in [
            ("bucket", &settings.bucket),
            ("region", &settings.region),
            ("access key", &settings.access_key),
            ("secret key", &settings.secret_key),
        ] {
            if value.trim().is_empty() {
                return Err(BlobError::Settings(format!("the {name} is missing")));
            }
        }
        let http = crate::http::client(Duration::from_secs(300)).map_err(BlobError::Settings)?;
        Ok(Self {
            settings,
            endpoint,
            http,
        })
    }

    /// `/<bucket>` or `/<bucket>/<key>`, under the endpoint's own path.
    fn path(&self, key: Option<&str>) -> String {
        let base = self.endpoint.path().trim_end_matches('/');
        let bucket = sigv4::uri_encode(&self.settings.bucket, false);
        match key {
            Some(k) => format!("{base}/{bucket}/{}", sigv4::uri_encode(k, true)),
            None => format!("{base}/{bucket}"),
        }
    }

    async fn send(
        &self,
        method: Method,
        key: Option<&str>,
        body: Option<&[u8]>,
    ) -> Result<reqwest::Response, BlobError> {
        let path = self.path(key);
        let mut url = self.endpoint.clone();
        url.set_path(&path);
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => String::new(),
        };
        let payload = sigv4::sha256_hex(body.unwrap_or_default());
        let amz_date = jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        let headers = [
            ("host", host.as_str()),
            ("x-amz-content-sha256", payload.as_str()),
            ("x-amz-date", amz_date.as_str()),
        ];
        let credentials = Credentials {
            access_key: &self.settings.access_key,
            secret_key: &self.settings.secret_key,
            region: &self.settings.region,
        };
        let request = Request {
            method: method.as_str(),
            path: &path,
            query: &[],
            headers: &headers,
            payload_sha256: &payload,
            amz_date: &amz_date,
        };
        let authorization = sigv4::authorization(&credentials, &request);
        let mut req = self
            .http
            .request(method, url)
            .header("x-amz-content-sha256", &payload)
            .header("x-amz-date", &amz_date)
            .header("authorization", authorization);
        if let Some(bytes) = body {
            req = req.body(bytes.to_vec());
        }
        req.send()
            .await
            .map_err(|e| BlobError::Unreachable(format!("{}: {e}", self.settings.endpoint)))
    }

    async fn failed(method: &'static str, key: &str, res: reqwest::Response) -> BlobError {
        let status = res.status().as_u16();
        let body: String = res
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(300)
            .collect();
        BlobError::Remote {
            method,
            key: key.to_owned(),
            status,
            body,
        }
    }

    /// Creates the bucket (first setup, and tests); an existing bucket of ours is fine.
    pub async fn create_bucket(&self) -> Result<(), BlobError> {
        let res = self.send(Method::PUT, None, None).await?;
        let status = res.status();
        if status.is_success() || status == StatusCode::CONFLICT {
            return Ok(());
        }
        Err(Self::failed("PUT", &self.settings.bucket, res).await)
    }
}

impl BlobStore for S3Blobs {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            check_key(key)?;
            // Content-addressed: a blob already there is these very bytes.
            if self.exists(key).await? {
                return Ok(());
            }
            let res = self.send(Method::PUT, Some(key), Some(bytes)).await?;
            if res.status().is_success() {
                Ok(())
            } else {
                Err(Self::failed("PUT", key, res).await)
            }
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Vec<u8>, BlobError>> {
        Box::pin(async move {
            check_key(key)?;
            let res = self.send(Method::GET, Some(key), None).await?;
            match res.status() {
                s if s.is_success() => res
                    .bytes()
                    .await
                    .map(|b| b.to_vec())
                    .map_err(|e| BlobError::Unreachable(format!("while reading {key}: {e}"))),
                StatusCode::NOT_FOUND => Err(BlobError::NotFound(key.to_owned())),
                _ => Err(Self::failed("GET", key, res).await),
            }
        })
    }

    fn exists<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, BlobError>> {
        Box::pin(async move {
            check_key(key)?;
            let res = self.send(Method::HEAD, Some(key), None).await?;
            match res.status() {
                s if s.is_success() => Ok(true),
                StatusCode::NOT_FOUND => Ok(false),
                _ => Err(Self::failed("HEAD", key, res).await),
            }
        })
    }
}
