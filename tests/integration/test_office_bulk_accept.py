"""The Office accepts every submission waiting in a dashboard filter with one form: CSRF-checked,
the Office's role only, each task audit-logged as its own decision."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domain.clock import LOCAL_TZ
from domain.policy import Stage
from domain.task import TaskKey, TaskState
from services import office
from services.context import plan_context
from services.tasks import submit
from tests.integration.conftest import World
from tests.integration.portal_kit import (
    DIRECTOR_PASSWORD,
    csrf_of,
    login,
    portal_client,
    rows,
    task_id,
)

ISO = TaskKey("iso-training", "TDC", Stage.PLAN)
BULLETINS = TaskKey("bulletins", "CDS", Stage.PLAN)
EVENTS_CDS = TaskKey("science-digital-events", "CDS", Stage.PLAN)
EVENTS_VP = TaskKey("science-digital-events", "VP", Stage.PLAN)  # returned by the Office
EVENTS_BCVT = TaskKey("science-digital-events", "BCVT", Stage.PLAN)  # never handed in
MORNING = datetime(2025, 4, 8, 8, 0, tzinfo=LOCAL_TZ)
BUTTON = re.compile(r"Chấp nhận tất cả kết quả đang chờ duyệt trong bộ lọc này \((\d+) nhiệm vụ\)")


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    with portal_client(world, tmp_path / "uploads") as client:
        for key in (ISO, BULLETINS, EVENTS_CDS, EVENTS_VP):
            with world.app.uow() as uow:
                submit(uow, world.mailer, key, at=MORNING, by=f"unit:{key.unit}", payload={})
        ctx = plan_context(world.plan.code, world.app)
        office.return_task(
            ctx, task_id(world, EVENTS_VP), at=MORNING, by="office:vp", reason="Thiếu lịch"
        )
        yield client


def states(world: World) -> dict[TaskKey, TaskState]:
    with world.app.uow() as uow:
        keys = (ISO, BULLETINS, EVENTS_CDS, EVENTS_VP, EVENTS_BCVT)
        found = {key: uow.tasks.get(key, plan=world.plan.code) for key in keys}
    return {key: stored.task.state for key, stored in found.items() if stored is not None}


def accepted_by(world: World, key: TaskKey) -> list[str]:
    with world.app.uow() as uow:
        entries = uow.audit.entries(entity="task", key=str(key))
    return [e.actor for e in entries if e.action == "task.accepted"]


def waiting_count(client: TestClient, **query: str) -> int | None:
    found = BUTTON.search(client.get("/office", params=query).text)
    return int(found.group(1)) if found else None


def bulk_accept(client: TestClient, **data: str) -> object:
    token = csrf_of(client, "/office")
    return client.post(
        "/office/accept-waiting",
        params={"plan": "2025-skhcn-quang-ngai"},
        data={"csrf": token, **data},
    )


def test_the_form_counts_the_waiting_tasks_of_the_filter(world: World, client: TestClient) -> None:
    login(client)
    assert waiting_count(client) == 3  # the returned one and the unanswered one not counted
    assert waiting_count(client, unit="CDS") == 2
    assert waiting_count(client, activity="science-digital-events") == 1
    assert waiting_count(client, unit="VP") is None  # nothing waits: no form


def test_only_the_waiting_tasks_in_the_filter_are_accepted_each_audited(
    world: World, client: TestClient
) -> None:
    login(client)
    answer = bulk_accept(client, unit="CDS", activity="", bucket="")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    location = answer.headers["location"]  # type: ignore[attr-defined]
    assert location.startswith("/office?plan=2025-skhcn-quang-ngai&unit=CDS&")
    assert "Đã chấp nhận 2 kết quả đang chờ duyệt." in client.get(location).text
    assert states(world) == {
        ISO: TaskState.SUBMITTED,  # another unit: outside the filter
        BULLETINS: TaskState.ACCEPTED,
        EVENTS_CDS: TaskState.ACCEPTED,
        EVENTS_VP: TaskState.RETURNED,
        EVENTS_BCVT: TaskState.OPEN,
    }
    for key in (BULLETINS, EVENTS_CDS):
        assert accepted_by(world, key) == ["office:vanphong"]
    again = bulk_accept(client, unit="CDS")
    assert "accepted=0" in again.headers["location"]  # type: ignore[attr-defined]
    assert accepted_by(world, BULLETINS) == ["office:vanphong"]


def test_a_bucket_filter_accepts_only_what_it_shows(world: World, client: TestClient) -> None:
    login(client)
    bulk_accept(client, bucket="review", activity="iso-training")
    assert states(world)[ISO] is TaskState.ACCEPTED
    assert states(world)[BULLETINS] is TaskState.SUBMITTED
    bulk_accept(client, bucket="overdue")  # nothing overdue waits for review
    assert states(world)[BULLETINS] is TaskState.SUBMITTED


def test_without_its_csrf_token_it_is_refused_and_changes_nothing(
    world: World, client: TestClient
) -> None:
    login(client)
    before, was = rows(world), states(world)
    for data in ({}, {"csrf": "sai"}):
        answer = client.post("/office/accept-waiting", data=data)
        assert answer.status_code == 403
        assert "Phiên làm việc không hợp lệ" in answer.text
    assert (rows(world), states(world)) == (before, was)


def test_the_director_may_not_accept_in_bulk(world: World, client: TestClient) -> None:
    login(client, "giamdoc", DIRECTOR_PASSWORD)
    assert waiting_count(client) is None  # the dashboard shows no such form
    before, was = rows(world), states(world)
    answer = bulk_accept(client)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"] == "/office/login"  # type: ignore[attr-defined]
    assert (rows(world), states(world)) == (before, was)


def test_without_a_login_nothing_is_accepted(world: World, client: TestClient) -> None:
    before = states(world)
    answer = client.post("/office/accept-waiting", data={"csrf": "x"})
    assert answer.status_code == 303
    assert states(world) == before
