"""The progress workbook's content as plain values: the forms, tasks, evidence and counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from domain.policy import Stage
from domain.status import BUCKET_LABELS_VI, Bucket

NOT_OPEN, CANCELLED = "Chưa đến kỳ", "Đã hủy"


@dataclass(frozen=True)
class FormHead:
    """A form (hình thức) as a column group: its number, title and the stages it has."""

    number: int
    title: str
    stages: tuple[Stage, ...] = tuple(Stage)


@dataclass(frozen=True)
class TaskLine:
    unit: str  # the unit's name
    form: int  # the form's number
    stage: Stage
    seq: int
    stage_label: str  # "Thực hiện (kỳ 2)"
    due: date
    submitted: date | None  # the day it was handed in; None while not handed in
    bucket: Bucket | None  # None: not open yet, or cancelled
    cancelled: bool = False
    days_late: int = 0

    @property
    def status(self) -> str:
        if self.bucket is not None:
            return BUCKET_LABELS_VI[self.bucket]
        return CANCELLED if self.cancelled else NOT_OPEN


@dataclass(frozen=True)
class EvidenceLine:
    unit: str
    form: int
    stage_label: str
    is_file: bool  # a file handed in, else a link
    text: str  # the URL, or the file's name
    recorded: datetime | None  # aware; shown in local time


@dataclass(frozen=True)
class CountLine:
    unit: str
    form: int
    counts: Mapping[str, int]  # RESULT_COUNTS keys as the unit reported them


@dataclass(frozen=True)
class ProgressBook:
    title: str
    units: tuple[str, ...]  # the matrix's rows, in order
    forms: tuple[FormHead, ...]
    tasks: tuple[TaskLine, ...] = ()
    evidence: tuple[EvidenceLine, ...] = ()
    counts: tuple[CountLine, ...] = ()
    creator: str = "cchc"

    def form_title(self, number: int) -> str:
        title = next((f.title for f in self.forms if f.number == number), "")
        return f"{number}. {title}" if title else str(number)
