"""PAdES signatures on the report's PDF: load the department's certificate, sign, check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import TypeAlias

from asn1crypto import pkcs12 as asn1_pkcs12  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import general as pyhanko_general
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, SimpleSigner
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from domain.errors import CchcError

FIELD_NAME = "ChuKySo"
Certificate: TypeAlias = "x509.Certificate | asn1_x509.Certificate"  # either library's


class SigningError(CchcError):
    """The signing certificate cannot be used, or a PDF cannot be signed."""


@dataclass(frozen=True)
class Signer:
    """A certificate with its private key, ready to sign; validity checked when loaded."""

    pyhanko_signer: SimpleSigner
    subject_name: str  # the certificate subject's common name
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class SignatureCheck:
    """What checking a PDF's (last) signature found."""

    signed: bool
    intact: bool  # the signed bytes hash to what was signed, and the signature verifies
    covers_whole_file: bool
    trusted: bool  # the certificate chains to one of the trust roots given
    signer: str
    signed_at: datetime | None  # as the signer's clock reported it (no timestamp server)


UNSIGNED = SignatureCheck(False, False, False, False, "", None)


def load_signer(p12_path: Path, passphrase: bytes | None, *, at: datetime) -> Signer:
    """The PKCS#12 file's key and certificate, which must be valid at `at` (timezone-aware)."""
    try:
        data = p12_path.read_bytes()
    except FileNotFoundError:
        raise SigningError(f"signing certificate file {p12_path} not found") from None
    cert = _unpack(data, passphrase, p12_path)
    who = f"{common_name(cert)} ({p12_path})"
    _check_valid(who, cert.not_valid_before_utc, cert.not_valid_after_utc, at=at)
    return Signer(
        pyhanko_signer=SimpleSigner.load_pkcs12_data(data, (), passphrase),
        subject_name=common_name(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def sign_pdf(pdf: bytes, signer: Signer, *, reason: str, location: str, at: datetime) -> bytes:
    """`pdf` with a PAdES B-B signature over the whole file in the invisible field
    "ChuKySo", dated `at`, named after the certificate's subject."""
    _check_valid(signer.subject_name, signer.not_before, signer.not_after, at=at)
    metadata = PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        name=signer.subject_name,
        subfilter=SigSeedSubFilter.PADES,
    )
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        signed = _PdfSignerAt(metadata, signer.pyhanko_signer, at=at).sign_pdf(writer)
    except (PdfError, pyhanko_general.SigningError) as exc:
        raise SigningError(f"cannot sign the PDF: {exc}") from exc
    return bytes(signed.getvalue())


def verify_pdf(
    pdf: bytes, *, trust: Sequence[Certificate] | None = None, at: datetime | None = None
) -> SignatureCheck:
    """Check the last signature of `pdf` against the `trust` roots (none: nothing is trusted),
    at the moment `at` (default: now); offline. A damaged file reads as not intact."""
    try:
        signatures = PdfFileReader(BytesIO(pdf), strict=False).embedded_regular_signatures
    except PdfError:
        return _damaged(pdf)
    if not signatures:
        return UNSIGNED
    context = ValidationContext(
        trust_roots=[_asn1_cert(root) for root in trust or ()], allow_fetching=False, moment=at
    )
    try:
        status = validate_pdf_signature(signatures[-1], context)
    except (PdfError, ValueError):  # SignatureValidationError is a ValueError
        return _damaged(pdf)
    return SignatureCheck(
        signed=True,
        intact=bool(status.intact and status.valid),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        trusted=bool(status.trusted),
        signer=str(status.signing_cert.subject.native.get("common_name", "")),
        signed_at=status.signer_reported_dt,
    )


def common_name(cert: x509.Certificate) -> str:
    """The subject's common name, or its whole distinguished name when it has none."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names:
        return cert.subject.rfc4514_string()
    value = names[0].value
    return value.decode() if isinstance(value, bytes) else value


class _PdfSignerAt(PdfSigner):
    """A PdfSigner whose signing time is given instead of read from the clock."""

    def __init__(self, metadata: PdfSignatureMetadata, signer: SimpleSigner, *, at: datetime):
        super().__init__(metadata, signer)
        self._at = at

    def init_signing_session(
        self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._at
        return session


def _unpack(data: bytes, passphrase: bytes | None, path: Path) -> x509.Certificate:
    try:
        key, cert, _ = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError:
        if _is_pkcs12(data):
            raise SigningError(
                f"wrong passphrase for the signing certificate {path} (or it needs one)"
            ) from None
        raise SigningError(f"{path} is not a PKCS#12 (.p12/.pfx) certificate file") from None
    if key is None:
        raise SigningError(f"{path} holds no private key, only certificates")
    if cert is None:
        raise SigningError(f"{path} holds a private key but no certificate for it")
    return cert


def _is_pkcs12(data: bytes) -> bool:
    try:
        return bool(asn1_pkcs12.Pfx.load(data)["auth_safe"]["content_type"].native)
    except ValueError:
        return False


def _check_valid(who: str, not_before: datetime, not_after: datetime, *, at: datetime) -> None:
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    if at > not_after:
        raise SigningError(f"the signing certificate of {who} expired on {_day(not_after)}")
    if at < not_before:
        raise SigningError(
            f"the signing certificate of {who} is not yet valid: valid from {_day(not_before)}"
        )


def _damaged(pdf: bytes) -> SignatureCheck:
    # Unreadable bytes: signed as far as a signature dictionary is still visible, never intact.
    return SignatureCheck(b"/ByteRange" in pdf, False, False, False, "", None)


def _day(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M %Z}".strip()


def _asn1_cert(cert: Certificate) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
