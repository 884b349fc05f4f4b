"""The outbox under faults, against a real SMTP server: nothing lost, nothing sent twice."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import update

from domain.clock import LOCAL_TZ
from domain.schedule import all_tasks
from domain.task import TaskKey
from notifications.backends import SmtpBackend
from notifications.backends.file import FileBackend
from services.bootstrap import delivery
from services.delivery import SENT_PER_COMMIT, DeliveryReport
from services.tasks import assign
from storage.tables import OutboxRow
from storage.uow import session_of
from tests.integration.conftest import World
from tests.smtp_server import Recorder, SmtpServer


def keys(world: World, n: int) -> list[TaskKey]:
    tasks = all_tasks(world.plan, world.mailer.directory, world.mailer.calendar)
    return [t.key for t in tasks[:n]]


def queue(world: World, n: int) -> None:
    with world.app.uow() as uow:
        assert assign(uow, world.mailer, keys(world, n), now=world.clock.now()) == n


def run(world: World, server: SmtpServer, **kw: int) -> DeliveryReport:
    backend = SmtpBackend(host="127.0.0.1", port=server.port, timeout=5)
    return asyncio.run(delivery(world.app, backend).run(**kw))


def states(world: World) -> dict[str, int]:
    with world.app.uow() as uow:
        return uow.outbox.counts()


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def test_all_queued_mail_is_delivered_once(world: World, server: SmtpServer) -> None:
    queue(world, 30)
    report = run(world, server)
    assert (report.sent, report.failed) == (30, 0)
    assert run(world, server).sent == 0  # nothing left, nothing resent
    date = server.recorder.received[0]["Date"].datetime
    assert date.tzinfo is not None  # stored and read back as UTC, never "-0000"
    assert date == world.clock.now()
    ids = server.recorder.message_ids()
    assert len(ids) == len(set(ids)) == 30
    assert states(world)["sent"] == 30


def test_queueing_the_same_mail_twice_sends_it_once(world: World, server: SmtpServer) -> None:
    queue(world, 5)
    with world.app.uow() as uow:
        assert assign(uow, world.mailer, keys(world, 5), now=world.clock.now()) == 0
    run(world, server)
    assert len(server.recorder.received) == 5


def test_a_rolled_back_change_queues_no_mail(world: World) -> None:
    with world.app.uow() as uow:
        from notifications.content import MailKind
        from services.mail import enqueue_task_mail

        task = uow.tasks.find(plan=world.plan.code)[0]
        assert enqueue_task_mail(
            uow, world.mailer, task, MailKind.TASK_ASSIGNED, now=world.clock.now()
        )
        uow.rollback()
    assert states(world) == {"pending": 0, "sending": 0, "sent": 0, "failed": 0, "merged": 0}


def test_server_down_then_back_delivers_every_mail_exactly_once(world: World) -> None:
    server = SmtpServer()  # not started: connection refused
    queue(world, 100)
    down = run(world, server)
    assert (down.sent, down.retried) == (0, 100)
    with world.app.uow() as uow:
        row = uow.outbox.failed()
        assert row == []
    world.clock.advance(timedelta(seconds=30))
    assert run(world, server).sent == 0  # still backing off: not even tried
    server.start()
    try:
        world.clock.advance(timedelta(minutes=2))
        up = run(world, server)
    finally:
        server.stop()
    assert up.sent == 100
    ids = server.recorder.message_ids()
    assert len(ids) == len(set(ids)) == 100
    assert states(world)["sent"] == 100


def test_4xx_is_retried_and_5xx_fails_with_the_servers_reason(world: World) -> None:
    answers = {1: "451 4.3.0 Hệ thống bận, thử lại sau", 2: "550 5.1.1 Mailbox unavailable"}
    server = SmtpServer(Recorder(fault=lambda n: answers.get(n))).start()
    try:
        queue(world, 3)
        first = run(world, server)
        assert (first.sent, first.retried, first.failed) == (1, 1, 1)
        world.clock.advance(timedelta(minutes=5))
        second = run(world, server)
        assert (second.sent, second.failed) == (1, 0)
    finally:
        server.stop()
    with world.app.uow() as uow:
        [failed] = uow.outbox.failed()
        assert "550" in (failed.last_error or "")
        assert "Mailbox unavailable" in (failed.last_error or "")
    assert len(server.recorder.received) == 2


def test_giving_up_after_the_configured_attempts(world: World) -> None:
    world.app.settings.mail.max_attempts = 3
    server = SmtpServer(Recorder(fault=lambda _n: "421 4.7.0 Try again later")).start()
    try:
        queue(world, 1)
        for _ in range(3):
            run(world, server)
            world.clock.advance(timedelta(hours=2))
    finally:
        server.stop()
    with world.app.uow() as uow:
        [failed] = uow.outbox.failed()
        assert failed.attempts == 3


def test_connection_dropped_mid_batch_loses_nothing(world: World) -> None:
    recorder = Recorder(drop_after_store={5})
    server = SmtpServer(recorder).start()
    try:
        queue(world, 12)
        first = run(world, server)
        assert first.sent == 4
        assert first.released == 7
        world.clock.advance(timedelta(minutes=2))
        run(world, server)
    finally:
        server.stop()
    ids = recorder.message_ids()
    assert len(set(ids)) == 12  # every mail arrived; the dropped one may have arrived twice
    assert states(world)["sent"] == 12


def test_two_delivery_steps_at_once_never_send_a_mail_twice(
    world: World, server: SmtpServer
) -> None:
    world.app.settings.mail.batch_size = 7
    queue(world, 120)
    reports: list[DeliveryReport] = []

    def step() -> None:
        reports.append(run(world, server))

    threads = [threading.Thread(target=step) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = server.recorder.message_ids()
    assert len(ids) == len(set(ids)) == 120
    assert sum(r.sent for r in reports) == 120


def test_mail_queued_after_office_hours_waits_for_the_next_working_morning(
    world: World, server: SmtpServer
) -> None:
    world.clock.set(datetime(2025, 4, 4, 17, 30, tzinfo=LOCAL_TZ))  # Friday evening
    queue(world, 2)
    assert run(world, server).sent == 0
    world.clock.set(datetime(2025, 4, 5, 9, 0, tzinfo=LOCAL_TZ))  # Saturday
    assert run(world, server).sent == 0
    world.clock.set(datetime(2025, 4, 7, 9, 0, tzinfo=LOCAL_TZ))  # Monday 7/4: Giỗ Tổ
    assert run(world, server).sent == 0
    world.clock.set(datetime(2025, 4, 8, 7, 30, tzinfo=LOCAL_TZ))  # Tuesday, opening time
    assert run(world, server).sent == 2


CRASHING_DELIVERY = """
import asyncio, os, sys
from datetime import datetime
from pathlib import Path
from domain.clock import FixedClock
from notifications.backends.file import FileBackend
from services.bootstrap import bootstrap, delivery
from services.settings import Settings

