"""The sweep's one pass over every plan, on a real database: each plan fires exactly the
rungs its own ladder has due (the same as a sweep of that plan alone), a plan with nothing
due fires nothing and gets no mail, each plan's Director digest lists that plan's tasks past
due only (one read for all plans), and a lapsed review is accepted in its own plan only."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select

from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ
from domain.policy import NoticeKind
from domain.task import TaskState
from domain.units import UnitDirectory
from services import sweep
from services.context import plan_contexts
from services.plans import load_plan
from storage.tables import OutboxRow
from storage.uow import session_of
from tests.integration.conftest import World
from tests.integration.ladder_kit import rungs_by_morning


def second_plan(world: World, directory: UnitDirectory, calendar: WorkingCalendar) -> str:
    """A copy of the plan under a code of its own, every task of it stored too."""
    copy = world.plan.model_copy(update={"code": f"{world.plan.code}-ban-sao"})
    with world.app.uow() as uow:
        load_plan(
            uow, plan=copy, directory=directory, calendar=calendar, at=world.clock.now(), actor="t"
        )
    return copy.code


def due_morning(world: World) -> tuple[datetime, int]:
    """A working morning with rungs due for some tasks (escalations aside), and how many."""
    for now, fired in rungs_by_morning(world, date(world.plan.year, 4, 1)):
        due = sum(1 for _t, n in fired if n.kind is not NoticeKind.ESCALATION)
        if due >= 3:
            return now, due
    raise AssertionError("no rung due this year")


def test_each_plan_fires_its_own_rungs_and_an_idle_plan_nothing(
    world: World, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    other = second_plan(world, directory, calendar)
    now, due = due_morning(world)
    with world.app.uow() as uow:  # the copy has nothing due: all its work cancelled
        for task_id, task in uow.tasks.with_ids(plan=other):
            uow.tasks.save(task_id, replace(task, state=TaskState.CANCELLED), at=now)
        uow.commit()
    done = sweep.every_plan(plan_contexts([world.plan.code, other], world.app), now=now)
    fired = done[world.plan.code]["notices"]
    assert fired["reminders"] + fired["overdue"] == due
    idle = done[other]["notices"]
    assert idle["reminders"] + idle["overdue"] + idle["escalated"] == 0
    with world.app.uow() as uow:
        assert uow.notices.counts(plan=other) == {}
        assert sum(uow.notices.counts(plan=world.plan.code).values()) >= due
    again = sweep.every_plan(plan_contexts([world.plan.code, other], world.app), now=now)
    assert again[world.plan.code]["notices"]["reminders"] == 0  # nothing twice


def test_each_plans_director_digest_lists_its_own_tasks_past_due(
    world: World, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    other = second_plan(world, directory, calendar)
    now = next(
        now
        for now, fired in rungs_by_morning(world, date(world.plan.year, 4, 1))
        if any(n.kind is NoticeKind.ESCALATION for _t, n in fired)
    )
    today, start = now.date(), world.plan.issued_on
    with world.app.uow() as uow:  # the copy: the first unit's work past due cancelled
        copy_late = uow.tasks.list_due(on=start, within=(today - start).days - 1, plan=other)
        gone = copy_late[0].key.unit
        for task_id, task in uow.tasks.with_ids(plan=other):
            if task.key.unit == gone and task.due_on < today:
                uow.tasks.save(task_id, replace(task, state=TaskState.CANCELLED), at=now)
        uow.commit()
    with world.app.uow() as uow:
        expected = {
            code: len(uow.tasks.list_due(on=start, within=(today - start).days - 1, plan=code))
            for code in (world.plan.code, other)
        }
    assert expected[other] < expected[world.plan.code]  # the two digests differ
    done = sweep.every_plan(plan_contexts([world.plan.code, other], world.app), now=now)
    for code in (world.plan.code, other):
        assert done[code]["notices"]["digest_sent"], code
        with world.app.uow() as uow:
            body = session_of(uow).scalar(
                select(OutboxRow.body_text).where(
                    OutboxRow.idempotency_key == f"{code}:escalation-digest:{today.isoformat()}"
                )
            )
        assert body is not None
        listed = re.search(r"có (\d+) nhiệm vụ", body)
        assert listed is not None, code
        assert int(listed.group(1)) == expected[code], code
        assert len(re.findall(r"^\d+\. ", body, re.MULTILINE)) == expected[code]


def test_a_lapsed_review_is_accepted_in_its_own_plan_only(
    world: World, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    other = second_plan(world, directory, calendar)
    handed_in = datetime(2025, 4, 1, 9, 0, tzinfo=LOCAL_TZ)
    with world.app.uow() as uow:  # one submission in each plan, the same day
        firsts = {}
        for code in (world.plan.code, other):
            task_id, task = uow.tasks.with_ids(plan=code)[0]
            submitted = replace(task, state=TaskState.SUBMITTED, submitted_at=handed_in)
            uow.tasks.save(task_id, submitted, at=handed_in)
            firsts[code] = str(task.key)
        uow.commit()
    later = datetime(2025, 4, 15, 7, 30, tzinfo=LOCAL_TZ)  # past the 3 working days
    done = sweep.every_plan(plan_contexts([world.plan.code, other], world.app), now=later)
    assert done[world.plan.code]["accepted"] == [firsts[world.plan.code]]
    assert done[other]["accepted"] == [firsts[other]]
    with world.app.uow() as uow:
        for code in (world.plan.code, other):
            [(_id, task)] = [
                (i, t) for i, t in uow.tasks.with_ids(plan=code) if str(t.key) == firsts[code]
            ]
            assert task.state is TaskState.ACCEPTED
