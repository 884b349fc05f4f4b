"""A development SMTP server (aiosmtpd) that keeps every mail it receives as an .eml file."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class EmlStore:
    """aiosmtpd handler: one .eml per message, numbered in arrival order."""

    def __init__(self, directory: Path, *, echo: Callable[[str], None] | None = None) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.echo = echo
        self._numbers = itertools.count(len(list(self.directory.glob("*.eml"))) + 1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or envelope.content
        with self._lock:
            number = next(self._numbers)
        path = self.directory / f"{number:06d}.eml"
        path.write_bytes(content)
        if self.echo is not None:
            parsed = message_from_bytes(content, policy=policy.default)
            subject = str(make_header(decode_header(str(parsed.get("Subject", "")))))
            self.echo(
                f"{path.name} {parsed.get('Message-ID', '')} -> "
                f"{', '.join(envelope.rcpt_tos)}: {subject}"
            )
        return "250 Message accepted for delivery"


def start_sink(
    directory: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 1025,
    echo: Callable[[str], None] | None = None,
) -> Controller:
    """Start the sink in a background thread; `.stop()` it when done."""
    controller = Controller(EmlStore(directory, echo=echo), hostname=host, port=port)
    controller.start()
    return controller
