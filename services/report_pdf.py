"""The final report's PDF: LibreOffice from the final .docx, signed PAdES with the Sở's
certificate when one is configured. Without LibreOffice the report goes as .docx only;
without a certificate the PDF goes unsigned (the Office is told in the report-sent mail).
A certificate configured but unusable (expired, wrong passphrase) refuses the step."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr

from documents.report.demo_certificate import make_demo_certificate
from documents.report.pdf import ReportPdfError, docx_to_pdf, soffice_path
from documents.report.signing import SigningError, load_signer, sign_pdf
from domain.errors import ReportRefused
from services.settings import Settings, SigningSettings

REASON = "Ký số báo cáo gửi Ủy ban nhân dân tỉnh"


@dataclass(frozen=True)
class FinalPdf:
    path: Path | None  # None: LibreOffice is not installed here
    signed_by: str  # the certificate holder; "" unsigned


def final_pdf(settings: Settings, docx: Path, *, at: datetime, location: str) -> FinalPdf:
    """`docx` as `<same stem>.pdf` beside it, signed when a certificate is configured; the
    certificate is checked first, so a bad one leaves no PDF behind."""
    signing = settings.signing
    signer = None
    if signing.p12_path is not None:
        secret = signing.passphrase.get_secret_value().encode() if signing.passphrase else None
        try:
            signer = load_signer(signing.p12_path, secret, at=at)
        except SigningError as exc:
            raise ReportRefused(
                f"the signing certificate {signing.p12_path}: {exc}",
                f"Chứng thư số ký báo cáo không dùng được: {exc}",
            ) from None
    if soffice_path() is None:
        return FinalPdf(None, "")
    try:
        pdf = docx_to_pdf(docx, docx.parent)
        if signer is None:
            return FinalPdf(pdf, "")
        signed = sign_pdf(pdf.read_bytes(), signer, reason=REASON, location=location, at=at)
    except (ReportPdfError, SigningError) as exc:
        raise ReportRefused(
            f"the final PDF could not be made: {exc}", f"Không tạo được bản PDF: {exc}"
        ) from None
    tmp = pdf.with_name(f".{pdf.name}.tmp")
    tmp.write_bytes(signed)
    os.replace(tmp, pdf)
    return FinalPdf(pdf, signer.subject_name)


def demo_signing(
    folder: Path, *, signer_name: str, organization: str, at: datetime, passphrase: bytes
) -> SigningSettings:
    """A throw-away CA and a signer's certificate under `folder` (reused while valid at
    `at`), its subject marked as a demo: signing settings for a replay, never for real use."""
    made = make_demo_certificate(
        folder, signer_name=signer_name, organization=organization, at=at, passphrase=passphrase
    )
    return SigningSettings(p12_path=made.p12, passphrase=SecretStr(passphrase.decode()))
