"""The Vietnamese phrasings plans use for dates, deadlines and time windows."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import PhraseError
from domain.phrases import DeadlineKind, parse_date, parse_deadline, parse_window


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Thường xuyên trong năm", date(2025, 1, 1), date(2025, 12, 31)),
        ("Quý II/2025", date(2025, 4, 1), date(2025, 6, 30)),
        ("Quý I - II/2025", date(2025, 1, 1), date(2025, 6, 30)),
        ("Quý I-II/2025", date(2025, 1, 1), date(2025, 6, 30)),
        ("Quý IV/2025.", date(2025, 10, 1), date(2025, 12, 31)),
        ("quý 2 năm 2025", date(2025, 4, 1), date(2025, 6, 30)),
        ("tháng 5/2025", date(2025, 5, 1), date(2025, 5, 31)),
        ("Tháng 2 - 3/2024", date(2024, 2, 1), date(2024, 3, 31)),
        ("trong năm 2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("6 tháng đầu năm 2025", date(2025, 1, 1), date(2025, 6, 30)),
        ("từ ngày 01/3/2025 đến ngày 15/4/2025", date(2025, 3, 1), date(2025, 4, 15)),
        ("Trước 30/6/2025", date(2025, 1, 1), date(2025, 6, 29)),
    ],
)
def test_time_windows_parse(text: str, start: date, end: date) -> None:
    window = parse_window(text, year=2025)
    assert (window.start, window.end) == (start, end)
    assert window.text == text.strip()


def test_only_a_whole_year_window_is_year_round() -> None:
    assert parse_window("Thường xuyên trong năm", year=2025).year_round
    assert not parse_window("Quý IV/2025").year_round


@pytest.mark.parametrize(
    "text", ["Quý V/2025", "sớm nhất có thể", "tháng 13/2025", "Quý III - I/2025", ""]
)
def test_unreadable_windows_raise_phrase_error(text: str) -> None:
    with pytest.raises(PhraseError):
        parse_window(text, year=2025)


def test_year_round_phrase_without_a_year_needs_one() -> None:
    with pytest.raises(PhraseError, match="no year"):
        parse_window("Thường xuyên trong năm")


@pytest.mark.parametrize(
    ("text", "kind", "on"),
    [
        ("trước ngày 15/11/2025", DeadlineKind.BEFORE, date(2025, 11, 15)),
        ("Trước ngày 15 tháng 11 năm 2025", DeadlineKind.BEFORE, date(2025, 11, 15)),
        ("đến ngày 30/6/2025", DeadlineKind.BY, date(2025, 6, 30)),
        ("ngày 30/06/2025", DeadlineKind.BY, date(2025, 6, 30)),
        ("chậm nhất ngày 1/7/2025", DeadlineKind.BY, date(2025, 7, 1)),
        ("30-6-2025", DeadlineKind.BY, date(2025, 6, 30)),
    ],
)
def test_deadline_phrases_parse(text: str, kind: DeadlineKind, on: date) -> None:
    deadline = parse_deadline(text)
    assert (deadline.kind, deadline.on) == (kind, on)


@pytest.mark.parametrize("text", ["trước ngày 31/2/2025", "ngày 0/1/2025", "hôm qua", "trước ngày"])
def test_impossible_or_unreadable_deadlines_raise(text: str) -> None:
    with pytest.raises(PhraseError):
        parse_deadline(text)


def test_year_less_date_uses_the_given_year() -> None:
    assert parse_date("15/11", year=2026) == date(2026, 11, 15)
    with pytest.raises(PhraseError, match="no year"):
        parse_date("15/11")


@given(st.text(max_size=40))
def test_any_text_gives_a_window_or_a_phrase_error(text: str) -> None:
    try:
        window = parse_window(text, year=2025)
    except PhraseError:
        return
    assert window.start <= window.end
