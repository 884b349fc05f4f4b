"""`cchc mail …` and `cchc mail-sink` end to end, with real processes and a real SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from tests.conftest import PLAN_PATH
from tests.smtp_server import Recorder, SmtpServer, free_port

runner = CliRunner()
CCHC = str(Path(sys.executable).with_name("cchc"))


def test_mail_sink_stores_and_prints_what_send_test_sends(tmp_path: Path) -> None:
    port, folder = free_port(), tmp_path / "sink"
    sink = subprocess.Popen(
        [CCHC, "mail-sink", "--dir", str(folder), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        env = {**os.environ, "CCHC_MAIL__BACKEND": "smtp", "CCHC_MAIL__SMTP__PORT": str(port)}
        for _ in range(100):  # wait for the listener
            sent = subprocess.run(
                [CCHC, "mail", "send-test", "vanphong@skhcn.example.invalid"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            if sent.returncode == 0 or "connect" not in sent.stderr:
                break
            time.sleep(0.2)
        assert sent.returncode == 0, sent.stderr
        [eml] = list(folder.glob("*.eml"))
        message = message_from_bytes(eml.read_bytes(), policy=policy.default)
        assert message["Subject"].startswith("[CCHC 2025] Đề nghị thực hiện nhiệm vụ")
        assert message["To"].addresses[0].addr_spec == "vanphong@skhcn.example.invalid"
    finally:
        sink.terminate()
        stdout, _ = sink.communicate(timeout=30)
    assert sink.returncode == 0
    assert "000001.eml" in stdout
    assert "vanphong@skhcn.example.invalid" in stdout


def test_deliver_failed_and_retry(tmp_path: Path) -> None:
    recorder = Recorder(fault=lambda n: "550 5.1.1 Không có hộp thư này" if n == 1 else None)
    server = SmtpServer(recorder).start()
    env = {
        "CCHC_DATABASE_URL": f"sqlite:///{tmp_path / 'cchc.db'}",
        "CCHC_MAIL__BACKEND": "smtp",
        "CCHC_MAIL__SMTP__PORT": str(server.port),
    }
    try:
        assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
        assert runner.invoke(app, ["plan", "load", str(PLAN_PATH)], env=env).exit_code == 0
        _queue_two(env)
        delivered = runner.invoke(app, ["mail", "deliver"], env=env)
        assert delivered.exit_code == 0
        assert "1 sent, 0 to retry, 1 failed" in delivered.stdout
        failed = runner.invoke(app, ["mail", "failed"], env=env)
        assert failed.exit_code == 0
        assert "Không có hộp thư này" in failed.stdout
        status = runner.invoke(app, ["status", "--at", "2025-04-01T09:00"], env=env)
        assert "1 gửi không thành công" in status.stdout
        assert "cchc mail failed" in status.stdout
        retried = runner.invoke(app, ["mail", "retry"], env=env)
        assert "1 mails queued again" in retried.stdout
        again = runner.invoke(app, ["mail", "deliver"], env=env)
        assert "1 sent" in again.stdout
    finally:
        server.stop()
    assert len({m["Message-ID"] for m in recorder.received}) == 2


def _queue_two(env: dict[str, str]) -> None:
    """Queue two assignment mails through the service the flows use, at a working morning."""
    from datetime import datetime

    from documents.plans.files import load_calendar, load_plan, load_units
    from domain.clock import LOCAL_TZ, FixedClock
    from domain.schedule import all_tasks
    from services.bootstrap import bootstrap, mailer
    from services.settings import Settings
    from services.tasks import assign
    from tests.conftest import OVERRIDES_PATH, UNITS_PATH

    settings = Settings(database_url=env["CCHC_DATABASE_URL"])
    clock = FixedClock(datetime(2025, 4, 1, 8, 0, tzinfo=LOCAL_TZ))
    app_ = bootstrap(settings, clock=clock)
    units, cal = load_units(UNITS_PATH), load_calendar(OVERRIDES_PATH)
    plan = load_plan(PLAN_PATH, directory=units, calendar=cal)
    with app_.uow() as uow:
        assign(
            uow,
            mailer(app_, plan, units),
            [t.key for t in all_tasks(plan, units, cal)[:2]],
            now=clock.now(),
        )
    app_.close()
