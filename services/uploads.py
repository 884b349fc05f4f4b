"""Evidence files: type decided by content, stored once by sha256 outside any web root."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from domain.errors import InvalidRequest, NotFound
from services.ports import UnitOfWork

# extension → (content type, label shown to users)
ALLOWED = {
    "pdf": ("application/pdf", "PDF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"),
    "jpg": ("image/jpeg", "JPEG"),
    "png": ("image/png", "PNG"),
}
ALIASES = {"jpeg": "jpg"}
_ZIP_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]+")
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    kind: str  # one of ALLOWED
    content_type: str
    filename: str  # sanitized, for display (always escaped when shown)


def sniff(data: bytes) -> str | None:
    """The file's kind judged by its bytes, or None when it is none of the allowed kinds."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names:
            return next((kind for kind, part in _ZIP_PARTS.items() if part in names), None)
    return None


def clean_filename(raw: str, kind: str) -> str:
    """A display name from what the browser sent: no path, no control or reserved characters,
    at most 120 characters, ending in the extension of the detected kind."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._") or "tep"
    stem, dot, _ext = name.rpartition(".")
    if not dot:
        stem = name
    return f"{stem[:110]}.{kind}"


def check(data: bytes, raw_name: str, *, max_bytes: int) -> tuple[str, str]:
    """(kind, clean name) for an acceptable file; InvalidRequest in Vietnamese otherwise."""
    shown = clean_filename(raw_name, "x")[:-2] or "tệp"
    if len(data) > max_bytes:
        limit = max_bytes / 1024 / 1024
        raise InvalidRequest(f"Tệp {shown}: vượt quá dung lượng cho phép ({limit:g} MB)")
    if not data:
        raise InvalidRequest(f"Tệp {shown}: tệp rỗng")
    kind = sniff(data)
    claimed = raw_name.rpartition(".")[2].lower() if "." in raw_name else ""
    claimed = ALIASES.get(claimed, claimed)
    if kind is None or (claimed and claimed != kind):
        raise InvalidRequest(
            f"Tệp {shown}: chỉ nhận tệp PDF, Word (docx), Excel (xlsx), JPG, PNG "
            "có nội dung đúng với phần mở rộng"
        )
    return kind, clean_filename(raw_name, kind)


def content_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


INCOMING = ".incoming"  # under the store's root: same file system, so a move is atomic


@dataclass(frozen=True)
class Staged:
    """A checked file waiting in the incoming area for the transaction that records it."""

    path: Path
    file: StoredFile


def stage(data: bytes, raw_name: str, *, root: Path, max_bytes: int) -> Staged:
    """Check one file and write it to the incoming area; InvalidRequest when unacceptable."""
    kind, name = check(data, raw_name, max_bytes=max_bytes)
    incoming = root / INCOMING
    incoming.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=incoming, delete=False) as tmp:
        tmp.write(data)
    digest = hashlib.sha256(data).hexdigest()
    return Staged(Path(tmp.name), StoredFile(digest, len(data), kind, ALLOWED[kind][0], name))


def keep(uow: UnitOfWork, staged: list[Staged], *, root: Path, at: datetime) -> list[Path]:
    """Record the staged files in the caller's transaction and move them into the store, just
    before it commits; the store paths this call created (to undo if the commit fails)."""
    placed = []
    for item in staged:
        f = item.file
        uow.uploads.record(sha256=f.sha256, size=f.size, content_type=f.content_type, at=at)
        target = content_path(root, item.file.sha256)
        if target.exists() or not item.path.exists():  # stored before (or the same bytes twice)
            item.path.unlink(missing_ok=True)
            if target.exists():  # referenced again: young, so the clean-up leaves it alone
                os.utime(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(item.path, target)
        placed.append(target)
    return placed


def discard(staged: list[Staged]) -> None:
    """Remove what is still waiting in the incoming area (the request was refused or failed)."""
    for item in staged:
        item.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class EvidenceFile:
    path: Path
    content_type: str
    filename: str


def evidence_file(uow: UnitOfWork, evidence_id: int, *, root: Path) -> EvidenceFile:
    """The stored file of a piece of evidence, with the name it was handed in under."""
    upload = uow.uploads.of_evidence(evidence_id)
    if upload is None:
        raise NotFound(f"no evidence file {evidence_id}")
    name = upload.filename or f"minh-chung-{evidence_id}"
    return EvidenceFile(content_path(root, upload.sha256), upload.content_type, name)


def unplace(uow: UnitOfWork, placed: list[Path]) -> None:
    """After a failed commit: remove the files it placed that still no row refers to."""
    known = uow.uploads.referenced([path.name for path in placed])
    for path in placed:
        if path.name not in known:
            path.unlink(missing_ok=True)


def collect_garbage(uow: UnitOfWork, root: Path, *, min_age: timedelta = timedelta(days=1)) -> int:
    """Remove store files no row refers to, and incoming files left by a request that died,
    once older than `min_age`; how many were removed.

    Ages are the files' own modification times against the wall clock (a simulated clock
    says nothing about when a file was written).
    """
    if not root.is_dir():
        return 0
    oldest = time.time() - min_age.total_seconds()
    old = [p for p in root.rglob("*") if p.is_file() and p.stat().st_mtime <= oldest]
    # only the old files' hashes are looked up: a daily sweep reads nothing while every
    # file is younger than `min_age`, not every upload of the year each time
    known = uow.uploads.referenced([p.name for p in old if _HASH.fullmatch(p.name)])
    removed = 0
    for path in old:
        stale = path.parent.name == INCOMING or (
            _HASH.fullmatch(path.name) is not None and path.name not in known
        )
        if stale:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
