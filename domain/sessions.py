"""An Office or Director login session and the rules that end it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class SessionEnd(StrEnum):
    """Why a session is over (kept on its row)."""

    LOGOUT = "logout"
    IDLE = "idle"  # no request for longer than the idle timeout
    EXPIRED = "expired"  # older than the longest a session may live
    CREDENTIAL_CHANGED = "credential_changed"  # the password (or role) changed since login
    ACCOUNT_REMOVED = "account_removed"


@dataclass(frozen=True)
class OfficeSession:
    account: str
    role: str
    credential: str  # fingerprint of the password hash (and role) at login
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None = None
    ended_because: str = ""

    def end_reason(
        self,
        now: datetime,
        *,
        idle: timedelta,
        lifetime: timedelta,
        credential: str | None,
    ) -> SessionEnd | None:
        """Why the session must end at `now`, or None while it lives; `credential` is the
        account's current fingerprint (None: the account no longer exists)."""
        if credential is None:
            return SessionEnd.ACCOUNT_REMOVED
        if credential != self.credential:
            return SessionEnd.CREDENTIAL_CHANGED
        if now - self.created_at > lifetime:
            return SessionEnd.EXPIRED
        if now - self.last_seen_at > idle:
            return SessionEnd.IDLE
        return None
