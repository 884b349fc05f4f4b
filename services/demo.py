"""`cchc demo`: the 2025 plan replayed on a fresh SQLite database, a simulated clock and a
file mail sink, through the real flows and services; writes the report, the mails and a
summary under `out/`."""

from __future__ import annotations

import json
import os
import resource
import secrets
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from documents.plan_files import load_calendar, load_plan, load_units
from documents.schedule import write_schedule
from domain.clock import LOCAL_TZ, FixedClock
from domain.schedule import build_schedule
from domain.status import BUCKET_LABELS_VI, bucket
from domain.year_end import YEAR_END, year_end_dates
from services import replay as sim
from services.accounts import hash_password
from services.bootstrap import bootstrap
from services.plans import load_plan as store_plan
from services.settings import Account, Settings
from storage.migrate import upgrade
from storage.tables import ActivityRow, NoticeRow, OutboxRow, ReportDraftRow, TaskRow


@dataclass
class DemoResult:
    files: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def demo_settings(settings: Settings, out: Path) -> Settings:
    """Everything under `out`: the database, the mail (one .eml per mail), the reports."""
    mail = settings.mail.model_copy(update={"backend": "file", "file_dir": out / "mail"})
    return settings.model_copy(
        update={
            "database_url": f"sqlite:///{out / 'cchc.db'}",
            "mail": mail,
            "report_dir": out / "reports",
        }
    )


def fresh(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("cchc.db", "cchc.db-wal", "cchc.db-shm", "report-2025.docx", "report-2025.md"):
        (out / name).unlink(missing_ok=True)
    for folder in ("mail", "reports", "uploads"):
        shutil.rmtree(out / folder, ignore_errors=True)


def run_demo(
    settings: Settings, out: Path, *, on_day: Callable[[date], None] | None = None
) -> DemoResult:
    """Replay the year; the flows read the same settings from the environment."""
    started = time.perf_counter()
    out = out.resolve()
    fresh(out)
    settings = demo_settings(settings, out)
    os.environ.update(
        CCHC_DATABASE_URL=settings.database_url,
        CCHC_MAIL__BACKEND="file",
        CCHC_MAIL__FILE_DIR=str(settings.mail.file_dir),
        CCHC_REPORT_DIR=str(settings.report_dir),
    )
    upgrade(settings.database_url)
    calendar = load_calendar(settings.calendar_overrides_path)
    directory = load_units(settings.units_path)
    plan = load_plan(settings.plan_path, directory=directory, calendar=calendar)
    clock = FixedClock(sim.at(plan.issued_on, 8))
    app = bootstrap(settings, clock=clock)
    with app.uow() as uow:
        store_plan(
            uow, plan=plan, directory=directory, calendar=calendar, at=clock.now(), actor="demo"
        )
    password = secrets.token_urlsafe(12)
    accounts = {
        "giamdoc": Account(
            role="director", name="Giám đốc Sở", password_hash=hash_password(password)
        )
    }
    portal_settings = settings.model_copy(
        update={
            "portal": settings.portal.model_copy(
                update={"accounts": accounts, "upload_dir": out / "uploads"}
            )
        }
    )
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.replay import replay  # imported late: Prefect reads its settings at import
    from portal.app import create_app

    with TestClient(create_app(portal_settings, clock=clock)) as client:
        people = sim.Units(client, clock, calendar, password, on_day or (lambda _d: None))
        sim.register(plan.code, people)
        # Heartbeats guard long runs on workers; in this one process each subflow would
        # wait up to a second for its heartbeat thread to stop.
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            outcome = replay(plan.code)
    summary = summarize(app, plan.code, out, people, outcome, started)
    app.close()
    schedule = write_schedule(
        out, plan, directory, calendar, build_schedule(plan, directory, calendar)
    )
    return DemoResult([*_outputs(out), *schedule], summary)


def _outputs(out: Path) -> list[Path]:
    return [out / "report-2025.docx", out / "report-2025.md", out / "mail", out / "summary.json"]


def summarize(
    app: Any, plan: str, out: Path, people: sim.Units, outcome: dict[str, Any], started: float
) -> dict[str, Any]:
    """out/summary.json: every task's outcome, mails by kind, escalations, the deadlines."""
    ctx_plan = load_plan(app.settings.plan_path)
    dates = year_end_dates(ctx_plan, app.calendar)
    now = people.clock.now()
    with app.uow() as uow:
        tasks = uow.tasks.find(plan=plan)
        sent = Counter(
            dict(
                uow.session.execute(
                    select(OutboxRow.kind, func.count())
                    .where(OutboxRow.state == "sent")
                    .group_by(OutboxRow.kind)
                ).all()
            )
        )
        fired = uow.session.execute(
            select(ActivityRow.code == YEAR_END, NoticeRow.rung, func.count())
            .join(TaskRow, TaskRow.id == NoticeRow.task_id)
            .join(ActivityRow, ActivityRow.id == TaskRow.activity_id)
            .group_by(ActivityRow.code == YEAR_END, NoticeRow.rung)
        ).all()
        draft = uow.session.scalars(
            select(ReportDraftRow).order_by(ReportDraftRow.version.desc())
        ).first()
    rungs = {
        ladder: {rung: n for year_end, rung, n in fired if year_end == (ladder == "year_end")}
        for ladder in ("activities", "year_end")
    }
    outcomes = {str(t.key): (b.value if (b := bucket(t, now)) else t.state.value) for t in tasks}
    if draft is not None:
        shutil.copyfile(draft.docx_path, out / "report-2025.docx")
        (out / "report-2025.md").write_text(draft.markdown, encoding="utf-8")
    summary = {
        "plan": plan,
        "simulated_until": now.astimezone(LOCAL_TZ).isoformat(),
        "deadlines": {
            "unit_reports_open": dates.opens_on.isoformat(),
            "unit_reports_due": dates.unit_due.isoformat(),
            "report_to_ubnd_due": dates.final_due.isoformat(),
        },
        "tasks": {
            "total": len(tasks),
            "by_outcome": dict(Counter(outcomes.values())),
            "outcome": outcomes,
        },
        "buckets_vi": {b.value: label for b, label in BUCKET_LABELS_VI.items()},
        "submissions": {"total": people.submissions, "late": people.late},
        "mails": {
            "by_kind": dict(sent),
            "total": sum(sent.values()),
            "eml_files": len(list((out / "mail").glob("*.eml"))),
        },
        "ladder_rungs_fired": rungs,
        "escalations": sum(n for ladder in rungs.values() for r, n in ladder.items() if r == "T+3"),
        "report": {
            "version": draft.version if draft else None,
            "state": draft.state if draft else None,
            **outcome.get("year_end", {}),
        },
        "wall_seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return summary
