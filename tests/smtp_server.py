"""A real aiosmtpd server on a free port, able to answer with real SMTP faults on cue."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Recorder:
    """aiosmtpd handler keeping what it accepted; `fault(n)` may answer the n-th DATA."""

    received: list[EmailMessage] = field(default_factory=list)
    fault: Callable[[int], str | None] = lambda _n: None
    drop_after_store: set[int] = field(default_factory=set)
    count: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        answer = self.fault(self.count)
        if answer is not None:
            return answer
        parsed = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        if self.count in self.drop_after_store:
            # The server has the mail but the client never hears the 250: the worst case.
            session.transport.close() if hasattr(session, "transport") else None
            server.transport.close()
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.received]


class SmtpServer:
    """Start/stop a real SMTP server on one port (stop and start again to simulate an outage)."""

    def __init__(self, recorder: Recorder | None = None, port: int | None = None) -> None:
        self.recorder = recorder or Recorder()
        self.port = port or free_port()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
