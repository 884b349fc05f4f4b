"""Office and Director passwords: scrypt hashes kept in settings, never the passwords."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from services.settings import Account, PortalSettings

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """'scrypt$n$r$p$salt$hash' (base64), for CCHC_PORTAL__ACCOUNTS."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    parts = [base64.b64encode(x).decode() for x in (salt, digest)]
    return f"scrypt${_N}${_R}${_P}${parts[0]}${parts[1]}"


def verify_password(password: str, hashed: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = hashed.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode()[:1024],
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


def authenticate(settings: PortalSettings, username: str, password: str) -> Account | None:
    """The account when the name and password match; None otherwise (same work either way)."""
    account = settings.accounts.get(username.strip().lower())
    hashed = account.password_hash.get_secret_value() if account else _DUMMY
    ok = verify_password(password, hashed)
    return account if ok and account is not None else None


_DUMMY = hash_password(secrets.token_hex(8))  # keeps an unknown name as slow as a known one
