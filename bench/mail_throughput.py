"""P4: render + enqueue + deliver 2,000 mails vs raw aiosmtplib sending the same messages.

The baseline sends the same mails, built and flattened beforehand, with aiosmtplib's
`sendmail` over one connection; ours renders, enqueues (100 per transaction, SQLite file) and
delivers them through the outbox. Both go to an aiosmtpd sink in its own process
(`cchc mail-sink`), alternating for --rounds rounds; the medians are compared.
Usage: python -m bench.mail_throughput [--count 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from email.message import Message
from pathlib import Path

import aiosmtplib

from bench.results import record
from documents.plans.files import load_calendar, load_plan, load_units
from domain.clock import LOCAL_TZ, FixedClock
from domain.schedule import all_tasks
from notifications.backends import SmtpBackend
from notifications.content import MailKind
from notifications.message import Envelope, envelope, to_email_message
from services.bootstrap import bootstrap, delivery, mailer
from services.mail import build_task_mail, enqueue_task_mail
from services.plans import load_plan as store_plan
from services.settings import MailSettings, Settings, SmtpSettings
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2025, 4, 1, 8, 0, tzinfo=LOCAL_TZ)

Prebuilt = tuple[Envelope, Message]  # a mail flattened, and its message object


def start_sink(folder: Path, port: int) -> subprocess.Popen[bytes]:
    cchc = str(Path(sys.executable).with_name("cchc"))
    sink = subprocess.Popen(
        [cchc, "mail-sink", "--quiet", "--dir", str(folder), "--port", str(port)],
        stderr=subprocess.PIPE,
    )
    assert sink.stderr is not None
    sink.stderr.readline()  # "mail sink on …": it listens
    return sink


async def raw_send(messages: list[Prebuilt], port: int, *, flattened: bool) -> float:
    """aiosmtplib alone over one connection: `send_message` with the built message objects,
    or (flattened) `sendmail` with their bytes — the floor no pipeline can beat."""
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30)
    await client.connect()
    started = time.perf_counter()
    for item, message in messages:
        if flattened:
            await client.sendmail(item.sender, list(item.recipients), item.data)
        else:
            await client.send_message(message)
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
        ids = {key: found.id for key, found in uow.tasks.keyed(plan=plan.code).items()}
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


def prebuilt(count: int) -> list[Prebuilt]:
    app = bootstrap(Settings(), clock=FixedClock(NOW))
    units = load_units(ROOT / "plans/units.example.yaml")
    cal = load_calendar(ROOT / "plans/calendar-overrides.yaml")
    app.__dict__["calendar"] = cal
    plan = load_plan(ROOT / "plans/2025-skhcn-quang-ngai.yaml", directory=units, calendar=cal)
    tasks, mail = all_tasks(plan, units, cal), mailer(app, plan, units)
    mails = [
        build_task_mail(
            mail,
            tasks[i % len(tasks)],
            MailKind.REMINDER,
            now=NOW,
            rung=f"raw-{i}",
            extra={"lead": "Còn 5 ngày làm việc"},
        )[1]
        for i in range(count)
    ]
    return [(envelope(m), to_email_message(m)) for m in mails]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    args = parser.parse_args()
    from tests.smtp_server import free_port

    raws, floors, ours = [], [], []
    messages = prebuilt(args.count)
    for round_ in range(args.rounds):
        workdir = Path(tempfile.mkdtemp(prefix="cchc-bench-"))
        port = free_port()
        sink = start_sink(workdir / "sink", port)
        try:
            raws.append(asyncio.run(raw_send(messages, port, flattened=False)))
            floors.append(asyncio.run(raw_send(messages, port, flattened=True)))
            ours.append(pipeline(args.count, port, workdir))
        finally:
            sink.terminate()
            sink.wait(timeout=30)
            received = len(list((workdir / "sink").glob("*.eml")))
            shutil.rmtree(workdir, ignore_errors=True)
        if received != 3 * args.count:
            raise SystemExit(f"round {round_ + 1}: the sink received {received} mails")
        enqueue, deliver = ours[-1]
        print(
            f"round {round_ + 1} (ms/mail): aiosmtplib send_message "
            f"{1000 * raws[-1] / args.count:.2f}, sendmail of bytes "
            f"{1000 * floors[-1] / args.count:.2f}; ours render+enqueue "
            f"{1000 * enqueue / args.count:.2f} + deliver {1000 * deliver / args.count:.2f}"
        )
    rate = args.count / statistics.median(e + d for e, d in ours)
    raw_rate = args.count / statistics.median(raws)
    floor_rate = args.count / statistics.median(floors)
    entry = record(
        "P4",
        value=rate,
        unit="mails/s",
        baseline=raw_rate,
        goal="ratio >= 0.8",
        met=rate / raw_rate >= 0.8,
        count=args.count,
        rounds=args.rounds,
        baseline_what="aiosmtplib send_message of the pre-built messages, one connection",
        floor=round(floor_rate, 3),
        floor_ratio=round(rate / floor_rate, 3),
        floor_what="aiosmtplib sendmail of the pre-flattened bytes, one connection",
        enqueue_ms=round(1000 * statistics.median(e for e, _ in ours) / args.count, 3),
        deliver_ms=round(1000 * statistics.median(d for _, d in ours) / args.count, 3),
    )
    print(f"{'figure (medians)':<46}{'value':>10}{'baseline':>10}{'ratio':>8}")
    print(
        f"{'P4 render+enqueue+deliver, mails/s':<46}{rate:>10.1f}{raw_rate:>10.1f}"
        f"{entry['ratio']:>8.2f}  goal ≥ 0.8: {'met' if entry['met'] else 'MISSED'}"
    )
    print(
        f"{'   against sendmail of pre-flattened bytes':<46}{rate:>10.1f}{floor_rate:>10.1f}"
        f"{rate / floor_rate:>8.2f}"
    )


if __name__ == "__main__":
    main()
