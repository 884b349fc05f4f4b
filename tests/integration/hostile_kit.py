"""What the hostile requests share: the tally, the check that one changed nothing, bad tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from domain.policy import Stage
from domain.task import TaskKey
from tests.integration.conftest import World
from tests.integration.portal_kit import PLAN_KEY, link, rows

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'--></style></textarea><svg onload=alert(1)>",
    "<a href=javascript:alert(1)>x</a>",
    "{{ 7*7 }}{% raw %}",
]
REPORT_KEY = TaskKey("bulletins", "CDS", Stage.REPORT)
RAW_MARKERS = ("<script>alert(1)", "<img src=x", "<svg onload", "<a href=javascript")


@dataclass
class Tally:
    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def count(self, status: int) -> None:
        self.sent += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1


def stored_files(client: TestClient) -> list[str]:
    root: Path = client.app.state.portal.app.settings.portal.upload_dir  # type: ignore[attr-defined]
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def refused(
    client: TestClient, world: World, tally: Tally, method: str, url: str, **kw: Any
) -> str:
    """Send one request that must change nothing, in the tables or the upload store; its body."""
    before, files = rows(world), stored_files(client)
    answer = client.request(method, url, **kw)
    tally.count(answer.status_code)
    assert answer.status_code < 500, (url, answer.text[:300])
    assert answer.status_code >= 300, (url, answer.status_code)
    assert rows(world) == before, url
    assert stored_files(client) == files, url
    return answer.text


def failed_login(
    client: TestClient,
    world: World,
    tally: Tally,
    token: str,
    name: str,
    headers: dict[str, str] | None = None,
) -> None:
    data = {"csrf": token, "username": name, "password": "đoán-sai"}
    refused(client, world, tally, "POST", "/office/login", data=data, headers=headers or {})


def bad_tokens(world: World) -> list[str]:
    good = link(world).removeprefix("/t/")
    forged = [good[:i] + ("A" if good[i] != "A" else "B") + good[i + 1 :] for i in range(0, 120, 3)]
    other_units = [
        link(world, PLAN_KEY, unit=u).removeprefix("/t/")
        for u in ("VP", "BBT", "CDS", "TTRA", "KHTC", "QLKH", "QLCN", "BCVT", "CCTDC", "TTUD")
    ]
    expired = [link(world, expires=date(2025, 4, d)).removeprefix("/t/") for d in range(1, 8)]
    garbage = [
        "",
        ".",
        "..",
        "%2e%2e%2fetc%2fpasswd",
        "a" * 5000,
        "%00",
        "'; DROP TABLE tasks;--",
        "<script>",
        "eyJ1IjoiVERDIn0",
        "x.y.z",
    ]
    return forged + other_units + expired + garbage
