"""Mail backends, chosen by CCHC_MAIL__BACKEND: smtp | file | memory."""

from __future__ import annotations

from notifications.backends.base import (
    ConnectionLost,
    MailBackend,
    MailError,
    PermanentMailError,
    TransientMailError,
)
from notifications.backends.file import FileBackend
from notifications.backends.memory import MemoryBackend
from notifications.backends.smtp import SmtpBackend

__all__ = [
    "ConnectionLost",
    "FileBackend",
    "MailBackend",
    "MailError",
    "MemoryBackend",
    "PermanentMailError",
    "SmtpBackend",
    "TransientMailError",
]
