"""The consolidated report after collection: the draft for the Director, the Office's
revision when it comes back, and the report sent to UBND tỉnh — each step idempotent."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from documents.report.files import write_report_files
from documents.report.text import render_html, render_markdown
from domain.clock import local_date
from domain.mail import Attachment, Mailbox
from domain.policy import Audience
from domain.records import YEAR_END_ORIGIN
from domain.report_draft import (
    SETTLED_STATES,
    DraftAction,
    DraftSource,
    DraftState,
    ReportDraft,
    allowed,
)
from domain.task import DONE_STATES, Task
from domain.vi import dmy, long_date
from domain.year_end import revision_key, unit_report_tasks, year_end_dates
from notifications.content import MailKind
from services.context import PlanContext
from services.mail import enqueue_mail, enqueue_task_mail, local_time
from services.ports import UnitOfWork
from services.report_data import TITLE, build_report_data
from services.review import latest_draft

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
ACTOR = "flow:year-end-report"


def build_draft(ctx: PlanContext, *, now: datetime, folder: Path) -> ReportDraft:
    """The consolidated report as a draft for the Director: a new version when its content
    changed since the last decision, the same draft otherwise (files rewritten in place).
    A version the Office uploaded is the Director's to decide on: never rewritten."""
    data = build_report_data(ctx, now=now, draft=True)
    digest = hashlib.sha256(
        render_markdown(data.model_copy(update={"dated": date(ctx.plan.year, 1, 1)})).encode()
    ).hexdigest()
    with ctx.app.uow() as uow:
        latest = uow.drafts.latest(plan=ctx.plan.code)
        if latest is not None and latest.state in SETTLED_STATES:
            return latest
        uploaded = latest is not None and latest.source is DraftSource.UPLOADED
        if uploaded and latest is not None and latest.state is DraftState.DRAFT:
            return latest
        returned = latest is not None and latest.state is DraftState.RETURNED
        if latest is not None and returned and not _revised(uow, ctx, latest):
            return latest  # the next version waits for the Office's revision
        if latest is None or returned:
            version = (latest.version if latest else 0) + 1
            latest = ReportDraft(ctx.plan.code, version, DraftState.DRAFT, created_at=now)
            uow.drafts.save(latest)
        if latest.content_hash != digest:
            data = data.model_copy(update={"version": latest.version})
            files = write_report_files(
                data, folder, stem=f"report-{ctx.plan.year}-v{latest.version}"
            )
            latest = replace(
                latest,
                content_hash=digest,
                docx_path=str(files["docx"]),
                markdown=render_markdown(data),
                html=render_html(data),
            )
            uow.drafts.save(latest)
            uow.audit.record(
                at=now,
                actor=ACTOR,
                action="report.drafted",
                entity="report",
                key=f"{ctx.plan.code}#v{latest.version}",
                new={"hash": digest[:12]},
            )
        uow.commit()
        return latest


def open_revision(ctx: PlanContext, *, draft: ReportDraft, now: datetime) -> bool:
    """The Director returned `draft`: the Office gets a revision task carrying the comments
    (once per returned version). True when it was opened now."""
    office = ctx.directory.office
    key = revision_key(office, draft.version)
    cal = ctx.app.calendar
    due = min(cal.add_working_days(local_date(now), 2), year_end_dates(ctx.plan, cal).final_due)
    role = unit_report_tasks(ctx.plan, ctx.directory, cal)[0].role
    task = Task(key, role, local_date(now), due, reason=draft.comments)
    with ctx.app.uow() as uow:
        if uow.tasks.get(key, plan=ctx.plan.code) is not None:
            return False
        task_id = uow.tasks.add(task, plan=ctx.plan.code, at=now, origin=YEAR_END_ORIGIN)
        # the mail reads the returned version and the comments from the task itself
        enqueue_task_mail(uow, ctx.mailer, task, MailKind.TASK_ASSIGNED, now=now, task_id=task_id)
        uow.commit()
    return True


def revision_in(ctx: PlanContext, *, version: int) -> bool:
    """Whether the Office handed in its revision of the returned draft `version`."""
    draft = latest_draft(ctx)
    if draft is None or draft.version != version:
        return False
    with ctx.app.uow() as uow:
        return _revised(uow, ctx, draft)


def _revised(uow: UnitOfWork, ctx: PlanContext, draft: ReportDraft) -> bool:
    found = uow.tasks.get(revision_key(ctx.directory.office, draft.version), plan=draft.plan)
    return found is not None and found.task.state in DONE_STATES


def send_report(ctx: PlanContext, *, now: datetime) -> bool:
    """Send the final report (numbered and dated by the văn thư) to UBND tỉnh, Sở Nội vụ in
    copy (per Nơi nhận), its .docx and PDF attached; tell the Office and the Director. Never
    twice: False when already sent or not final yet."""
    with ctx.app.uow() as uow:
        draft = uow.drafts.latest(plan=ctx.plan.code)
        if draft is None or not allowed(draft.state, DraftAction.SEND):
            return False
        to, cc = _addressees(ctx)
        report = _report_values(ctx, draft, now=now, recipients=[m.name for m in to + cc])
        sent = _queue_report_mails(uow, ctx, draft, to=to, cc=cc, report=report, now=now)
        sent_draft = draft.apply(DraftAction.SEND)
        uow.drafts.save(sent_draft)
        uow.audit.record(
            at=now,
            actor=ACTOR,
            action="report.sent",
            entity="report",
            key=f"{ctx.plan.code}#v{draft.version}",
            old={"state": draft.state.value},
            new={
                "state": sent_draft.state.value,
                "to": [m.email for m in to],
                "cc": [m.email for m in cc],
            },
        )
        uow.commit()
        return sent


def _queue_report_mails(
    uow: UnitOfWork,
    ctx: PlanContext,
    draft: ReportDraft,
    *,
    to: list[Mailbox],
    cc: list[Mailbox],
    report: dict[str, Any],
    now: datetime,
) -> bool:
    """The report to UBND tỉnh (the final .docx and PDF attached, byte for byte the files
    made final) and the notice to the Office and the Director; whether the report's mail
    was queued now."""
    attachments = tuple(
        Attachment(Path(path).name, kind, Path(path).read_bytes())
        for path, kind in ((draft.final_docx_path, DOCX), (draft.final_pdf_path, PDF))
        if path
    )
    sent = enqueue_mail(
        uow,
        ctx.mailer,
        MailKind.REPORT_SUBMITTED,
        key=f"{ctx.plan.code}:report-submitted",
        now=now,
        to=to,
        cc=cc,
        context={"greeting": to[0].name if to else "", "report": report},
        attachments=attachments,
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
    ctx: PlanContext, draft: ReportDraft, *, now: datetime, recipients: list[str]
) -> dict[str, Any]:
    final = year_end_dates(ctx.plan, ctx.app.calendar).final_due
    return {
        "number_symbol": draft.number_symbol,
        "title": TITLE.format(year=ctx.plan.year),
        "date": dmy(draft.issued_on or local_date(now)),
        "sent_at": local_time(now),
        "recipients": recipients,
        "to": recipients[0] if recipients else "",
        "deadline": long_date(final),
        "filename": Path(draft.final_docx_path).name,
        "pdf": Path(draft.final_pdf_path).name if draft.final_pdf_path else "",
        "signed_by": draft.signed_by,
    }
