"""Vietnamese wording for dates and labels shown to people."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from domain.plan import YEAR_END, Activity, Topic
from domain.task import TaskState

WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


TASK_STATES = {
    TaskState.OPEN: "Chưa gửi",
    TaskState.SUBMITTED: "Đã gửi, chờ Văn phòng xem xét",
    TaskState.ACCEPTED: "Đã được chấp nhận",
    TaskState.RETURNED: "Được trả lại để bổ sung",
    TaskState.CANCELLED: "Đã hủy",
}
# The audit trail of a task as the Office's page writes it.
TASK_AUDIT_ACTIONS = {
    "task.submitted": "Đơn vị gửi kết quả",
    "task.accepted": "Chấp nhận kết quả",
    "task.returned": "Trả lại để bổ sung",
    "task.cancelled": "Hủy nhiệm vụ",
    "task.open": "Mở lại nhiệm vụ",
    "task.extended": "Gia hạn",
    "task.rescheduled": "Đổi hạn theo Kế hoạch điều chỉnh",
    "task.reassigned": "Giao lại cho đơn vị khác",
    "task.delegated": "Giao cho người được chỉ định",
    "task.link_reissued": "Cấp lại đường dẫn",
}
TASK_AUDIT_FIELDS = {
    "state": "tình trạng",
    "due_on": "hạn",
    "unit": "đơn vị",
    "task": "nhiệm vụ",
    "name": "họ tên",
    "email": "thư điện tử",
    "version": "lần gửi",
    "link_generation": "lần cấp đường dẫn",
}


def audit_values(values: dict[str, object]) -> str:
    """An audit entry's old or new values in words: 'tình trạng: Đã gửi, …; lần gửi: 2'."""
    return "; ".join(
        f"{TASK_AUDIT_FIELDS.get(k, k)}: {_audit_value(k, v)}" for k, v in values.items()
    )


def _audit_value(key: str, value: object) -> object:
    if key == "state":
        return next((label for s, label in TASK_STATES.items() if s.value == value), value)
    if key.endswith("_on") and isinstance(value, str):
        try:
            return dmy(date.fromisoformat(value))
        except ValueError:
            return value
    return value


# The fields of a unit's result form, as its error messages name them.
FORM_FIELDS = {
    "content": "Nội dung",
    "responsible": "Người phụ trách",
    "links": "Đường dẫn minh chứng",
    "topics": "Nội dung tuyên truyền (mục II)",
    "counts": "Số liệu",
    "difficulties": "Khó khăn, vướng mắc",
    "proposals": "Đề xuất, kiến nghị",
    "estimate": "Ước thực hiện đến hết năm",
}


def number(n: int) -> str:
    """20.000: thousands separated by dots."""
    return f"{n:,}".replace(",", ".")


def form_error(field: str, kind: str, *, limit: int | None = None, detail: str = "") -> str:
    """A form field's error in Vietnamese, naming the field: the kind is pydantic's error
    type ('string_too_short', 'string_too_long', 'too_long', 'value_error', …)."""
    name = FORM_FIELDS.get(field, field)
    if kind == "string_too_short":
        problem = "không được để trống"
    elif kind == "string_too_long" and limit is not None:
        problem = f"dài quá mức cho phép (tối đa {number(limit)} ký tự)"
    elif kind == "too_long" and limit is not None:
        problem = f"quá nhiều (tối đa {number(limit)} mục)"
    elif detail:
        problem = detail
    else:
        problem = "giá trị không hợp lệ"
    return f"{name}: {problem}"


# Misspellings met in plan documents, and the word as it is shown instead (a slogan's
# `display`); the plan's own text keeps them for the record.
TYPOS = {"nguời": "người", "Nguời": "Người"}
_TYPO = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, TYPOS)) + r")(?!\w)")


def corrected(text: str) -> str:
    """`text` with the known misspellings corrected (NFC)."""
    return _TYPO.sub(lambda m: TYPOS[m[1]], unicodedata.normalize("NFC", text))


def weekday(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def dmy(day: date) -> str:
    """14/11/2025."""
    return f"{day:%d/%m/%Y}"


def long_date(day: date) -> str:
    """thứ Sáu, 14/11/2025."""
    return f"{weekday(day)}, {dmy(day)}"


def activity_tag(activity: Activity) -> str:
    """What goes before an activity's title in subjects and lists: 'Hình thức 1. ' for a
    form of propagation; nothing for the year-end report, a task of the plan's section VI
    and not a form of its own."""
    return "" if activity.code == YEAR_END else f"Hình thức {activity.number}. "


def activity_heading(activity: Activity) -> tuple[str, str]:
    """(label, value) of the row naming the activity of a task in mails and pages."""
    if activity.code == YEAR_END:
        return "Nhiệm vụ", activity.title
    return "Hình thức tuyên truyền", f"{activity.number}. {activity.title}"


def activity_short(activity: Activity) -> str:
    """A column head naming the activity: 'Hình thức 1', or 'Báo cáo năm'."""
    return "Báo cáo năm" if activity.code == YEAR_END else f"Hình thức {activity.number}"


def topic_numbering(topics: list[Topic], prefix: str = "") -> list[tuple[str, Topic]]:
    """Each topic of section II with its number as the plan writes it ('5', '5đ'), not its
    ASCII code ('5dd')."""
    numbered: list[tuple[str, Topic]] = []
    for topic in topics:
        number = f"{prefix}{topic.marker}"
        numbered += [(number, topic), *topic_numbering(topic.subtopics, number)]
    return numbered
