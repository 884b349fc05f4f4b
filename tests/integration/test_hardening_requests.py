"""Requests the live probe broke: inputs that answered 500, sessions that outlived logout,
forwarded headers from anyone, missing security headers; each shown fixed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from domain.policy import Stage
from domain.task import TaskKey
from portal.app import create_app
from services.accounts import hash_password
from services.settings import Account
from tests.integration.conftest import World
from tests.integration.portal_kit import (
    EVIDENCE_KEY,
    csrf_of,
    link,
    login,
    portal_client,
    rows,
    served,
    task_id,
)

REPORT_KEY = TaskKey("iso-training", "TDC", Stage.REPORT)
BOUNDARY = "cchc-cut-off"


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def client(world: World, uploads: Path) -> Iterator[TestClient]:
    with portal_client(world, uploads) as client:
        yield client


# 3. Inputs that answered 500 ----------------------------------------------------------------


@pytest.mark.parametrize("digit", ["²", "٣", "１", "𝟗"])
def test_a_count_in_another_scripts_digits_is_a_400(
    world: World, client: TestClient, digit: str
) -> None:
    before = rows(world)
    answer = client.post(link(world, REPORT_KEY), data={"content": "x", "count_news": digit})
    assert answer.status_code == 400
    assert "cần một số nguyên không âm" in answer.text
    assert rows(world) == before


@pytest.mark.parametrize("raw", ["9" * 20, "2147483648", "²", "-1", "0"])
def test_an_id_out_of_range_is_a_404(world: World, client: TestClient, raw: str) -> None:
    login(client)
    assert client.get(f"/office/task/{raw}").status_code == 404
    assert client.get(f"/office/evidence/{raw}").status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        {"g": float("inf")},
        {"g": float("nan")},
        {"g": 1e400},
        {"g": "1"},
        {"g": 2**40},
        {"e": "2025-13-45"},
        {"x": "unexpected"},
        {"t": ["iso-training/TDC/plan#1"]},
    ],
    ids=["inf", "nan", "huge-float", "string", "too-big", "bad-date", "extra", "list"],
)
def test_a_signed_token_with_an_unexpected_payload_is_a_403(
    world: World, client: TestClient, payload: dict[str, object]
) -> None:
    claims: dict[str, object] = {
        "u": "TDC",
        "t": "iso-training/TDC/plan#1",
        "e": "2025-08-10",
        "p": world.plan.code,
        "g": 1,
        **payload,
    }
    token = world.mailer.links._serializer.dumps(claims)  # signed with the real secret
    for method in ("GET", "POST"):
        answer = client.request(method, f"/t/{token}", data={"content": "x"})
        assert answer.status_code == 403, (method, answer.text[:200])
        assert "Đường dẫn không hợp lệ" in answer.text


# 4. Sessions end on the server ---------------------------------------------------------------


def test_a_cookie_copied_before_logout_opens_nothing_after(
    world: World, client: TestClient
) -> None:
    login(client)
    copied = dict(client.cookies)
    token = csrf_of(client, "/office")
    tid = task_id(world, EVIDENCE_KEY)
    assert client.post("/office/logout", data={"csrf": token}).status_code == 303
    client.cookies.clear()
    client.cookies.update(copied)
    assert client.get("/office").headers["location"] == "/office/login"
    before = rows(world)
    replay = client.post(
        f"/office/task/{tid}/extend",
        data={"csrf": token, "due_on": "2025-12-01", "reason": "x"},
    )
    assert replay.status_code in (303, 403)
    assert rows(world) == before


def test_the_cookie_carries_only_an_opaque_session_id(world: World, client: TestClient) -> None:
    login(client)
    value = client.cookies["cchc_office"]
    assert "vanphong" not in value
    assert "office" not in value
    assert "." not in value
    assert len(value) >= 40


def test_a_password_change_or_a_removed_account_ends_its_sessions(
    world: World, client: TestClient, uploads: Path
) -> None:
    login(client)
    copied = dict(client.cookies)
    settings = client.app.state.portal.app.settings  # type: ignore[attr-defined]
    for accounts in (
        {"vanphong": Account(role="office", password_hash=hash_password("mật-khẩu-mới-2026"))},
        {},
    ):
        restarted = settings.model_copy(
            update={"portal": settings.portal.model_copy(update={"accounts": accounts})}
        )
        with TestClient(create_app(restarted, clock=world.clock), follow_redirects=False) as new:
            new.cookies.update(copied)
            assert new.get("/office").status_code == 303
        login(client)  # the same password still works in the unchanged portal
        copied = dict(client.cookies)


def test_an_idle_session_ends(world: World, client: TestClient) -> None:
    login(client)
    assert client.get("/office").status_code == 200
    world.clock.set(world.clock.now() + timedelta(minutes=59))
    assert client.get("/office").status_code == 200  # in use: still open
    world.clock.set(world.clock.now() + timedelta(minutes=61))
    assert client.get("/office").headers["location"] == "/office/login"


def test_a_csrf_token_of_another_session_is_refused(world: World, client: TestClient) -> None:
    login(client)
    mine = csrf_of(client, "/office")
    client.cookies.clear()
    login(client)
    tid = task_id(world, EVIDENCE_KEY)
    answer = client.post(
        f"/office/task/{tid}/extend", data={"csrf": mine, "due_on": "2025-12-01", "reason": "x"}
    )
    assert answer.status_code == 403


# 6. Forwarded headers, security headers, download names --------------------------------------


def _lock_by_address(base: str, forwarded: bool) -> list[int]:
    """Six failed logins, each for another name and (forged) address; their statuses."""
    statuses = []
    with httpx.Client(base_url=base, follow_redirects=False) as web:
        for i in range(6):
            token = csrf_of(web, "/office/login")  # type: ignore[arg-type]
            headers = {"X-Forwarded-For": f"203.0.113.{i + 1}"} if forwarded else {}
            answer = web.post(
                "/office/login",
                data={"csrf": token, "username": f"khach-{i}", "password": "sai"},
                headers=headers,
            )
            statuses.append(answer.status_code)
    return statuses


def test_a_forwarded_address_from_an_untrusted_caller_is_ignored(
    world: World, uploads: Path
) -> None:
    with portal_client(world, uploads) as plain, served(plain.app) as base:  # type: ignore[arg-type]
        assert _lock_by_address(base, forwarded=True) == [401] * 5 + [429]
    with (
        portal_client(world, uploads, trusted_proxies=["127.0.0.1"]) as proxied,
        served(proxied.app) as base,  # type: ignore[arg-type]
    ):
        assert _lock_by_address(base, forwarded=True) == [401] * 6  # six real clients


@pytest.mark.parametrize("page", ["unit", "office", "director", "login", "error"])
def test_every_page_carries_the_security_headers(
    world: World, client: TestClient, page: str
) -> None:
    if page in ("office", "director"):
        login(client)
    path = {
        "unit": link(world),
        "office": "/office",
        "director": "/director",
        "login": "/office/login",
        "error": "/t/forged",
    }[page]
    answer = client.get(path)
    assert answer.status_code in (200, 403)
    csp = answer.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "<style" not in answer.text
    assert "style=" not in answer.text
    assert client.get("/static/portal.css").status_code == 200
