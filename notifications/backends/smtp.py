"""SMTP through aiosmtplib: one connection per batch, TLS and login from settings."""

from __future__ import annotations

import aiosmtplib

from notifications.backends.base import (
    ConnectionLost,
    MailBackend,
    PermanentMailError,
    TransientMailError,
)
from notifications.message import Envelope


class SmtpBackend(MailBackend):
    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        start_tls: bool = False,
        timeout: float = 30.0,
    ) -> None:
        if use_tls and start_tls:
            raise ValueError("use_tls (implicit TLS) and start_tls (STARTTLS) exclude each other")
        if (username is None) != (password is None):
            raise ValueError("SMTP login needs both a username and a password")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._params = {
            "hostname": host,
            "port": port,
            "use_tls": use_tls,
            "timeout": timeout,
            "start_tls": start_tls,
        }
        self._login = (username, password) if username is not None else None
        self._client: aiosmtplib.SMTP | None = None

    async def open(self) -> None:
        client = aiosmtplib.SMTP(**self._params)  # type: ignore[arg-type]
        try:
            await client.connect()
            if self._login:
                await client.login(*self._login)  # type: ignore[arg-type]
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise PermanentMailError(f"SMTP login refused: {exc.code} {exc.message}") from exc
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            raise ConnectionLost(f"cannot connect to SMTP server: {exc}") from exc
        self._client = client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (TimeoutError, aiosmtplib.SMTPException, OSError):
                client.close()

    async def send(self, envelope: Envelope) -> None:
        if self._client is None or not self._client.is_connected:
            raise ConnectionLost("not connected")
        try:
            errors, _reply = await self._client.sendmail(
                envelope.sender, list(envelope.recipients), envelope.data
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            reasons = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
            if all(500 <= r.code < 600 for r in exc.recipients):
                raise PermanentMailError(reasons) from exc
            raise TransientMailError(reasons) from exc
        except aiosmtplib.SMTPServerDisconnected as exc:
            raise ConnectionLost(f"server disconnected: {exc}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            error = f"{exc.code} {exc.message}"
            if 500 <= exc.code < 600:
                raise PermanentMailError(error) from exc
            raise TransientMailError(error) from exc
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            raise ConnectionLost(f"{type(exc).__name__}: {exc}") from exc
        if errors:
            refused = "; ".join(f"{k}: {v.code} {v.message}" for k, v in errors.items())
            raise TransientMailError(f"some recipients refused: {refused}")
