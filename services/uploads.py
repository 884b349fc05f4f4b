"""Evidence files: type decided by content, stored once by sha256 outside any web root."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from domain.errors import InvalidRequest
from storage.db import insert_ignoring_duplicates
from storage.tables import Base
from storage.uow import UnitOfWork

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


def store(
    uow: UnitOfWork, data: bytes, raw_name: str, *, root: Path, max_bytes: int, at: datetime
) -> StoredFile:
    """Check and store one file (once per content); the row joins the caller's transaction.

    The bytes are written before the transaction commits: a file whose transaction rolls back
    stays as an unreferenced blob, which is harmless because its name is its content's hash.
    """
    kind, name = check(data, raw_name, max_bytes=max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    target = content_path(root, digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, target)
    content_type = ALLOWED[kind][0]
    insert_ignoring_duplicates(
        uow.session,
        Base.metadata.tables["uploads"],
        {"sha256": digest, "size": len(data), "content_type": content_type, "created_at": at},
        unique=("sha256",),
    )
    return StoredFile(digest, len(data), kind, content_type, name)