url, folder, crash_at, now = sys.argv[1:5]

class DiesMidBatch(FileBackend):
    written = 0

    async def send(self, envelope):
        if self.written == int(crash_at):
            os._exit(3)  # the process dies: no finally, no commit
        await super().send(envelope)
        self.written += 1

app = bootstrap(Settings(database_url=url), clock=FixedClock(datetime.fromisoformat(now)))
asyncio.run(delivery(app, DiesMidBatch(directory=Path(folder))).run())
"""


def test_the_file_sink_after_a_crash_holds_each_mail_once(world: World, tmp_path: Path) -> None:
    """The file sink records sent mail SENT_PER_COMMIT at a time: a process that dies
    between commits leaves mails written but not recorded; they are sent again and each
    replaces its own file, so every mail is there exactly once."""
    queue(world, 150)
    folder = tmp_path / "mail"
    crash_at = SENT_PER_COMMIT + 20
    died = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASHING_DELIVERY,
            world.app.settings.database_url,
            str(folder),
            str(crash_at),
            world.clock.now().isoformat(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert died.returncode == 3, died.stderr[-2000:]
    assert len(list(folder.glob("*.eml"))) == crash_at
    assert states(world)["sent"] == SENT_PER_COMMIT  # the last 20 written, not recorded
    world.clock.advance(timedelta(seconds=world.app.settings.mail.claim_lease_seconds + 1))
    report = asyncio.run(delivery(world.app, FileBackend(directory=folder)).run())
    assert report.sent == 150 - SENT_PER_COMMIT  # the 20 again, then the 30 never tried
    files = list(folder.glob("*.eml"))
    ids = [message_from_bytes(f.read_bytes())["Message-ID"] for f in files]
    assert len(files) == len(set(ids)) == 150
    assert states(world)["sent"] == 150


def test_build_processes_make_the_same_messages_each_sent_once(
    world: World, tmp_path: Path
) -> None:
    """Delivery with messages built by processes of their own writes the same bytes as
    delivery building each itself, every mail once and in the same files."""
    queue(world, 45)
    here, apart = tmp_path / "here", tmp_path / "apart"
    first = asyncio.run(delivery(world.app, FileBackend(directory=here)).run())
    with world.app.uow() as uow:
        session_of(uow).execute(update(OutboxRow).values(state="pending", claim_token=None))
        uow.commit()
    world.app.settings.mail.build_workers = 2
    world.app.settings.mail.batch_size = 20  # several batches, each cut into several tasks
    second = asyncio.run(delivery(world.app, FileBackend(directory=apart)).run())
    assert first.sent == second.sent == 45
    built_here = {f.name: f.read_bytes() for f in here.glob("*.eml")}
    built_apart = {f.name: f.read_bytes() for f in apart.glob("*.eml")}
    assert len(built_here) == 45
    assert built_apart == built_here
    assert states(world)["sent"] == 45
