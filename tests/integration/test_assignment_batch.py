"""A unit's assignments of one day in one mail, on a real database and a real SMTP server:
two stages opening the same morning give a unit with a task in each one mail carrying both
(a link and a calendar event per task), a third opening later that day makes one mail of
three, each assignment is sent exactly once, a mail delivery has already taken is never
merged, opening again sends nothing, and a unit that prefers one mail per task gets those."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from domain.clock import LOCAL_TZ, FixedClock
from domain.policy import Stage
from domain.units import UnitDirectory
from notifications.backends import SmtpBackend
from services.assignments import enqueue_assignments
from services.bootstrap import delivery, mailer
from services.mail import Mailer
from storage.tables import OutboxRow
from storage.uow import session_of
from tests.integration.conftest import World
from tests.integration.sql_kit import statements
from tests.smtp_server import SmtpServer

DAWN = datetime(2025, 4, 1, 0, 5, tzinfo=LOCAL_TZ)  # scheduled openings: before office hours
FIRST, SECOND, THIRD = "website-cchc-section", "website-publication", "bulletins"
LINK = "Cập nhật và gửi kết quả tại: http"


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def open_slot(world: World, activity: str, now: datetime, using: Mailer | None = None) -> int:
    """The first check-in of `activity` opens: its assignments queued, in a transaction."""
    with world.app.uow() as uow:
        slot = uow.tasks.slot(plan=world.plan.code, activity=activity, stage=Stage.EXECUTE, seq=1)
        queued = enqueue_assignments(uow, using or world.mailer, slot, now=now)
        uow.commit()
    return queued


def units_of(world: World, activity: str) -> set[str]:
    with world.app.uow() as uow:
        slot = uow.tasks.slot(plan=world.plan.code, activity=activity, stage=Stage.EXECUTE, seq=1)
    return {task.key.unit for _id, task in slot}


def rows(world: World) -> list[OutboxRow]:
    with world.app.uow() as uow:
        return list(session_of(uow).scalars(select(OutboxRow).order_by(OutboxRow.id)))


def to_send(world: World, unit: str) -> list[OutboxRow]:
    """The unit's mails that delivery may still take."""
    email = world.mailer.directory.unit(unit).contact.email  # type: ignore[union-attr]
    return [r for r in rows(world) if r.state == "pending" and r.recipients["to"][-1][1] == email]


