"""The unit head's mails (plan section VI.2) on a real database: the chase that copies the
head carries the signed link to the unit's page, and on the first working day of a month
each head whose unit has work open gets one summary with that link — once, and only then."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from domain.clock import LOCAL_TZ
from domain.policy import NoticeKind
from domain.task import TaskState
from services.head_summary import send_head_summaries
from services.notices import send_due_notices
from storage.tables import OutboxRow
from storage.uow import session_of
from tests.integration.conftest import World
from tests.integration.ladder_kit import rungs_by_morning
from tests.integration.portal_kit import portal_client

HEAD_LINK = re.compile(r"http://[^\s\"]+/u/[\w.\-]+")


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    with portal_client(world, tmp_path / "uploads") as client:
        yield client


def mails(world: World, *kinds: str) -> list[OutboxRow]:
    with world.app.uow() as uow:
        session = session_of(uow)
        found = list(session.scalars(select(OutboxRow).where(OutboxRow.kind.in_(kinds))))
        session.expunge_all()
    return found


def first_chase_morning(world: World) -> datetime:
    """The first working morning on which the ladder chases some task (the head in copy)."""
    for now, fired in rungs_by_morning(world):
        if any(n.kind is NoticeKind.OVERDUE and n.on == now.date() for _t, n in fired):
            return now
    raise AssertionError("the ladder chases nothing this year")


def opens_the_units_page(world: World, client: TestClient, body: str, unit: str) -> None:
    [url] = set(HEAD_LINK.findall(body))
    page = client.get(url.removeprefix(world.mailer.links.base_url))
    assert page.status_code == 200
    found = world.mailer.directory.unit(unit)
    assert found is not None
    assert found.name in page.text
    assert "Báo cáo khó khăn, vướng mắc" in page.text


def test_the_chase_copying_the_head_carries_the_units_page(
    world: World, client: TestClient
) -> None:
    now = first_chase_morning(world)
    with world.app.uow() as uow:
        assert send_due_notices(uow, world.mailer, now=now).overdue > 0
    chases = [
        m
        for m in mails(world, "overdue", "unit_digest")
        if m.kind == "overdue" or "quá hạn" in m.subject
    ]
    assert chases
    contacts = {u.contact.email: u for u in world.mailer.directory.units}
    for mail in chases:
        unit = contacts[mail.recipients["to"][-1][1]]
        assert [unit.head.email] == [email for _name, email in mail.recipients["cc"]]
        opens_the_units_page(world, client, mail.body_text, unit.code)
        assert "trang của đơn vị" in (mail.body_html or "")
    reminders = mails(world, "reminder")
    assert all(not HEAD_LINK.search(m.body_text) for m in reminders)  # the head is not in these


def first_working_day(world: World, month: int) -> datetime:
    day = world.app.calendar.next_working_day(date(world.plan.year, month, 1), include=True)
    return datetime.combine(day, time(7, 30), tzinfo=LOCAL_TZ)


def test_each_head_with_work_open_gets_one_summary_on_the_months_first_working_day(
    world: World, client: TestClient
) -> None:
    now = first_working_day(world, 7)
    with world.app.uow() as uow:  # one unit has all its work cancelled: it gets no summary
        tasks = uow.tasks.with_ids(plan=world.plan.code, unit="TTUD")
        for task_id, task in tasks:
            uow.tasks.save(task_id, replace(task, state=TaskState.CANCELLED), at=now)
        uow.commit()
    with world.app.uow() as uow:
        units = {t.key.unit for t in uow.tasks.find(plan=world.plan.code)} - {"TTUD"}
        queued = send_head_summaries(uow, world.mailer, now=now)
    summaries = mails(world, "head_summary")
    assert queued == len(summaries) == len(units)
    heads = {u.head.email: u for u in world.mailer.directory.units}
    for mail in summaries:
        [(_name, email)] = mail.recipients["to"]
        unit = heads[email]
        assert unit.code in units
        assert f"của {unit.name} tháng 07/{world.plan.year}" in mail.subject
        assert "Đang thực hiện trong hạn: " in mail.body_text
        opens_the_units_page(world, client, mail.body_text, unit.code)
    with world.app.uow() as uow:
        assert send_head_summaries(uow, world.mailer, now=now) == 0  # once a month
    later = datetime.combine(
        world.app.calendar.next_working_day(now.date()), time(7, 30), tzinfo=LOCAL_TZ
    )
    with world.app.uow() as uow:
        assert send_head_summaries(uow, world.mailer, now=later) == 0  # only the first day
    assert len(mails(world, "head_summary")) == len(summaries)
