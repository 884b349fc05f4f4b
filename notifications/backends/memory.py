"""Keeps sent messages in a list: for tests."""

from __future__ import annotations

from notifications.backends.base import MailBackend
from notifications.message import Envelope


class MemoryBackend(MailBackend):
    def __init__(self) -> None:
        self.outbox: list[Envelope] = []

    async def send(self, envelope: Envelope) -> None:
        self.outbox.append(envelope)
