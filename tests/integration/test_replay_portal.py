"""The replay's portal, served by processes of its own: answers handed in side by side, each
recorded at the simulated instant its request names."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from domain.clock import LOCAL_TZ
from domain.policy import Stage
from replay.served import AT_HEADER, serve
from storage.tables import OutboxRow, SubmissionRow, TaskRow
from storage.uow import session_of
from tests.integration.conftest import World
from tests.integration.test_portal import link

AT = datetime(2025, 4, 8, 9, 0, tzinfo=LOCAL_TZ)


def test_each_answer_is_recorded_at_the_instant_its_request_names(world: World) -> None:
    with world.app.uow() as uow:
        open_ = [t for t in uow.tasks.find(plan=world.plan.code) if t.key.stage is Stage.PLAN]
    keys = list({t.key.unit: t.key for t in open_ if t.due_on >= AT.date()}.values())[:2]
    assert len(keys) == 2
    instants = {keys[0].unit: AT, keys[1].unit: AT + timedelta(hours=3, minutes=7)}
    with serve(world.app.settings, world.clock.now(), processes=2) as served:
        for n, key in enumerate(keys):  # one answer to each process
            with served.client(n) as client:
                at = {AT_HEADER: instants[key.unit].isoformat()}
                page = client.get(link(world, key), headers=at)
                assert page.status_code == 200
                answer = client.post(link(world, key), data={"content": "Kế hoạch"}, headers=at)
                assert answer.status_code == 200, answer.text[:300]
                assert instants[key.unit].strftime("%H:%M") in answer.text  # "received at"
    with world.app.uow() as uow:
        session = session_of(uow)
        recorded = {
            task.unit_id: submission.submitted_at
            for submission, task in session.execute(
                select(SubmissionRow, TaskRow).join(TaskRow, SubmissionRow.task_id == TaskRow.id)
            )
        }
        receipts = list(session.scalars(select(OutboxRow.created_at)))
    assert sorted(recorded.values()) == sorted(instants.values())
    assert sorted(receipts) == sorted(instants.values())


def test_the_processes_are_stopped_when_the_replay_ends(world: World) -> None:
    with serve(world.app.settings, world.clock.now(), processes=2) as served:
        for n in range(2):
            with served.client(n) as client:
                assert client.get("/healthz").status_code == 200
    for pid in served.pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # stopped and reaped
    assert not any(path.exists() for path in served.sockets)


def test_a_portal_that_cannot_start_says_why(world: World) -> None:
    broken = world.app.settings.model_copy(update={"database_url": "nosuchdriver://x/y"})
    with (
        pytest.raises(RuntimeError, match=r"did not start(.|\n)*nosuchdriver"),
        serve(broken, world.clock.now(), processes=1),
    ):
        pass  # never reached
