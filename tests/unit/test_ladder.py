"""The escalation ladder: which notice is due when; never on a day off; status buckets."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ, local_datetime
from domain.ladder import notices_due
from domain.policy import Audience, NoticeKind, Role, Stage, default_ladder
from domain.status import Bucket, bucket, tally
from domain.task import Action, Task, TaskKey, TaskState

DUE = date(2025, 11, 14)  # Friday


def make(opens: date = date(2025, 11, 3), due: date = DUE) -> Task:
    return Task(
        key=TaskKey("bulletins", "CDS", Stage.REPORT), role=Role.LEAD, opens_on=opens, due_on=due
    )


def at(day: date, hour: int = 7, minute: int = 30) -> datetime:
    return local_datetime(day, time(hour, minute))


@pytest.mark.parametrize(
    ("day", "rung", "kind"),
    [
        (date(2025, 11, 7), "T-5", NoticeKind.REMINDER),
        (date(2025, 11, 13), "T-1", NoticeKind.REMINDER),
        (date(2025, 11, 14), "T0", NoticeKind.REMINDER),
        (date(2025, 11, 17), "T+1", NoticeKind.OVERDUE),  # Monday: weekend skipped
        (date(2025, 11, 19), "T+3", NoticeKind.ESCALATION),
    ],
)
def test_each_rung_falls_on_its_working_day(
    calendar: WorkingCalendar, day: date, rung: str, kind: NoticeKind
) -> None:
    [notice] = notices_due(make(), at(day), calendar, default_ladder())
    assert (notice.rung, notice.kind, notice.on) == (rung, kind, day)


def test_overdue_copies_the_unit_head_and_escalation_goes_to_the_director(
    calendar: WorkingCalendar,
) -> None:
    [overdue] = notices_due(make(), at(date(2025, 11, 17)), calendar, default_ladder())
    assert (overdue.to, overdue.cc) == ((Audience.UNIT_CONTACT,), (Audience.UNIT_HEAD,))
    [escalation] = notices_due(make(), at(date(2025, 11, 19)), calendar, default_ladder())
    assert escalation.to == (Audience.DIRECTOR,)


def test_nothing_on_a_day_off(calendar: WorkingCalendar) -> None:
    assert notices_due(make(), at(date(2025, 11, 15)), calendar, default_ladder()) == []


def test_a_missed_day_catches_up_with_one_notice(calendar: WorkingCalendar) -> None:
    # 10/11 is between T-5 (7/11) and T-1 (13/11): the T-5 reminder is still the one due.
    [notice] = notices_due(make(), at(date(2025, 11, 10)), calendar, default_ladder())
    assert notice.rung == "T-5"
    assert notice.idempotency_key == "bulletins/CDS/report#1:reminder:T-5"


def test_rungs_before_the_task_opened_are_skipped(calendar: WorkingCalendar) -> None:
    task = make(opens=date(2025, 11, 12))
    assert notices_due(task, at(date(2025, 11, 12)), calendar, default_ladder()) == []
    [notice] = notices_due(task, at(date(2025, 11, 13)), calendar, default_ladder())
    assert notice.rung == "T-1"


def test_submitted_tasks_get_no_notices(calendar: WorkingCalendar) -> None:
    done, _ = make().apply(Action.SUBMIT, at=at(date(2025, 11, 12)))
    assert notices_due(done, at(date(2025, 11, 19)), calendar, default_ladder()) == []


@settings(max_examples=150, deadline=None)
@given(offset=st.integers(min_value=-30, max_value=30))
def test_notices_are_never_dated_on_a_day_off(calendar: WorkingCalendar, offset: int) -> None:
    day = DUE + timedelta(days=offset)
    for notice in notices_due(make(date(2025, 10, 1)), at(day), calendar, default_ladder()):
        assert calendar.is_working_day(notice.on)
        assert notice.on <= day


def test_buckets_at_an_instant() -> None:
    task = make()
    assert bucket(task, at(date(2025, 11, 1))) is None  # not opened yet
    assert bucket(task, at(DUE, 23, 59)) is Bucket.IN_PROGRESS
    assert bucket(task, at(DUE + timedelta(days=1), 0, 0)) is Bucket.OVERDUE
    on_time, _ = task.apply(Action.SUBMIT, at=at(DUE, 16, 0))
    late, _ = task.apply(Action.SUBMIT, at=at(DUE + timedelta(days=3)))
    assert bucket(on_time, at(date(2025, 12, 1))) is Bucket.DONE_ON_TIME
    assert bucket(late, at(date(2025, 12, 1))) is Bucket.DONE_LATE
    cancelled, _ = task.apply(Action.CANCEL, at=at(DUE))
    assert bucket(cancelled, at(DUE)) is None
    counts = tally([task, on_time, late, cancelled], datetime(2025, 12, 1, tzinfo=LOCAL_TZ))
    assert counts == {Bucket.OVERDUE: 1, Bucket.DONE_ON_TIME: 1, Bucket.DONE_LATE: 1}
    assert task.state is TaskState.OPEN
