"""Signed portal links: scoped to (unit, task), expiring a set time after the task is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from itsdangerous import BadSignature, URLSafeSerializer

from domain.errors import CchcError

SALT = "cchc.task-link.v1"


class LinkInvalid(CchcError):
    """A forged or altered link."""


class LinkExpired(LinkInvalid):
    """A genuine link past its date."""


@dataclass(frozen=True)
class LinkClaims:
    unit: str
    task: str
    expires_on: date
    plan: str = ""


class LinkSigner:
    def __init__(self, *, secret: str, base_url: str) -> None:
        if not secret:
            raise ValueError("a signing secret is required")
        self._serializer = URLSafeSerializer(secret, salt=SALT)
        self.base_url = base_url.rstrip("/")

    def token(self, *, unit: str, task: str, expires_on: date, plan: str = "") -> str:
        claims = {"u": unit, "t": task, "e": expires_on.isoformat(), "p": plan}
        return str(self._serializer.dumps(claims))

    def url(self, *, unit: str, task: str, expires_on: date, plan: str = "") -> str:
        token = self.token(unit=unit, task=task, expires_on=expires_on, plan=plan)
        return f"{self.base_url}/t/{token}"

    def read(self, token: str, *, today: date) -> LinkClaims:
        try:
            data = self._serializer.loads(token)
            claims = LinkClaims(
                str(data["u"]),
                str(data["t"]),
                date.fromisoformat(data["e"]),
                str(data.get("p", "")),
            )
        except (BadSignature, KeyError, TypeError, ValueError) as exc:
            raise LinkInvalid("link is not valid") from exc
        if today > claims.expires_on:
            raise LinkExpired(f"link expired on {claims.expires_on.isoformat()}")
        return claims
