"""Signed portal links: scoped to (unit, task), expiring a set time after the task is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from itsdangerous import BadSignature, URLSafeSerializer

from domain.errors import CchcError

SALT = "cchc.task-link.v1"


class LinkInvalid(CchcError):
    """A forged, altered or expired link."""


@dataclass(frozen=True)
class LinkClaims:
    unit: str
    task: str
    expires_on: date


class LinkSigner:
    def __init__(self, *, secret: str, base_url: str) -> None:
        if not secret:
            raise ValueError("a signing secret is required")
        self._serializer = URLSafeSerializer(secret, salt=SALT)
        self.base_url = base_url.rstrip("/")

    def token(self, *, unit: str, task: str, expires_on: date) -> str:
        return str(self._serializer.dumps({"u": unit, "t": task, "e": expires_on.isoformat()}))

    def url(self, *, unit: str, task: str, expires_on: date) -> str:
        return f"{self.base_url}/t/{self.token(unit=unit, task=task, expires_on=expires_on)}"

    def read(self, token: str, *, today: date) -> LinkClaims:
        try:
            data = self._serializer.loads(token)
            claims = LinkClaims(str(data["u"]), str(data["t"]), date.fromisoformat(data["e"]))
        except (BadSignature, KeyError, TypeError, ValueError) as exc:
            raise LinkInvalid("link is not valid") from exc
        if today > claims.expires_on:
            raise LinkInvalid(f"link expired on {claims.expires_on.isoformat()}")
        return claims
