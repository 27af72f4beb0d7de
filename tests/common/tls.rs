//! A certificate authority and a server certificate it signed, for the tests and benches
//! that serve over TLS (the benches take this file in by its path).

use std::path::{Path, PathBuf};

/// A certificate authority named `label` (its certificate in `label-ca.pem`) and a server
/// certificate it signed for `names` (`label-cert.pem`, its key `label-key.pem`, mode 0600).
pub fn authority(dir: &Path, label: &str, names: &[&str]) -> (PathBuf, juki::TlsFiles) {
    use std::os::unix::fs::PermissionsExt;
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, format!("{label} CA"));
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let cert = rcgen::CertificateParams::new(names)
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let ca_path = dir.join(format!("{label}-ca.pem"));
    let files = juki::TlsFiles {
        certificate: dir.join(format!("{label}-cert.pem")),
        key: dir.join(format!("{label}-key.pem")),
    };
    std::fs::write(&ca_path, ca_cert.pem()).unwrap();
    std::fs::write(&files.certificate, cert.pem()).unwrap();
    std::fs::write(&files.key, key.serialize_pem()).unwrap();
    std::fs::set_permissions(&files.key, std::fs::Permissions::from_mode(0o600)).unwrap();
    (ca_path, files)
}
