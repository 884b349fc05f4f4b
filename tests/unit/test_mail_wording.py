"""The mails in the register of a provincial office: who asks whom, the year-end report as
a task, no abbreviations, and the cover mail to UBND tỉnh as one agency writes to another."""

from __future__ import annotations

from datetime import date, time

import pytest

from domain.clock import local_datetime
from domain.mail import Mailbox, OutgoingMail
from domain.plan import YEAR_END, Plan
from domain.policy import Role, Stage
from domain.task import Task, TaskKey
from domain.units import UnitDirectory
from domain.year_end import revision_key
from notifications.content import MailKind
from services.mail import Mailer, build_mail, build_task_mail

NOW = local_datetime(date(2025, 11, 7), time(7, 30))
FORM_TASK = Task(
    TaskKey("bulletins", "CDS", Stage.REPORT), Role.LEAD, date(2025, 11, 10), date(2025, 11, 14)
)
YEAR_END_TASK = Task(
    TaskKey(YEAR_END, "CDS", Stage.REPORT), Role.LEAD, date(2025, 11, 3), date(2025, 11, 14)
)


def task_mail(mailer: Mailer, task: Task, kind: MailKind, **extra: object) -> OutgoingMail:
    return build_task_mail(mailer, task, kind, now=NOW, extra=dict(extra))[1]


def every_part(mail: OutgoingMail) -> str:
    return "\n".join([mail.content.subject, mail.content.text, mail.content.html or ""])


ALL_TASK_KINDS = [
    (MailKind.TASK_ASSIGNED, {}),
    (MailKind.REMINDER, {"lead": "Còn 5 ngày làm việc đến hạn"}),
    (MailKind.OVERDUE, {}),
    (MailKind.SUBMISSION_RECEIPT, {"version": 1, "submitted_at": "09:15 ngày 12/11/2025"}),
    (MailKind.RETURNED, {"reason": "Thiếu số liệu"}),
]


def test_the_office_asks_a_peer_unit_and_never_assigns(mailer: Mailer) -> None:
    mail = task_mail(mailer, FORM_TASK, MailKind.TASK_ASSIGNED)
    assert mail.content.subject.startswith(
        "[CCHC 2025] Đề nghị thực hiện nhiệm vụ: Báo cáo — Hình thức 3. "
    )
    assert "Giao nhiệm vụ" not in every_part(mail)
    assert "Hình thức tuyên truyền: 3. " in mail.content.text


@pytest.mark.parametrize(("kind", "extra"), ALL_TASK_KINDS, ids=[k[0] for k in ALL_TASK_KINDS])
def test_no_mail_abbreviates_a_form_and_the_year_end_report_is_a_task(
    mailer: Mailer, plan: Plan, kind: MailKind, extra: dict[str, object]
) -> None:
    form = every_part(task_mail(mailer, FORM_TASK, kind, **extra))
    assert "HT" not in form
    assert "Hình thức 3. " in task_mail(mailer, FORM_TASK, kind, **extra).content.subject
    year_end = task_mail(mailer, YEAR_END_TASK, kind, **extra)
    text = year_end.content.text
    assert "Nhiệm vụ: Báo cáo kết quả thực hiện Kế hoạch năm" in text
    assert "Hình thức tuyên truyền" not in every_part(year_end)
    assert f"{len(plan.activities) + 1}. Báo cáo kết quả" not in every_part(year_end)
    assert "HT" not in every_part(year_end)
    assert "Báo cáo kết quả thực hiện Kế hoạch năm" in year_end.content.subject


def test_the_overdue_and_returned_mails_read_as_the_office_writes(mailer: Mailer) -> None:
    late = build_task_mail(mailer, FORM_TASK, MailKind.OVERDUE, now=NOW.replace(day=19))[1]
    assert "quá hạn 3 ngày làm việc nhưng Văn phòng Sở chưa nhận được kết quả" in late.content.text
    assert " mà Văn phòng Sở" not in every_part(late)
    returned = task_mail(mailer, FORM_TASK, MailKind.RETURNED, reason="Thiếu số liệu")
    assert "bổ sung, hoàn thiện kết quả đã gửi theo ý kiến sau:" in returned.content.text
    assert "với lý do" not in every_part(returned)


def test_the_revision_asks_the_office_in_the_directors_words(
    mailer: Mailer, directory: UnitDirectory
) -> None:
    key = revision_key(directory.office, 1)
    task = Task(key, Role.LEAD, date(2025, 11, 20), date(2025, 11, 24), reason="Bổ sung số liệu")
    mail = task_mail(mailer, task, MailKind.TASK_ASSIGNED)
    text = mail.content.text
    assert (
        "Giám đốc Sở đã trả lại dự thảo báo cáo lần 1; đề nghị Văn phòng Sở hoàn thiện "
        "theo ý kiến:\n\n    Bổ sung số liệu" in text
    )
    assert "Văn phòng Sở đề nghị Văn phòng Sở" not in every_part(mail)
    assert "Nhiệm vụ: Hoàn thiện dự thảo báo cáo" in text
    assert "kỳ 2" not in text
    assert mail.content.subject == (
        "[CCHC 2025] Đề nghị thực hiện nhiệm vụ: hoàn thiện dự thảo báo cáo lần 1 "
        "theo ý kiến của Giám đốc Sở"
    )


