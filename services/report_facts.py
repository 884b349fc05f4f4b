"""What the consolidated report stands on: the plan's tasks, their latest submissions, evidence."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.calendar import WorkingCalendar
from domain.clock import local_date
from domain.policy import STAGE_LABELS_VI, NoticeKind, Stage, stage_label
from domain.records import Evidence as StoredEvidence
from domain.records import Submission
from domain.report import UnitAppendix, UnitTaskLine
from domain.status import BUCKET_LABELS_VI, Bucket, bucket, tally
from domain.task import DONE_STATES, Task, TaskState
from domain.units import Unit
from domain.vi import dmy
from domain.year_end import YEAR_END, YEAR_END_TITLE, reporting_units
from services import head
from services.context import PlanContext
from services.ports import UnitOfWork

YEAR_END_STAGE = "Báo cáo năm của các phòng, đơn vị"

# A line of a year-end report about one form, as the prefilled form writes it: "Hình thức
# 4. …" (forms handed in before that wording began "HT4. …", and units still write it so).
_FORM_TAG = re.compile(r"^(?:hình\s+thức|HT)\s*(\d+)\s*[.:)]\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """A task of the plan and, once handed in (submitted or accepted), its latest submission.

    A returned submission is what the Office sent back for revision, so it is not reported.
    """

    id: int
    task: Task
    payload: dict[str, Any] | None = None
    submission_id: int | None = None

    @property
    def unit(self) -> str:
        return self.task.key.unit

    @property
    def year_end(self) -> bool:
        return self.task.key.activity == YEAR_END

    @property
    def report(self) -> bool:
        """A unit's report: its year-end report or an activity's report stage."""
        return self.year_end or self.task.key.stage is Stage.REPORT

    def text(self, field: str) -> str:
        """A text field of the latest submission, on one line ('' when there is none)."""
        value = (self.payload or {}).get(field, "")
        return " ".join(str(value).split())

    def lines(self, field: str) -> list[str]:
        """A text field of the latest submission, line by line, blank lines left out."""
        value = str((self.payload or {}).get(field, "") or "")
        return [" ".join(line.split()) for line in value.splitlines() if line.strip()]


@dataclass(frozen=True)
class Evidence:
    task_id: int
    text: str  # the URL, or "tệp: <filename>"
    topics: tuple[str, ...]
    is_file: bool = False


@dataclass(frozen=True)
class Facts:
    entries: list[Entry]  # every task of the plan but the Office's revisions of the draft
    evidence: list[Evidence]  # of the latest submission of each handed-in task
    revision: dict[str, Any] | None  # the Office's latest revised text, if any
    notices: dict[str, int]  # ladder rungs fired, by kind
    raised: list[tuple[str, str]] = field(default_factory=list)  # heads' difficulties (unit, text)

    def of_activity(self, code: str) -> list[Entry]:
        return [e for e in self.entries if e.task.key.activity == code]

    def activity_entries(self) -> list[Entry]:
        return [e for e in self.entries if not e.year_end]

    def year_end_reports(self) -> dict[str, Entry]:
        return {e.unit: e for e in self.entries if e.year_end}

    def revision_lines(self, field: str) -> list[str]:
        """The revision's text in `field`, one paragraph per non-empty line."""
        value = str((self.revision or {}).get(field, ""))
        return [line.strip() for line in value.splitlines() if line.strip()]


def read_facts(ctx: PlanContext) -> Facts:
    """Everything the report needs from the database, in one read-only transaction."""
    with ctx.app.uow() as uow:
        tasks = uow.tasks.with_ids(plan=ctx.plan.code)
        revisions = [(i, t) for i, t in tasks if _is_revision(t, ctx.directory.office)]
        skip = {i for i, _t in revisions}
        handed_in = [i for i, t in tasks if i not in skip and t.state in DONE_STATES]
        latest = uow.submissions.latest(handed_in)
        entries = [_entry(i, t, latest.get(i)) for i, t in tasks if i not in skip]
        return Facts(
            entries=entries,
            evidence=_evidence(uow, entries),
            revision=_revision(uow, revisions),
            notices=uow.notices.counts(plan=ctx.plan.code),
            raised=[(unit, e.reason) for unit, e in head.raised(uow, ctx.plan.code)],
        )


