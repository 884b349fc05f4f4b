"""`cchc plan archive`: a plan's year as a folder for the archive (lập hồ sơ công việc), with
its index Mục lục hồ sơ (.xlsx and .pdf). The folder is made beside the target and moved in
only once every file the index lists is there and nothing else is: a failed archive leaves
the target as it was."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from documents.archive.index import IndexRow, RecordIndex, write_docx, write_xlsx
from documents.report.pdf import ReportPdfError, docx_to_pdf, pdf_page_count, soffice_path
from domain.clock import local_date
from domain.errors import InvalidRequest
from services.bootstrap import App
from services.plan_record import Piece, read_record

INDEX_STEM = "00-muc-luc-ho-so"
# LibreOffice lays out a table of tens of thousands of rows (a province's year) slowly: past
# this the record is written with its .xlsx index alone, and says why there is no PDF.
INDEX_PDF_SECONDS = 300.0


class RecordRefused(InvalidRequest):
    """The record cannot be made as asked: the target holds files, or a file the database
    names is missing; nothing was written."""


@dataclass(frozen=True)
class Archived:
    folder: Path
    rows: tuple[IndexRow, ...]
    index: list[Path]  # the .xlsx, and the .pdf when LibreOffice made it
    report_sent: bool
    no_pdf: str = ""  # why there is no PDF of the index (LibreOffice missing or too slow)


def archive_plan(
    app: App, code: str, *, target: Path, now: datetime, force: bool = False
) -> Archived:
    """Write the plan's record to `target` (refused when it holds files, unless `force`:
    then its contents are replaced)."""
    if target.exists() and not target.is_dir():
        raise RecordRefused(f"{target} is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise RecordRefused(
            f"{target} is not empty: name an empty folder, or --force to replace it"
        )
    with app.uow() as uow:
        record = read_record(uow, code, upload_dir=app.settings.portal.upload_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        rows = _write_pieces(record.pieces, staging)
        index = RecordIndex(record.heading, local_date(now), tuple(rows))
        made, no_pdf = _write_index(index, staging)
        _check(staging, rows, made)
        _move_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    index_files = [target / p.name for p in made]
    return Archived(target, tuple(rows), index_files, record.report_sent, no_pdf)


def _write_pieces(pieces: list[Piece], folder: Path) -> list[IndexRow]:
    missing = [
        f"{p.path}: {p.source} is missing"
        for p in pieces
        if p.data is None and not _is_file(p.source)
    ]
    if missing:
        raise RecordRefused("\n".join(["the record is incomplete, nothing written:", *missing]))
    rows = []
    for piece in pieces:
        path = folder / piece.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if piece.data is not None:
            path.write_bytes(piece.data)
        else:
            assert piece.source is not None  # checked above
            shutil.copyfile(piece.source, path)
        rows.append(_row(piece, path))
    return rows


def _is_file(path: Path | None) -> bool:
    return path is not None and path.is_file()


def _row(piece: Piece, path: Path) -> IndexRow:
    pages = None
    if path.suffix.lower() == ".pdf":
        try:
            pages = pdf_page_count(path)
        except ReportPdfError:  # a PDF a unit handed in that cannot be read: its size instead
            pages = None
    return IndexRow(piece.path, piece.title, piece.unit, piece.day, pages, path.stat().st_size)


def _write_index(index: RecordIndex, folder: Path) -> tuple[list[Path], str]:
    """The index as .xlsx and, with LibreOffice, as .pdf (made from a .docx not kept); the
    files made, and why there is no PDF if there is none."""
    made = [write_xlsx(index, folder / f"{INDEX_STEM}.xlsx")]
    if soffice_path() is None:
        return made, "LibreOffice (soffice) is not installed"
    with tempfile.TemporaryDirectory(prefix="cchc-index-") as work:
        docx = write_docx(index, Path(work) / f"{INDEX_STEM}.docx")
        try:
            made.append(docx_to_pdf(docx, folder, timeout=INDEX_PDF_SECONDS))
        except ReportPdfError as error:
            (folder / f"{INDEX_STEM}.pdf").unlink(missing_ok=True)  # whatever it left half-made
            return made, str(error)
    return made, ""


def _check(folder: Path, rows: list[IndexRow], index: list[Path]) -> None:
    """Every file listed once, every listed file present, nothing unlisted (but the index)."""
    listed = Counter(row.path for row in rows)
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {
        p.name for p in index
    }
    problems = [f"{path}: listed {n} times" for path, n in listed.items() if n > 1]
    problems += [f"{path}: listed, not written" for path in sorted(set(listed) - present)]
    problems += [f"{path}: written, not listed" for path in sorted(present - set(listed))]
    if problems:
        raise RecordRefused("\n".join(["the record does not match its index:", *problems]))


def _move_in(staging: Path, target: Path) -> None:
    """The staged folder takes the target's place (the old one, if any, removed after)."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old."))
        os.replace(target, old / target.name)
    os.replace(staging, target)  # private to its owner, as mkdtemp made it: units' files
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
