"""A plan loaded again while the portal runs is what the portal shows on the next request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient

from domain.clock import LOCAL_TZ
from domain.plan import Plan
from domain.policy import Stage
from domain.task import TaskKey
from domain.units import UnitDirectory
from portal.app import create_app
from services.plans import load_plan
from tests.integration.conftest import World

KEY = TaskKey("iso-training", "TDC", Stage.PLAN)
RENAMED = "Tập huấn ISO cho các đơn vị (tên mới)"


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    world.clock.set(datetime(2025, 4, 8, 9, 0, tzinfo=LOCAL_TZ))
    with TestClient(create_app(world.app.settings, clock=world.clock)) as client:
        yield client


def _renamed(plan: Plan) -> Plan:
    activities = [
        a.model_copy(update={"title": RENAMED}) if a.code == KEY.activity else a
        for a in plan.activities
    ]
    return plan.model_copy(update={"activities": activities})


def test_a_plan_loaded_again_is_seen_on_the_next_request(
    world: World, client: TestClient, directory: UnitDirectory
) -> None:
    token = world.mailer.links.token(
        unit=KEY.unit, task=str(KEY), expires_on=date(2025, 5, 10), plan=world.plan.code
    )
    before = client.get(f"/t/{token}")
    assert before.status_code == 200
    assert RENAMED not in before.text
    with world.app.uow() as uow:
        report = load_plan(
            uow,
            plan=_renamed(world.plan),
            directory=directory,
            calendar=world.app.calendar,
            at=world.clock.now(),
            actor="test",
        )
    assert report.plan_change == "updated"
    after = client.get(f"/t/{token}")
    assert after.status_code == 200
    assert RENAMED in after.text
