"""A rehearsal (DIỄN TẬP) plan stored beside the real one: its portal pages say so, and the
outbox, read back from the database, never mails it outside the sender's domain."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient

from documents.plans.rehearsal import make_rehearsal
from documents.plans.yaml_files import YamlDocument
from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ, FixedClock
from domain.mail import Mailbox
from domain.plan import Plan
from domain.policy import Stage
from domain.task import TaskKey
from domain.units import UnitDirectory
from notifications.backends import SmtpBackend
from notifications.content import MailKind
from portal.app import create_app
from services.bootstrap import bootstrap, delivery, mailer
from services.mail import build_task_mail
from services.plans import load_plan
from services.settings import MailSettings, Settings
from services.tasks import assign
from storage.migrate import upgrade
from tests.conftest import PLAN_PATH
from tests.integration.conftest import World
from tests.smtp_server import SmtpServer

START = date(2026, 12, 3)  # a Thursday
KEY = TaskKey("iso-training", "TDC", Stage.PLAN)  # opens 3/12/2026 in the copy
OUTSIDE = Mailbox("ubnd@quangngai.example.invalid", "Ủy ban nhân dân tỉnh Quảng Ngãi")
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


@pytest.fixture
def drill(world: World, plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar) -> World:
    """The rehearsal copy loaded into the same database as the real 2025 plan."""
    copy = make_rehearsal(YamlDocument(PLAN_PATH).data, plan, start=START)
    rehearsal = copy.checked(directory, calendar, file="copy.yaml")
    world.clock.set(at(START))
    with world.app.uow() as uow:
        load_plan(
            uow,
            plan=rehearsal,
            directory=directory,
            calendar=calendar,
            at=world.clock.now(),
            actor="test",
        )
    return World(world.app, world.clock, mailer(world.app, rehearsal, directory), rehearsal)


def task_link(world: World) -> str:
    token = world.mailer.links.token(
        unit=KEY.unit, task=str(KEY), expires_on=date(2027, 6, 1), plan=world.plan.code
    )
    return f"/t/{token}"


def test_a_rehearsals_task_page_says_so_in_its_title_and_header(world: World, drill: World) -> None:
    with TestClient(create_app(world.app.settings, clock=world.clock)) as client:
        drilled = client.get(task_link(drill))
        real = client.get(task_link(world))
    assert drilled.status_code == real.status_code == 200
    [title] = TITLE.findall(drilled.text)
    assert title.startswith("[DIỄN TẬP] ")
    assert title.endswith("— CCHC 2026")
    assert "<strong>DIỄN TẬP</strong>" in drilled.text
    assert "DIỄN TẬP" not in real.text
    assert TITLE.findall(real.text)[0].endswith("— CCHC 2025")


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def test_the_outbox_never_mails_a_rehearsal_outside_the_senders_domain(
    drill: World, server: SmtpServer
) -> None:
    with drill.app.uow() as uow:
        assert assign(uow, drill.mailer, [KEY], now=drill.clock.now()) == 1
        [task] = [t for t in uow.tasks.find(plan=drill.plan.code) if t.key == KEY]
        _key, mail = build_task_mail(drill.mailer, task, MailKind.OVERDUE, now=drill.clock.now())
        uow.outbox.enqueue(
            replace(mail, to=(OUTSIDE,), cc=()),
            key="to-ubnd",
            kind="overdue",
            task_id=None,
            not_before=drill.clock.now(),
        )
        uow.commit()
    drill.clock.set(at(START, 9))
    backend = SmtpBackend(host="127.0.0.1", port=server.port, timeout=5)
    report = asyncio.run(delivery(drill.app, backend).run())
    assert (report.sent, report.refused, report.failed) == (1, 1, 1)
    [received] = server.recorder.received
    assert received["To"].addresses[0].addr_spec == "tdc@skhcn.example.invalid"
    assert str(received["Subject"]).startswith("[DIỄN TẬP] [CCHC 2026] ")
    with drill.app.uow() as uow:
        [failed] = uow.outbox.failed()
        assert failed.to == (OUTSIDE.email,)
        assert "CCHC_MAIL__REHEARSAL_DOMAINS" in failed.last_error
        assert uow.outbox.counts()["pending"] == 0  # refused once, not left to retry
    assert "1 refused (rehearsal)" in str(report)


def test_every_domain_allowed_lets_a_rehearsal_mail_anyone(
    database_url: str,
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    server: SmtpServer,
) -> None:
    upgrade(database_url)
    settings = Settings(
        database_url=database_url, mail=MailSettings(backend="memory", rehearsal_domains=["*"])
    )
    app = bootstrap(settings, clock=FixedClock(at(START)))
    app.__dict__["calendar"] = calendar
    rehearsal = make_rehearsal(YamlDocument(PLAN_PATH).data, plan, start=START).checked(
        directory, calendar, file="copy.yaml"
    )
    drilled = mailer(app, rehearsal, directory)
    with app.uow() as uow:
        load_plan(
            uow, plan=rehearsal, directory=directory, calendar=calendar, at=at(START), actor="t"
        )
        [task] = [t for t in uow.tasks.find(plan=rehearsal.code) if t.key == KEY]
        _key, mail = build_task_mail(drilled, task, MailKind.OVERDUE, now=at(START))
        uow.outbox.enqueue(
            replace(mail, to=(OUTSIDE,)),
            key="k",
            kind="overdue",
            task_id=None,
            not_before=at(START),
        )
        uow.commit()
    app.clock = FixedClock(at(START, 9))
    backend = SmtpBackend(host="127.0.0.1", port=server.port, timeout=5)
    report = asyncio.run(delivery(app, backend).run())
    app.close()
    assert (report.sent, report.refused) == (1, 0)
    assert server.recorder.received[0]["To"].addresses[0].addr_spec == OUTSIDE.email
