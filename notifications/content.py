"""Fixed Vietnamese wording shared by the mail templates."""

from __future__ import annotations

from enum import StrEnum

from domain.policy import Role, Stage
from domain.task import TaskKey
from domain.year_end import revised_version


class MailKind(StrEnum):
    TASK_ASSIGNED = "task_assigned"
    REMINDER = "reminder"
    OVERDUE = "overdue"
    ESCALATION_DIGEST = "escalation_digest"
    SUBMISSION_RECEIPT = "submission_receipt"
    RETURNED = "returned"
    REPORT_SENT = "report_sent"  # to the Office and the Director: the report went out
    REPORT_SUBMITTED = "report_submitted"  # to UBND tỉnh (cc per Nơi nhận), the .docx attached
    OFFICE_ALERT = "office_alert"
    PLAN_AMENDED = "plan_amended"  # to a unit: its tasks an amended plan cancelled or moved
    REPORT_DEADLINE = "report_deadline"  # the report's own rungs: draft, decision, number
    UNIT_DIGEST = "unit_digest"  # a unit's reminders and chases of one morning, in one mail
    ASSIGNMENT_DIGEST = "assignment_digest"  # a unit's assignments of one sending time
    HEAD_SUMMARY = "head_summary"  # a unit head's monthly summary, with the unit's page
    UNIT_DIFFICULTY = "unit_difficulty"  # a unit head's difficulties, to the Office (cc Director)


STAGE_DELIVERABLES = {
    Stage.PLAN: (
        "Kế hoạch thực hiện: các hoạt động dự kiến, thời gian thực hiện và người phụ trách."
    ),
    Stage.EXECUTE: (
        "Báo cáo tiến độ: những việc đã làm trong kỳ và số lượng (tin, bài; bản tin; sự kiện; "
        "lớp tập huấn; lượt người tham dự; cuộc kiểm tra)."
    ),
    Stage.EVIDENCE: (
        "Minh chứng: đường dẫn hoặc tệp (pdf, docx, xlsx, ảnh), mỗi minh chứng kèm mô tả và "
        "các nội dung tuyên truyền (mục II của Kế hoạch) mà minh chứng thể hiện."
    ),
    Stage.REPORT: (
        "Báo cáo kết quả: số liệu, nội dung đã tuyên truyền, khó khăn, vướng mắc và đề xuất; "
        "hình thức còn thực hiện sau hạn báo cáo thì nêu thêm ước thực hiện đến hết năm."
    ),
}

# The Office's task to revise a draft the Director returned (domain.year_end.revision_key).
REVISION_TITLE = "Hoàn thiện dự thảo báo cáo kết quả thực hiện Kế hoạch"
REVISION_DELIVERABLE = "Dự thảo báo cáo đã hoàn thiện theo ý kiến của Giám đốc Sở."


def deliverable(key: TaskKey) -> str:
    """What a task asks to be handed in: its stage's, or the revised draft for a revision."""
    return REVISION_DELIVERABLE if revised_version(key) else STAGE_DELIVERABLES[key.stage]


ROLE_LABELS = {Role.LEAD: "Đơn vị chủ trì", Role.COORDINATOR: "Đơn vị phối hợp"}

REMINDER_LEADS = {
    0: "Hôm nay là hạn cuối",
    1: "Còn 1 ngày làm việc đến hạn",
}


def reminder_lead(days_left: int) -> str:
    return REMINDER_LEADS.get(days_left, f"Còn {days_left} ngày làm việc đến hạn")
