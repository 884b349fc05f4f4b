"""Working days: the holidays package corrected by the override table (DESIGN.md §4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import CalendarOverrides, WorkingCalendar
from domain.errors import CalendarError
from domain.phrases import parse_deadline


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("trước ngày 15/11/2025", date(2025, 11, 14)),  # Saturday → Friday
        ("trước ngày 30/11/2025", date(2025, 11, 28)),  # Sunday → Friday
        ("trước ngày 15/11/2026", date(2026, 11, 13)),  # Sunday → Friday
        ("trước ngày 30/11/2026", date(2026, 11, 27)),  # Monday → the Friday before
        ("đến ngày 15/11/2025", date(2025, 11, 17)),  # a day off → next working day
        ("ngày 14/11/2025", date(2025, 11, 14)),
        ("đến ngày 02/01/2026", date(2026, 1, 5)),  # swapped day off (CV 12729/VPCP-KGVX)
        ("trước ngày 11/01/2026", date(2026, 1, 10)),  # make-up Saturday is a working day
    ],
)
def test_deadline_phrases_resolve_to_the_expected_working_day(
    calendar: WorkingCalendar, phrase: str, expected: date
) -> None:
    assert parse_deadline(phrase).due(calendar) == expected


def test_makeup_saturday_2025_04_26_is_a_working_day(calendar: WorkingCalendar) -> None:
    assert calendar.is_working_day(date(2025, 4, 26))
    assert not calendar.is_working_day(date(2025, 5, 2))  # the day off it pays for


def test_package_alone_misses_the_2026_new_year_swap() -> None:
    bare = WorkingCalendar()
    assert bare.is_working_day(date(2026, 1, 2))
    assert not bare.is_working_day(date(2026, 1, 10))


def test_override_table_applies_the_2026_new_year_swap(calendar: WorkingCalendar) -> None:
    assert not calendar.is_working_day(date(2026, 1, 2))
    assert calendar.is_working_day(date(2026, 1, 10))
    assert calendar.holiday_name(date(2026, 1, 2))


def test_working_days_across_tet_2026_skip_16_to_20_february(calendar: WorkingCalendar) -> None:
    friday_before = date(2026, 2, 13)
    assert calendar.add_working_days(friday_before, 1) == date(2026, 2, 23)
    assert calendar.add_working_days(date(2026, 2, 23), -1) == friday_before
    assert calendar.working_days_between(date(2026, 2, 9), date(2026, 2, 27)) == 10
    for day in range(16, 21):
        assert not calendar.is_working_day(date(2026, 2, day))


def test_signed_working_days_until_due(calendar: WorkingCalendar) -> None:
    due = date(2025, 11, 14)
    assert calendar.working_days_until(date(2025, 11, 7), due) == 5
    assert calendar.working_days_until(due, due) == 0
    assert calendar.working_days_until(date(2025, 11, 17), due) == -1


def test_dates_outside_the_supported_years_are_refused(calendar: WorkingCalendar) -> None:
    with pytest.raises(CalendarError):
        calendar.is_working_day(date(1999, 12, 31))


def test_override_table_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError, match="extra"):
        CalendarOverrides.model_validate({"years": {2025: {"holidays": []}}})


days = st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31))


@settings(max_examples=200, deadline=None)
@given(day=days)
def test_before_is_a_working_day_strictly_before(calendar: WorkingCalendar, day: date) -> None:
    due = parse_deadline(f"trước ngày {day:%d/%m/%Y}").due(calendar)
    assert calendar.is_working_day(due)
    assert due < day


@settings(max_examples=200, deadline=None)
@given(day=days)
def test_by_is_a_working_day_on_or_after(calendar: WorkingCalendar, day: date) -> None:
    due = parse_deadline(f"đến ngày {day:%d/%m/%Y}").due(calendar)
    assert calendar.is_working_day(due)
    assert due >= day
    assert all(not calendar.is_working_day(day + timedelta(n)) for n in range((due - day).days))


@settings(max_examples=200, deadline=None)
@given(day=days, n=st.integers(min_value=0, max_value=60))
def test_adding_then_subtracting_working_days_returns_the_day(
    calendar: WorkingCalendar, day: date, n: int
) -> None:
    start = calendar.next_working_day(day, include=True)
    later = calendar.add_working_days(start, n)
    assert calendar.is_working_day(later)
    assert calendar.add_working_days(later, -n) == start
    assert calendar.working_days_between(start, later) == n + 1


@settings(max_examples=100, deadline=None)
@given(
    start=st.dates(min_value=date(2001, 1, 1), max_value=date(2097, 12, 31)),
    length=st.integers(min_value=-3, max_value=800),
)
def test_working_days_between_matches_a_day_by_day_count(
    calendar: WorkingCalendar, start: date, length: int
) -> None:
    end = start + timedelta(days=length)
    naive = sum(calendar.is_working_day(start + timedelta(days=i)) for i in range(length + 1))
    assert calendar.working_days_between(start, end) == max(naive, 0)
