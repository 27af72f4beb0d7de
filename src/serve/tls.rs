//! TCP for other hosts: where plain TCP is allowed, and the TLS settings of both ends.
//!
//! Invariants:
//! * A server listens on TCP without TLS only on a loopback address; a client sends in the
//!   clear only to one. Anything else carries sessions' tokens and residents' records across
//!   a network, so it needs TLS.
//! * TLS 1.3 only, with rustls on aws-lc-rs (the post-quantum key exchange preferred). The
//!   client trusts exactly the certificate authorities of the file it is given, and checks
//!   that the server's certificate names the host it dialled.
//! * The server's key file must not be readable by other users, as ssh asks of its keys.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use super::client::RemoteError;
use crate::Result;

/// The certificate and key files a server shows on TCP.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// PEM: the server's certificate, then any intermediates.
    pub certificate: PathBuf,
    /// PEM: the certificate's private key (PKCS#8, PKCS#1 or SEC1), mode 0600 or tighter.
    pub key: PathBuf,
}

fn setup(detail: String) -> crate::Error {
    RemoteError::Setup(detail).into()
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// The certificates of a PEM file, at least one.
fn certificates(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let read = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>());
    match read {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        Ok(_) => Err(setup(format!(
            "{what} {}: no certificate in it (a PEM file with BEGIN CERTIFICATE)",
            path.display()
        ))),
        Err(e) => Err(setup(format!(
            "{what} {}: {}",
            path.display(),
            pem_error(e)
        ))),
    }
}

fn pem_error(e: rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error as Pem;
    match e {
        Pem::Io(e) => format!("cannot be read ({e})"),
        Pem::NoItemsFound => "nothing of the kind asked for is in it".into(),
        other => format!("not a PEM file ({other:?})"),
    }
}

/// The server's TLS settings from its certificate and key files.
pub(crate) fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>> {
    let chain = certificates(&files.certificate, "the certificate file")?;
    let key_path = &files.key;
    let mode = std::fs::metadata(key_path)
        .map_err(|e| {
            setup(format!(
                "the key file {}: cannot be read ({e})",
                key_path.display()
            ))
        })?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(setup(format!(
            "the key file {} can be read by other users (mode {:o}): make it 0600",
            key_path.display(),
            mode & 0o777
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| {
        setup(format!(
            "the key file {}: no private key ({})",
            key_path.display(),
            pem_error(e)
        ))
    })?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| setup(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            setup(format!(
                "the key file {} and the certificate file {} do not make a TLS identity ({e})",
                key_path.display(),
                files.certificate.display()
            ))
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A client's TLS settings: it trusts the certificate authorities in the PEM file `ca`.
pub(crate) fn client_config(ca: &Path) -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in certificates(ca, "the certificate authority file")? {
        roots.add(cert).map_err(|e| {
            setup(format!(
                "the certificate authority file {}: a certificate that cannot be trusted ({e})",
                ca.display()
            ))
        })?;
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| setup(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Whether plain TCP may be used to or from `address`: only on loopback.
pub(crate) fn clear_allowed(address: &SocketAddr) -> bool {
    address.ip().is_loopback()
}

/// Where a client dials over TCP: `host:port`, and the name its certificate must carry.
#[derive(Debug, Clone)]
pub(crate) struct Dial {
    /// `host:port` as given.
    pub address: String,
    /// The host part, what the server's certificate is checked against.
    pub name: ServerName<'static>,
}

impl Dial {
    /// Reads `host:port` (`[v6]:port` for an IPv6 address).
    pub fn parse(address: &str) -> Result<Dial> {
        let bad = || {
            setup(format!(
                "the server address {address:?} is not host:port (as juki.city.local:5480 or 127.0.0.1:5480)"
            ))
        };
        let (host, port) = address.rsplit_once(':').ok_or_else(bad)?;
        port.parse::<u16>().map_err(|_| bad())?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let name = ServerName::try_from(host.to_string()).map_err(|_| bad())?;
        Ok(Dial {
            address: address.to_string(),
            name,
        })
    }

    /// Whether the host is a loopback address (an IP, or `localhost`).
    pub fn is_loopback(&self) -> bool {
        match &self.name {
            ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).is_loopback(),
            ServerName::DnsName(name) => name.as_ref().eq_ignore_ascii_case("localhost"),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_host_and_port() {
        let dial = Dial::parse("juki.city.local:5480").unwrap();
        assert!(!dial.is_loopback());
        assert!(Dial::parse("127.0.0.1:5480").unwrap().is_loopback());
        assert!(Dial::parse("[::1]:5480").unwrap().is_loopback());
        assert!(Dial::parse("localhost:1").unwrap().is_loopback());
        assert!(!Dial::parse("192.0.2.7:5480").unwrap().is_loopback());
        for bad in [
            "juki.city.local",
            "host:port",
            "host:70000",
            ":5480",
            "a b:1",
        ] {
            let e = Dial::parse(bad).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::InvalidValue, "{bad}");
            assert!(e.to_string().contains("host:port"), "{e}");
        }
    }

    #[test]
    fn plain_tcp_only_on_loopback() {
        assert!(clear_allowed(&"127.0.0.1:1".parse().unwrap()));
        assert!(clear_allowed(&"[::1]:1".parse().unwrap()));
        assert!(!clear_allowed(&"0.0.0.0:1".parse().unwrap()));
        assert!(!clear_allowed(&"192.0.2.7:1".parse().unwrap()));
    }

    #[test]
    fn files_that_are_not_a_certificate_or_key_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not pem at all\n").unwrap();
        std::fs::set_permissions(&junk, std::fs::Permissions::from_mode(0o600)).unwrap();
        let e = client_config(&junk).unwrap_err();
        assert!(e.to_string().contains("junk.pem"), "{e}");
        assert!(e.to_string().contains("no certificate"), "{e}");
        let missing = dir.path().join("missing.pem");
        let e = client_config(&missing).unwrap_err();
        assert!(e.to_string().contains("missing.pem"), "{e}");
        assert!(e.to_string().contains("cannot be read"), "{e}");
    }
}
