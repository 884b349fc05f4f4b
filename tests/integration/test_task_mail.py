"""State changes and their mail in one transaction; the ladder fires each rung once."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from domain.clock import local_datetime
from domain.errors import IllegalTransition
from domain.policy import Stage
from domain.task import TaskKey, TaskState
from services.notices import send_due_notices
from services.tasks import assign, return_for_revision, submit
from storage.tables import OutboxRow
from storage.uow import session_of
from tests.integration.conftest import World

KEY = TaskKey("science-digital-events", "VP", Stage.PLAN)  # opens 1/4, due 16/4/2025


def at(day: date, hour: int = 8) -> datetime:
    return local_datetime(day, time(hour, 0))


def outbox(world: World) -> list[OutboxRow]:
    with world.app.uow() as uow:
        from sqlalchemy import select

        return list(session_of(uow).scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_submit_records_a_version_and_queues_the_receipt(world: World) -> None:
    with world.app.uow() as uow:
        version = submit(
            uow,
            world.mailer,
            KEY,
            at=at(date(2025, 4, 10)),
            by="vp@x",
            payload={"actions": ["Hội nghị"]},
        )
    assert version == 1
    [mail] = outbox(world)
    assert mail.kind == "submission_receipt"
    assert "lần gửi thứ 1" in mail.body_text
    with world.app.uow() as uow:
        [task] = [t for t in uow.tasks.find(plan=world.plan.code) if t.key == KEY]
        assert task.state is TaskState.SUBMITTED
        assert uow.audit.entries(entity="task", key=str(KEY))[-1].action == "task.submitted"


def test_return_then_resubmit_keeps_every_version(world: World) -> None:
    with world.app.uow() as uow:
        submit(uow, world.mailer, KEY, at=at(date(2025, 4, 10)), by="vp", payload={"n": 1})
    with world.app.uow() as uow:
        return_for_revision(
            uow,
            world.mailer,
            KEY,
            at=at(date(2025, 4, 11)),
            by="office",
            reason="Thiếu người phụ trách",
        )
    with world.app.uow() as uow:
        assert (
            submit(uow, world.mailer, KEY, at=at(date(2025, 4, 14)), by="vp", payload={"n": 2}) == 2
        )
    kinds = [m.kind for m in outbox(world)]
    assert kinds == ["submission_receipt", "returned", "submission_receipt"]
    assert "Thiếu người phụ trách" in outbox(world)[1].body_text


def test_an_illegal_change_writes_nothing(world: World) -> None:
    with world.app.uow() as uow, pytest.raises(IllegalTransition):
        return_for_revision(
            uow, world.mailer, KEY, at=at(date(2025, 4, 11)), by="office", reason="x"
        )
    assert outbox(world) == []


def test_assignment_is_threaded_and_later_mails_reply_to_it(world: World) -> None:
    with world.app.uow() as uow:
        assign(uow, world.mailer, [KEY], now=at(date(2025, 4, 1)))
    with world.app.uow() as uow:
        submit(uow, world.mailer, KEY, at=at(date(2025, 4, 2)), by="vp", payload={})
    first, receipt = outbox(world)
    assert receipt.headers["in_reply_to"] == first.message_id
    assert receipt.headers["references"] == [first.message_id]
    assert first.attachments[0]["filename"].endswith(".ics")


def sweep(world: World, day: date) -> tuple[int, int, int, bool]:
    world.clock.set(at(day, 7))
    with world.app.uow() as uow:
        r = send_due_notices(uow, world.mailer, now=world.clock.now())
    return r.reminders, r.overdue, r.escalated, r.digest_sent


def test_the_ladder_around_the_unit_report_deadline(world: World) -> None:
    # 14/11/2025 is the report due day for the year-round and Q4 activities.
    assert sweep(world, date(2025, 11, 7))[0] > 0  # T-5 reminders
    assert sweep(world, date(2025, 11, 7)) == (0, 0, 0, False)  # same day again: nothing new
    assert sweep(world, date(2025, 11, 15)) == (0, 0, 0, False)  # Saturday: never
    _reminders, overdue, _escalated, _digest = sweep(world, date(2025, 11, 17))  # T+1
    assert overdue > 0
    _reminders, overdue, escalated, digest = sweep(world, date(2025, 11, 19))  # T+3
    assert escalated > 0
    assert digest
    kinds = {m.kind for m in outbox(world)}
    # each unit's rungs of a morning come in one digest when it has several
    assert {"unit_digest", "escalation_digest"} <= kinds
    digests = [m for m in outbox(world) if m.kind == "escalation_digest"]
    # Sweeps ran only on these days, so each caught up the escalations it missed: 7/11 those
    # of the check-ins due 31/10, 17/11 those of the evidence due 7/11 (T+3 = 12/11), 19/11
    # those of the reports due 14/11. One digest a day at most.
    assert [d.idempotency_key[-10:] for d in digests] == ["2025-11-07", "2025-11-17", "2025-11-19"]
    director = next(r for r in world.mailer.directory.recipients if r.role == "director")
    assert digests[-1].recipients["to"] == [[director.name, director.email]]
    overdue_units = {
        u.name for u in world.mailer.directory.units if u.code in {"BBT", "CDS", "CCTDC"}
    }
    assert all(name in digests[-1].body_text for name in overdue_units)
    overdue_mail = next(
        m
        for m in outbox(world)
        if m.kind == "overdue" or (m.kind == "unit_digest" and "QUÁ HẠN" in m.body_text)
    )
    assert overdue_mail.recipients["cc"]  # the unit head in copy
    assert sweep(world, date(2025, 11, 20))[2] == 0  # each task escalates once


def test_submitted_tasks_are_not_chased(world: World) -> None:
    with world.app.uow() as uow:
        submit(uow, world.mailer, KEY, at=at(date(2025, 4, 8)), by="vp", payload={})
    sweep(world, date(2025, 4, 9))  # T-5 of the plan stage due 16/4
    reminded = {m.idempotency_key.split(":")[1] for m in outbox(world) if m.kind == "reminder"}
    other_lead = TaskKey("science-digital-events", "BCVT", Stage.PLAN)
    assert str(other_lead) in reminded
    assert str(KEY) not in reminded
