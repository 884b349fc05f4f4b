"""Office and Director sessions kept on the server: opened at login, checked on every request,
ended by logout, idleness, age, a password change or the account's removal."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from domain.sessions import OfficeSession, SessionEnd
from services.bootstrap import App
from services.settings import Account, PortalSettings

SEEN_EVERY = timedelta(minutes=1)  # last-seen is written at most this often per session


def _sid(secret: str) -> str:
    """The row id of a session: the hash of the cookie's secret (a read row opens nothing)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def credential(account: Account) -> str:
    """What must not change while a session lives: the password hash and the role."""
    hashed = account.password_hash.get_secret_value()
    return hashlib.sha256(f"{account.role}${hashed}".encode()).hexdigest()


def open_session(app: App, *, name: str, account: Account) -> str:
    """A new session for a login that succeeded; the secret its cookie carries."""
    secret, now = secrets.token_urlsafe(32), app.clock.now()
    found = OfficeSession(
        account=name,
        role=account.role,
        credential=credential(account),
        created_at=now,
        last_seen_at=now,
    )
    with app.uow() as uow:
        uow.logins.add(_sid(secret), found)
        uow.commit()
    return secret


def current(app: App, secret: str, *, settings: PortalSettings) -> OfficeSession | None:
    """The live session behind a cookie's secret, or None (ending it if it just ran out)."""
    if not 20 <= len(secret) <= 100:
        return None
    sid, now = _sid(secret), app.clock.now()
    with app.uow() as uow:
        found = uow.logins.get(sid)
        if found is None or found.ended_at is not None:
            return None
        account = settings.accounts.get(found.account)
        reason = found.end_reason(
            now,
            idle=timedelta(minutes=settings.session_idle_minutes),
            lifetime=timedelta(hours=settings.session_hours),
            credential=credential(account) if account else None,
        )
        if reason is not None:
            uow.logins.end(sid, at=now, because=reason)
        elif now - found.last_seen_at >= SEEN_EVERY:
            uow.logins.seen(sid, now)
        uow.commit()
    return found if reason is None else None


def end_session(app: App, secret: str) -> None:
    """Logout: the session ends now, whoever holds a copy of its cookie."""
    with app.uow() as uow:
        uow.logins.end(_sid(secret), at=app.clock.now(), because=SessionEnd.LOGOUT)
        uow.commit()


def end_sessions(app: App, account: str, *, because: SessionEnd) -> int:
    """End every live session of an account (e.g. after its password was changed)."""
    with app.uow() as uow:
        ended = uow.logins.end_all(account, at=app.clock.now(), because=because)
        uow.commit()
    return ended
