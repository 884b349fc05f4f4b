"""Every refusal as a Vietnamese page; nothing is written on any of these paths."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from domain.errors import CchcError, NotFound
from portal.auth import CsrfFailed, NotLoggedIn, TooManyAttempts
from portal.limits import IncompleteBody
from portal.state import Portal
from services.links import LinkExpired, LinkInvalid, LinkRevoked

log = logging.getLogger("cchc.portal")

# Most specific first: a revoked link is also an expired one, an expired one an invalid one.
REFUSALS: dict[type[CchcError], tuple[int, str, str]] = {
    LinkRevoked: (
        410,
        "Đường dẫn đã bị thu hồi",
        "Văn phòng đã cấp đường dẫn mới; vui lòng dùng đường dẫn trong thư mới nhất.",
    ),
    LinkExpired: (410, "Đường dẫn đã hết hạn", "Đường dẫn này đã hết thời hạn sử dụng."),
    LinkInvalid: (
        403,
        "Đường dẫn không hợp lệ",
        "Đường dẫn không đúng hoặc không dành cho đơn vị này.",
    ),
    CsrfFailed: (
        403,
        "Phiên làm việc không hợp lệ",
        "Biểu mẫu đã cũ hoặc không hợp lệ; vui lòng tải lại trang và thử lại.",
    ),
    TooManyAttempts: (
        429,
        "Tạm khóa đăng nhập",
        "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau {minutes} phút.",
    ),
    NotFound: (404, "Không tìm thấy", "Nhiệm vụ hoặc tài liệu không còn trong kế hoạch."),
    IncompleteBody: (
        400,
        "Dữ liệu gửi lên không đầy đủ",
        "Dữ liệu gửi lên bị gián đoạn hoặc không đúng định dạng nên chưa có gì được lưu. "
        "Vui lòng kiểm tra kết nối và gửi lại biểu mẫu cùng các tệp đính kèm.",
    ),
}


def too_large(portal: Portal) -> Any:
    limit = portal.app.settings.portal.max_upload_mb

    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        html = portal.templates.get_template("error.html").render(
            title="Tệp quá lớn",
            message=f"Dung lượng gửi lên vượt quá giới hạn (mỗi tệp tối đa {limit:g} MB).",
            year="",
        )
        await HTMLResponse(html, status_code=413)(scope, receive, send)

    return answer


def error_pages(api: FastAPI, portal: Portal) -> None:
    def error(request: Request, status: int, title: str, message: str) -> HTMLResponse:
        return portal.page(request, "error.html", status, title=title, message=message)

    @api.exception_handler(CchcError)
    async def _errors(request: Request, exc: CchcError) -> Any:
        if isinstance(exc, NotLoggedIn):
            return RedirectResponse("/office/login", 303)
        for kind, (status, title, message) in REFUSALS.items():
            if isinstance(exc, kind):
                if isinstance(exc, TooManyAttempts):
                    message = message.format(minutes=exc.minutes)
                return error(request, status, title, message)
        return error(request, 400, "Không thực hiện được", str(exc))

    @api.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> HTMLResponse:
        # The sender left before its body ended: nothing was read whole, nothing is kept,
        # and nobody is there to read an answer.
        log.info("client left before its request body ended: %s", request.url.path)
        return error(request, 400, "Dữ liệu gửi lên không đầy đủ", "Kết nối bị gián đoạn.")

    @api.exception_handler(DBAPIError)
    async def _database_down(request: Request, exc: DBAPIError) -> HTMLResponse:
        log.error("database unavailable: %s", exc.orig)
        return error(
            request,
            503,
            "Hệ thống đang bận",
            "Chưa lưu được do hệ thống đang bận. Vui lòng thử lại sau ít phút.",
        )

    @api.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> HTMLResponse:
        return error(
            request, 404, "Không tìm thấy trang", "Địa chỉ không đúng hoặc không còn dùng."
        )

    @api.exception_handler(StarletteHTTPException)
    async def _http_errors(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        title = "Không tìm thấy trang" if exc.status_code == 404 else "Yêu cầu không hợp lệ"
        return error(request, exc.status_code, title, "Địa chỉ không đúng hoặc không còn dùng.")
