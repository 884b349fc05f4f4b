"""out/summary.json: what the replay reached, read back from its database."""

from __future__ import annotations

import json
import resource
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from domain.clock import LOCAL_TZ
from domain.plan import Plan
from domain.status import BUCKET_LABELS_VI, bucket
from domain.task import Task
from domain.year_end import year_end_dates
from replay.people import People
from services.bootstrap import App
from storage.replay_reads import DraftSeen, ReplayReads


@dataclass(frozen=True)
class Stored:
    """What the database holds at the end of the replay."""

    tasks: list[Task]
    sent: dict[str, int]  # mails sent, by kind
    rungs: dict[str, dict[str, int]]  # ladder → rung → times fired
    draft: DraftSeen | None


def stored(app: App, plan: str) -> Stored:
    with app.uow() as uow:
        tasks = uow.tasks.find(plan=plan)
    reads = ReplayReads(app.engine)
    return Stored(tasks, reads.sent_by_kind(), reads.rungs_fired(), reads.newest_draft())


def summarize(
    app: App, plan: Plan, out: Path, people: People, outcome: dict[str, Any], started: float
) -> dict[str, Any]:
    """out/summary.json: every task's outcome, mails by kind, escalations, the deadlines;
    the newest report draft copied beside it."""
    deadlines = _deadlines(app, plan)
    now = people.clock.now()
    found = stored(app, plan.code)
    if found.draft is not None:  # the final as sent, else the newest draft
        draft = found.draft
        shutil.copyfile(draft.final_docx_path or draft.docx_path, out / "report-2025.docx")
        if draft.final_pdf_path:
            shutil.copyfile(draft.final_pdf_path, out / "report-2025.pdf")
        (out / "report-2025.md").write_text(draft.markdown, encoding="utf-8")
    summary = {
        "plan": plan.code,
        "simulated_until": now.astimezone(LOCAL_TZ).isoformat(),
        "deadlines": deadlines,
        "tasks": _tasks(found.tasks, now),
        "buckets_vi": {b.value: label for b, label in BUCKET_LABELS_VI.items()},
        "submissions": {"total": people.submissions, "late": people.late},
        "mails": _mails(found.sent, out),
        "unit_mails": _unit_mails(ReplayReads(app.engine).unit_mails(), len(found.tasks)),
        "ladder_rungs_fired": found.rungs,
        "escalations": sum(
            n for ladder in found.rungs.values() for r, n in ladder.items() if r == "T+3"
        ),
        "report": _report(found.draft, outcome),
        "wall_seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return summary


def _deadlines(app: App, plan: Plan) -> dict[str, str]:
    dates = year_end_dates(plan, app.calendar)
    return {
        "unit_reports_open": dates.opens_on.isoformat(),
        "unit_reports_due": dates.unit_due.isoformat(),
        "report_to_ubnd_due": dates.final_due.isoformat(),
    }


def _tasks(tasks: list[Task], now: datetime) -> dict[str, Any]:
    outcomes = {str(t.key): (b.value if (b := bucket(t, now)) else t.state.value) for t in tasks}
    return {
        "total": len(tasks),
        "by_outcome": dict(Counter(outcomes.values())),
        "outcome": outcomes,
    }


def _mails(sent: dict[str, int], out: Path) -> dict[str, Any]:
    return {
        "by_kind": dict(sent),
        "total": sum(sent.values()),
        "eml_files": len(list((out / "mail").glob("*.eml"))),
    }


_DIGESTS = ("unit_digest", "assignment_digest")
UNIT_MAILS_PER_TASK = 1.5  # the goal: assignment, reminder and chase mails per task


def _unit_mails(mails: list[tuple[str, str]], tasks: int) -> dict[str, Any]:
    """The mails units get about their work (assignments, reminders, chases, digests;
    receipts aside): per task on average, and how many each unit got."""
    by_unit: Counter[str] = Counter()
    for kind, key in mails:
        part = key.split(":")[1]  # "<plan>:<unit>:<digest kind>:…" or "<plan>:<task key>:…"
        by_unit[part if kind in _DIGESTS else part.split("/")[1]] += 1
    per_task = len(mails) / max(tasks, 1)
    return {
        "total": len(mails),
        "per_task": round(per_task, 2),
        "target_per_task": UNIT_MAILS_PER_TASK,
        "met": per_task <= UNIT_MAILS_PER_TASK,
        "by_unit": dict(sorted(by_unit.items())),
    }


def _report(draft: DraftSeen | None, outcome: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": draft.version if draft else None,
        "state": draft.state if draft else None,
        "number_symbol": draft.number_symbol if draft else None,
        "pdf": bool(draft and draft.final_pdf_path),
        "pdf_signed_by": draft.signed_by if draft else None,
        **outcome.get("year_end", {}),
    }
