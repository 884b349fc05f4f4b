"""Office sessions: signed cookie, CSRF token per session, and a login throttle."""

from __future__ import annotations

import hmac
import math
import secrets
from collections import defaultdict, deque
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request

from domain.errors import CchcError


class NotLoggedIn(CchcError):
    """An Office page asked for without a session of the right role."""


class CsrfFailed(CchcError):
    """A form posted without the token of its session."""


class TooManyAttempts(CchcError):
    """Too many failed logins from one client (or for one name) in the window."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"too many failed logins; try again in {minutes} min")
        self.minutes = minutes


class LoginThrottle:
    """Failed logins per client address and per user name within a sliding window.

    Kept in the process: behind several portal processes each counts its own, which still
    bounds guessing to attempts × processes per window.
    """

    def __init__(self, *, attempts: int, window: timedelta) -> None:
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[datetime]] = defaultdict(deque)

    def check(self, keys: list[str], now: datetime) -> None:
        for key in keys:
            failures = self._failures[key]
            while failures and now - failures[0] > self.window:
                failures.popleft()
            if len(failures) >= self.attempts:
                wait = self.window - (now - failures[0])
                raise TooManyAttempts(max(1, math.ceil(wait.total_seconds() / 60)))

    def failed(self, keys: list[str], now: datetime) -> None:
        for key in keys:
            self._failures[key].append(now)

    def succeeded(self, keys: list[str]) -> None:
        for key in keys:
            self._failures.pop(key, None)


def csrf_token(request: Request) -> str:
    session: dict[str, Any] = request.session
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def check_csrf(request: Request, sent: object) -> None:
    expected = request.session.get("csrf")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise CsrfFailed("missing or wrong CSRF token")


def require(request: Request, *roles: str) -> str:
    """The logged-in user's name when their role is one of `roles`."""
    user, role = request.session.get("user"), request.session.get("role")
    if not user or role not in roles:
        raise NotLoggedIn("login required")
    return str(user)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
