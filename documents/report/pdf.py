"""The consolidated report's .docx turned into PDF by LibreOffice running headless."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from domain.errors import CchcError

INSTALL_HINT = "apt-get install libreoffice-writer-nogui"


class ReportPdfError(CchcError):
    """A report could not be converted to PDF, or a PDF cannot be read; the message names the
    file and, when LibreOffice ran, what it printed."""


def soffice_path() -> str | None:
    """Where LibreOffice's `soffice` is on PATH, or None when it is not installed."""
    return shutil.which("soffice")


def docx_to_pdf(docx: Path, out_dir: Path, *, timeout: float = 180) -> Path:
    """Convert `docx` to `out_dir/<stem>.pdf` (out_dir created if needed) and return that path.

    Each conversion runs with its own throw-away LibreOffice profile, so conversions at the
    same time do not collide on the profile lock. Raises ReportPdfError when soffice is
    missing, runs longer than `timeout` seconds, or leaves no PDF behind."""
    soffice = soffice_path()
    if soffice is None:
        raise ReportPdfError(
            f"cannot convert {docx} to PDF: LibreOffice (soffice) is not installed: {INSTALL_HINT}"
        )
    if not docx.is_file():
        raise ReportPdfError(f"cannot convert {docx} to PDF: the file does not exist")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cchc-soffice-") as work:
        produced = _convert(soffice, docx, Path(work), timeout=timeout)
        # Staged beside the target and renamed over it (the temp folder may be another file
        # system): a stale PDF is never taken for this one, nor a half-copied one read.
        target, staged = out_dir / produced.name, out_dir / f".{produced.name}.tmp"
        try:
            shutil.move(produced, staged)
            os.replace(staged, target)
        finally:
            staged.unlink(missing_ok=True)
    return target


def pdf_page_count(pdf: Path) -> int:
    """The number of pages `pdf` declares in its page tree."""
    try:
        with pdf.open("rb") as stream:
            count = PdfFileReader(stream, strict=False).root["/Pages"]["/Count"]
            return int(count)
    except (OSError, PdfError, KeyError, TypeError, ValueError) as exc:
        raise ReportPdfError(f"cannot count the pages of {pdf}: {exc}") from exc


def _convert(soffice: str, docx: Path, work: Path, *, timeout: float) -> Path:
    out = work / "out"
    profile = (work / "profile").as_uri()
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore"]
    command += ["--convert-to", "pdf", "--outdir", str(out), str(docx)]
    stdout, stderr = _run(command, docx, timeout=timeout)
    produced = out / f"{docx.stem}.pdf"
    if not produced.is_file() or produced.stat().st_size == 0:
        said = (stderr.strip() or stdout.strip() or "nothing").splitlines()
        raise ReportPdfError(
            f"LibreOffice produced no PDF from {docx}; it said: " + " | ".join(said[-10:])
        )
    return produced


def _run(command: list[str], docx: Path, *, timeout: float) -> tuple[str, str]:
    # A session of its own: soffice is a wrapper that starts soffice.bin, and on a timeout
    # the whole group must go, not just the wrapper.
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            return process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ReportPdfError(
                f"LibreOffice did not convert {docx} to PDF within {timeout:g} seconds"
            ) from None
