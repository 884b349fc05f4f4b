"""An activity's stages as its flow sees them: open, progress, status, report, admin changes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from documents.bpmn.export import bpmn_filename, export_bpmn
from domain.errors import InvalidRequest, NotFound
from domain.mail import Mailbox
from domain.numbers import ID_MAX, parse_natural
from domain.policy import Stage, stage_label
from domain.schedule import StageSlot, build_schedule, schedule_activity
from domain.status import BUCKET_LABELS_VI, CANCELLED_VI, NOT_OPEN_VI, bucket
from domain.task import DONE_STATES, Action, TaskKey, TaskState
from domain.vi import TASK_STATES, activity_tag, dmy
from notifications.content import MailKind
from services.assignments import enqueue_assignments
from services.context import PlanContext
from services.mail import enqueue_mail, enqueue_task_mail
from services.tasks import load, return_for_revision, transition


@dataclass(frozen=True)
class Progress:
    """How far one stage check-in is: done when every live task is submitted or accepted."""

    done: int
    total: int
    submission_tasks: list[str] = field(default_factory=list)  # the done tasks' keys
    units: list[str] = field(default_factory=list)  # their units, in the same order

    @property
    def complete(self) -> bool:
        return self.done >= self.total


def slots(ctx: PlanContext, activity: str) -> list[StageSlot]:
    """The dated stages of an activity, in order; NotFound for an unknown activity."""
    found = ctx.plan.activity(activity)
    if found is None:
        known = ", ".join(a.code for a in ctx.plan.activities)
        raise NotFound(f"activity {activity!r} is not in plan {ctx.plan.code} ({known})")
    return schedule_activity(ctx.plan, found, ctx.directory, ctx.app.calendar).slots


def open_stage(ctx: PlanContext, activity: str, stage: Stage, seq: int, *, now: datetime) -> int:
    """Queue the assignment mail of every live task in the stage (once ever); how many new."""
    with ctx.app.uow() as uow:
        live = [
            (row_id, task)
            for row_id, task in uow.tasks.slot(
                plan=ctx.plan.code, activity=activity, stage=stage, seq=seq
            )
            if task.state is not TaskState.CANCELLED
        ]
        queued = enqueue_assignments(uow, ctx.mailer, live, now=now)
        uow.commit()
    return queued


def progress(ctx: PlanContext, activity: str, stage: Stage, seq: int) -> Progress:
    with ctx.app.uow() as uow:
        states = uow.tasks.slot_states(plan=ctx.plan.code, activity=activity, stage=stage, seq=seq)
    live = [(unit, state) for unit, state in states if state is not TaskState.CANCELLED]
    done = [unit for unit, state in live if state in DONE_STATES]
    keys = [str(TaskKey(activity, unit, stage, seq)) for unit in done]
    return Progress(len(done), len(live), keys, done)


def status_table(ctx: PlanContext, activity: str, *, now: datetime) -> list[dict[str, str]]:
    """One row per unit, one column per stage (its due date in the heading), each cell the
    QĐ 42/2014 bucket. A row per unit keeps the table readable — and under the size Prefect
    accepts for an artifact — with a thousand units."""
    names = {u.code: u.name for u in ctx.directory.units}
    columns = {(s.stage, s.seq): _column(s.stage, s.seq, s.due_on) for s in slots(ctx, activity)}
    with ctx.app.uow() as uow:
        tasks = uow.tasks.standings(plan=ctx.plan.code, activity=activity)
    cells: dict[str, dict[str, str]] = {}
    for task in tasks:
        column = columns.get((task.stage, task.seq)) or columns.setdefault(
            (task.stage, task.seq), _column(task.stage, task.seq, task.due_on)
        )
        found = bucket(task, now)
        cells.setdefault(task.unit, {})[column] = (
            BUCKET_LABELS_VI[found]
            if found
            else (CANCELLED_VI if task.state is TaskState.CANCELLED else NOT_OPEN_VI)
        )
    return [
        {"Đơn vị": names.get(unit, unit)} | {c: row.get(c, "") for c in columns.values()}
        for unit, row in cells.items()
    ]


def _column(stage: Stage, seq: int, due: date) -> str:
    return f"{stage_label(stage, seq)} – hạn {dmy(due)}"


def store_report(ctx: PlanContext, activity: str, *, now: datetime) -> bool:
    """The activity's report for the year-end flow: every unit's latest report submission."""
    with ctx.app.uow() as uow:
        units: dict[str, Any] = {}
        for row_id, task in uow.tasks.slot(
            plan=ctx.plan.code, activity=activity, stage=Stage.REPORT, seq=1
        ):
            versions = uow.submissions.versions(row_id)
            units[task.key.unit] = {
                "role": task.role.value,
                "state": task.state.value,
                "version": versions[-1].version if versions else None,
                "payload": versions[-1].payload if versions else None,
            }
        content = {"plan": ctx.plan.code, "activity": activity, "units": units}
        changed = uow.reports.save(plan=ctx.plan.code, activity=activity, content=content, at=now)
        uow.commit()
    return changed


def diagram(ctx: PlanContext, activity: str) -> Path:
    """The activity's BPMN 2.0 file (every flow's is written on first use), for its artifact."""
    folder = ctx.app.settings.bpmn_dir.resolve()
    path = folder / bpmn_filename(activity)
    if not path.exists():
        export_bpmn(ctx.plan, directory=ctx.directory, calendar=ctx.app.calendar, out_dir=folder)
    return path


def parse_task(text: str) -> TaskKey:
    """'activity/UNIT/stage#seq' (as mails and the UI show it) → TaskKey; ValueError if not."""
    try:
        path, _, seq = text.partition("#")
        activity, unit, stage = path.split("/")
        return TaskKey(
            activity, unit, Stage(stage), parse_natural(seq or "1", minimum=1, maximum=ID_MAX)
        )
    except ValueError:
        raise NotFound(f"not a task: {text!r} (expected e.g. bulletins/CDS/report#1)") from None


def extend_due(
    ctx: PlanContext, key: TaskKey, *, due_on: date, at: datetime, by: str, reason: str
) -> date:
    """Move a task's due date (the Office's decision); audit-logged with old and new."""
    if not reason.strip():
        raise InvalidRequest("Gia hạn: cần ghi lý do")
    if not ctx.app.calendar.is_working_day(due_on):
        due_on = ctx.app.calendar.due_by(due_on)
    with ctx.app.uow() as uow:
        stored = load(uow, ctx.plan.code, key)
        if stored.task.state not in (TaskState.OPEN, TaskState.RETURNED):
            state = TASK_STATES[stored.task.state].lower()
            raise InvalidRequest(
                f"Nhiệm vụ {key}: {state}; chỉ gia hạn được nhiệm vụ chưa gửi hoặc được trả lại"
            )
        old = stored.task.due_on
        uow.tasks.save(stored.id, replace(stored.task, due_on=due_on), at=at)
        uow.audit.record(
            at=at,
            actor=by,
            action="task.extended",
            entity="task",
            key=str(key),
            reason=reason,
            old={"due_on": old.isoformat()},
            new={"due_on": due_on.isoformat()},
        )
        uow.commit()
    return due_on


def cancel(ctx: PlanContext, key: TaskKey, *, at: datetime, by: str, reason: str) -> None:
    with ctx.app.uow() as uow:
        transition(uow, load(uow, ctx.plan.code, key), Action.CANCEL, at=at, by=by, reason=reason)
        uow.commit()


def resend(ctx: PlanContext, key: TaskKey, *, at: datetime, token: str) -> bool:
    """Queue the assignment mail of a task again (once per `token`, e.g. the admin run id)."""
    with ctx.app.uow() as uow:
        stored = load(uow, ctx.plan.code, key)
        queued = enqueue_task_mail(
            uow,
            ctx.mailer,
            stored.task,
            MailKind.TASK_ASSIGNED,
            now=at,
            rung=f"resend-{token}",
            task_id=stored.id,
        )
        uow.commit()
    return queued


def return_submission(
    ctx: PlanContext, key: TaskKey, *, at: datetime, by: str, reason: str
) -> None:
    """Send a submission back to the unit with the Office's reason; the unit is mailed."""
    with ctx.app.uow() as uow:
        return_for_revision(uow, ctx.mailer, key, at=at, by=by, reason=reason)


