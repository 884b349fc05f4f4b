"""Reads a plan document (.txt, .docx, .pdf) into numbered lines of text."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from docx.opc.exceptions import PackageNotFoundError

from documents.plans.docx_source import docx_lines
from domain.errors import PlanInvalid, Problem

_PDF_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class SourceLine:
    """One line of the document's text; `no` counts from 1 as an editor shows it."""

    no: int
    text: str


def clean(text: str) -> str:
    """NFC, no tabs, non-breaking or zero-width spaces, single-spaced, trimmed."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[\t\u00a0\u2007\u202f\u3000]", " ", text).replace("\u200b", "")
    return re.sub(r" {2,}", " ", text).strip()


def lines_from_text(text: str) -> list[SourceLine]:
    """Numbered, cleaned lines of a plain text (blank lines keep their numbers)."""
    return [SourceLine(i, clean(t)) for i, t in enumerate(text.splitlines(), start=1)]


def read_source(path: Path) -> list[SourceLine]:
    """The document's lines; PlanInvalid when it cannot be read as a plan document."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".docx":
            return lines_from_text("\n".join(docx_lines(path)))
        if suffix == ".pdf":
            return lines_from_text(_pdf_text(path))
        if suffix in (".txt", ".text", ".md", ""):
            return lines_from_text(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise _unreadable(path, "not UTF-8 text (save the document as UTF-8)") from None
    except (OSError, PackageNotFoundError, ValueError, KeyError) as exc:
        raise _unreadable(path, f"cannot read the document: {exc}") from None
    raise _unreadable(path, f"unsupported file type {suffix!r} (use .txt, .docx or .pdf)")


def _unreadable(path: Path, message: str) -> PlanInvalid:
    return PlanInvalid([Problem("", message, file=str(path))])


def _pdf_text(path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        raise _unreadable(path, "reading .pdf needs pdftotext (poppler-utils) on PATH")
    done = subprocess.run(
        [tool, "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=False,
        timeout=_PDF_TIMEOUT_SECONDS,
    )
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise _unreadable(path, f"pdftotext failed: {message}")
    return done.stdout.decode("utf-8", "replace").replace("\f", "\n")
