"""Hostile input at the portal: hundreds of requests, none a 5xx, none writing, all escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from domain.policy import Stage
from domain.task import TaskKey
from storage.tables import EvidenceRow, OutboxRow
from storage.uow import session_of
from tests.integration.conftest import World
from tests.integration.hostile_kit import (
    RAW_MARKERS,
    REPORT_KEY,
    XSS,
    Tally,
    bad_tokens,
    failed_login,
    refused,
)
from tests.integration.portal_kit import (
    EVIDENCE_KEY,
    PDF,
    PLAN_KEY,
    csrf_of,
    link,
    login,
    portal_client,
    task_id,
)


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    with portal_client(world, tmp_path / "uploads", max_upload_mb=1) as client:
        yield client


def test_two_hundred_hostile_requests(world: World, client: TestClient) -> None:
    tally = Tally()
    for token in bad_tokens(world):  # forged, another unit's, expired, garbage: 67 × 2
        for method in ("GET", "POST"):
            refused(client, world, tally, method, f"/t/{token}", data={"content": "x"})
    _hostile_forms(client, world, tally)
    _hostile_files(client, world, tally)
    _hostile_office(client, world, tally)
    _xss_everywhere(client, world, tally)
    before = tally.sent
    _hardening(client, world, tally)
    assert tally.sent - before >= 50
    _brute_force(client, world, tally)
    print(f"hostile requests: {tally.sent}, statuses {sorted(tally.statuses.items())}")
    assert tally.sent >= 250
    assert all(status < 500 for status in tally.statuses)


def _cut_off(parts: int, *, boundary: str = "b0und") -> bytes:
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"\r\n\r\nminh chứng\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file_1"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + PDF
    return body[: len(body) * parts // 10]


def _hardening(client: TestClient, world: World, tally: Tally) -> None:
    """The classes the live probe found: cut-off bodies, mixed and late uploads, numbers
    that are not ASCII, ids past the database's range, odd token payloads, old cookies,
    forged forwarded addresses, names in download queries."""
    url, multipart = (
        link(world, REPORT_KEY),
        {"content-type": "multipart/form-data; boundary=b0und"},
    )
    for tenth in range(3, 10):  # cut anywhere after the text part, no closing boundary
        refused(client, world, tally, "POST", url, content=_cut_off(tenth), headers=multipart)
    for headers in (
        {"content-type": "multipart/form-data"},  # no boundary
        {"content-type": "multipart/form-data; boundary=other"},
        {**multipart, "content-length": "10"},  # declared shorter than sent
    ):
        refused(client, world, tally, "POST", url, content=_cut_off(10), headers=headers)
    for bad in ("<html>", "MZ\x90", "PK\x03\x04junk", "GIF89a", "%PDF"[:3]):
        files = {
            "file_1": ("ok.pdf", PDF, "application/pdf"),
            "file_2": ("bad.pdf", bad.encode(), "application/pdf"),
        }
        refused(client, world, tally, "POST", url, data={"content": "x"}, files=files)
    for digit in ("²", "³", "¹", "٣", "۴", "१", "১", "１", "𝟗", "⑤", "Ⅻ", "1_000", " 1 2", "0x1f"):
        refused(client, world, tally, "POST", url, data={"content": "x", "count_events": digit})
    login(client)
    for raw in ("9" * 20, "2147483648", str(2**63), "-1", "0", "1e3", "²", "٣", "%20", "1.0"):
        refused(client, world, tally, "GET", f"/office/task/{raw}")
        refused(client, world, tally, "GET", f"/office/evidence/{raw}")
    copied = dict(client.cookies)
    token = csrf_of(client, "/office")
    client.post("/office/logout", data={"csrf": token})
    client.cookies.update(copied)
    tid = task_id(world, REPORT_KEY)
    for path in ("/office", f"/office/task/{tid}", "/director"):
        refused(client, world, tally, "GET", path)  # the copied cookie opens nothing
    refused(client, world, tally, "POST", f"/office/task/{tid}/accept", data={"csrf": token})
    client.cookies.clear()
    signer = world.mailer.links._serializer
    good = {"u": "TDC", "t": "iso-training/TDC/plan#1", "e": "2025-08-10", "p": world.plan.code}
    for odd in (
        {"g": float("inf")},
        {"g": float("-inf")},
        {"g": 1e400},
        {"g": "1"},
        {"g": True},
        {"g": 2**63},
        {"u": 1},
        {"e": 20250810},
        {"t": None},
        {"z": 1},
    ):
        refused(client, world, tally, "GET", f"/t/{signer.dumps({**good, **odd})}")
    token = csrf_of(client, "/office/login")
    for i in range(6):  # another name and forged address each time: still locked by address
        failed_login(client, world, tally, token, f"ai-{i}", {"X-Forwarded-For": f"198.51.100.{i}"})


def _hostile_forms(client: TestClient, world: World, tally: Tally) -> None:
    url = link(world)
    for data in (
        {"content": ""},
        {"content": " \n\t "},
        {"content": "x" * 20_001},
        {"content": "x", "count_news": "-1"},
        {"content": "x", "count_news": "1e9"},
        {"content": "x", "count_news": "99999999"},
        {"content": "x", "links": "javascript:alert(1)"},
        {"content": "x", "links": "file:///etc/passwd"},
        {"content": "x", "responsible": "r" * 201},
    ):
        refused(client, world, tally, "POST", link(world, REPORT_KEY), data=data)
    # a reused link: the task was cancelled by the Office, so its link takes nothing more
    login(client)
    tid = task_id(world, PLAN_KEY)
    client.post(
        f"/office/task/{tid}/reassign",
        data={"csrf": csrf_of(client, f"/office/task/{tid}"), "unit": "CCTDC", "reason": "x"},
    )
    client.cookies.clear()
    for _ in range(3):
        refused(client, world, tally, "POST", url, data={"content": "đã hủy"})
    # a revoked link
    login(client)
    eid = task_id(world, EVIDENCE_KEY)
    client.post(
        f"/office/task/{eid}/relink",
        data={"csrf": csrf_of(client, f"/office/task/{eid}"), "reason": "thu hồi"},
    )
    client.cookies.clear()
    for method in ("GET", "POST"):
        refused(client, world, tally, method, link(world, EVIDENCE_KEY), data={"content": "x"})


def _hostile_files(client: TestClient, world: World, tally: Tally) -> None:
    url = link(world, REPORT_KEY)
    for name, data in [
        ("../../etc/passwd", b"root:x:0:0"),
        ("a.pdf\x00.exe", b"MZ\x90\x00"),
        ("anh.png", PDF),
        ("x.docx", b"PK\x03\x04junk"),
        ("x.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 10)),
        ("x.svg", b"<svg onload=alert(1)>"),
        ("x.html", b"<script>alert(1)</script>"),
        ("rỗng.pdf", b""),
        ("huge.pdf", b"%PDF-" + b"0" * (4 * 1024 * 1024)),
    ]:
        if not data:
            continue  # an empty part is no file at all: covered by the form tests
        refused(
            client,
            world,
            tally,
            "POST",
            url,
            data={"content": "minh chứng"},
            files={"file_1": (name, data, "application/pdf")},
        )
    for nasty in ("../../../tmp/evil.pdf", "..\\..\\evil.pdf", "ok\x00.pdf", "/etc/x.pdf"):
        answer = client.post(
            url, data={"content": "tệp hợp lệ"}, files={"file_1": (nasty, PDF, "application/pdf")}
        )
        tally.count(answer.status_code)
        assert answer.status_code == 200
    with world.app.uow() as uow:
        names = [e.filename or "" for e in session_of(uow).scalars(select(EvidenceRow))]
    assert names
    assert all("/" not in n and "\\" not in n and "\x00" not in n for n in names)


def _hostile_office(client: TestClient, world: World, tally: Tally) -> None:
    tid = task_id(world, REPORT_KEY)
    login(client)
    for action in ("accept", "return", "extend", "reassign", "delegate", "relink"):
        for csrf in (None, "", "sai", "A" * 43):
            data = {"reason": "x", "due_on": "2025-12-01", "unit": "VP"}
            if csrf is not None:
                data["csrf"] = csrf
            refused(client, world, tally, "POST", f"/office/task/{tid}/{action}", data=data)
    for path in (
        "/office/task/999999",
        "/office/task/abc",
        "/office/file/../../etc/passwd",
        "/office/file/" + "0" * 64,
        "/director/99/approve",
    ):
        refused(client, world, tally, "GET", path)
    client.cookies.clear()
    for path in ("/office", f"/office/task/{tid}", "/director"):
        refused(client, world, tally, "GET", path)  # no session: to the login page


def _brute_force(client: TestClient, world: World, tally: Tally) -> None:
    client.cookies.clear()
    token = csrf_of(client, "/office/login")
    for _ in range(12):  # brute force: refused, then locked
        failed_login(client, world, tally, token, "vanphong")
    refused(
        client,
        world,
        tally,
        "POST",
        "/office/login",
        data={"username": "vanphong", "password": "x"},
    )


def _xss_everywhere(client: TestClient, world: World, tally: Tally) -> None:
    key = TaskKey("bulletins", "CDS", Stage.PLAN)
    for payload in XSS:
        answer = client.post(
            link(world, key),
            data={
                "content": payload,
                "responsible": payload,
                "links": f"https://x.vn/?q={XSS[0]}",
            },
        )
        tally.count(answer.status_code)
        assert answer.status_code == 200
    for payload in XSS:  # every text field of the report form
        fields = ("content", "difficulties", "proposals", "estimate", "file_1_desc")
        answer = client.post(link(world, REPORT_KEY), data=dict.fromkeys(fields, payload))
        tally.count(answer.status_code)
        assert answer.status_code == 200
    pages = [client.get(link(world, key)).text, client.get(link(world, REPORT_KEY)).text]
    login(client)
    tid = task_id(world, key)
    pages.append(client.get(f"/office/task/{tid}").text)
    pages.append(client.get(f"/office/task/{task_id(world, REPORT_KEY)}").text)
    for payload in XSS[:2]:
        client.post(
            f"/office/task/{tid}/return",
            data={"csrf": csrf_of(client, f"/office/task/{tid}"), "reason": payload},
        )
        client.post(link(world, key), data={"content": payload})
    client.post(
        f"/office/task/{tid}/delegate",
        data={
            "csrf": csrf_of(client, f"/office/task/{tid}"),
            "name": XSS[0],
            "email": "a@b.vn",
            "reason": XSS[1],
        },
    )
    pages += [client.get(f"/office/task/{tid}").text, client.get("/office").text]
    with world.app.uow() as uow:
        mails = [(m.body_html or "") for m in session_of(uow).scalars(select(OutboxRow))]
    for text in pages + mails:
        for marker in RAW_MARKERS:
            assert marker not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]
    assert "{{ 7*7 }}" in pages[0]  # shown, never evaluated
    assert ">49<" not in pages[0]
    assert any("&lt;script&gt;" in m for m in mails)  # the return reason, escaped in the mail
    assert re.search(r"&lt;script&gt;alert\(1\)&lt;/script&gt;", pages[3])
