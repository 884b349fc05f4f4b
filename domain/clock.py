"""Time for the domain: a Clock is passed in; nothing here reads the system clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    """Anything that can say what time it is now (aware, UTC)."""

    def now(self) -> datetime: ...


class FixedClock:
    """A clock that stands still until moved; used by tests and the simulated replay."""

    def __init__(self, at: datetime) -> None:
        self._at = as_utc(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = as_utc(at)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


def as_utc(at: datetime) -> datetime:
    """Normalise an aware datetime to UTC; naive values are refused (they are ambiguous)."""
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at.isoformat()} has no time zone")
    return at.astimezone(UTC)


def local_date(at: datetime) -> date:
    """The calendar date in Asia/Ho_Chi_Minh at an instant."""
    return as_utc(at).astimezone(LOCAL_TZ).date()


def end_of_day(day: date) -> datetime:
    """The instant a local day ends (24:00 Asia/Ho_Chi_Minh, BLDS 2015 art. 148.6), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ).astimezone(UTC)


def local_datetime(day: date, at: time) -> datetime:
    """A local wall-clock time on a day, as a UTC instant."""
    return datetime.combine(day, at, LOCAL_TZ).astimezone(UTC)
