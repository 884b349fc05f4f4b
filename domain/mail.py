"""Mail as plain data: who, what, and the identities that thread a task's mails."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def clean_header(value: str) -> str:
    """One line, no control characters: header injection (CR/LF) becomes a plain space."""
    return _UNSAFE.sub(" ", value).strip()


def message_id(key: str, domain: str) -> str:
    """A stable Message-ID for an idempotency key: a retried mail keeps its identity."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def thread_id(task: str, domain: str) -> str:
    """The Message-ID of a task's first mail; every later mail about it refers to this."""
    return f"<task.{hashlib.sha256(task.encode()).hexdigest()[:24]}@{domain}>"


@dataclass(frozen=True)
class Mailbox:
    email: str
    name: str = ""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar"
    data: bytes


@dataclass(frozen=True)
class RenderedMail:
    """What a template produced: subject, text and HTML bodies, attachments."""

    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class OutgoingMail:
    """A mail ready to send: rendered content plus addressing and threading."""

    message_id: str
    sender: Mailbox
    to: tuple[Mailbox, ...]
    content: RenderedMail
    date: datetime
    cc: tuple[Mailbox, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = field(default_factory=tuple)
    rehearsal: bool = False  # of a DIỄN TẬP plan: delivered only inside the allowed domains

    def recipients(self) -> list[str]:
        return [m.email for m in (*self.to, *self.cc)]

    def outside(self, domains: Sequence[str]) -> list[str]:
        """The recipients whose domain is none of `domains` (nor below one); '*' allows all."""
        return [e for e in self.recipients() if not in_domains(e, domains)]


def in_domains(email: str, domains: Sequence[str]) -> bool:
    """Whether the address's domain is one of `domains` or a subdomain of one."""
    host = email.rpartition("@")[2].strip().lower().rstrip(".")
    wanted = [d.strip().lower().lstrip("@").rstrip(".") for d in domains]
    return "*" in wanted or any(host == d or host.endswith(f".{d}") for d in wanted if d)


@dataclass(frozen=True)
class Claimed:
    """A mail this delivery step now owns until it marks it sent, retried or failed."""

    id: int
    key: str
    attempts: int
    mail: OutgoingMail


@dataclass(frozen=True)
class FailedMail:
    """A mail delivery gave up on, for the Office to look at and queue again."""

    id: int
    kind: str
    to: tuple[str, ...]
    attempts: int
    last_error: str


@dataclass(frozen=True)
class Waiting:
    """A queued mail no delivery step has taken yet: its batch may still merge it."""

    id: int
    key: str
    kind: str
    task_id: int | None
    not_before: datetime | None = None