def notify_office(ctx: PlanContext, key: TaskKey, *, now: datetime) -> bool:
    """Alert the Office that a task became overdue: one mail per task, whoever asks again.
    False when it was queued before."""
    office = ctx.directory.unit(ctx.directory.office)
    unit = ctx.directory.unit(key.unit)
    activity = ctx.plan.activity(key.activity)
    if office is None or unit is None or activity is None:
        raise NotFound(f"unknown office, unit or activity for {key}")
    task = {
        "stage": stage_label(key.stage, key.seq),
        "name": activity_tag(activity) + activity.title,
    }
    with ctx.app.uow() as uow:
        queued = enqueue_mail(
            uow,
            ctx.mailer,
            MailKind.OFFICE_ALERT,
            key=f"{ctx.plan.code}:office-alert:{key}",
            now=now,
            to=[Mailbox(office.contact.email, office.name)],
            context={"greeting": office.name, "unit": unit.name, "task": task},
        )
        uow.commit()
    return queued


def startable(ctx: PlanContext, *, today: date) -> list[str]:
    """The activities a run may start for on `today` (window open, last stage not past);
    InvalidRequest when every activity's last stage is past: a run started now would only
    mail links to tasks long due."""
    schedules = build_schedule(ctx.plan, ctx.directory, ctx.app.calendar)
    over = [s for s in schedules if s.last_due < today]
    if schedules and len(over) == len(schedules):
        last = max(s.last_due for s in schedules)
        raise InvalidRequest(
            f"plan {ctx.plan.code}: every activity's last stage was due by {dmy(last)}; "
            "nothing is started and no mail is queued (its links would answer to tasks long "
            "due). Start a plan for the current year, or a rehearsal copy of this one."
        )
    return [s.activity.code for s in schedules if s.startable(today)]
