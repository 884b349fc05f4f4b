"""PAdES signing of the report's PDF with a demo certificate: real keys, real pyHanko."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from documents.report.demo_certificate import DEMO_UNIT, DemoCertificate, make_demo_certificate
from documents.report.signing import FIELD_NAME, SigningError, load_signer, sign_pdf, verify_pdf

AT = datetime(2025, 12, 22, 9, 30, tzinfo=UTC)
SIGNER = "Nguyễn Văn An"
ORGANIZATION = "Sở Nội vụ tỉnh Demo"
PASSPHRASE = b"mat-khau-thu"
TEXT = b"Bao cao tong hop cai cach hanh chinh"


def minimal_pdf() -> bytes:
    """One page with one line of Helvetica, written by pyHanko's own (untyped) writer."""
    name = generic.pdf_name
    font = {name("/Type"): name("/Font"), name("/Subtype"): name("/Type1")}
    font[name("/BaseFont")] = name("/Helvetica")
    helvetica = generic.DictionaryObject(font)  # type: ignore[no-untyped-call]
    fonts = generic.DictionaryObject({name("/F1"): helvetica})  # type: ignore[no-untyped-call]
    resources = generic.DictionaryObject({name("/Font"): fonts})  # type: ignore[no-untyped-call]
    content = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 720 Td (" + TEXT + b") Tj ET")
    writer = PdfFileWriter()  # type: ignore[no-untyped-call]
    a4 = (0, 0, 595, 842)
    page = PageObject(writer.add_object(content), a4, resources)  # type: ignore[no-untyped-call]
    writer.insert_page(page)  # type: ignore[no-untyped-call]
    out = BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def demo_at(folder: Path, at: datetime) -> DemoCertificate:
    return make_demo_certificate(
        folder, signer_name=SIGNER, organization=ORGANIZATION, at=at, passphrase=PASSPHRASE
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoCertificate:
    return demo_at(tmp_path_factory.mktemp("cert"), AT)


@pytest.fixture(scope="module")
def ca(demo: DemoCertificate) -> x509.Certificate:
    return x509.load_pem_x509_certificate(demo.ca_cert.read_bytes())


@pytest.fixture(scope="module")
def signed(demo: DemoCertificate) -> bytes:
    signer = load_signer(demo.p12, demo.passphrase, at=AT)
    return sign_pdf(minimal_pdf(), signer, reason="Phê duyệt", location="Demo", at=AT)


def test_a_signed_pdf_validates_against_the_demo_ca(signed: bytes, ca: x509.Certificate) -> None:
    check = verify_pdf(signed, trust=[ca], at=AT + timedelta(days=1))
    assert check.signed
    assert check.intact
    assert check.covers_whole_file
    assert check.trusted
    assert check.signer == SIGNER
    assert check.signed_at == AT


def test_the_signature_dictionary_names_the_signer_reason_and_place(signed: bytes) -> None:
    [signature] = PdfFileReader(BytesIO(signed)).embedded_regular_signatures
    assert signature.field_name == FIELD_NAME
    assert signature.sig_object["/Name"] == SIGNER
    assert signature.sig_object["/Reason"] == "Phê duyệt"
    assert signature.sig_object["/Location"] == "Demo"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"


def test_without_the_ca_as_trust_root_the_signature_is_intact_but_untrusted(
    signed: bytes,
) -> None:
    check = verify_pdf(signed, at=AT)
    assert check.intact
    assert not check.trusted


def test_flipping_one_signed_byte_breaks_the_signature(signed: bytes, ca: x509.Certificate) -> None:
    where = signed.index(TEXT)
    tampered = signed[:where] + b"X" + signed[where + 1 :]
    check = verify_pdf(tampered, trust=[ca], at=AT)
    assert check.signed
    assert not check.intact


def test_appending_bytes_after_the_signature_is_not_whole_file_coverage(
    signed: bytes, ca: x509.Certificate
) -> None:
    check = verify_pdf(signed + b"\n% added later\n", trust=[ca], at=AT)
    assert not check.covers_whole_file


def test_an_unsigned_pdf_is_reported_unsigned() -> None:
    check = verify_pdf(minimal_pdf())
    assert not check.signed
    assert not check.intact
    assert check.signed_at is None


def test_a_wrong_passphrase_is_named(demo: DemoCertificate) -> None:
    with pytest.raises(SigningError, match="passphrase"):
        load_signer(demo.p12, b"not-it", at=AT)


def test_an_expired_certificate_says_when_it_expired(tmp_path: Path) -> None:
    old = demo_at(tmp_path, AT - timedelta(days=3 * 365))
    with pytest.raises(SigningError, match=r"expired on 2024-12-2\d") as raised:
        load_signer(old.p12, PASSPHRASE, at=AT)
    assert SIGNER in str(raised.value)


def test_a_certificate_not_yet_valid_is_refused(demo: DemoCertificate) -> None:
    with pytest.raises(SigningError, match="not yet valid"):
        load_signer(demo.p12, PASSPHRASE, at=AT - timedelta(days=30))


def test_signing_outside_the_certificates_validity_is_refused(demo: DemoCertificate) -> None:
    signer = load_signer(demo.p12, PASSPHRASE, at=AT)
    with pytest.raises(SigningError, match="expired"):
        sign_pdf(minimal_pdf(), signer, reason="r", location="l", at=AT + timedelta(days=800))


def test_a_file_that_is_not_pkcs12_is_named(tmp_path: Path, demo: DemoCertificate) -> None:
    pem = tmp_path / "ca.p12"
    pem.write_bytes(demo.ca_cert.read_bytes())
    with pytest.raises(SigningError, match="not a PKCS#12"):
        load_signer(pem, PASSPHRASE, at=AT)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SigningError, match=r"nowhere\.p12 not found"):
        load_signer(tmp_path / "nowhere.p12", PASSPHRASE, at=AT)


def test_a_pkcs12_without_private_key_is_refused(tmp_path: Path, ca: x509.Certificate) -> None:
    encryption = serialization.BestAvailableEncryption(PASSPHRASE)
    only_certs = tmp_path / "certs.p12"
    only_certs.write_bytes(pkcs12.serialize_key_and_certificates(b"x", None, ca, None, encryption))
    with pytest.raises(SigningError, match="no private key"):
        load_signer(only_certs, PASSPHRASE, at=AT)


def test_the_demo_certificate_says_it_is_a_demo(demo: DemoCertificate) -> None:
    _, cert, [issuer] = pkcs12.load_key_and_certificates(demo.p12.read_bytes(), PASSPHRASE)
    assert cert is not None
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == (
        DEMO_UNIT
    )
    assert cert.issuer == issuer.subject
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    assert cert.not_valid_before_utc == AT - timedelta(days=1)
    assert cert.not_valid_after_utc == AT + timedelta(days=730)


def test_the_demo_certificate_is_reused_while_valid_and_renewed_after(tmp_path: Path) -> None:
    first = demo_at(tmp_path, AT).p12.read_bytes()
    assert demo_at(tmp_path, AT + timedelta(days=300)).p12.read_bytes() == first
    renewed = demo_at(tmp_path, AT + timedelta(days=800))
    assert renewed.p12.read_bytes() != first
    load_signer(renewed.p12, PASSPHRASE, at=AT + timedelta(days=800))
