"""Accepting a submission: by the Office, or by itself once the plan's review time lapsed."""

from __future__ import annotations

from datetime import date, datetime

from domain.calendar import WorkingCalendar
from domain.clock import local_date
from domain.policy import ReviewPolicy
from domain.task import Task, TaskState

AUTO_ACCEPT_ACTOR = "auto-accept"


def waiting_for_review(task: Task) -> bool:
    """Handed in and neither accepted nor returned by the Office yet."""
    return task.state is TaskState.SUBMITTED and task.submitted_at is not None


def review_ends(task: Task, *, calendar: WorkingCalendar, policy: ReviewPolicy) -> date | None:
    """The last day the Office may return the task's latest submission before it is accepted
    by itself: `working_days` full working days after the day it was handed in. None when
    nothing waits, or when the plan leaves every acceptance to the Office."""
    if not policy.auto_accept or not waiting_for_review(task) or task.submitted_at is None:
        return None
    return calendar.add_working_days(local_date(task.submitted_at), policy.working_days)


def review_lapsed(
    task: Task, *, now: datetime, calendar: WorkingCalendar, policy: ReviewPolicy
) -> bool:
    """Whether the task's latest submission is accepted by the policy at `now`."""
    ends = review_ends(task, calendar=calendar, policy=policy)
    return ends is not None and local_date(now) > ends


def auto_accept_reason(policy: ReviewPolicy, plan_number: str) -> str:
    """The audit trail's reason, naming the policy that accepted the submission."""
    return (
        f"Tự động chấp nhận sau {policy.working_days} ngày làm việc theo Kế hoạch "
        f"số {plan_number} (Văn phòng Sở không trả lại trong thời hạn xem xét)"
    )
