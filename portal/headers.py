"""Security headers on every portal answer, and forwarded headers believed only from proxies
the settings name."""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Only the portal's own origin: no inline script or style, no frames, no other site.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",  # the unit links carry their token in the path
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
}
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def csp_allowing_styles_of(html: str) -> str:
    """The portal's CSP, plus the exact <style> blocks of a document cchc itself wrote (the
    report draft shown to the Director), each allowed by its hash and nothing else."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in _STYLE.findall(html)
    ]
    return CSP.replace("style-src 'self'", " ".join(["style-src 'self'", *hashes]))


class SecurityHeaders:
    """Adds HEADERS to every HTTP answer that does not set its own value."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _value in message.get("headers", [])}
                extra = [
                    (name.encode(), value.encode())
                    for name, value in HEADERS.items()
                    if name.encode() not in present and not (static and name == "cache-control")
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
