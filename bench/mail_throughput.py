"""P4: render + enqueue + deliver 2,000 mails vs raw aiosmtplib sending the same messages.

Both send to one aiosmtpd sink running in its own process (`cchc mail-sink`), in the same run.
Usage: python -m bench.mail_throughput [--count 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import aiosmtplib

from bench.results import record
from documents.plan_files import load_calendar, load_plan, load_units
from domain.clock import LOCAL_TZ, FixedClock
from domain.schedule import all_tasks
from notifications.backends import SmtpBackend
from notifications.content import MailKind
from notifications.message import to_email_message
from services.bootstrap import bootstrap, delivery, mailer
from services.mail import build_task_mail, enqueue_task_mail
from services.plans import load_plan as store_plan
from services.settings import MailSettings, Settings, SmtpSettings
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2025, 4, 1, 8, 0, tzinfo=LOCAL_TZ)


def start_sink(folder: Path, port: int) -> subprocess.Popen[bytes]:
    cchc = str(Path(sys.executable).with_name("cchc"))
    sink = subprocess.Popen(
        [cchc, "mail-sink", "--quiet", "--dir", str(folder), "--port", str(port)],
        stderr=subprocess.PIPE,
    )
    assert sink.stderr is not None
    sink.stderr.readline()  # "mail sink on …": it listens
    return sink


async def raw_send(messages: list[object], port: int) -> float:
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30)
    await client.connect()
    started = time.perf_counter()
    for message in messages:
        await client.send_message(message)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    await client.quit()
    return elapsed


def pipeline(count: int, port: int, workdir: Path) -> tuple[float, float]:
    """Render and enqueue `count` mails (100 per transaction), then deliver them all.

    Returns the seconds spent enqueueing and delivering."""
    url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url,
        mail=MailSettings(backend="smtp", smtp=SmtpSettings(port=port), batch_size=100),
    )
    app = bootstrap(settings, clock=FixedClock(NOW))
    units = load_units(ROOT / "plans/units.example.yaml")
    cal = load_calendar(ROOT / "plans/calendar-overrides.yaml")
    app.__dict__["calendar"] = cal
    plan = load_plan(ROOT / "plans/2025-skhcn-quang-ngai.yaml", directory=units, calendar=cal)
    with app.uow() as uow:
        store_plan(uow, plan=plan, directory=units, calendar=cal, at=NOW, actor="bench")
    tasks, mail = all_tasks(plan, units, cal), mailer(app, plan, units)
    with app.uow() as uow:  # as the sweep does: the task rows are at hand
        plan_row = uow.plans.row(plan.code)
        assert plan_row is not None
        ids = {key: row.id for key, row in uow.tasks.keyed_rows(plan_id=plan_row.id).items()}
    started = time.perf_counter()
    for first in range(0, count, 100):
        with app.uow() as uow:
            for i in range(first, min(first + 100, count)):
                task = tasks[i % len(tasks)]
                enqueue_task_mail(
                    uow,
                    mail,
                    task,
                    MailKind.REMINDER,
                    now=NOW,
                    rung=f"bench-{i}",
                    extra={"lead": "Còn 5 ngày làm việc"},
                    task_id=ids[task.key],
                )
            uow.commit()
    queued = time.perf_counter()
    backend = SmtpBackend(host="127.0.0.1", port=port, timeout=30)
    report = asyncio.run(delivery(app, backend).run())
    delivered = time.perf_counter()
    app.close()
    if report.sent != count:
        raise SystemExit(f"pipeline sent {report.sent} of {count}: {report}")
    return queued - started, delivered - queued


def prebuilt(count: int) -> list[object]:
    app = bootstrap(Settings(), clock=FixedClock(NOW))
    units = load_units(ROOT / "plans/units.example.yaml")
    cal = load_calendar(ROOT / "plans/calendar-overrides.yaml")
    app.__dict__["calendar"] = cal
    plan = load_plan(ROOT / "plans/2025-skhcn-quang-ngai.yaml", directory=units, calendar=cal)
    tasks, mail = all_tasks(plan, units, cal), mailer(app, plan, units)
    return [
        to_email_message(
            build_task_mail(
                mail,
                tasks[i % len(tasks)],
                MailKind.REMINDER,
                now=NOW,
                rung=f"raw-{i}",
                extra={"lead": "Còn 5 ngày làm việc"},
            )[1]
        )
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    from tests.smtp_server import free_port

    workdir = Path(tempfile.mkdtemp(prefix="cchc-bench-"))
    port = free_port()
    sink = start_sink(workdir / "sink", port)
    try:
        messages = prebuilt(args.count)
        raw = asyncio.run(raw_send(messages, port))
        enqueue, deliver = pipeline(args.count, port, workdir)
        ours = enqueue + deliver
    finally:
        sink.terminate()
        sink.wait(timeout=30)
        received = len(list((workdir / "sink").glob("*.eml")))
        shutil.rmtree(workdir, ignore_errors=True)
    raw_rate, our_rate = args.count / raw, args.count / ours
    entry = record(
        "P4",
        value=our_rate,
        unit="mails/s",
        baseline=raw_rate,
        goal="ratio >= 0.8",
        met=our_rate / raw_rate >= 0.8,
        count=args.count,
        sink_received=received,
    )
    print(f"{'figure':<44}{'value':>12}{'baseline':>12}{'ratio':>8}")
    print(
        f"{'P4 render+enqueue+deliver (mails/s)':<44}{our_rate:>12.1f}{raw_rate:>12.1f}"
        f"{entry['ratio']:>8.2f}  goal ≥ 0.8: {'met' if entry['met'] else 'MISSED'}"
    )
    print(
        f"  raw: {1000 * raw / args.count:.2f} ms/mail; ours: render+enqueue "
        f"{1000 * enqueue / args.count:.2f} ms/mail, deliver {1000 * deliver / args.count:.2f}"
    )
    print(f"sink received {received} mails ({2 * args.count} expected)")


if __name__ == "__main__":
    main()
