"""Writes one .eml per message into a folder: the development default."""

from __future__ import annotations

import os
import re
from pathlib import Path

from notifications.backends.base import MailBackend, TransientMailError
from notifications.message import Envelope


def eml_name(envelope: Envelope) -> str:
    """A file name from the Message-ID, so sending the same mail again rewrites one file."""
    ident = re.sub(r"[^A-Za-z0-9._-]+", "_", envelope.message_id).strip("_")
    return f"{ident}.eml"


class FileBackend(MailBackend):
    replaces_resent = True  # a mail sent again rewrites its one file (see eml_name)

    def __init__(self, *, directory: Path) -> None:
        self.directory = Path(directory)

    async def open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    async def send(self, envelope: Envelope) -> None:
        target = self.directory / eml_name(envelope)
        partial = target.with_suffix(".part")
        try:
            partial.write_bytes(envelope.data)
            os.replace(partial, target)  # readers never see half a message
        except OSError as exc:
            raise TransientMailError(f"cannot write {target}: {exc}") from exc
