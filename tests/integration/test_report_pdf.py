"""The consolidated report opened by LibreOffice, as a văn thư would print it: an outside
program, so it runs with the integration tests (CI installs it and requires it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from documents.report.docx_writer import write_docx
from tests.unit.test_report_document import report_data


@pytest.fixture
def docx_path(tmp_path: Path) -> Path:
    return write_docx(report_data(), tmp_path / "out" / "report-2025.docx")


def pdf_pages(pdf: Path) -> int:
    if (pdfinfo := shutil.which("pdfinfo")) is not None:
        out = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True)
        return int(re.search(r"^Pages:\s+(\d+)", out.stdout, re.MULTILINE)[1])  # type: ignore[index]
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


def test_libreoffice_converts_the_report_to_pdf(docx_path: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CCHC_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("CCHC_REQUIRE_LIBREOFFICE=1 but LibreOffice (soffice) is not installed")
        pytest.skip(
            "LibreOffice (soffice) is not installed; .ci/run installs libreoffice-writer-nogui"
        )
    out = tmp_path / "pdf"
    profile = (tmp_path / "lo-profile").as_uri()
    command = [soffice, f"-env:UserInstallation={profile}", "--headless"]
    command += ["--convert-to", "pdf", "--outdir", str(out), str(docx_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    pdf = out / "report-2025.pdf"
    assert pdf.exists(), done.stdout + done.stderr
    assert pdf_pages(pdf) >= 1
