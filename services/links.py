"""Signed portal links: a task's, scoped to (unit, task), expiring a set time after the task
is due and revoked by moving the task to a new link generation; a unit head's, scoped to
(unit, plan) and expiring a set time after it was issued. Each kind has its own salt, so
neither opens the other's pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.errors import CchcError
from domain.numbers import ID_MAX
from domain.task import Task

SALT = "cchc.task-link.v1"
UNIT_SALT = "cchc.unit-link.v1"  # the unit head's page: never a task token


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


@dataclass(frozen=True)
class UnitClaims:
    unit: str
    plan: str
    expires_on: date


class _Payload(BaseModel):
    """What a signed token must hold, checked after the signature: anything else is refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    u: str = Field(min_length=1, max_length=64)
    t: str = Field(min_length=1, max_length=200)
    e: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    p: str = Field(default="", max_length=100)
    g: int = Field(default=1, ge=1, le=ID_MAX)


class _UnitPayload(BaseModel):
    """What a unit head's token must hold: the unit, the plan, the last valid day."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    u: str = Field(min_length=1, max_length=64)
    p: str = Field(min_length=1, max_length=100)
    e: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class LinkSigner:
    def __init__(
        self, *, secret: str, base_url: str, valid_days: int = 30, unit_valid_days: int = 45
    ) -> None:
        if not secret:
            raise ValueError("a signing secret is required")
        self._serializer = URLSafeSerializer(secret, salt=SALT)
        self._unit_serializer = URLSafeSerializer(secret, salt=UNIT_SALT)
        self.base_url = base_url.rstrip("/")
        self.valid_after_due = timedelta(days=valid_days)
        self.unit_valid = timedelta(days=unit_valid_days)

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

    def unit_token(self, *, unit: str, plan: str, expires_on: date) -> str:
        claims = {"u": unit, "p": plan, "e": expires_on.isoformat()}
        return str(self._unit_serializer.dumps(claims))

    def unit_url(self, unit: str, *, plan: str, issued_on: date) -> str:
        """The link to a unit head's page of `plan`: valid a set time after it is issued."""
        token = self.unit_token(unit=unit, plan=plan, expires_on=issued_on + self.unit_valid)
        return f"{self.base_url}/u/{token}"

    def read_unit(self, token: str, *, today: date) -> UnitClaims:
        try:
            data = _UnitPayload.model_validate(self._unit_serializer.loads(token))
            claims = UnitClaims(data.u, data.p, date.fromisoformat(data.e))
        except (BadSignature, ValidationError, ValueError) as exc:
            raise LinkInvalid("unit link is not valid") from exc
        if today > claims.expires_on:
            raise LinkExpired(f"unit link expired on {claims.expires_on.isoformat()}")
        return claims
