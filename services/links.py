"""Signed portal links: scoped to (unit, task), expiring a set time after the task is due,
revoked by moving the task to a new link generation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.errors import CchcError
from domain.numbers import ID_MAX
from domain.task import Task

SALT = "cchc.task-link.v1"


class LinkInvalid(CchcError):
    """A forged or altered link."""


class LinkExpired(LinkInvalid):
    """A genuine link past its date."""


class LinkRevoked(LinkExpired):
    """A genuine link the Office has replaced by a new one."""


@dataclass(frozen=True)
class LinkClaims:
    unit: str
    task: str
    expires_on: date
    plan: str = ""
    generation: int = 1


class _Payload(BaseModel):
    """What a signed token must hold, checked after the signature: anything else is refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    u: str = Field(min_length=1, max_length=64)
    t: str = Field(min_length=1, max_length=200)
    e: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    p: str = Field(default="", max_length=100)
    g: int = Field(default=1, ge=1, le=ID_MAX)


class LinkSigner:
    def __init__(self, *, secret: str, base_url: str, valid_days: int = 30) -> None:
        if not secret:
            raise ValueError("a signing secret is required")
        self._serializer = URLSafeSerializer(secret, salt=SALT)
        self.base_url = base_url.rstrip("/")
        self.valid_after_due = timedelta(days=valid_days)

    def token(
        self, *, unit: str, task: str, expires_on: date, plan: str = "", generation: int = 1
    ) -> str:
        claims = {"u": unit, "t": task, "e": expires_on.isoformat(), "p": plan, "g": generation}
        return str(self._serializer.dumps(claims))

    def url(
        self, *, unit: str, task: str, expires_on: date, plan: str = "", generation: int = 1
    ) -> str:
        token = self.token(
            unit=unit, task=task, expires_on=expires_on, plan=plan, generation=generation
        )
        return f"{self.base_url}/t/{token}"

    def task_url(self, task: Task, *, plan: str) -> str:
        """The link a task's mails carry: valid until a set time after the task is due."""
        return self.url(
            unit=task.key.unit,
            task=str(task.key),
            expires_on=task.due_on + self.valid_after_due,
            plan=plan,
            generation=task.link_generation,
        )

    def read(self, token: str, *, today: date) -> LinkClaims:
        try:
            data = _Payload.model_validate(self._serializer.loads(token))
            claims = LinkClaims(data.u, data.t, date.fromisoformat(data.e), data.p, data.g)
        except (BadSignature, ValidationError, ValueError) as exc:
            raise LinkInvalid("link is not valid") from exc
        if today > claims.expires_on:
            raise LinkExpired(f"link expired on {claims.expires_on.isoformat()}")
        return claims
