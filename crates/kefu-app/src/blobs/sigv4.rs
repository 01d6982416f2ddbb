//! AWS Signature Version 4 for S3-compatible stores: the `Authorization` header of a
//! request, from its method, path, query, headers and payload hash.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Who signs, and for which region.
pub(super) struct Credentials<'a> {
    pub access_key: &'a str,
    pub secret_key: &'a str,
    pub region: &'a str,
}

/// One request to sign. `headers` are (lower-case name, value) and must include
/// `host`, `x-amz-date` and `x-amz-content-sha256`; all of them are signed.
pub(super) struct Request<'a> {
    pub method: &'a str,
    /// The path as sent, already percent-encoded.
    pub path: &'a str,
    /// (name, value) pairs, not encoded.
    pub query: &'a [(&'a str, &'a str)],
    pub headers: &'a [(&'a str, &'a str)],
    pub payload_sha256: &'a str,
    /// `YYYYMMDDTHHMMSSZ`, the same as the `x-amz-date` header.
    pub amz_date: &'a str,
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC accepts keys of any length; new_from_slice cannot fail for it.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 encoding as SigV4 wants it: unreserved characters kept, the rest `%XX`.
pub(super) fn uri_encode(s: &str, keep_slash: bool) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b'/' if keep_slash => "/".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn canonical_request(r: &Request<'_>) -> (String, String) {
    let mut query: Vec<(String, String)> = r
        .query
        .iter()
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    query.sort();
    let query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let request = format!(
        "{}\n{}\n{query}\n{canonical_headers}\n{signed}\n{}",
        r.method, r.path, r.payload_sha256
    );
    (request, signed)
}

/// The `Authorization` header value for `r`.
pub(super) fn authorization(c: &Credentials<'_>, r: &Request<'_>) -> String {
    let date = &r.amz_date[..8.min(r.amz_date.len())];
    let scope = format!("{date}/{}/s3/aws4_request", c.region);
    let (canonical, signed) = canonical_request(r);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        r.amz_date,
        sha256_hex(canonical.as_bytes())
    );
    let k_date = hmac(format!("AWS4{}", c.secret_key).as_bytes(), date);
    let k_region = hmac(&k_date, c.region);
    let k_service = hmac(&k_region, "s3");
    let key = hmac(&k_service, "aws4_request");
    let signature = hex(&hmac(&key, &to_sign));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
        c.access_key
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn aws() -> Credentials<'static> {
        Credentials {
            access_key: "AKIAIOSFODNN7EXAMPLE",
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region: "us-east-1",
        }
    }

    // The worked examples of AWS's "Signature Calculations for the Authorization Header".
    #[test]
    fn a_get_object_is_signed_as_in_the_aws_example() {
        let r = Request {
            method: "GET",
            path: "/test.txt",
            query: &[],
            headers: &[
                ("host", "examplebucket.s3.amazonaws.com"),
                ("range", "bytes=0-9"),
                ("x-amz-content-sha256", EMPTY),
                ("x-amz-date", "20130524T000000Z"),
            ],
            payload_sha256: EMPTY,
            amz_date: "20130524T000000Z",
        };
        assert_eq!(
            authorization(&aws(), &r),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn a_query_is_signed_sorted_and_encoded_as_in_the_aws_example() {
        let r = Request {
            method: "GET",
            path: "/",
            query: &[("max-keys", "2"), ("prefix", "J")],
            headers: &[
                ("host", "examplebucket.s3.amazonaws.com"),
                ("x-amz-content-sha256", EMPTY),
                ("x-amz-date", "20130524T000000Z"),
            ],
            payload_sha256: EMPTY,
            amz_date: "20130524T000000Z",
        };
        assert!(authorization(&aws(), &r).ends_with(
            "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
        ));
    }

    #[test]
    fn paths_are_encoded_except_their_slashes() {
        assert_eq!(
            uri_encode("a b/发票.pdf", true),
            "a%20b/%E5%8F%91%E7%A5%A8.pdf"
        );
        assert_eq!(uri_encode("a/b", false), "a%2Fb");
    }
}
