"""A damaged or cut archive, or a target holding data, is refused; a failed backup writes none."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from services.backup import ArchiveRefused, DatabaseCopyFailed, restore_backup, take_backup
from services.backup_archive import Manifest, verify
from services.bootstrap import SystemClock
from services.settings import BackupSettings, Settings
from storage.backup_db import row_counts
from tests.integration.backup_kit import (
    Source,
)


def rewrite(path: Path, change: Callable[[str, bytes], bytes | None], extra: str = "") -> Path:
    """A copy of the archive with each member's bytes passed through `change` (None: left
    out), plus a member `extra` if named; the manifest kept as it was."""
    out = path.with_name("changed.tar.gz")
    with tarfile.open(path, "r:gz") as old, tarfile.open(out, "w:gz") as new:
        for info in old.getmembers():
            reader = old.extractfile(info)
            assert reader is not None
            data = change(info.name, reader.read())
            if data is not None:
                info.size = len(data)
                new.addfile(info, io.BytesIO(data))
        if extra:
            info = tarfile.TarInfo(extra)
            info.size = 4
            new.addfile(info, io.BytesIO(b"evil"))
    return out


def flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def damaged(kind: str, path: Path, manifest: Manifest) -> tuple[Path, str]:
    """A damaged copy of the archive and the words its refusal must say."""
    upload = manifest.under("uploads")[0]
    report = manifest.under("reports")[0]
    if kind == "truncated":
        cut = path.with_name("cut.tar.gz")
        cut.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
        return cut, "damaged or truncated"
    if kind == "altered":
        changed = rewrite(path, lambda n, d: flip_last_byte(d) if n == upload else d)
        return changed, f"member {upload}: sha256 differs"
    if kind == "database-altered":
        database = manifest.database.member
        changed = rewrite(path, lambda n, d: flip_last_byte(d) if n == database else d)
        return changed, f"member {database}: sha256 differs"
    if kind == "missing":
        return rewrite(path, lambda n, d: None if n == report else d), f"member {report}: missing"
    extra = "uploads/00/00/extra"
    return rewrite(path, lambda _n, d: d, extra=extra), f"member {extra}: not in the manifest"


@pytest.mark.parametrize(
    "kind", ["truncated", "altered", "database-altered", "missing", "unlisted"]
)
def test_a_damaged_archive_is_refused_before_anything_is_written(
    kind: str,
    target: Settings,
    archive: tuple[Path, Manifest, dict[int, Any]],
    tmp_path: Path,
) -> None:
    path, manifest, _before = archive
    bad, words = damaged(kind, path, manifest)
    with pytest.raises(ArchiveRefused, match=words):
        restore_backup(target, archive=bad)
    assert not (tmp_path / "restored").exists()  # no database file, folder or plan file
    assert row_counts(target.database_url) == {}
    verify(path)  # the original is sound


def test_a_target_holding_data_is_refused_unless_forced(
    target: Settings, archive: tuple[Path, Manifest, dict[int, Any]]
) -> None:
    path, manifest, _before = archive
    target.report_dir.mkdir(parents=True)
    (target.report_dir / "old.md").write_text("cũ", encoding="utf-8")
    with pytest.raises(ArchiveRefused, match=f"folder {target.report_dir}: not empty"):
        restore_backup(target, archive=path)  # an empty database, but a folder with a file
    assert row_counts(target.database_url) == {}
    restore_backup(target, archive=path, force=True)
    with pytest.raises(ArchiveRefused, match="not empty") as refused:
        restore_backup(target, archive=path)
    assert "table submissions" in str(refused.value)
    assert f"folder {target.portal.upload_dir}" in str(refused.value)
    done = restore_backup(target, archive=path, force=True)
    assert done.rows == manifest.database.rows


def test_a_failed_backup_leaves_no_archive_and_keeps_the_old_one(
    source: Source, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    old = folder / "cchc.tar.gz"
    old.write_bytes(b"the previous archive")
    broken: dict[str, object]
    if source.settings.database_url.startswith("sqlite"):
        broken = {"database_url": f"sqlite:///{tmp_path / 'gone' / 'cchc.db'}"}
        words = "no database file"
    else:
        broken = {"backup": BackupSettings(pg_dump="false")}  # found on PATH, exits 1
        words = "false failed"
    with pytest.raises(DatabaseCopyFailed, match=words):
        take_backup(
            source.settings.model_copy(update=broken),
            target=old,
            at=SystemClock().now(),
            force=True,
        )
    assert list(folder.iterdir()) == [old]
    assert old.read_bytes() == b"the previous archive"
