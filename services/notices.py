"""The ladder at work: reminders, chases and the Director's digest due at an instant."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.calendar import WorkingCalendar
from domain.clock import local_date
from domain.ladder import notices_due
from domain.plan import Plan
from domain.policy import STAGE_LABELS_VI, Audience, NoticeKind
from domain.task import Task
from domain.vi import activity_tag, long_date
from domain.year_end import ladder_for
from notifications.content import MailKind, reminder_lead
from services.digest import Fired, enqueue_digest
from services.mail import Mailer, enqueue_mail, enqueue_task_mail
from services.ports import UnitOfWork

_KIND_MAIL = {NoticeKind.REMINDER: MailKind.REMINDER, NoticeKind.OVERDUE: MailKind.OVERDUE}
# The plan's active tasks past due since its issue, for the Director's digest: a caller that
# sweeps several plans reads them once for all (services.sweep.every_plan).
PastDue = Callable[[UnitOfWork], list[Task]]
CATCH_UP_WORKING_DAYS = 5  # a sweep that was down this long still fires the rungs it missed


@dataclass
class NoticeReport:
    reminders: int = 0
    overdue: int = 0
    escalated: int = 0
    digest_sent: bool = False
    overdue_tasks: list[str] = field(default_factory=list)  # tasks that became overdue now


def notice_window(plan: Plan, cal: WorkingCalendar, today: date) -> tuple[date, date]:
    """The due days whose tasks may have a rung due `today` (missed ones caught up)."""
    rungs = [*plan.policy.ladder, *plan.policy.year_end.ladder]
    before = max((r.days_before or 0) for r in rungs)
    after = max((r.days_after or 0) for r in rungs) + CATCH_UP_WORKING_DAYS
    return cal.add_working_days(today, -after), cal.add_working_days(today, before)


def send_due_notices(
    uow: UnitOfWork,
    mailer: Mailer,
    *,
    now: datetime,
    due: list[tuple[int, Task]] | None = None,
    past_due: PastDue | None = None,
) -> NoticeReport:
    """Fire every rung due now (each at most once) and queue its mail, in one transaction.
    `due`: the plan's tasks inside its notice window, when the caller read them already;
    `past_due`: how the Director's digest gets the plan's tasks past due, when not by a read
    of its own."""
    report = NoticeReport()
    today, cal = local_date(now), mailer.calendar
    if not cal.is_working_day(today):
        return report
    if due is None:
        if uow.plans.stored(mailer.plan.code) is None:
            return report
        first_due, last_due = notice_window(mailer.plan, cal, today)
        due = uow.tasks.due_with_ids(
            on=first_due, within=(last_due - first_due).days, plan=mailer.plan.code
        )
    fired: list[Fired] = []
    for task_id, task in due:
        for notice in notices_due(task, now, cal, ladder_for(mailer.plan, task.key)):
            if _record(uow, mailer, Fired(task_id, task, notice), now=now, report=report):
                fired.append(Fired(task_id, task, notice))
    _mail(uow, mailer, fired, now=now)
    if report.escalated:
        report.digest_sent = _digest(uow, mailer, now=now, past_due=past_due)
    uow.commit()
    return report


def _record(
    uow: UnitOfWork, mailer: Mailer, item: Fired, *, now: datetime, report: NoticeReport
) -> bool:
    """Record one rung (at most once ever); True when a unit mail is to carry it. An
    escalation has none of its own (the Director's digest lists it)."""
    task, notice = item.task, item.notice
    fired = uow.notices.record(
        task_id=item.task_id,
        kind=notice.kind.value,
        rung=notice.rung,
        due_on=task.due_on,
        outbox_key=_carrier(mailer, item, now=now),
        at=now,
    )
    if not fired:
        return False
    if notice.kind is NoticeKind.ESCALATION:
        report.escalated += 1
        return False
    report.reminders += notice.kind is NoticeKind.REMINDER
    if notice.kind is NoticeKind.OVERDUE:
        report.overdue += 1
        report.overdue_tasks.append(str(task.key))
    return True


def _carrier(mailer: Mailer, item: Fired, *, now: datetime) -> str:
    """The key of the mail that carries the rung: its own mail, the Director's digest of the
    day for an escalation (a unit's digest, when one carries it, says so afterwards)."""
    if item.notice.kind is NoticeKind.ESCALATION:
        return _director_digest_key(mailer, now=now)
    return mailer.key(item.task, _KIND_MAIL[item.notice.kind], item.notice.rung)


def _director_digest_key(mailer: Mailer, *, now: datetime) -> str:
    return f"{mailer.plan.code}:escalation-digest:{local_date(now).isoformat()}"


def _mail(uow: UnitOfWork, mailer: Mailer, fired: list[Fired], *, now: datetime) -> None:
    """Each unit's rungs of this morning: one digest mail when the unit takes digests and
    has several, else one mail per rung (threaded in its task's thread)."""
    by_unit: dict[str, list[Fired]] = {}
    for item in fired:
        by_unit.setdefault(item.task.key.unit, []).append(item)
    for unit, items in by_unit.items():
        found = mailer.directory.unit(unit)
        if len(items) > 1 and (found is None or found.reminders == "digest"):
            enqueue_digest(uow, mailer, unit, items, now=now)
            continue
        for item in items:
            _single(uow, mailer, item, now=now)


def _single(uow: UnitOfWork, mailer: Mailer, item: Fired, *, now: datetime) -> None:
    task, notice, today = item.task, item.notice, local_date(now)
    days_left = mailer.calendar.working_days_until(today, task.due_on)
    extra = {"lead": reminder_lead(days_left)}
    if notice.reaches_head:  # the head follows the unit's page
        extra["head_link"] = mailer.head_link(task.key.unit, today=today)
    enqueue_task_mail(
        uow,
        mailer,
        task,
        _KIND_MAIL[notice.kind],
        now=now,
        rung=notice.rung,
        to=notice.to,
        cc=notice.cc,
        extra=extra,
        task_id=item.task_id,
    )


def _unit_name(mailer: Mailer, code: str) -> str:
    found = mailer.directory.unit(code)
    return found.name if found else code


def _digest(
    uow: UnitOfWork, mailer: Mailer, *, now: datetime, past_due: PastDue | None = None
) -> bool:
    """One mail to the Director listing every overdue task of every unit today."""
    today, cal = local_date(now), mailer.calendar
    start = mailer.plan.issued_on
    overdue: list[Task] = (
        past_due(uow)
        if past_due is not None
        else uow.tasks.list_due(on=start, within=(today - start).days - 1, plan=mailer.plan.code)
    )
    names = {t.key.unit: _unit_name(mailer, t.key.unit) for t in overdue}
    rows = []
    for task in sorted(overdue, key=lambda t: (names[t.key.unit], t.due_on)):
        activity = mailer.plan.activity(task.key.activity)
        if activity is None:
            continue  # a task of an activity the plan no longer has
        rows.append(
            {
                "unit": names[task.key.unit],
                "activity_number": activity.number,
                "activity_tag": activity_tag(activity),  # "Hình thức 1. ", none for a task
                "activity": activity.title,
                "stage": STAGE_LABELS_VI[task.key.stage],
                "due": long_date(task.due_on),
                "days_late": -cal.working_days_until(today, task.due_on),
            }
        )
    director = mailer.audience(Audience.DIRECTOR, "")
    context = {
        "greeting": ", ".join(m.name for m in director) or "Giám đốc Sở",
        "rows": rows,
        "unit_count": len({r["unit"] for r in rows}),
        "threshold": 1,
    }
    return enqueue_mail(
        uow,
        mailer,
        MailKind.ESCALATION_DIGEST,
        now=now,
        to=director,
        key=_director_digest_key(mailer, now=now),
        context=context,
    )
