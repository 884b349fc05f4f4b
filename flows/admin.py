"""Ad-hoc admin flows (UI Custom run, `prefect deployment run`, or `cchc task …`).

Each names its plan (the `plan` parameter, a plan code) and validates its parameters
first: an unknown task fails the run with a clear message and changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.common import context, instant
from services import stages


@flow(name="resend-mail")
def resend_mail(task: str, plan: str) -> bool:
    """Send a task's assignment mail again (e.g. to a new contact)."""
    return stages.resend(
        context(plan),
        stages.parse_task(task),
        at=instant(None),
        token=str(flow_run.get_id() or "manual"),
    )


@flow(name="return-submission")
def return_submission(task: str, reason: str, plan: str, by: str = "vanphong") -> str:
    """Send a submission back to the unit with the Office's reason."""
    stages.return_submission(
        context(plan), stages.parse_task(task), at=instant(None), by=by, reason=reason
    )
    return "returned"


@flow(name="extend-due")
def extend_due(task: str, due_on: date, reason: str, plan: str, by: str = "vanphong") -> str:
    """Move a task's due date; the audit log keeps who, when, why, old and new."""
    new = stages.extend_due(
        context(plan),
        stages.parse_task(task),
        due_on=due_on,
        at=instant(None),
        by=by,
        reason=reason,
    )
    return new.isoformat()


@flow(name="cancel-task")
def cancel_task(task: str, reason: str, plan: str, by: str = "vanphong") -> str:
    stages.cancel(context(plan), stages.parse_task(task), at=instant(None), by=by, reason=reason)
    return "cancelled"


@flow(name="notify-office")
def notify_office(task: str, plan: str, now: datetime | None = None) -> bool:
    """The automation's action when a task becomes overdue: one mail to the Office."""
    queued = stages.notify_office(context(plan), stages.parse_task(task), now=instant(now))
    get_run_logger().info("office alerted about %s: %s", task, queued)
    return queued
