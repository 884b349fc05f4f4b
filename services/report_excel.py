"""The Office's progress workbook from the database: the same facts the year-end report reads."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from documents.report.excel import progress_book_bytes, write_progress_book
from documents.report.excel_book import CountLine, EvidenceLine, FormHead, ProgressBook, TaskLine
from domain.clock import local_date
from domain.policy import Stage, stage_label
from domain.status import Bucket
from domain.task import DONE_STATES, TaskState
from domain.vi import dmy
from services.context import PlanContext
from services.report_data import summed_counts
from services.report_facts import Entry, Evidence, Facts, buckets, days_late, read_facts

TITLE = "Tiến độ thực hiện Kế hoạch số {symbol} ({at})"
# How report_facts.Evidence writes a file's text ("tệp: <filename>"); a link's is its URL.
_FILE_PREFIX = "tệp: "


def progress_book(ctx: PlanContext, *, now: datetime) -> ProgressBook:
    """Every task of the plan at `now` with its bucket, the evidence handed in with the latest
    submissions, and the counts of each unit's report stage per form."""
    facts = read_facts(ctx)
    entries = _in_order(ctx, facts.entries)
    found = {e.id: b for b, listed in buckets(facts, now=now).items() for e in listed}
    return ProgressBook(
        title=TITLE.format(symbol=ctx.plan.number_symbol, at=dmy(local_date(now))),
        units=tuple(dict.fromkeys(_name(ctx, e.unit) for e in entries)),
        forms=_forms(ctx, entries),
        tasks=tuple(_task_line(ctx, e, found.get(e.id), now) for e in entries),
        evidence=_evidence(ctx, facts, entries),
        counts=_count_lines(ctx, entries),
    )


def progress_xlsx(ctx: PlanContext, *, now: datetime) -> bytes:
    """The workbook as bytes, for a download."""
    return progress_book_bytes(progress_book(ctx, now=now))


def write_progress(ctx: PlanContext, path: Path, *, now: datetime) -> Path:
    """Write the workbook to `path` (replaced whole); the path."""
    return write_progress_book(progress_book(ctx, now=now), path)


def _forms(ctx: PlanContext, entries: list[Entry]) -> tuple[FormHead, ...]:
    """The plan's forms, and the year-end report once its tasks exist; each with the stages
    its tasks have (all four until there are any)."""
    year_end = ctx.plan.year_end_activity()
    heads = []
    for activity in [*ctx.plan.activities, year_end]:
        stages = {e.task.key.stage for e in entries if e.task.key.activity == activity.code}
        if activity is year_end and not stages:
            continue
        ordered = tuple(s for s in Stage if s in stages) or tuple(Stage)
        heads.append(FormHead(activity.number, activity.title, ordered))
    return tuple(heads)


def _task_line(ctx: PlanContext, entry: Entry, found: Bucket | None, now: datetime) -> TaskLine:
    task = entry.task
    submitted = task.submitted_at if task.state in DONE_STATES else None
    late = days_late(task, found, now=now, calendar=ctx.app.calendar) if found else 0
    return TaskLine(
        unit=_name(ctx, task.key.unit),
        form=_number(ctx, task.key.activity),
        stage=task.key.stage,
        seq=task.key.seq,
        stage_label=stage_label(task.key.stage, task.key.seq),
        due=task.due_on,
        submitted=local_date(submitted) if submitted else None,
        bucket=found,
        cancelled=task.state is TaskState.CANCELLED,
        days_late=late,
    )


def _evidence(ctx: PlanContext, facts: Facts, entries: list[Entry]) -> tuple[EvidenceLine, ...]:
    by_id = {e.id: e for e in entries}
    place = {task_id: i for i, task_id in enumerate(by_id)}
    items = sorted(
        (i for i in facts.evidence if i.task_id in by_id), key=lambda i: place[i.task_id]
    )
    return tuple(_evidence_line(ctx, by_id[i.task_id], i) for i in items)


def _evidence_line(ctx: PlanContext, entry: Entry, item: Evidence) -> EvidenceLine:
    key = entry.task.key
    return EvidenceLine(
        unit=_name(ctx, key.unit),
        form=_number(ctx, key.activity),
        stage_label=stage_label(key.stage, key.seq),
        is_file=item.is_file,
        text=item.text.removeprefix(_FILE_PREFIX) if item.is_file else item.text,
        # the evidence came with the latest version, handed in when the task last was
        recorded=entry.task.submitted_at,
    )


def _count_lines(ctx: PlanContext, entries: list[Entry]) -> tuple[CountLine, ...]:
    """Per unit and form, the counts of its handed-in report stage (the year-end report
    repeats them, so it is left out, as the consolidated report does)."""
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        key = entry.task.key
        if key.stage is Stage.REPORT and not entry.year_end and entry.payload is not None:
            groups.setdefault((key.unit, key.activity), []).append(entry)
    return tuple(
        CountLine(_name(ctx, unit), _number(ctx, activity), summed_counts(reports))
        for (unit, activity), reports in groups.items()
    )


def _in_order(ctx: PlanContext, entries: list[Entry]) -> list[Entry]:
    """By unit as the directory lists them, then form, stage and check-in."""
    units = {u.code: i for i, u in enumerate(ctx.directory.units)}
    stages = list(Stage)

    def rank(entry: Entry) -> tuple[int, str, int, int, int]:
        key = entry.task.key
        place = units.get(key.unit, len(units))
        return place, key.unit, _number(ctx, key.activity), stages.index(key.stage), key.seq

    return sorted(entries, key=rank)


def _number(ctx: PlanContext, activity: str) -> int:
    found = ctx.plan.activity(activity)
    return found.number if found else 0


def _name(ctx: PlanContext, code: str) -> str:
    unit = ctx.directory.unit(code)
    return unit.name if unit else code
