"""The Office and Director pages with two published plans: they list both, open on the
current year's, switch with ?plan=, and a task page shows the plan the task belongs to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from documents.plans.files import load_plan
from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ
from domain.units import UnitDirectory
from services import plan_lifecycle
from tests.conftest import PLAN_PATH
from tests.integration.conftest import World
from tests.integration.portal_kit import login, portal_client

NEW = "2026-skhcn-quang-ngai"


@pytest.fixture
def client(
    world: World,
    tmp_path: Path,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
) -> Iterator[TestClient]:
    text = PLAN_PATH.read_text(encoding="utf-8").replace("2025", "2026")
    (tmp_path / "plan-2026.yaml").write_text(text, encoding="utf-8")
    newer = load_plan(tmp_path / "plan-2026.yaml", directory=directory, calendar=calendar)
    for plan in (world.plan, newer):
        with world.app.uow() as uow:
            plan_lifecycle.publish(
                uow,
                plan=plan,
                directory=directory,
                calendar=calendar,
                at=world.clock.now(),
                actor="test",
            )
    with portal_client(world, tmp_path / "uploads") as client:
        login(client)
        yield client


def shown(page: str) -> str:
    """The plan the page marks as the one shown in its plan list."""
    found = re.search(r'aria-current="page">\d{4} · ([a-z0-9-]+)<', page)
    assert found, page
    return found.group(1)


def test_the_pages_open_on_the_current_years_plan_and_switch(
    world: World, client: TestClient
) -> None:
    old = world.plan.code
    dashboard = client.get("/office")  # the portal's clock: 8/4/2025
    assert dashboard.status_code == 200
    assert shown(dashboard.text) == old
    assert f'href="/office?plan={NEW}"' in dashboard.text  # the other published plan
    world.clock.set(datetime(2026, 4, 8, 9, tzinfo=LOCAL_TZ))
    login(client)  # a year later: the session is long over
    assert shown(client.get("/office").text) == NEW
    assert shown(client.get("/director").text) == NEW
    switched = client.get(f"/office?plan={old}")
    assert shown(switched.text) == old
    assert "2025" in switched.text.split("<title>")[1].split("</title>")[0]
    assert shown(client.get(f"/director?plan={old}").text) == old
    assert client.get("/office?plan=no-such-plan").status_code == 404


def test_a_task_page_is_of_the_plan_the_task_belongs_to(client: TestClient) -> None:
    dashboard = client.get(f"/office?plan={NEW}").text
    first = re.search(r'href="/office/task/(\d+)"', dashboard)
    assert first, dashboard
    page = client.get(f"/office/task/{first.group(1)}")
    assert page.status_code == 200
    assert f'href="/office?plan={NEW}"' in page.text  # its way back is to its own plan
