"""A unit's reminders of one morning in one mail: every rung the ladder fires that morning
for a unit with several is carried by exactly one digest (grouped by urgency, a link per
task, the head in copy when a chase is among them), a unit with one rung gets its single
mail, a unit that prefers one mail per task gets those, and a second sweep sends nothing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select

from domain.policy import NoticeKind
from domain.units import UnitDirectory
from services.bootstrap import mailer
from services.notices import send_due_notices
from storage.tables import NoticeRow, OutboxRow
from storage.uow import session_of
from tests.integration.conftest import World
from tests.integration.ladder_kit import rungs_by_morning


def busiest_morning(world: World) -> tuple[datetime, Counter[str]]:
    """The first working morning of the year on which some unit has three or more rungs due,
    and how many rungs each unit has that morning (from the ladder, not from the mails)."""
    for now, fired in rungs_by_morning(world):
        due = Counter(
            t.key.unit
            for t, n in fired
            if n.kind is not NoticeKind.ESCALATION and n.on == now.date()
        )
        if due and max(due.values()) >= 3:
            return now, due
    raise AssertionError("no morning with three rungs for one unit")


def outbox(world: World) -> list[OutboxRow]:
    with world.app.uow() as uow:
        return list(session_of(uow).scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_each_unit_gets_one_mail_carrying_every_rung_of_its_morning(world: World) -> None:
    now, due = busiest_morning(world)
    with world.app.uow() as uow:
        report = send_due_notices(uow, world.mailer, now=now)
    assert report.reminders + report.overdue == sum(due.values())
    mails = outbox(world)
    digests = [m for m in mails if m.kind == "unit_digest"]
    singles = [m for m in mails if m.kind in ("reminder", "overdue")]
    assert len(digests) == sum(1 for n in due.values() if n > 1)  # one per unit with several
    assert len(singles) == sum(1 for n in due.values() if n == 1)
    for mail in digests:
        unit = world.mailer.directory.unit(mail.idempotency_key.split(":")[1])
        assert unit is not None
        assert mail.recipients["to"][0][1] == unit.contact.email
        assert mail.body_text.count("Gửi kết quả tại: http") == due[unit.code]
        assert mail.subject.startswith(f"[CCHC {world.plan.year}] Nhắc việc: {due[unit.code]}")
        assert len(mail.headers["references"]) == due[unit.code]  # each task's thread
    with world.app.uow() as uow:  # every rung names the one mail that carries it
        carried = [n.outbox_key for n in session_of(uow).scalars(select(NoticeRow))]
    keys = {m.idempotency_key for m in mails}
    assert carried
    assert all(key in keys for key in carried)
    with world.app.uow() as uow:
        again = send_due_notices(uow, world.mailer, now=now)
    assert again.reminders + again.overdue == 0
    assert len(outbox(world)) == len(mails)  # nothing twice


def test_a_unit_that_prefers_one_mail_per_task_gets_those(
    world: World, directory: UnitDirectory
) -> None:
    now, due = busiest_morning(world)
    unit = max(due, key=lambda u: due[u])
    units = [
        u.model_copy(update={"reminders": "each"}) if u.code == unit else u for u in directory.units
    ]
    each = mailer(world.app, world.plan, directory.model_copy(update={"units": units}))
    with world.app.uow() as uow:
        send_due_notices(uow, each, now=now)
    mine = [
        m
        for m in outbox(world)
        if f"/{unit}/" in m.idempotency_key or f":{unit}:" in m.idempotency_key
    ]
    assert len(mine) == due[unit]
    assert {m.kind for m in mine} <= {"reminder", "overdue"}
