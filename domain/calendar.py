"""Working-day calendar: Mon–Fri minus Vietnamese public holidays, corrected by a data table."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays
from pydantic import BaseModel, ConfigDict, Field

from domain.errors import CalendarError

MIN_YEAR, MAX_YEAR = 2000, 2100


class DayOverride(BaseModel):
    """One official correction to the package's holidays, with where it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: date
    note: str = ""
    source: str = ""


class YearOverrides(BaseModel):
    """Corrections for one year: extra days off and make-up working days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days_off: list[DayOverride] = Field(default_factory=list)
    working_days: list[DayOverride] = Field(default_factory=list)


class CalendarOverrides(BaseModel):
    """The override table (plans/calendar-overrides.yaml): year → corrections."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    years: dict[int, YearOverrides] = Field(default_factory=dict)

    def days_off(self) -> dict[date, str]:
        return {d.date: d.note for y in self.years.values() for d in y.days_off}

    def working_days(self) -> dict[date, str]:
        return {d.date: d.note for y in self.years.values() for d in y.working_days}


@cache
def _vn_holidays(year: int) -> dict[date, str]:
    """The package's Vietnamese public holidays of one year, names in Vietnamese."""
    table = holidays.country_holidays("VN", years=year, language="vi")
    return {day: name for day, name in table.items() if day.year == year}


class WorkingCalendar:
    """Answers working-day questions; all arithmetic counts working days only."""

    def __init__(self, overrides: CalendarOverrides | None = None) -> None:
        self._overrides = overrides or CalendarOverrides()
        self._extra_off = self._overrides.days_off()
        self._extra_work = self._overrides.working_days()
        self._prefix: dict[int, list[int]] = {}

    def checked_years(self) -> set[int]:
        """The years the override table has an entry for (its make-up days and swaps were
        looked at); for another year only the `holidays` package speaks."""
        return set(self._overrides.years)

    def _check(self, day: date) -> None:
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise CalendarError(f"{day.isoformat()} is outside {MIN_YEAR}–{MAX_YEAR}")

    def holiday_name(self, day: date) -> str | None:
        """The reason `day` is off (holiday or override), or None."""
        self._check(day)
        if day in self._extra_work:
            return None
        return self._extra_off.get(day) or _vn_holidays(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        self._check(day)
        if day in self._extra_work:
            return True
        if day.weekday() >= 5 or day in self._extra_off:
            return False
        return day not in _vn_holidays(day.year)

    def next_working_day(self, day: date, *, include: bool = False) -> date:
        """First working day after `day` (or `day` itself when include and it is one)."""
        step = day if include else day + timedelta(days=1)
        while not self.is_working_day(step):
            step += timedelta(days=1)
        return step

    def previous_working_day(self, day: date, *, include: bool = False) -> date:
        """Last working day before `day` (or `day` itself when include and it is one)."""
        step = day if include else day - timedelta(days=1)
        while not self.is_working_day(step):
            step -= timedelta(days=1)
        return step

    def add_working_days(self, day: date, n: int) -> date:
        """Move n working days forward (n < 0: back); n == 0 returns `day` unchanged."""
        step = day
        for _ in range(abs(n)):
            step = self.next_working_day(step) if n > 0 else self.previous_working_day(step)
        return step

    def _through(self, day: date) -> int:
        """Working days from 1 January of day's year to `day` inclusive (cached per year)."""
        prefix = self._prefix.get(day.year)
        if prefix is None:
            self._check(day)
            first, count, prefix = date(day.year, 1, 1), 0, []
            for offset in range((date(day.year + 1, 1, 1) - first).days):
                count += self.is_working_day(first + timedelta(days=offset))
                prefix.append(count)
            self._prefix[day.year] = prefix
        return prefix[day.timetuple().tm_yday - 1]

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in the closed range [start, end] (0 if end < start)."""
        if end < start:
            return 0
        count = self._through(end) - self._through(start) + self.is_working_day(start)
        for year in range(start.year, end.year):
            count += self._through(date(year, 12, 31))
        return count

    def working_days_until(self, today: date, due: date) -> int:
        """Working days from today to due, signed: 0 on the due day, < 0 once late."""
        if due >= today:
            return self.working_days_between(today + timedelta(days=1), due)
        return -self.working_days_between(due + timedelta(days=1), today)

    def due_before(self, day: date) -> date:
        """'trước ngày D': end of the last working day strictly before D."""
        return self.previous_working_day(day)

    def due_by(self, day: date) -> date:
        """'đến ngày D' / 'ngày D': D, or the next working day when D is a day off (BLDS 148.5)."""
        return self.next_working_day(day, include=True)
