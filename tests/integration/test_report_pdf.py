"""The consolidated report opened by LibreOffice, as a văn thư would print it, then signed: an
outside program, so it runs with the integration tests (CI installs it and requires it)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509

from documents.report.demo_certificate import make_demo_certificate
from documents.report.docx_writer import write_docx
from documents.report.pdf import ReportPdfError, docx_to_pdf, pdf_page_count, soffice_path
from documents.report.signing import load_signer, sign_pdf, verify_pdf
from tests.unit.report_samples import report_data

AT = datetime(2025, 12, 22, 9, 30, tzinfo=UTC)


@pytest.fixture
def docx_path(tmp_path: Path) -> Path:
    return write_docx(report_data(), tmp_path / "out" / "report-2025.docx")


@pytest.mark.usefixtures("soffice")
def test_libreoffice_converts_the_report_to_pdf(docx_path: Path, tmp_path: Path) -> None:
    pdf = docx_to_pdf(docx_path, tmp_path / "pdf")
    assert pdf == tmp_path / "pdf" / "report-2025.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert pdf_page_count(pdf) >= 1


@pytest.mark.usefixtures("soffice")
def test_the_converted_report_is_signed_and_validates(docx_path: Path, tmp_path: Path) -> None:
    demo = make_demo_certificate(
        tmp_path / "cert",
        signer_name="Trần Thị Bình",
        organization="Sở Nội vụ tỉnh Demo",
        at=AT,
        passphrase=b"thu-nghiem",
    )
    signer = load_signer(demo.p12, demo.passphrase, at=AT)
    pdf = docx_to_pdf(docx_path, tmp_path / "pdf")
    signed = sign_pdf(pdf.read_bytes(), signer, reason="Báo cáo tổng hợp", location="Demo", at=AT)
    ca = x509.load_pem_x509_certificate(demo.ca_cert.read_bytes())
    check = verify_pdf(signed, trust=[ca], at=AT)
    assert (check.signed, check.intact, check.covers_whole_file, check.trusted) == (True,) * 4
    assert check.signer == "Trần Thị Bình"
    assert check.signed_at == AT


@pytest.mark.usefixtures("soffice")
def test_conversions_at_the_same_time_do_not_collide(docx_path: Path, tmp_path: Path) -> None:
    copies = [docx_path.with_name(f"copy-{n}.docx") for n in range(2)]
    for copy in copies:
        copy.write_bytes(docx_path.read_bytes())
    with ThreadPoolExecutor(max_workers=2) as pool:
        pdfs = list(pool.map(lambda docx: docx_to_pdf(docx, tmp_path / "pdf"), copies))
    assert [pdf.name for pdf in pdfs] == ["copy-0.pdf", "copy-1.pdf"]
    assert all(pdf_page_count(pdf) >= 1 for pdf in pdfs)


@pytest.mark.usefixtures("soffice")
def test_a_conversion_that_runs_too_long_is_stopped(docx_path: Path, tmp_path: Path) -> None:
    with pytest.raises(ReportPdfError, match=r"report-2025\.docx to PDF within 0\.01 seconds"):
        docx_to_pdf(docx_path, tmp_path / "pdf", timeout=0.01)
    assert not (tmp_path / "pdf" / "report-2025.pdf").exists()


def test_without_libreoffice_the_error_says_how_to_install_it(
    docx_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ReportPdfError, match="apt-get install libreoffice-writer-nogui") as raised:
        docx_to_pdf(docx_path, tmp_path / "pdf")
    assert str(docx_path) in str(raised.value)


def test_a_missing_docx_is_named(tmp_path: Path) -> None:
    if soffice_path() is None:
        pytest.skip("without soffice the install hint comes first")
    with pytest.raises(ReportPdfError, match=r"absent\.docx .*does not exist"):
        docx_to_pdf(tmp_path / "absent.docx", tmp_path / "pdf")


def test_counting_the_pages_of_a_file_that_is_not_a_pdf_names_it(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pdf"
    bogus.write_text("không phải PDF", encoding="utf-8")
    with pytest.raises(ReportPdfError, match=r"bogus\.pdf"):
        pdf_page_count(bogus)
