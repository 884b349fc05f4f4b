"""The SMTP server is down while 100 mails wait: the morning sweeps (the real flow, on a real
Prefect API) keep them, and once the server is back every one arrives exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from domain.clock import LOCAL_TZ
from domain.schedule import all_tasks
from flows import common
from flows.sweep import deadline_sweep
from services.tasks import assign
from tests.conftest import PLAN_CODE, PLAN_PATH, UNITS_PATH
from tests.smtp_server import SmtpServer, free_port

QUEUED = datetime(2025, 4, 29, 8, 0, tzinfo=LOCAL_TZ)  # no rung due (nor missed), no summary


@pytest.fixture
def smtp_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    port = free_port()
    url = f"sqlite:///{tmp_path / 'cchc.db'}"
    for name, value in {
        "CCHC_DATABASE_URL": url,
        "CCHC_UNITS_PATH": str(UNITS_PATH),
        "CCHC_PLAN_PATH": str(PLAN_PATH),
        "CCHC_MAIL__BACKEND": "smtp",
        "CCHC_MAIL__SMTP__PORT": str(port),
        "CCHC_MAIL__SMTP__TIMEOUT": "3",
        "CCHC_BPMN_DIR": str(tmp_path / "bpmn"),
    }.items():
        monkeypatch.setenv(name, value)
    common.CACHE.clear()
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["plan", "load", str(PLAN_PATH)]).exit_code == 0
    yield port
    common.CACHE.clear()


def test_a_hundred_mails_survive_an_smtp_outage(prefect_api: None, smtp_port: int) -> None:
    ctx = common.context(PLAN_CODE)
    keys = [t.key for t in all_tasks(ctx.plan, ctx.directory, ctx.app.calendar)][:100]
    with ctx.app.uow() as uow:
        assert assign(uow, ctx.mailer, keys, now=QUEUED) == 100
    down = deadline_sweep(PLAN_CODE, now=QUEUED.replace(minute=30))
    assert (down["delivery"]["sent"], down["delivery"]["retried"]) == (0, 100)
    server = SmtpServer(port=smtp_port).start()
    try:
        early = deadline_sweep(PLAN_CODE, now=QUEUED.replace(minute=30, second=30))
        assert early["delivery"]["sent"] == 0  # still backing off: not even tried
        up = deadline_sweep(PLAN_CODE, now=QUEUED.replace(hour=9))
        again = deadline_sweep(PLAN_CODE, now=QUEUED.replace(hour=10))
    finally:
        server.stop()
    assert up["delivery"]["sent"] == 100
    assert again["delivery"]["sent"] == 0
    ids = server.recorder.message_ids()
    assert len(ids) == len(set(ids)) == 100  # every mail, exactly once
    with ctx.app.uow() as uow:
        assert uow.outbox.counts()["sent"] == 100
