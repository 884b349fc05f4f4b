"""The backend contract (after Django's mail backends): open, send, close; never render.

MailError
 ├── TransientMailError     try again later (4xx, timeout)
 │    └── ConnectionLost    the connection is gone: stop this batch, release the rest
 └── PermanentMailError     the server refused for good (5xx): give up on this mail
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from types import TracebackType

from notifications.message import Envelope


class MailError(Exception):
    permanent = False


class TransientMailError(MailError):
    pass


class ConnectionLost(TransientMailError):
    pass


class PermanentMailError(MailError):
    permanent = True


class MailBackend(ABC):
    """Sends built messages. `async with backend:` holds one connection for a batch."""

    # True when sending a mail again replaces the copy sent before (one per Message-ID), so
    # that a resend after a crash leaves no second copy: delivery may then record several
    # mails as sent in one commit. A server that delivers each send keeps this False.
    replaces_resent: bool = False

    async def open(self) -> None:  # noqa: B027 - optional hook, most backends need none
        """Prepare to send (connect); called once per batch."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release what open() took."""

    @abstractmethod
    async def send(self, envelope: Envelope) -> None:
        """Send one built message or raise a MailError saying whether to retry."""

    async def send_messages(self, envelopes: Sequence[Envelope]) -> int:
        """Send each message over one connection; returns how many went out."""
        sent = 0
        async with self:
            for envelope in envelopes:
                await self.send(envelope)
                sent += 1
        return sent

    async def __aenter__(self) -> MailBackend:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