def _is_revision(task: Task, office: str) -> bool:
    key = task.key
    return key.activity == YEAR_END and key.unit == office and key.seq > 1


def _entry(task_id: int, task: Task, latest: Submission | None) -> Entry:
    if task.state not in DONE_STATES or latest is None:
        return Entry(task_id, task)
    return Entry(task_id, task, dict(latest.payload), latest.id)


def _evidence(uow: UnitOfWork, entries: list[Entry]) -> list[Evidence]:
    latest = {e.id: e.submission_id for e in entries if e.payload is not None}
    rows = uow.submissions.evidence(list(latest)) if latest else []
    # Each version carries its own evidence rows: only the latest version's are current.
    current = [r for r in rows if r.submission_id in (None, latest[r.task_id])]
    return [e for r in current if (e := _evidence_item(r)) is not None]


def _evidence_item(row: StoredEvidence) -> Evidence | None:
    if row.kind == "link" and row.url:
        text = row.url
    elif row.kind == "file" and row.filename:
        text = f"tệp: {row.filename}"
    else:
        return None
    topics = tuple(str(t) for t in row.topics or [])
    return Evidence(row.task_id, text, topics, is_file=row.kind == "file")


def _revision(uow: UnitOfWork, revisions: list[tuple[int, Task]]) -> dict[str, Any] | None:
    for task_id, _task in sorted(revisions, key=lambda r: r[1].key.seq, reverse=True):
        versions = uow.submissions.versions(task_id)
        if versions:
            return dict(versions[-1].payload)
    return None


def report_units(ctx: PlanContext, facts: Facts) -> list[Unit]:
    """Every unit that reports, in directory order: the plan's and any given work since."""
    scheduled = set(reporting_units(ctx.plan, ctx.directory, ctx.app.calendar))
    working = {e.unit for e in facts.entries if e.task.state is not TaskState.CANCELLED}
    return [u for u in ctx.directory.units if u.code in scheduled | working]


def missing_units(ctx: PlanContext, facts: Facts) -> list[Unit]:
    """Reporting units whose year-end report is not handed in (or was never asked for)."""
    reports = facts.year_end_reports()
    return [
        u
        for u in report_units(ctx, facts)
        if u.code not in reports or reports[u.code].task.state not in DONE_STATES
    ]


def days_late(task: Task, found: Bucket, *, now: datetime, calendar: WorkingCalendar) -> int:
    """Working days past due: until handed in when done late, until `now` when overdue."""
    if found is Bucket.DONE_LATE and task.submitted_at is not None:
        until = local_date(task.submitted_at)
    elif found is Bucket.OVERDUE:
        until = local_date(now)
    else:
        return 0
    return max(0, -calendar.working_days_until(until, task.due_on))


def appendix(ctx: PlanContext, facts: Facts, *, now: datetime) -> list[UnitAppendix]:
    """Every reporting unit with its tasks at `now`; cancelled and unopened tasks left out."""
    titles = {a.code: a.title for a in ctx.plan.activities} | {YEAR_END: YEAR_END_TITLE}
    missing = {u.code for u in missing_units(ctx, facts)}
    by_unit: dict[str, list[Entry]] = {}
    for entry in facts.entries:
        by_unit.setdefault(entry.unit, []).append(entry)
    return [
        UnitAppendix(
            unit=unit.name,
            report_received=unit.code not in missing,
            tasks=_task_lines(ctx, by_unit.get(unit.code, []), titles, now),
        )
        for unit in report_units(ctx, facts)
    ]


def _task_lines(
    ctx: PlanContext, entries: Iterable[Entry], titles: dict[str, str], now: datetime
) -> list[UnitTaskLine]:
    lines = []
    for entry in entries:
        task = entry.task
        found = bucket(task, now)
        if found is None:
            continue
        lines.append(
            UnitTaskLine(
                activity=titles.get(task.key.activity, task.key.activity),
                form="" if entry.year_end else task.key.activity,
                stage=stage_label(task.key.stage, task.key.seq),
                due=task.due_on,
                bucket=found,
                days_late=days_late(task, found, now=now, calendar=ctx.app.calendar),
            )
        )
    return lines


