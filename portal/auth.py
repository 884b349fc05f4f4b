"""Office sessions: kept on the server behind an opaque cookie, CSRF tokens bound to them,
and a login throttle."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from collections import defaultdict, deque
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from domain.errors import CchcError
from domain.sessions import OfficeSession
from services import sessions
from services.bootstrap import App
from services.settings import Account, PortalSettings


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


SESSION_COOKIE = "cchc_office"
LOGIN_COOKIE = "cchc_login"  # before login: what the login form's CSRF token is bound to


class OfficeAuth:
    """Sessions on the server behind an opaque cookie, and CSRF tokens bound to them.

    The cookie holds only the session's secret; whether it still opens anything is decided
    by the session's row on every request (services/sessions.py), so logout, a password
    change or a removed account end it for every copy of the cookie. The CSRF token of a
    form is an HMAC of that secret: it dies with the session and cannot be made without it.
    """

    def __init__(self, *, app: App, settings: PortalSettings, secret: str, secure: bool) -> None:
        self.app, self.settings, self.secure = app, settings, secure
        self._key = hashlib.sha256(f"{secret}:office-csrf".encode()).digest()

    def session(self, request: Request) -> OfficeSession | None:
        """The request's live session (looked up once per request)."""
        if not hasattr(request.state, "office_session"):
            secret = request.cookies.get(SESSION_COOKIE, "")
            found = sessions.current(self.app, secret, settings=self.settings) if secret else None
            request.state.office_session = found
        found_session: OfficeSession | None = request.state.office_session
        return found_session

    def require(self, request: Request, *roles: str) -> str:
        """The logged-in account's name when its role is one of `roles`."""
        found = self.session(request)
        if found is None or found.role not in roles:
            raise NotLoggedIn("login required")
        return found.account

    def role(self, request: Request) -> str:
        found = self.session(request)
        return found.role if found else ""

    def _bound_to(self, request: Request) -> str:
        if self.session(request) is not None:
            return "s:" + request.cookies.get(SESSION_COOKIE, "")
        nonce = request.cookies.get(LOGIN_COOKIE) or getattr(request.state, "login_nonce", "")
        if not nonce:
            nonce = request.state.login_nonce = secrets.token_urlsafe(24)
        return "l:" + nonce

    def csrf_token(self, request: Request) -> str:
        mac = hmac.new(self._key, self._bound_to(request).encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")

    def check_csrf(self, request: Request, sent: object) -> None:
        has_cookie = request.cookies.get(SESSION_COOKIE) or request.cookies.get(LOGIN_COOKIE)
        expected = self.csrf_token(request) if has_cookie else ""
        if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
            raise CsrfFailed("missing or wrong CSRF token")

    def _cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name, value, max_age=max_age, httponly=True, samesite="strict", secure=self.secure
        )

    def remember_login_form(self, request: Request, response: Response) -> Response:
        """Set the cookie the login form's CSRF token was bound to, if it was new."""
        nonce = getattr(request.state, "login_nonce", "")
        if nonce and not request.cookies.get(LOGIN_COOKIE):
            self._cookie(response, LOGIN_COOKIE, nonce, 3600)
        return response

    def log_in(self, request: Request, response: Response, *, name: str, account: Account) -> None:
        """A new session (and so new CSRF tokens); one open before it on this browser ends."""
        if previous := request.cookies.get(SESSION_COOKIE):
            sessions.end_session(self.app, previous)
        secret = sessions.open_session(self.app, name=name, account=account)
        self._cookie(response, SESSION_COOKIE, secret, int(self.settings.session_hours * 3600))
        response.delete_cookie(LOGIN_COOKIE)

    def log_out(self, request: Request, response: Response) -> None:
        secret = request.cookies.get(SESSION_COOKIE, "")
        if secret:
            sessions.end_session(self.app, secret)
        response.delete_cookie(SESSION_COOKIE)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