def text(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def deliver(world: World, server: SmtpServer, now: datetime) -> int:
    step = delivery(world.app, SmtpBackend(host="127.0.0.1", port=server.port, timeout=5))
    step.clock = FixedClock(now)
    return asyncio.run(step.run()).sent


def test_a_units_two_assignments_of_one_morning_go_in_one_mail(world: World) -> None:
    open_slot(world, FIRST, DAWN)
    open_slot(world, THIRD, DAWN + timedelta(minutes=1))
    both = units_of(world, FIRST) & units_of(world, THIRD)
    one = units_of(world, FIRST) ^ units_of(world, THIRD)
    assert both
    assert one
    for unit in both:
        [mail] = to_send(world, unit)
        assert mail.kind == "assignment_digest"
        assert mail.subject.startswith(f"[CCHC {world.plan.year}] Đề nghị thực hiện 2 nhiệm vụ")
        assert mail.body_text.count(LINK) == 2
        assert [a["filename"] for a in mail.attachments] == [
            "han-nhiem-vu-1.ics",
            "han-nhiem-vu-2.ics",
        ]
        assert len(mail.headers["references"]) == 2  # each task's thread
        assert mail.not_before == datetime(2025, 4, 1, 7, 30, tzinfo=LOCAL_TZ)  # office hours
        carried = [r for r in rows(world) if r.carried_by == mail.idempotency_key]
        assert [r.kind for r in carried] == ["task_assigned"] * 2
        assert {r.state for r in carried} == {"merged"}
        for row in carried:  # the link of each task it carries is in it
            link = row.body_text.split("Cập nhật và gửi kết quả tại: ")[1].split()[0]
            assert link in mail.body_text
    for unit in one:
        [mail] = to_send(world, unit)
        assert mail.kind == "task_assigned"


def test_joining_the_batches_of_every_unit_reads_them_at_once(world: World) -> None:
    """The second opening of the morning finds every unit's batch waiting: what the batches
    hold is read in one query each, not per unit (a province has a thousand units)."""
    open_slot(world, FIRST, DAWN)
    joined = units_of(world, FIRST) & units_of(world, THIRD)
    assert len(joined) > 3
    with statements(world) as seen:
        open_slot(world, THIRD, DAWN + timedelta(minutes=1))
    reads = [s for s in seen if s.startswith("SELECT") and " FROM OUTBOX" in s]
    assert len(reads) == 2, reads  # what was queued before, the batches' waiting mails
    assert all(len(to_send(world, unit)) == 1 for unit in joined)


def test_a_third_opening_that_day_makes_one_mail_of_three_each_sent_once(
    world: World, server: SmtpServer
) -> None:
    open_slot(world, FIRST, DAWN)
    open_slot(world, SECOND, DAWN)
    open_slot(world, THIRD, datetime(2025, 4, 1, 6, 0, tzinfo=LOCAL_TZ))
    three = units_of(world, FIRST) & units_of(world, SECOND) & units_of(world, THIRD)
    assert three
    for unit in three:
        [mail] = to_send(world, unit)
        assert mail.body_text.count(LINK) == 3
    before = rows(world)
    merged_batches = [r for r in before if r.kind == "assignment_digest" and r.state == "merged"]
    assert merged_batches
    assert all(r.carried_by for r in merged_batches)
    sent = deliver(world, server, datetime(2025, 4, 1, 8, 0, tzinfo=LOCAL_TZ))
    assert sent == len([r for r in before if r.state == "pending"])
    received = server.recorder.received
    for unit in three:  # exactly one mail reached the unit, carrying its three tasks
        email = world.mailer.directory.unit(unit).contact.email  # type: ignore[union-attr]
        mine = [m for m in received if m["To"].addresses[0].addr_spec == email]
        assert len(mine) == 1
        assert text(mine[0]).count(LINK) == 3
    assigned = {r.task_id for r in before if r.kind == "task_assigned"}
    links = sum(text(m).count(LINK) for m in received)
    assert links == len(assigned)  # every assignment in exactly one mail sent
    assert deliver(world, server, datetime(2025, 4, 1, 9, 0, tzinfo=LOCAL_TZ)) == 0


def test_a_mail_delivery_has_taken_is_never_merged(world: World, server: SmtpServer) -> None:
    open_slot(world, FIRST, datetime(2025, 4, 1, 8, 0, tzinfo=LOCAL_TZ))
    first = deliver(world, server, datetime(2025, 4, 1, 8, 1, tzinfo=LOCAL_TZ))
    open_slot(world, SECOND, datetime(2025, 4, 1, 9, 0, tzinfo=LOCAL_TZ))
    after = rows(world)
    assert first == len(units_of(world, FIRST))
    assert {r.kind for r in after} == {"task_assigned"}  # the second went alone: nothing merged
    assert [r.state for r in after].count("sent") == first
    assert all(r.carried_by is None for r in after)


def test_opening_again_queues_nothing(world: World) -> None:
    open_slot(world, FIRST, DAWN)
    open_slot(world, SECOND, DAWN)
    before = [(r.idempotency_key, r.state, r.carried_by) for r in rows(world)]
    assert open_slot(world, FIRST, DAWN + timedelta(hours=1)) == 0
    assert open_slot(world, SECOND, DAWN + timedelta(hours=2)) == 0
    assert [(r.idempotency_key, r.state, r.carried_by) for r in rows(world)] == before


def test_a_unit_that_prefers_one_mail_per_task_gets_those(
    world: World, directory: UnitDirectory
) -> None:
    both = sorted(units_of(world, FIRST) & units_of(world, SECOND))
    unit = both[0]
    units = [
        u.model_copy(update={"reminders": "each"}) if u.code == unit else u for u in directory.units
    ]
    each = mailer(world.app, world.plan, directory.model_copy(update={"units": units}))
    open_slot(world, FIRST, DAWN, each)
    open_slot(world, SECOND, DAWN, each)
    mine = to_send(world, unit)
    assert [m.kind for m in mine] == ["task_assigned", "task_assigned"]
    assert [m.kind for m in to_send(world, both[1])] == ["assignment_digest"]
