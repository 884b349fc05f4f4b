"""Mail caused by task changes, enqueued in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ, local_date
from domain.errors import NotFound
from domain.mail import Attachment, Mailbox, OutgoingMail, message_id, thread_id
from domain.office_hours import next_send_time
from domain.plan import Activity, Plan
from domain.policy import STAGE_LABELS_VI, Audience
from domain.task import Task
from domain.units import UnitDirectory
from domain.vi import activity_heading, activity_short, activity_tag, dmy, long_date
from domain.year_end import revised_version
from notifications.content import REVISION_TITLE, ROLE_LABELS, MailKind, deliverable
from notifications.ics import due_date_event
from notifications.render import Renderer
from services.links import LinkSigner
from services.ports import UnitOfWork
from services.settings import MailSettings

TASK_ASSIGNED = MailKind.TASK_ASSIGNED


CONTEXTS_KEPT = 20_000  # task contexts a mailer keeps (a province's open tasks of one day)


@dataclass
class Mailer:
    """What every task mail needs: the plan, the directory, the calendar and the settings."""

    plan: Plan
    directory: UnitDirectory
    calendar: WorkingCalendar
    renderer: Renderer
    links: LinkSigner
    settings: MailSettings
    _contexts: dict[tuple[Task, date], dict[str, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # the day last asked for (its contexts kept); keys still name their day, since threads
    # of one process (the portal's) may ask for two days at once around midnight
    _day: date | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def sender(self) -> Mailbox:
        return Mailbox(self.settings.from_address, self.settings.from_name)

    def audience(self, who: Audience, unit: str, task: Task | None = None) -> list[Mailbox]:
        if who is Audience.UNIT_CONTACT:
            found = self.directory.unit(unit)
            contact = [Mailbox(found.contact.email, found.name)] if found else []
            if task is not None and task.delegate_email:  # the delegate first, the unit informed
                return [Mailbox(task.delegate_email, task.delegate_name), *contact]
            return contact
        if who is Audience.UNIT_HEAD:
            found = self.directory.unit(unit)
            return [Mailbox(found.head.email, found.head.name)] if found else []
        if who is Audience.OFFICE:
            office = self.directory.unit(self.directory.office)
            return [Mailbox(office.contact.email, office.name)] if office else []
        return [Mailbox(r.email, r.name) for r in self.directory.recipients if r.role == "director"]

    def plan_context(self) -> dict[str, Any]:
        p = self.plan
        return {"number_symbol": p.number_symbol, "issued_on": dmy(p.issued_on), "title": p.title}

    def task_context(self, task: Task, *, today: date) -> dict[str, Any]:
        """What a mail says of `task` on `today` (a fresh dict: the caller may add to it).
        Kept for the day: a batch mail carries its tasks again each time one joins it."""
        found = self._contexts.get((task, today))
        if found is None:
            if len(self._contexts) >= CONTEXTS_KEPT or self._day != today:
                self._contexts.clear()  # a past day's are never asked for again
                self._day = today
            found = self._contexts[task, today] = self._task_context(task, today=today)
        return dict(found)

    def _task_context(self, task: Task, *, today: date) -> dict[str, Any]:
        activity = self.plan.activity(task.key.activity)
        unit = self.directory.unit(task.key.unit)
        if activity is None or unit is None:
            raise NotFound(f"task {task.key} names an activity or unit not in {self.plan.code}")
        revision = revised_version(task.key)
        return {
            "greeting": unit.name,
            "unit": unit.name,
            "plan": self.plan_context(),
            "activity": _activity_context(activity, revision=bool(revision)),
            "revision": {"version": revision, "comments": task.reason} if revision else None,
            "role": ROLE_LABELS[task.role],
            "stage": STAGE_LABELS_VI[task.key.stage],
            "period": f"kỳ {task.key.seq}" if task.key.seq > 1 and not revision else "",
            "due": long_date(task.due_on),
            "days_left": self.calendar.working_days_until(today, task.due_on),
            "days_late": -self.calendar.working_days_until(today, task.due_on),
            "deliverable": deliverable(task.key),
            "link": self.links.task_url(task, plan=self.plan.code),
        }

    def head_link(self, unit: str, *, today: date) -> str:
        """The signed link to the unit head's page of this plan (valid a set time from today)."""
        return self.links.unit_url(unit, plan=self.plan.code, issued_on=today)

    def key(self, task: Task, kind: MailKind, rung: str = "") -> str:
        return f"{self.plan.code}:{task.key}:{kind.value}:{rung}"

    def not_before(self, now: datetime) -> datetime:
        """When a mail queued at `now` may go: within office hours; a rehearsal's at once
        (a drill runs on any day and hour, and mails only the configured domains)."""
        if self.plan.rehearsal:
            return now
        return next_send_time(
            now, self.calendar, start=self.settings.office_start, end=self.settings.office_end
        )


def _activity_context(activity: Activity, *, revision: bool) -> dict[str, Any]:
    """How the mails name a task's activity (see domain.vi): a form by its number, the
    year-end report as the task it is, a revision of the draft as that."""
    label, name = activity_heading(activity)
    if revision:
        name = REVISION_TITLE
    return {
        "number": activity.number,
        "title": REVISION_TITLE if revision else activity.title,
        "tag": "" if revision else activity_tag(activity),
        "label": label,
        "name": name,
        "short": activity_short(activity),
    }


def task_event(
    task: Task, context: dict[str, Any], thread: str, *, now: datetime, filename: str = ""
) -> Attachment:
    """The task's due date as a calendar event (.ics), one uid per task thread."""
    return due_date_event(
        uid=thread.strip("<>"),
        summary=f"Hạn: {context['stage']} — {context['activity']['short']}",
        description=context["deliverable"],
        due=task.due_on,
        url=context["link"],
        stamp=now,
        **({"filename": filename} if filename else {}),
    )


