"""Keeps sent messages in a list: for tests."""

from __future__ import annotations

from email.message import Message

from notifications.backends.base import MailBackend


class MemoryBackend(MailBackend):
    def __init__(self) -> None:
        self.outbox: list[Message] = []

    async def send(self, message: Message) -> None:
        self.outbox.append(message)
