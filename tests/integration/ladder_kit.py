"""What the sweep tests share: the plan's working mornings and the rungs its ladder has due
on each (read from the ladder, not from the mails)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from domain.clock import LOCAL_TZ
from domain.ladder import Notice, notices_due
from domain.task import Task
from domain.year_end import ladder_for
from tests.integration.conftest import World


def rungs_by_morning(
    world: World, start: date | None = None
) -> Iterator[tuple[datetime, list[tuple[Task, Notice]]]]:
    """Each working morning (07:30) of the plan's year from `start` (2 January if none),
    with every (task, rung) the ladder has due then."""
    cal, plan = world.app.calendar, world.plan
    with world.app.uow() as uow:
        tasks = uow.tasks.find(plan=plan.code)
    day = start or date(plan.year, 1, 2)
    while day.year == plan.year:
        if cal.is_working_day(day):
            now = datetime.combine(day, time(7, 30), tzinfo=LOCAL_TZ)
            yield (
                now,
                [(t, n) for t in tasks for n in notices_due(t, now, cal, ladder_for(plan, t.key))],
            )
        day += timedelta(days=1)
