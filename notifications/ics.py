"""An iCalendar (.ics) all-day event for a task's due date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from icalendar import Calendar, Event

from domain.mail import Attachment


def due_date_event(
    *,
    uid: str,
    summary: str,
    description: str,
    due: date,
    url: str,
    stamp: datetime,
    filename: str = "han-nhiem-vu.ics",
) -> Attachment:
    calendar = _calendar(uid, summary, description, due, url, stamp)
    return Attachment(filename, "text/calendar", calendar)


# a batch mail carries the same events again as tasks join it, each under a new file name
@lru_cache(maxsize=4096)
def _calendar(
    uid: str, summary: str, description: str, due: date, url: str, stamp: datetime
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//cchc//Theo doi nhiem vu CCHC//VI")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", due)
    event.add("dtend", due + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
