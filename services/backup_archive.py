"""The backup archive: a .tar.gz whose manifest.json gives every member's sha256 and size."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Literal

from pydantic import BaseModel, ValidationError

from domain.errors import CchcError

MANIFEST = "manifest.json"
MANIFEST_LIMIT = 64 * 1024 * 1024  # a manifest larger than this is not one we wrote
_CHUNK = 1024 * 1024


class ArchiveRefused(CchcError):
    """A backup archive that is damaged, altered or incomplete, or a restore target that
    already holds data: refused before anything was written."""


class Member(BaseModel):
    sha256: str
    size: int


class DatabaseEntry(BaseModel):
    kind: Literal["sqlite", "postgresql"]
    url: str  # without its password
    revision: str | None  # the Alembic revision the copy is at
    member: str
    rows: dict[str, int]  # cchc's tables → rows, as of the copy


class Manifest(BaseModel):
    format: Literal[1] = 1
    cchc_version: str
    created_at: datetime  # UTC
    hostname: str
    database: DatabaseEntry
    # role (plan, units, calendar_overrides) → (member, the path it was read from)
    files: dict[str, tuple[str, str]]
    members: dict[str, Member]

    def under(self, folder: str) -> list[str]:
        return sorted(name for name in self.members if name.startswith(f"{folder}/"))


class _Hashing(io.RawIOBase):
    """Reads through `raw`, hashing what was read (what tarfile copies into the archive)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.digest, self.read_bytes = raw, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.read_bytes += len(data)
        return data


class ArchiveWriter:
    """Adds files to an open tar stream and keeps each member's sha256 and size."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar = tar
        self.members: dict[str, Member] = {}

    def add_file(self, name: str, path: Path) -> bool:
        """Add `path` as `name`; False when it vanished before it could be read."""
        try:
            source = path.open("rb")
        except FileNotFoundError:  # removed since listed (an unreferenced upload cleaned up)
            return False
        with source:
            info = tarfile.TarInfo(name)
            stat = os.fstat(source.fileno())
            info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
            reader = _Hashing(source)
            self.tar.addfile(info, reader)
        self.members[name] = Member(sha256=reader.digest.hexdigest(), size=reader.read_bytes)
        return True

    def add_manifest(self, manifest: Manifest) -> None:
        data = manifest.model_dump_json(indent=2).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(manifest.created_at.timestamp()), 0o600
        self.tar.addfile(info, io.BytesIO(data))


def files_under(root: Path, *, skip: Callable[[Path], bool]) -> Iterator[tuple[str, Path]]:
    """(posix path relative to `root`, path) of every regular file under `root`."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not path.is_symlink() and not skip(relative):
            yield relative.as_posix(), path


def verify(archive: Path) -> Manifest:
    """The archive's manifest, once every member's sha256 and size match it, every entry is
    present and nothing else is; ArchiveRefused naming what is wrong otherwise."""
    seen, raw = _read_all(archive)
    if raw is None:
        raise ArchiveRefused(f"{archive}: no {MANIFEST}: not a cchc backup")
    try:
        manifest = Manifest.model_validate_json(raw)
    except ValidationError as exc:
        raise ArchiveRefused(f"{archive}: {MANIFEST} is not readable: {exc}") from None
    problems = [f"member {name}: missing" for name in manifest.members if name not in seen]
    problems += [
        f"member {name}: not in the manifest" for name in seen if name not in manifest.members
    ]
    for name, member in seen.items():
        listed = manifest.members.get(name)
        if listed is not None and listed.size != member.size:
            problems.append(f"member {name}: {member.size} bytes, the manifest says {listed.size}")
        elif listed is not None and listed.sha256 != member.sha256:
            problems.append(f"member {name}: sha256 differs from the manifest")
    if manifest.database.member not in manifest.members:
        problems.append(f"member {manifest.database.member}: the database copy is not listed")
    if problems:
        raise ArchiveRefused("\n".join([f"{archive}: refused, nothing restored:", *problems]))
    return manifest


def extract(archive: Path, manifest: Manifest, place: Callable[[str], Path]) -> None:
    """Write every member to `place(name)`, checking its hash again as it is written (the
    archive could have changed since it was verified)."""
    with _opened(archive) as members:
        for info, source in members:
            if info.name == MANIFEST:
                continue
            target = place(info.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with target.open("wb") as out:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != manifest.members[info.name].sha256:
                raise ArchiveRefused(f"{archive}: member {info.name} changed while restoring")


def _read_all(archive: Path) -> tuple[dict[str, Member], bytes | None]:
    seen: dict[str, Member] = {}
    raw: bytes | None = None
    with _opened(archive) as members:
        for info, source in members:
            if info.name in seen or (info.name == MANIFEST and raw is not None):
                raise ArchiveRefused(f"{archive}: member {info.name}: appears twice")
            if info.name == MANIFEST:
                raw = source.read(MANIFEST_LIMIT + 1)
                if len(raw) > MANIFEST_LIMIT:
                    raise ArchiveRefused(f"{archive}: {MANIFEST} is too large")
                continue
            digest, size = hashlib.sha256(), 0
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
            seen[info.name] = Member(sha256=digest.hexdigest(), size=size)
    return seen, raw


_UNREADABLE = (tarfile.TarError, OSError, EOFError, zlib.error)


class _Guarded(io.RawIOBase):
    """A member's reader whose failures (a cut or corrupt stream) name the member."""

    def __init__(self, raw: IO[bytes], archive: Path, name: str) -> None:
        self.raw, self.archive, self.name = raw, archive, name

    def read(self, size: int = -1) -> bytes:
        try:
            return self.raw.read(size)
        except _UNREADABLE as exc:
            raise ArchiveRefused(
                f"{self.archive}: damaged or truncated archive (in member {self.name}): {exc}"
            ) from None


class _opened:
    """The archive's members in order, as (info, reader); a damaged or truncated archive, a
    member that is no plain file or whose name leaves the archive → ArchiveRefused."""

    def __init__(self, archive: Path) -> None:
        self.archive = archive
        self.tar: tarfile.TarFile | None = None

    def __enter__(self) -> Iterator[tuple[tarfile.TarInfo, _Guarded]]:
        if not self.archive.is_file():
            raise ArchiveRefused(f"no archive {self.archive}")
        try:
            self.tar = tarfile.open(self.archive, "r|gz")  # streamed: read once, in order
        except _UNREADABLE as exc:
            raise ArchiveRefused(f"{self.archive}: not a .tar.gz archive ({exc})") from None
        return self._members(self.tar)

    def _members(self, tar: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, _Guarded]]:
        last = ""
        try:
            for info in tar:
                path = PurePosixPath(info.name)
                if not info.isreg() or path.is_absolute() or ".." in path.parts:
                    raise ArchiveRefused(f"{self.archive}: member {info.name}: not a plain file")
                source = tar.extractfile(info)
                assert source is not None  # a regular file always has a reader
                last = info.name
                yield info, _Guarded(source, self.archive, info.name)
        except _UNREADABLE as exc:
            after = f" (after member {last})" if last else ""
            raise ArchiveRefused(
                f"{self.archive}: damaged or truncated archive{after}: {exc}"
            ) from None

    def __exit__(self, *_exc: object) -> None:
        if self.tar is not None:
            self.tar.close()
