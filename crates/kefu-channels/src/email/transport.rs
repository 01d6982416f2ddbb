//! What the IMAP and SMTP clients share: connection security, TLS trust and the XOAUTH2 string.

use std::sync::{Arc, OnceLock};

use tokio_rustls::rustls::{
    self, ClientConfig, RootCertStore,
    pki_types::{CertificateDer, pem::PemObject},
};

/// How a mail connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (IMAPS on 993, SMTPS on 465).
    Tls,
    /// Plain connection upgraded with STARTTLS before logging in (IMAP 143, submission 587).
    StartTls,
    /// No encryption at all: the password crosses the network in clear. For tests and for a
    /// relay on the same host only.
    Plain,
}

/// Which server certificates a connection accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsTrust {
    /// PEM certificates trusted in addition to the system's roots, e.g. a company CA or the
    /// self-signed certificate of a test server.
    pub extra_roots_pem: Option<String>,
}

/// The TLS settings could not be turned into a working client configuration.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// The extra root certificates are not valid PEM certificates.
    #[error("the extra root certificates are not valid PEM certificates: {0}")]
    BadExtraRoots(String),
    /// rustls refused the configuration.
    #[error("TLS configuration refused: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Client authentication: a password, or an OAuth 2.0 access token sent with SASL XOAUTH2
/// (Gmail, Microsoft 365). Secrets never appear in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub enum MailAuth {
    /// LOGIN / AUTH PLAIN with a password (or an app password).
    Password(String),
    /// SASL XOAUTH2 with an access token; the caller refreshes it before it expires.
    XOAuth2(String),
}

impl std::fmt::Debug for MailAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Password(_) => f.write_str("Password(<redacted>)"),
            Self::XOAuth2(_) => f.write_str("XOAuth2(<redacted>)"),
        }
    }
}

/// The initial client response of SASL XOAUTH2 before base64: `user=U^Aauth=Bearer T^A^A`.
pub fn xoauth2_initial_response(username: &str, token: &str) -> String {
    format!("user={username}\x01auth=Bearer {token}\x01\x01")
}

/// A rustls client configuration (ring provider) trusting the system roots plus `trust`.
pub(crate) fn rustls_client_config(trust: &TlsTrust) -> Result<Arc<ClientConfig>, TlsSetupError> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(native_roots().iter().cloned());
    for cert in extra_roots(trust)? {
        roots
            .add(cert)
            .map_err(|e| TlsSetupError::BadExtraRoots(e.to_string()))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The certificates in `trust.extra_roots_pem`; none when unset.
pub(crate) fn extra_roots(trust: &TlsTrust) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let Some(pem) = trust.extra_roots_pem.as_deref() else {
        return Ok(Vec::new());
    };
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsSetupError::BadExtraRoots(e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsSetupError::BadExtraRoots(
            "no CERTIFICATE block found".into(),
        ));
    }
    Ok(certs)
}

/// The operating system's root certificates, read once per process (reading them is slow and
/// they do not change while kefu runs).
fn native_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoauth2_string_follows_the_google_format() {
        assert_eq!(
            xoauth2_initial_response("someone@example.com", "ya29.token"),
            "user=someone@example.com\x01auth=Bearer ya29.token\x01\x01"
        );
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let shown = format!(
            "{:?} {:?}",
            MailAuth::Password("hunter2".into()),
            MailAuth::XOAuth2("ya29.secret".into())
        );
        assert!(
            !shown.contains("hunter2") && !shown.contains("ya29"),
            "{shown}"
        );
    }

    #[test]
    fn garbage_extra_roots_are_refused_with_a_reason() {
        let trust = TlsTrust {
            extra_roots_pem: Some("not a certificate".into()),
        };
        let err = rustls_client_config(&trust).unwrap_err();
        assert!(matches!(err, TlsSetupError::BadExtraRoots(_)), "{err}");
    }

    #[test]
    fn system_roots_alone_make_a_working_configuration() {
        assert!(rustls_client_config(&TlsTrust::default()).is_ok());
    }
}
