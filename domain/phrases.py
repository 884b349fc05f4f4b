"""Vietnamese date, deadline and time-window phrases as the plans write them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.calendar import WorkingCalendar
from domain.errors import PhraseError

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_NUM = r"(?:iv|iii|ii|i|[1-4])"
_DATE_NUMERIC = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}))?$")
_DATE_WORDS = re.compile(r"^(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s+năm\s+(\d{4}))?$")
_YEAR = r"(?:(?:\s*/\s*|\s+năm\s+|\s+)(\d{4}))?"
_QUARTERS = re.compile(rf"^quý\s+({_NUM})(?:\s*(?:-|–|đến)\s*(?:quý\s+)?({_NUM}))?{_YEAR}$")
_MONTHS = re.compile(
    r"^tháng\s+(\d{1,2})(?:\s*(?:-|–|đến)\s*(?:tháng\s+)?(\d{1,2}))?" + _YEAR + "$"
)
_HALF = re.compile(r"^(?:6 tháng|sáu tháng)\s+(đầu|cuối)\s+năm" + _YEAR + "$")
_WHOLE_YEAR = re.compile(r"^(?:thường xuyên(?:\s+trong năm)?|cả năm|trong năm|năm)" + _YEAR + "$")
_RANGE = re.compile(r"^từ\s+(?:ngày\s+)?(.+?)\s+(?:đến|tới)\s+(?:ngày\s+)?(.+)$")
_BEFORE = re.compile(r"^trước\s+(?:ngày\s+)?(.+)$")
_BY = re.compile(r"^(?:(?:đến|tới|hạn|chậm nhất(?:\s+là)?|trong)\s+)?(?:ngày\s+)?(.+)$")
_YEAR_DAYS = 365  # a window this long or longer is a whole year (1/1–31/12 at the least)


def normalize(text: str) -> str:
    """NFC, lower case, one space between words, no trailing punctuation."""
    text = unicodedata.normalize("NFC", text).lower().replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().rstrip(".;,:")


def parse_date(text: str, *, year: int | None = None) -> date:
    """'15/11/2025', '15-11-2025', '15 tháng 11 năm 2025'; a year-less date takes `year`."""
    norm = normalize(text)
    norm = norm.removeprefix("ngày ").strip()
    match = _DATE_NUMERIC.match(norm) or _DATE_WORDS.match(norm)
    if not match:
        raise PhraseError(f"not a date: {text!r} (expected e.g. 15/11/2025)")
    day, month, yr = int(match[1]), int(match[2]), match[3]
    if yr is None and year is None:
        raise PhraseError(f"date {text!r} has no year and none was given")
    try:
        return date(int(yr) if yr else year or 0, month, day)
    except ValueError as exc:
        raise PhraseError(f"impossible date {text!r}: {exc}") from None


class DeadlineKind(StrEnum):
    BEFORE = "before"  # "trước ngày D": the last working day strictly before D
    BY = "by"  # "đến ngày D" / "ngày D": D, or the next working day when D is off


@dataclass(frozen=True)
class Deadline:
    """A deadline as written, with the literal date; `due` applies the calendar."""

    kind: DeadlineKind
    on: date
    text: str

    def due(self, calendar: WorkingCalendar) -> date:
        if self.kind is DeadlineKind.BEFORE:
            return calendar.due_before(self.on)
        return calendar.due_by(self.on)


def parse_deadline(text: str, *, year: int | None = None) -> Deadline:
    """'trước ngày 15/11/2025' → BEFORE; 'đến ngày …', 'ngày …', a bare date → BY."""
    norm = normalize(text)
    before = _BEFORE.match(norm)
    if before:
        return Deadline(DeadlineKind.BEFORE, parse_date(before[1], year=year), text.strip())
    by = _BY.match(norm)
    if by:
        try:
            return Deadline(DeadlineKind.BY, parse_date(by[1], year=year), text.strip())
        except PhraseError:
            pass
    raise PhraseError(f"not a deadline: {text!r} (expected e.g. 'trước ngày 15/11/2025')")


@dataclass(frozen=True)
class TimeWindow:
    """A time window as written ('Quý II/2025') with its first and last calendar day."""

    start: date
    end: date
    text: str

    @property
    def year_round(self) -> bool:
        """Lasts a whole year: run with periodic check-ins. A calendar year, or (a rehearsal's
        year, shifted by days) 365 days or more from any day."""
        return (self.end - self.start).days >= _YEAR_DAYS - 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _index(token: str) -> int:
    return _ROMAN.get(token) or int(token)


def _year(found: str | None, default: int | None, text: str) -> int:
    if found:
        return int(found)
    if default is None:
        raise PhraseError(f"time window {text!r} names no year and none was given")
    return default


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _months(year: int, first: int, last: int, text: str) -> TimeWindow:
    if not 1 <= first <= last <= 12:
        raise PhraseError(f"months out of order or range in {text!r}")
    return TimeWindow(date(year, first, 1), _month_end(year, last), text.strip())


def parse_window(text: str, *, year: int | None = None) -> TimeWindow:
    """Quarters ('Quý I - II/2025', 'quý 2 năm 2025'), months ('tháng 5/2025'), halves,
    'Thường xuyên trong năm', 'trong năm 2025', 'từ ngày D1 đến ngày D2', 'trước ngày D'."""
    norm = normalize(text)
    if match := _WHOLE_YEAR.match(norm):
        return _months(_year(match[1], year, text), 1, 12, text)
    if match := _QUARTERS.match(norm):
        first = _index(match[1])
        last = _index(match[2]) if match[2] else first
        return _months(_year(match[3], year, text), 3 * first - 2, 3 * last, text)
    if match := _MONTHS.match(norm):
        first = int(match[1])
        last = int(match[2]) if match[2] else first
        return _months(_year(match[3], year, text), first, last, text)
    if match := _HALF.match(norm):
        yr = _year(match[2], year, text)
        return _months(yr, 1, 6, text) if match[1] == "đầu" else _months(yr, 7, 12, text)
    if match := _RANGE.match(norm):
        start, end = parse_date(match[1], year=year), parse_date(match[2], year=year)
        if end < start:
            raise PhraseError(f"time window {text!r} ends before it starts")
        return TimeWindow(start, end, text.strip())
    if match := _BEFORE.match(norm):
        end = parse_date(match[1], year=year)
        return TimeWindow(date(end.year, 1, 1), end - timedelta(days=1), text.strip())
    raise PhraseError(f"not a time window: {text!r} (expected e.g. 'Quý II/2025')")


# Words a time window starts with inside a sentence ("… thực hiện trong quý 2 năm 2025").
_WINDOW_START = re.compile(
    r"(?<!\w)(?:thường xuyên|cả năm|trong năm|quý|tháng|6 tháng|sáu tháng|từ ngày|trước ngày)"
    r"(?!\w)",
    re.IGNORECASE,
)
_MAX_WINDOW_WORDS = 12


def find_window(text: str, *, year: int | None = None) -> TimeWindow | None:
    """The first time window written inside a sentence, as written; None if there is none."""
    for start in _WINDOW_START.finditer(text):
        ends = [m.end() for m in re.finditer(r"\S+", text[start.start() :])]
        for end in reversed(ends[:_MAX_WINDOW_WORDS]):
            candidate = text[start.start() : start.start() + end].rstrip(".;,:)")
            try:
                return parse_window(candidate, year=year)
            except PhraseError:
                continue
    return None
