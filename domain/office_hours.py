"""When mail may go out: working days, inside office hours (Asia/Ho_Chi_Minh)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ, as_utc, local_datetime


def next_send_time(
    at: datetime,
    calendar: WorkingCalendar,
    *,
    start: time = time(7, 30),
    end: time = time(17, 0),
) -> datetime:
    """`at` itself inside office hours on a working day, else the next working morning."""
    local = as_utc(at).astimezone(LOCAL_TZ)
    day = local.date()
    if calendar.is_working_day(day):
        if start <= local.time() < end:
            return as_utc(at)
        if local.time() < start:
            return local_datetime(day, start)
    return local_datetime(calendar.next_working_day(day), start)


def backoff(attempts: int, *, base_seconds: float, cap_seconds: float) -> timedelta:
    """Exponential back-off after `attempts` failures: base, 2·base, 4·base … up to cap."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(attempts - 1, 0)))
