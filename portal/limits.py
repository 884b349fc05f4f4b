"""A request body cap enforced while the body streams in, before any form is parsed, and a
body that does not match its declared length refused."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import InvalidRequest


class BodyTooLarge(Exception):
    """Raised inside the app when the body passes the cap; answered with 413."""


class IncompleteBody(InvalidRequest):
    """A body shorter or longer than its Content-Length, or a form cut off before its end."""


class BodyLimit:
    """Refuse bodies over `max_bytes`: at once from Content-Length, or as they stream; and
    bodies whose length is not the one declared (IncompleteBody, a 400 page)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, too_large: ASGIApp) -> None:
        self.app, self.max_bytes, self.too_large = app, max_bytes, too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"content-length")
        declared = int(header) if header is not None and header.isdigit() else None
        if (header is not None and declared is None) or (declared or 0) > self.max_bytes:
            await self.too_large(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
                ended = not message.get("more_body", False)
                if declared is not None and (seen > declared or (ended and seen < declared)):
                    raise IncompleteBody(f"body of {seen} bytes, {declared} declared")
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await self.too_large(scope, receive, send)
