"""The review policy: a submission the Office has not returned is accepted once N full working
days passed after the day it was handed in, counted on the working calendar."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from pydantic import ValidationError

from domain.acceptance import auto_accept_reason, review_ends, review_lapsed
from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ
from domain.plan import Plan
from domain.policy import Policy, ReviewPolicy, Role, Stage
from domain.task import Action, Task, TaskKey, TaskState, takes_answers

KEY = TaskKey("iso-training", "TDC", Stage.PLAN)
DEFAULT = ReviewPolicy()


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ)


def handed_in(on: datetime) -> Task:
    task = Task(KEY, Role.LEAD, opens_on=date(2025, 3, 26), due_on=date(2025, 4, 30))
    return task.apply(Action.SUBMIT, at=on)[0]


def test_the_plan_says_three_working_days_and_on(plan: Plan) -> None:
    assert plan.policy.review == ReviewPolicy(auto_accept=True, working_days=3)
    assert Policy().review == plan.policy.review


def test_review_time_is_counted_in_full_working_days(calendar: WorkingCalendar) -> None:
    # Tuesday 1/4/2025: Wednesday, Thursday, Friday are the Office's; Monday 7/4 is the
    # Giỗ Tổ Hùng Vương holiday, so Tuesday 8/4 is the first morning it is accepted.
    task = handed_in(at(date(2025, 4, 1), 16))
    assert review_ends(task, calendar=calendar, policy=DEFAULT) == date(2025, 4, 4)
    for day, lapsed in (
        (date(2025, 4, 4), False),
        (date(2025, 4, 7), True),  # a day off: the sweep skips it, the next one accepts
        (date(2025, 4, 8), True),
    ):
        assert review_lapsed(task, now=at(day, 7), calendar=calendar, policy=DEFAULT) is lapsed


def test_a_submission_on_a_day_off_counts_from_the_next_working_day(
    calendar: WorkingCalendar,
) -> None:
    saturday = handed_in(at(date(2025, 4, 5), 10))
    assert review_ends(saturday, calendar=calendar, policy=DEFAULT) == date(2025, 4, 10)


def test_only_a_waiting_submission_lapses(calendar: WorkingCalendar) -> None:
    task = handed_in(at(date(2025, 4, 1)))
    later = at(date(2025, 5, 20))
    returned = task.apply(Action.RETURN, at=at(date(2025, 4, 2)), reason="Thiếu minh chứng")[0]
    accepted = task.apply(Action.ACCEPT, at=at(date(2025, 4, 2)))[0]
    opened = Task(KEY, Role.LEAD, opens_on=date(2025, 3, 26), due_on=date(2025, 4, 30))
    for other in (returned, accepted, opened):
        assert other.state is not TaskState.SUBMITTED
        assert not review_lapsed(other, now=later, calendar=calendar, policy=DEFAULT)
    assert review_lapsed(task, now=later, calendar=calendar, policy=DEFAULT)


def test_the_plan_may_switch_it_off_or_give_other_days(calendar: WorkingCalendar) -> None:
    task = handed_in(at(date(2025, 4, 1)))
    friday = at(date(2025, 4, 11), 7)  # 6 working days after Tuesday 1/4 (7/4 off)
    off = ReviewPolicy(auto_accept=False)
    assert review_ends(task, calendar=calendar, policy=off) is None
    assert not review_lapsed(task, now=friday, calendar=calendar, policy=off)
    five = ReviewPolicy(working_days=5)
    assert review_ends(task, calendar=calendar, policy=five) == date(2025, 4, 9)
    assert review_lapsed(task, now=friday, calendar=calendar, policy=five)
    assert not review_lapsed(task, now=at(date(2025, 4, 9), 7), calendar=calendar, policy=five)


def test_an_accepted_submission_can_no_longer_be_amended() -> None:
    task = handed_in(at(date(2025, 4, 1)))
    before_due = at(date(2025, 4, 8))
    assert takes_answers(task, now=before_due)  # amendments stay open until the due day
    accepted = task.apply(Action.ACCEPT, at=before_due)[0]
    assert not takes_answers(accepted, now=before_due)  # accepted is final: no form offered


def test_the_reason_names_the_days_and_the_plan() -> None:
    assert auto_accept_reason(ReviewPolicy(working_days=5), "281/KH-SKHCN").startswith(
        "Tự động chấp nhận sau 5 ngày làm việc theo Kế hoạch số 281/KH-SKHCN"
    )


@pytest.mark.parametrize("bad", [{"working_days": 0}, {"working_days": -1}, {"after": 3}])
def test_a_review_policy_without_positive_days_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Policy.model_validate({"review": bad})