def build_task_mail(
    mailer: Mailer,
    task: Task,
    kind: MailKind,
    *,
    now: datetime,
    rung: str = "",
    to: tuple[Audience, ...] = (Audience.UNIT_CONTACT,),
    cc: tuple[Audience, ...] = (),
    extra: dict[str, Any] | None = None,
) -> tuple[str, OutgoingMail]:
    """Render one mail about `task`: its idempotency key and the mail, threaded per task."""
    key = mailer.key(task, kind, rung)
    context = {**mailer.task_context(task, today=local_date(now)), **(extra or {})}
    domain = mailer.settings.domain
    thread = thread_id(f"{mailer.plan.code}:{task.key}", domain)
    attachments = [task_event(task, context, thread, now=now)] if kind is TASK_ASSIGNED else []
    content = mailer.renderer.render(kind, context, key=key, attachments=attachments)
    first = kind is TASK_ASSIGNED and not rung  # a resend is a reply in the thread
    mail = OutgoingMail(
        message_id=thread if first else message_id(key, domain),
        sender=mailer.sender,
        to=tuple(m for who in to for m in mailer.audience(who, task.key.unit, task)),
        cc=tuple(m for who in cc for m in mailer.audience(who, task.key.unit, task)),
        content=content,
        date=now,
        in_reply_to=None if first else thread,
        references=() if first else (thread,),
        rehearsal=mailer.plan.rehearsal,
    )
    return key, mail


@dataclass(frozen=True)
class TaskMail:
    """A mail about one task, rendered and not queued yet."""

    key: str
    kind: MailKind
    mail: OutgoingMail
    not_before: datetime


def prepare_task_mail(
    uow: UnitOfWork,
    mailer: Mailer,
    task: Task,
    kind: MailKind,
    *,
    now: datetime,
    rung: str = "",
    to: tuple[Audience, ...] = (Audience.UNIT_CONTACT,),
    cc: tuple[Audience, ...] = (),
    extra: dict[str, Any] | None = None,
) -> TaskMail | None:
    """Render one mail about `task`, or None when it was queued before (checked first, so
    that a re-run does not even render). Nothing is written: a transaction may render before
    it takes the database's write lock."""
    if uow.outbox.exists(mailer.key(task, kind, rung)):
        return None
    key, mail = build_task_mail(mailer, task, kind, now=now, rung=rung, to=to, cc=cc, extra=extra)
    return TaskMail(key, kind, mail, mailer.not_before(now))


def queue_task_mail(uow: UnitOfWork, prepared: TaskMail, *, task_id: int | None) -> bool:
    """Queue a prepared mail in the caller's transaction; False if queued before."""
    return uow.outbox.enqueue(
        prepared.mail,
        key=prepared.key,
        kind=prepared.kind.value,
        task_id=task_id,
        not_before=prepared.not_before,
    )


def enqueue_task_mail(
    uow: UnitOfWork,
    mailer: Mailer,
    task: Task,
    kind: MailKind,
    *,
    now: datetime,
    rung: str = "",
    to: tuple[Audience, ...] = (Audience.UNIT_CONTACT,),
    cc: tuple[Audience, ...] = (),
    extra: dict[str, Any] | None = None,
    task_id: int | None = None,
) -> bool:
    """Queue one mail about `task` in the caller's transaction; False if queued before."""
    prepared = prepare_task_mail(
        uow, mailer, task, kind, now=now, rung=rung, to=to, cc=cc, extra=extra
    )
    if prepared is None:
        return False
    if task_id is None:
        stored = uow.tasks.get(task.key, plan=mailer.plan.code)
        task_id = stored.id if stored else None
    return queue_task_mail(uow, prepared, task_id=task_id)


def build_mail(
    mailer: Mailer,
    kind: MailKind,
    *,
    key: str,
    now: datetime,
    to: list[Mailbox],
    cc: list[Mailbox] | None = None,
    context: dict[str, Any],
    attachments: tuple[Attachment, ...] = (),
) -> OutgoingMail:
    """Render a mail that is not about one task (the Director's digest, the report sent)."""
    today = local_date(now)
    values = {"plan": mailer.plan_context(), "as_of": long_date(today), "on": dmy(today), **context}
    content = mailer.renderer.render(kind, values, key=key, attachments=attachments)
    return OutgoingMail(
        message_id=message_id(key, mailer.settings.domain),
        sender=mailer.sender,
        to=tuple(to),
        cc=tuple(cc or ()),
        content=content,
        date=now,
        rehearsal=mailer.plan.rehearsal,
    )


def enqueue_mail(
    uow: UnitOfWork,
    mailer: Mailer,
    kind: MailKind,
    *,
    key: str,
    now: datetime,
    to: list[Mailbox],
    cc: list[Mailbox] | None = None,
    context: dict[str, Any],
    attachments: tuple[Attachment, ...] = (),
) -> bool:
    """Queue a mail that is not about one task; False when that key was queued before."""
    if uow.outbox.exists(key):
        return False
    mail = build_mail(
        mailer, kind, key=key, now=now, to=to, cc=cc, context=context, attachments=attachments
    )
    return uow.outbox.enqueue(
        mail, key=key, kind=kind.value, task_id=None, not_before=mailer.not_before(now)
    )


def local_time(at: datetime) -> str:
    return at.astimezone(LOCAL_TZ).strftime("%H:%M ngày %d/%m/%Y")
