"""The nightly backups in one folder: each named by its UTC time, the newest few kept, the
newest's age for `cchc doctor`. Only files named as a nightly archive are ever removed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.backup import take_backup
from services.backup_archive import Manifest
from services.settings import Settings

NAME = re.compile(r"cchc-(\d{8}T\d{6}Z)\.tar\.gz")
STALE_AFTER = timedelta(days=2)


@dataclass(frozen=True)
class Taken:
    path: Path
    manifest: Manifest


def archive_name(at: datetime) -> str:
    """cchc-20251117T153000Z.tar.gz: sorted by name, sorted by time."""
    return f"cchc-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}.tar.gz"


def nightly_archives(folder: Path) -> list[Path]:
    """The nightly archives in `folder`, oldest first (any other file is not one)."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if NAME.fullmatch(p.name) and p.is_file()]
    return sorted(found, key=lambda p: p.name)


def take_nightly(settings: Settings, *, at: datetime) -> Taken:
    """One archive in the backup folder, named by `at`."""
    target = settings.backup.dir / archive_name(at)
    return Taken(target, take_backup(settings, target=target, at=at))


def prune(settings: Settings) -> list[Path]:
    """Remove all but the newest `keep` nightly archives; those removed."""
    archives = nightly_archives(settings.backup.dir)
    old = archives[: max(len(archives) - settings.backup.keep, 0)]
    for path in old:
        path.unlink(missing_ok=True)
    return old


@dataclass(frozen=True)
class Newest:
    path: Path | None  # None: no nightly archive in the folder
    age: timedelta | None

    @property
    def stale(self) -> bool:
        return self.age is None or self.age > STALE_AFTER


def newest(folder: Path, *, now: datetime) -> Newest:
    """The most recently written nightly archive and its age at `now` (its file's time: a
    copied-in archive counts from when it arrived)."""
    archives = nightly_archives(folder)
    if not archives:
        return Newest(None, None)
    latest = max(archives, key=lambda p: p.stat().st_mtime)
    written = datetime.fromtimestamp(latest.stat().st_mtime, UTC)
    return Newest(latest, now - written)
