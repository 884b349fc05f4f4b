"""The consolidated report's own rungs on the way to UBND tỉnh's deadline, fired by the
deadline sweep (each once ever): the draft not ready by its day, the Director's decision not
taken by its day, the approved report not numbered the working day before the deadline.

The draft's day is `CCHC_REPORT__DRAFT_DAYS_BEFORE` working days before the UBND deadline,
but never before the working day after the units' own deadline (the draft needs their
reports); the decision's is `CCHC_REPORT__DECISION_DAYS_BEFORE` working days before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.clock import local_date
from domain.policy import Audience
from domain.report_draft import DraftState, ReportDraft
from domain.vi import dmy
from domain.year_end import year_end_dates
from notifications.content import MailKind
from services.context import PlanContext
from services.mail import enqueue_mail


@dataclass(frozen=True)
class ReportDays:
    draft_due: date
    decision_due: date
    final_due: date


def report_days(ctx: PlanContext) -> ReportDays:
    cal, lead = ctx.app.calendar, ctx.app.settings.report
    dates = year_end_dates(ctx.plan, cal)
    draft_due = max(
        cal.add_working_days(dates.final_due, -lead.draft_days_before),
        cal.add_working_days(dates.unit_due, 1),
    )
    decision_due = cal.add_working_days(dates.final_due, -lead.decision_days_before)
    return ReportDays(draft_due, max(decision_due, draft_due), dates.final_due)


def report_deadline_notices(ctx: PlanContext, *, now: datetime) -> int:
    """Queue the rungs due at `now`; how many mails were queued now."""
    days, today = report_days(ctx), local_date(now)
    if today <= days.draft_due:
        return 0  # no rung before the draft's day: nothing to read
    with ctx.app.uow() as uow:
        draft = uow.drafts.latest(plan=ctx.plan.code)
        rung = _due_rung(draft, days, today)
        if rung is None:
            return 0
        office = ctx.mailer.audience(Audience.OFFICE, "")
        director = ctx.mailer.audience(Audience.DIRECTOR, "")
        to, cc = (director, office) if rung == "decision" else (office, director)
        queued = enqueue_mail(
            uow,
            ctx.mailer,
            MailKind.REPORT_DEADLINE,
            key=f"{ctx.plan.code}:report-deadline:{rung}",
            now=now,
            to=to,
            cc=cc,
            context={
                "greeting": to[0].name if to else "",
                "rung": rung,
                "version": draft.version if draft else 0,
                "due": dmy(_rung_day(rung, days)),
                "final_due": dmy(days.final_due),
            },
        )
        uow.commit()
    return int(queued)


def _due_rung(draft: ReportDraft | None, days: ReportDays, today: date) -> str | None:
    state = draft.state if draft else None
    if today > days.draft_due and state in (None, DraftState.RETURNED):
        return "draft"  # nothing for the Director to decide on
    if today > days.decision_due and state is DraftState.DRAFT:
        return "decision"
    if today >= days.final_due and state is DraftState.APPROVED:
        return "registry"
    return None


def _rung_day(rung: str, days: ReportDays) -> date:
    return {"draft": days.draft_due, "decision": days.decision_due}.get(rung, days.final_due)
