"""The demo: the 2025 plan on a fresh SQLite database, through the same services as production."""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from documents.plan_files import load_calendar, load_plan, load_units
from documents.schedule import write_schedule
from domain.clock import LOCAL_TZ, FixedClock
from domain.schedule import all_tasks, build_schedule
from services.bootstrap import bootstrap, delivery, mailer
from services.plans import load_plan as store_plan
from services.settings import Settings
from services.status import status_by_unit
from services.tasks import assign
from storage.migrate import upgrade

ISSUED = datetime(2025, 3, 26, 8, 0, tzinfo=LOCAL_TZ)  # the plan's date, a working morning
# The simulated instant the demo reports status at: the unit-report cut-off morning.
DEMO_NOW = datetime(2025, 11, 14, 7, 30, tzinfo=LOCAL_TZ)


@dataclass
class DemoResult:
    files: list[Path] = field(default_factory=list)
    summary: str = ""


def run_demo(settings: Settings, out: Path) -> DemoResult:
    out.mkdir(parents=True, exist_ok=True)
    db = out / "cchc.db"
    for stale in (db, db.with_name("cchc.db-wal"), db.with_name("cchc.db-shm")):
        stale.unlink(missing_ok=True)
    mail_dir = out / "mail"
    shutil.rmtree(mail_dir, ignore_errors=True)
    mail = settings.mail.model_copy(update={"backend": "file", "file_dir": mail_dir})
    settings = settings.model_copy(update={"database_url": f"sqlite:///{db}", "mail": mail})
    upgrade(settings.database_url)
    calendar = load_calendar(settings.calendar_overrides_path)
    directory = load_units(settings.units_path)
    plan = load_plan(settings.plan_path, directory=directory, calendar=calendar)
    app = bootstrap(settings, clock=FixedClock(ISSUED))
    with app.uow() as uow:
        report = store_plan(
            uow, plan=plan, directory=directory, calendar=calendar, at=app.clock.now(), actor="demo"
        )
    # The plan is issued: every task open on that day is assigned by mail (out/mail/*.eml).
    opening = [t.key for t in all_tasks(plan, directory, calendar) if t.opens_on <= ISSUED.date()]
    with app.uow() as uow:
        assign(uow, mailer(app, plan, directory), opening, now=app.clock.now())
    sent = asyncio.run(delivery(app).run())
    with app.uow() as uow:
        rows = status_by_unit(uow, now=DEMO_NOW, plan=plan.code)
    app.close()
    md, js = write_schedule(
        out, plan, directory, calendar, build_schedule(plan, directory, calendar)
    )
    summary = {
        "plan": plan.code,
        "tasks": report.tasks_created,
        "mails": {"assigned": len(opening), "delivered": sent.sent, "folder": str(mail_dir)},
        "status_at": DEMO_NOW.isoformat(),
        "status": {r.unit: {b.value: n for b, n in r.counts.items()} for r in rows},
    }
    summary_path = out / "summary.json"
    summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", "utf-8")
    text = (
        f"{plan.number_symbol}: {len(plan.activities)} activities, {report.tasks_created} tasks; "
        f"{sent.sent} assignment mails in {mail_dir}/"
    )
    return DemoResult([db, md, js, summary_path, mail_dir], text)
