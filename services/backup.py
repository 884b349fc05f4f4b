"""Backup and restore: the database, the uploaded files, the report folder and the plan and
unit files in use, in one .tar.gz with a manifest of hashes."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from services.backup_archive import (
    ArchiveRefused,
    ArchiveWriter,
    DatabaseEntry,
    Manifest,
    extract,
    files_under,
    verify,
)
from services.settings import Settings
from services.uploads import INCOMING
from storage.backup_db import (
    DatabaseCopyFailed,
    copy_database,
    kind_of,
    known_revision,
    restore_database,
    row_counts,
    shown_url,
)
from storage.migrate import upgrade

UPLOADS, REPORTS, FILES, DATABASE = "uploads", "reports", "files", "database"

__all__ = ["ArchiveRefused", "DatabaseCopyFailed", "Restored", "restore_backup", "take_backup"]


@dataclass(frozen=True)
class Restored:
    """What a restore put back."""

    manifest: Manifest
    rows: dict[str, int]  # cchc's tables → rows, after the migrations ran
    revision_from: str | None
    uploads: int
    reports: int
    files: list[Path]  # the plan, unit and calendar files written


def take_backup(settings: Settings, *, target: Path, at: datetime, force: bool = False) -> Manifest:
    """Write the archive to `target` (through a temporary file beside it, renamed at the end:
    a failed backup leaves nothing under that name); its manifest."""
    if target.exists() and not force:
        raise ArchiveRefused(f"{target} exists: use --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, part = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as raw:
            manifest = _write_archive(settings, raw, work=target.parent, at=at)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(part, target)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise
    return manifest


def _write_archive(settings: Settings, raw: BinaryIO, *, work: Path, at: datetime) -> Manifest:
    with tempfile.TemporaryDirectory(dir=work, prefix=".cchc-backup-") as scratch:
        # The database first: every file a row of the copy names is in place by then (the
        # portal moves a file into the store before it commits), so the folders read after
        # hold all of them; files newer than the copy are harmless extras.
        copy = copy_database(settings.database_url, Path(scratch), pg_dump=settings.backup.pg_dump)
        with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
            writer = ArchiveWriter(tar)
            database = f"{DATABASE}/{copy.path.name}"
            writer.add_file(database, copy.path)
            files = _add_files(writer, settings)
            manifest = Manifest(
                cchc_version=_version(),
                created_at=at.astimezone(UTC),
                hostname=socket.gethostname(),
                database=DatabaseEntry(
                    kind=copy.kind,
                    url=shown_url(settings.database_url),
                    revision=copy.revision,
                    member=database,
                    rows=copy.rows,
                ),
                files=files,
                members=writer.members,
            )
            writer.add_manifest(manifest)
    return manifest


def _add_files(writer: ArchiveWriter, settings: Settings) -> dict[str, tuple[str, str]]:
    """Add the upload store, the report folder and the plan files; the plan files added, by
    role, as (member, the path read)."""
    for name, path in files_under(settings.portal.upload_dir, skip=_incoming):
        writer.add_file(f"{UPLOADS}/{name}", path)
    for name, path in files_under(settings.report_dir, skip=_half_written):
        writer.add_file(f"{REPORTS}/{name}", path)
    files = {}
    for role, path in _plan_files(settings).items():
        member = f"{FILES}/{role}/{path.name}"
        if path.is_file() and writer.add_file(member, path):
            files[role] = (member, str(path))
    return files


def restore_backup(settings: Settings, *, archive: Path, force: bool = False) -> Restored:
    """Restore `archive` into the database and folders `settings` name: verified in full
    first, refused when the target holds data (unless `force`), migrated to this release's
    schema after."""
    manifest = verify(archive)
    destinations = _restorable(settings, archive, manifest, force=force)
    url, kind = settings.database_url, manifest.database.kind
    scratch_root = settings.portal.upload_dir.parent
    scratch_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch_root, prefix=".cchc-restore-") as scratch:
        staged = Path(scratch)
        extract(archive, manifest, lambda name: staged / name)
        restore_database(
            url,
            staged / manifest.database.member,
            kind=kind,
            pg_restore=settings.backup.pg_restore,
        )
        upgrade(url)
        for name, target in destinations.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staged / name, target)
    return Restored(
        manifest=manifest,
        rows=row_counts(url),
        revision_from=manifest.database.revision,
        uploads=len(manifest.under(UPLOADS)),
        reports=len(manifest.under(REPORTS)),
        files=[destinations[m] for m, _source in manifest.files.values() if m in destinations],
    )


def _restorable(
    settings: Settings, archive: Path, manifest: Manifest, *, force: bool
) -> dict[str, Path]:
    """Where the members go; ArchiveRefused when the archive cannot go into this target."""
    url, kind = settings.database_url, manifest.database.kind
    if kind_of(url) != kind:
        raise ArchiveRefused(f"{archive} holds a {kind} database; the target is {shown_url(url)}")
    if not known_revision(manifest.database.revision):
        raise ArchiveRefused(
            f"{archive} is at migration {manifest.database.revision}, which this release of "
            "cchc does not know: restore it with the release that made it"
        )
    destinations = _destinations(settings, manifest)
    busy = _busy(settings, manifest, destinations)
    if busy and not force:
        raise ArchiveRefused("\n".join(["the target is not empty (--force replaces it):", *busy]))
    return destinations


def _destinations(settings: Settings, manifest: Manifest) -> dict[str, Path]:
    """Where each member other than the database goes in the target (a plan file already
    there as archived goes nowhere)."""
    roots = {UPLOADS: settings.portal.upload_dir, REPORTS: settings.report_dir}
    plan_files = _plan_files(settings)
    places = {}
    for name in manifest.members:
        top, *rest = PurePosixPath(name).parts
        if top in roots and rest:
            places[name] = roots[top].joinpath(*rest)
    for role, (member, _source) in manifest.files.items():
        if role not in plan_files or member not in manifest.members:
            raise ArchiveRefused(f"member {member}: unknown kind of file {role!r}")
        target = plan_files[role]
        if not (target.is_file() and _sha256(target) == manifest.members[member].sha256):
            places[member] = target  # a file already as archived is left alone
    return places


def _busy(settings: Settings, manifest: Manifest, destinations: dict[str, Path]) -> list[str]:
    """What in the target already holds data (each named)."""
    held = {table: rows for table, rows in row_counts(settings.database_url).items() if rows}
    busy = [f"table {table}: {rows} rows" for table, rows in held.items()]
    for folder in (settings.portal.upload_dir, settings.report_dir):
        if folder.is_dir() and any(folder.iterdir()):
            busy.append(f"folder {folder}: not empty")
    for member, _source in manifest.files.values():
        target = destinations.get(member)
        if target is not None and target.is_file():
            busy.append(f"file {target}: differs from the archive's")
    return busy


def _plan_files(settings: Settings) -> dict[str, Path]:
    return {
        "plan": settings.plan_path,
        "units": settings.units_path,
        "calendar_overrides": settings.calendar_overrides_path,
    }


def _incoming(relative: Path) -> bool:
    return relative.parts[0] == INCOMING  # files a request is still handing in


def _half_written(relative: Path) -> bool:
    # documents/report/files.py writes `.<name>.tmp` beside a file and renames it over.
    return relative.name.startswith(".") and relative.name.endswith(".tmp")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _version() -> str:
    try:
        return version("cchc")
    except PackageNotFoundError:
        return "unknown"
