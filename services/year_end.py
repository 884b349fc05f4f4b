"""The year-end collection and report: unit report tasks, the draft, the Director's decision,
the Office's revision, and the report sent to UBND tỉnh — each step idempotent."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from documents.report import render_html, render_markdown
from documents.report_files import write_report_files
from domain.clock import end_of_day, local_date
from domain.errors import NotFound
from domain.mail import Attachment, Mailbox
from domain.phrases import TimeWindow
from domain.policy import Audience, Stage
from domain.report_draft import SETTLED_STATES, DraftAction, DraftState, allowed, apply
from domain.task import ACTIVE_STATES, DONE_STATES, Task, TaskState
from domain.vi import dmy, long_date
from domain.year_end import YEAR_END, revision_key, unit_report_tasks, year_end_dates
from notifications.content import MailKind
from services.context import PlanContext
from services.mail import enqueue_assignments, enqueue_mail, enqueue_task_mail, local_time
from services.report_data import build_report_data
from storage.repositories import unit_ids
from storage.tables import ReportDraftRow
from storage.uow import UnitOfWork

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Collection:
    """How far the unit reports are: in, expected, and who is still missing."""

    done: int
    total: int
    missing: list[str]
    cut_off_passed: bool

    @property
    def finished(self) -> bool:
        return self.done >= self.total or self.cut_off_passed


def open_unit_reports(ctx: PlanContext, *, now: datetime) -> int:
    """Create the unit report tasks (once) and mail every one already open (once ever);
    how many mails were newly queued."""
    plan, today = ctx.plan, local_date(now)
    tasks = unit_report_tasks(plan, ctx.directory, ctx.app.calendar)
    with ctx.app.uow() as uow:
        rows = _ensure_tasks(uow, ctx, tasks, now=now)
        open_now: list[tuple[int, Task]] = [
            (rows[t.key.unit].id, t)
            for t in tasks
            if t.opens_on <= today and TaskState(rows[t.key.unit].state) in ACTIVE_STATES
        ]
        queued = enqueue_assignments(uow, ctx.mailer, open_now, now=now)
        uow.commit()
    return queued


def _ensure_tasks(
    uow: UnitOfWork, ctx: PlanContext, tasks: list[Task], *, now: datetime
) -> dict[str, Any]:
    plan_row = uow.plans.row(ctx.plan.code)
    if plan_row is None:
        raise NotFound(f"plan {ctx.plan.code!r} is not loaded")
    dates = year_end_dates(ctx.plan, ctx.app.calendar)
    year_end = ctx.plan.year_end_activity()
    window = TimeWindow(dates.opens_on, dates.unit_due, year_end.window)
    activity = uow.plans.save_activity(plan_row, year_end.number, YEAR_END, year_end.title, window)
    existing = uow.tasks.keyed_rows(plan_id=plan_row.id, activity=YEAR_END)
    ids = unit_ids(uow.session, [t.key.unit for t in tasks])
    rows: dict[str, Any] = {}
    for task in tasks:
        row = existing.get(task.key)
        if row is None:
            row = uow.tasks.add(
                task,
                plan_id=plan_row.id,
                activity_id=activity.id,
                unit_id=ids[task.key.unit],
                at=now,
            )
            row.origin = "year-end"
            uow.session.flush()
        rows[task.key.unit] = row
    return rows


def collection(ctx: PlanContext, *, now: datetime) -> Collection:
    dates = year_end_dates(ctx.plan, ctx.app.calendar)
    names = {u.code: u.name for u in ctx.directory.units}
    with ctx.app.uow() as uow:
        tasks = [
            t
            for _id, t in uow.tasks.slot(
                plan=ctx.plan.code, activity=YEAR_END, stage=Stage.REPORT, seq=1
            )
        ]
    live = [t for t in tasks if t.state is not TaskState.CANCELLED]
    missing = [names.get(t.key.unit, t.key.unit) for t in live if t.state not in DONE_STATES]
    return Collection(
        len(live) - len(missing), len(live), missing, now >= end_of_day(dates.unit_due)
    )


def prefill(ctx: PlanContext, unit: str) -> dict[str, Any]:
    """The unit's year-end report form, filled from what it already reported per activity,
    so the unit confirms and completes rather than retypes."""
    lines, links, topics, difficulties, proposals = [], [], [], [], []
    counts: dict[str, int] = defaultdict(int)
    with ctx.app.uow() as uow:
        for task_id, task in uow.tasks.with_ids(plan=ctx.plan.code, unit=unit):
            if task.key.activity == YEAR_END:
                continue
            versions = uow.submissions.versions(task_id)
            if task.key.stage is not Stage.REPORT or not versions:
                continue
            payload = versions[-1].payload
            activity = ctx.plan.activity(task.key.activity)
            number = activity.number if activity else "?"
            lines.append(f"HT{number}. {payload.get('content', '')}")
            for name, value in payload.get("counts", {}).items():
                counts[name] += int(value)
            links += [u for u in payload.get("links", []) if u not in links]
            topics += [t for t in payload.get("topics", []) if t not in topics]
            difficulties += [payload["difficulties"]] if payload.get("difficulties") else []
            proposals += [payload["proposals"]] if payload.get("proposals") else []
    form: dict[str, Any] = {f"count_{k}": str(v) for k, v in counts.items()}
    form.update(
        content="\n".join(lines),
        links="\n".join(links),
        topics=topics,
        difficulties="\n".join(difficulties),
        proposals="\n".join(proposals),
    )
    return form


def build_draft(ctx: PlanContext, *, now: datetime, folder: Path) -> ReportDraftRow:
    """The consolidated report as a draft for the Director: a new version when its content
    changed since the last decision, the same draft otherwise (files rewritten in place)."""
    data = build_report_data(ctx, now=now, draft=True)
    digest = hashlib.sha256(
        render_markdown(data.model_copy(update={"dated": date(ctx.plan.year, 1, 1)})).encode()
    ).hexdigest()
    with ctx.app.uow() as uow:
        plan_row = uow.plans.row(ctx.plan.code)
        assert plan_row is not None
        latest = uow.drafts.latest(plan_id=plan_row.id)
        if latest is not None and latest.state in SETTLED_STATES:
            return latest
        returned = latest is not None and latest.state == DraftState.RETURNED
        if latest is not None and returned and not _revised(uow, ctx, latest):
            return latest  # the next version waits for the Office's revision
        if latest is None or returned:
            version = (latest.version if latest else 0) + 1
            latest = uow.drafts.add(
                ReportDraftRow(
                    plan_id=plan_row.id,
                    version=version,
                    state=DraftState.DRAFT.value,
                    content_hash="",
                    markdown="",
                    html="",
                    created_at=now,
                )
            )
        if latest.content_hash != digest:
            files = write_report_files(
                data, folder, stem=f"report-{ctx.plan.year}-v{latest.version}"
            )
            latest.content_hash, latest.docx_path = digest, str(files["docx"])
            latest.markdown, latest.html = render_markdown(data), render_html(data)
            uow.audit.record(
                at=now,
                actor="flow:year-end-report",
                action="report.drafted",
                entity="report",
                key=f"{ctx.plan.code}#v{latest.version}",
                new={"hash": digest[:12]},
            )
        uow.commit()
        return latest


def latest_draft(ctx: PlanContext) -> ReportDraftRow | None:
    with ctx.app.uow() as uow:
        plan_row = uow.plans.row(ctx.plan.code)
        return uow.drafts.latest(plan_id=plan_row.id) if plan_row else None


def open_revision(ctx: PlanContext, *, draft: ReportDraftRow, now: datetime) -> bool:
    """The Director returned `draft`: the Office gets a revision task carrying the comments
    (once per returned version). True when it was opened now."""
    office = ctx.directory.office
    key = revision_key(office, draft.version)
    cal = ctx.app.calendar
    due = min(cal.add_working_days(local_date(now), 2), year_end_dates(ctx.plan, cal).final_due)
    task = Task(key, unit_report_tasks(ctx.plan, ctx.directory, cal)[0].role, local_date(now), due)
    with ctx.app.uow() as uow:
        plan_row = uow.plans.row(ctx.plan.code)
        assert plan_row is not None
        if uow.tasks.row(key, plan_id=plan_row.id) is not None:
            return False
        activity = uow.plans.row_activity(plan_row.id, YEAR_END)
        row = uow.tasks.add(
            task,
            plan_id=plan_row.id,
            activity_id=activity.id,
            unit_id=unit_ids(uow.session, [office])[office],
            at=now,
        )
        row.origin, row.reason = "year-end", draft.comments
        uow.session.flush()
        enqueue_task_mail(
            uow,
            ctx.mailer,
            task,
            MailKind.TASK_ASSIGNED,
            now=now,
            task_id=row.id,
            extra={
                "deliverable": f"Hoàn thiện dự thảo báo cáo theo ý kiến của Giám đốc: "
                f"{draft.comments}"
            },
        )
        uow.commit()
    return True


def revision_in(ctx: PlanContext, *, version: int) -> bool:
    with ctx.app.uow() as uow:
        draft = latest_draft(ctx)
        return draft is not None and draft.version == version and _revised(uow, ctx, draft)


def _revised(uow: UnitOfWork, ctx: PlanContext, draft: ReportDraftRow) -> bool:
    key = revision_key(ctx.directory.office, draft.version)
    row = uow.tasks.row(key, plan_id=draft.plan_id)
    return row is not None and TaskState(row.state) in DONE_STATES


def send_report(ctx: PlanContext, *, now: datetime) -> bool:
    """Send the approved report to UBND tỉnh, Sở Nội vụ in copy (per Nơi nhận), the .docx
    attached; tell the Office and the Director. Never twice: False when already sent."""
    with ctx.app.uow() as uow:
        plan_row = uow.plans.row(ctx.plan.code)
        assert plan_row is not None
        draft = uow.drafts.latest(plan_id=plan_row.id)
        if draft is None or not allowed(DraftState(draft.state), DraftAction.SEND):
            return False
        to, cc = _addressees(ctx)
        path = Path(draft.docx_path)
        report = _report_values(ctx, draft, now=now, recipients=[m.name for m in to + cc])
        attachment = Attachment(path.name, DOCX, path.read_bytes())
        key = f"{ctx.plan.code}:report-submitted"
        sent = enqueue_mail(
            uow,
            ctx.mailer,
            MailKind.REPORT_SUBMITTED,
            key=key,
            now=now,
            to=to,
            cc=cc,
            context={"greeting": to[0].name if to else "", "report": report},
            attachments=(attachment,),
        )
        office = ctx.mailer.audience(Audience.OFFICE, "")
        enqueue_mail(
            uow,
            ctx.mailer,
            MailKind.REPORT_SENT,
            key=f"{ctx.plan.code}:report-sent",
            now=now,
            to=office,
            cc=ctx.mailer.audience(Audience.DIRECTOR, ""),
            context={"greeting": office[0].name if office else "", "report": report},
        )
        old = draft.state
        draft.state = apply(DraftState(draft.state), DraftAction.SEND).value
        uow.audit.record(
            at=now,
            actor="flow:year-end-report",
            action="report.sent",
            entity="report",
            key=f"{ctx.plan.code}#v{draft.version}",
            old={"state": old},
            new={"state": draft.state, "to": [m.email for m in to], "cc": [m.email for m in cc]},
        )
        uow.commit()
        return sent


def _addressees(ctx: PlanContext) -> tuple[list[Mailbox], list[Mailbox]]:
    """To: whom section VI names; Cc: the other outside bodies of Nơi nhận (Sở Nội vụ)."""
    main = ctx.plan.reporting.consolidated_report.to
    internal = {"director", "deputy_directors"}
    to: list[Mailbox] = []
    cc: list[Mailbox] = []
    for line in ctx.plan.recipients:
        for code in line.units:
            found = ctx.directory.recipient(code)
            if found is None or found.role in internal:
                continue
            (to if code == main else cc).append(Mailbox(found.email, found.name))
    return to, cc


def _report_values(
    ctx: PlanContext, draft: ReportDraftRow, *, now: datetime, recipients: list[str]
) -> dict[str, Any]:
    final = year_end_dates(ctx.plan, ctx.app.calendar).final_due
    missing = collection(ctx, now=now).missing
    return {
        "number_symbol": "…/BC-SKHCN",
        "title": f"Kết quả thực hiện công tác tuyên truyền cải cách hành chính năm {ctx.plan.year}",
        "date": dmy(local_date(now)),
        "sent_at": local_time(now),
        "recipients": recipients,
        "to": recipients[0] if recipients else "",
        "deadline": long_date(final),
        "filename": Path(draft.docx_path).name,
        "missing": missing,
    }
