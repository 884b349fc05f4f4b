"""Vietnamese wording for dates and labels shown to people."""

from __future__ import annotations

from datetime import date

WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def weekday(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def dmy(day: date) -> str:
    """14/11/2025."""
    return f"{day:%d/%m/%Y}"


def long_date(day: date) -> str:
    """thứ Sáu, 14/11/2025."""
    return f"{weekday(day)}, {dmy(day)}"
