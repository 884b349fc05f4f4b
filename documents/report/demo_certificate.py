"""A throw-away demo CA and signing certificate, marked as such, for demos and tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from documents.report.signing import SigningError, load_signer

DEMO_UNIT = "CHỨNG THƯ THỬ NGHIỆM - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"


@dataclass(frozen=True)
class DemoCertificate:
    """A throw-away CA (PEM) and a signing certificate it issued (PKCS#12), for demos and tests."""

    p12: Path
    ca_cert: Path
    passphrase: bytes


def make_demo_certificate(
    folder: Path, *, signer_name: str, organization: str, at: datetime, passphrase: bytes
) -> DemoCertificate:
    """Write `demo-signer.p12` and `demo-ca.pem` under `folder`, valid from a day before `at`
    for two years, marked as a demo in their subject; files still valid at `at` are reused."""
    demo = DemoCertificate(folder / "demo-signer.p12", folder / "demo-ca.pem", passphrase)
    if demo.ca_cert.is_file() and _still_usable(demo, signer_name, at):
        return demo
    ca_name = _demo_name(f"CA thử nghiệm - {organization}", organization)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _issue(ca_name, ca_key, ca_key, ca_name, at=at, ca=True)
    cert = _issue(_demo_name(signer_name, organization), key, ca_key, ca_name, at=at)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    p12 = pkcs12.serialize_key_and_certificates(b"demo", key, cert, [ca], encryption)
    folder.mkdir(parents=True, exist_ok=True)
    demo.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    demo.p12.write_bytes(p12)
    return demo


def _still_usable(demo: DemoCertificate, signer_name: str, at: datetime) -> bool:
    try:
        return load_signer(demo.p12, demo.passphrase or None, at=at).subject_name == signer_name
    except SigningError:
        return False


def _fit(text: str, limit: int = 64) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore").strip()


def _demo_name(common: str, organization: str) -> x509.Name:
    # X.509 caps these attributes at 64 (RFC 5280 ub-common-name, ub-organization-name), and
    # the library counts the UTF-8 bytes: a Vietnamese name is cut on a whole character.
    common, organization = _fit(common), _fit(organization)
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_UNIT),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _issue(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer_key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    *,
    at: datetime,
    ca: bool = False,
) -> x509.Certificate:
    usage = x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_cert_sign=ca,
        crl_sign=ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(at - timedelta(days=1))
        .not_valid_after(at + timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(usage, critical=True)
        .sign(issuer_key, hashes.SHA256())
    )