def test_the_director_digest_reports_with_respect(mailer: Mailer) -> None:
    row = {
        "unit": "Ban Biên tập",
        "activity_number": 7,
        "activity_tag": "",
        "activity": "Báo cáo kết quả thực hiện Kế hoạch năm (gửi Văn phòng Sở)",
        "stage": "Báo cáo",
        "due": "thứ Sáu, 14/11/2025",
        "days_late": 2,
    }
    mail = build_mail(
        mailer,
        MailKind.ESCALATION_DIGEST,
        key="d",
        now=NOW,
        to=[Mailbox("gd@x.example.invalid", "Giám đốc Sở")],
        context={"greeting": "Giám đốc Sở", "rows": [row], "unit_count": 1, "threshold": 1},
    )
    text, html = mail.content.text, mail.content.html or ""
    assert "Văn phòng Sở kính báo cáo Giám đốc Sở: tính đến ngày 07/11/2025, có 1 nhiệm vụ" in text
    body = text.split("\n-- \n")[0].rstrip()
    assert body.endswith("Kính đề nghị Giám đốc Sở xem xét, chỉ đạo.")
    assert "Kính đề nghị Giám đốc Sở xem xét, chỉ đạo.</p>" in html
    assert "Ban Biên tập — Báo cáo kết quả thực hiện Kế hoạch năm" in text
    assert "HT" not in text + html
    assert "<th>Nhiệm vụ</th>" in html


REPORT = {
    "number_symbol": "215/BC-SKHCN",
    "title": "Kết quả thực hiện công tác tuyên truyền cải cách hành chính năm 2025",
    "to": "Ủy ban nhân dân tỉnh Quảng Ngãi",
    "date": "25/11/2025",
    "sent_at": "09:00 ngày 25/11/2025",
    "recipients": ["Ủy ban nhân dân tỉnh Quảng Ngãi", "Sở Nội vụ tỉnh Quảng Ngãi"],
    "deadline": "thứ Sáu, 28/11/2025",
    "filename": "report-2025-215.docx",
    "pdf": "report-2025-215.pdf",
    "signed_by": "Nguyễn Văn An",
}


def test_the_cover_mail_to_ubnd_is_one_agency_writing_to_another(
    mailer: Mailer, plan: Plan
) -> None:
    mail = build_mail(
        mailer,
        MailKind.REPORT_SUBMITTED,
        key="s",
        now=NOW,
        to=[Mailbox("ubnd@x.example.invalid", "Ủy ban nhân dân tỉnh Quảng Ngãi")],
        context={"greeting": "Ủy ban nhân dân tỉnh Quảng Ngãi", "report": REPORT},
    )
    text, html = mail.content.text, mail.content.html or ""
    assert text.startswith(
        "Sở Khoa học và Công nghệ kính gửi Ủy ban nhân dân tỉnh Quảng Ngãi Báo cáo số "
        "215/BC-SKHCN ngày 25/11/2025 về kết quả thực hiện công tác tuyên truyền cải cách "
        "hành chính năm 2025"
    )
    assert "- report-2025-215.docx (Báo cáo số 215/BC-SKHCN, bản Word)" in text
    assert "- report-2025-215.pdf (Báo cáo số 215/BC-SKHCN, bản PDF đã ký số)" in text
    assert "Sở Khoa học và Công nghệ kính gửi Ủy ban nhân dân tỉnh Quảng Ngãi" in html
    for part in (text, html):
        assert "vui lòng không trả lời" not in part
        assert "Kính gửi:" not in part
        assert "chưa gửi báo cáo" not in part
        assert not any(s.display in part or s.text in part for s in plan.slogans)


def test_the_slogans_keep_the_plans_text_and_the_mails_show_it_corrected(
    mailer: Mailer, plan: Plan
) -> None:
    third = plan.slogans[2]
    assert "lấy nguời dân" in third.text  # the plan's text, for the record
    assert "lấy người dân" in third.display
    assert plan.slogans[0].display == plan.slogans[0].text  # no display given: the text
    footers = {mailer.renderer.slogan(f"k-{n}") for n in range(200)}
    assert third.display in footers
    assert not any("nguời" in f for f in footers)
    mail = task_mail(mailer, FORM_TASK, MailKind.TASK_ASSIGNED)
    assert "nguời" not in every_part(mail)


def test_a_plan_file_round_trips_with_and_without_a_display_form(plan: Plan) -> None:
    again = Plan.model_validate(plan.model_dump(mode="json", by_alias=True))
    assert again == plan
    bare = Plan.model_validate(
        {**plan.model_dump(mode="json", by_alias=True), "slogans": [{"number": 1, "text": "X!"}]}
    )
    assert bare.slogans[0].display == "X!"