def buckets(facts: Facts, *, now: datetime) -> dict[Bucket, list[Entry]]:
    """The tasks at `now` in each of the four QĐ 42/2014 buckets."""
    out: dict[Bucket, list[Entry]] = {b: [] for b in Bucket}
    for entry in facts.entries:
        found = bucket(entry.task, now)
        if found is not None:
            out[found].append(entry)
    return out


def in_directory_order(ctx: PlanContext, entries: list[Entry]) -> list[Entry]:
    """By unit as the directory lists them; a unit's year-end report before its activities."""
    order = {u.code: i for i, u in enumerate(ctx.directory.units)}
    return sorted(entries, key=lambda e: (order.get(e.unit, len(order)), not e.year_end, e.id))


def unit_name(ctx: PlanContext, code: str) -> str:
    unit = ctx.directory.unit(code)
    return unit.name if unit else code


@dataclass
class Said:
    """What the units wrote about one form (or, under "", about the plan as a whole)."""

    content: list[tuple[str, str]] = field(default_factory=list)
    estimate: list[tuple[str, str]] = field(default_factory=list)


def said_by_form(ctx: PlanContext, facts: Facts) -> defaultdict[str, Said]:
    """(unit, text) of every report by form code: an activity's report under its form, a
    year-end report line by line, under the form its "Hình thức <n>." names, else under ""."""
    codes = {str(a.number): a.code for a in ctx.plan.activities}
    said: defaultdict[str, Said] = defaultdict(Said)
    reports = [e for e in facts.entries if e.report and e.payload is not None]
    for entry in in_directory_order(ctx, reports):
        name = unit_name(ctx, entry.unit)
        for code, text in _routed(entry, "content", codes):
            said[code].content.append((name, text))
        for code, text in _routed(entry, "estimate", codes):
            said[code].estimate.append((name, text))
    return said


def _routed(entry: Entry, field: str, codes: dict[str, str]) -> list[tuple[str, str]]:
    if not entry.year_end:
        text = entry.text(field)
        return [(entry.task.key.activity, text)] if text else []
    routed = []
    for line in entry.lines(field):
        line = unicodedata.normalize("NFC", line)  # "Hình thức" typed in decomposed form
        tag = _FORM_TAG.match(line)
        code = codes.get(tag.group(1), "") if tag else ""
        routed.append((code, line[tag.end() :] if tag and code else line))
    return routed


def internal_lines(ctx: PlanContext, facts: Facts, *, now: datetime) -> list[str]:
    """The Office's own figures: reminders and chasers sent, tasks by stage and bucket."""
    live = [e for e in facts.activity_entries() if e.task.state is not TaskState.CANCELLED]
    done = [e for e in live if e.task.state in DONE_STATES]
    notices = facts.notices
    lines = [
        f"Đã gửi {notices.get(NoticeKind.REMINDER, 0)} lượt nhắc việc, "
        f"{notices.get(NoticeKind.OVERDUE, 0)} lượt đôn đốc và "
        f"{notices.get(NoticeKind.ESCALATION, 0)} lượt báo cáo Giám đốc về nhiệm vụ quá hạn.",
        f"Đến ngày {dmy(local_date(now))}, đã tiếp nhận kết quả {len(done)}/{len(live)} "
        "nhiệm vụ của các hình thức tuyên truyền.",
    ]
    for stage in Stage:
        tasks = [e.task for e in facts.activity_entries() if e.task.key.stage is stage]
        lines += _stage_line(STAGE_LABELS_VI[stage], tasks, now)
    reports = [e.task for e in facts.year_end_reports().values()]
    return lines + _stage_line(YEAR_END_STAGE, reports, now)


def _stage_line(label: str, tasks: list[Task], now: datetime) -> list[str]:
    counted = tally(tasks, now)
    total = sum(counted.values())
    if not total:
        return []
    parts = "; ".join(f"{counted[b]} {BUCKET_LABELS_VI[b].lower()}" for b in Bucket)
    return [f"Giai đoạn {label}: {total} nhiệm vụ ({parts})."]
