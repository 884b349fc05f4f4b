"""A posted form read to its end before anything is used: a body cut off is refused whole.

Starlette's multipart parser drops a part the body never finished (no closing boundary) and
returns the parts before it, so a unit whose upload was cut would be told it was received.
Here the parser must have seen the closing boundary, or the whole request is refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from portal.limits import IncompleteBody


class _CompleteMultiPartParser(MultiPartParser):
    """Starlette's parser, which also says whether the closing boundary arrived."""

    finished = False

    def on_end(self) -> None:
        self.finished = True

    async def parse(self) -> FormData:
        form = await super().parse()
        if not self.finished:
            await form.close()
            for file in self._files_to_close_on_error:  # the unfinished part's file too
                file.close()
            raise MultiPartException("the body ended before the closing boundary")
        return form


@asynccontextmanager
async def posted_form(
    request: Request, *, max_files: int, max_fields: int
) -> AsyncIterator[FormData]:
    """The form of a POST, complete; IncompleteBody when it is cut off or malformed."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "multipart/form-data":
            async with aclosing(request.stream()) as stream:
                parser = _CompleteMultiPartParser(
                    request.headers, stream, max_files=max_files, max_fields=max_fields
                )
                form = await parser.parse()
        else:
            form = await request.form(max_files=0, max_fields=max_fields)
    except MultiPartException as exc:
        raise IncompleteBody(str(exc.message)) from None
    except HTTPException as exc:  # how Starlette refuses a malformed url-encoded form
        raise IncompleteBody(str(exc.detail)) from None
    try:
        yield form
    finally:
        await form.close()
