"""Golden checks of every mail template on the real plan, and hostile data kept harmless."""

from __future__ import annotations

from datetime import date, datetime, time
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from domain.calendar import WorkingCalendar
from domain.clock import local_datetime
from domain.mail import Mailbox, OutgoingMail, RenderedMail
from domain.plan import Plan
from domain.policy import Audience, Role, Stage
from domain.task import Task, TaskKey
from domain.units import UnitDirectory
from notifications.content import MailKind
from notifications.message import to_email_message
from notifications.render import Renderer
from services.links import LinkSigner
from services.mail import Mailer, build_mail, build_task_mail
from services.settings import MailSettings

NOW = local_datetime(date(2025, 11, 7), time(7, 30))
TASK = Task(
    key=TaskKey("bulletins", "CDS", Stage.REPORT),
    role=Role.LEAD,
    opens_on=date(2025, 11, 10),
    due_on=date(2025, 11, 14),
)


def parse(mail: OutgoingMail) -> EmailMessage:
    parsed = message_from_bytes(to_email_message(mail).as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def bodies(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


TASK_KINDS = [
    (MailKind.TASK_ASSIGNED, {}, "Đề nghị thực hiện nhiệm vụ"),
    (MailKind.REMINDER, {"lead": "Còn 5 ngày làm việc đến hạn"}, "Nhắc việc"),
    (MailKind.OVERDUE, {}, "Quá hạn"),
    (
        MailKind.SUBMISSION_RECEIPT,
        {"version": 2, "submitted_at": "09:15 ngày 12/11/2025"},
        "Đã nhận",
    ),
    (MailKind.RETURNED, {"reason": "Thiếu số liệu lượt người tham dự"}, "Đề nghị bổ sung"),
]


@pytest.mark.parametrize(("kind", "extra", "subject"), TASK_KINDS, ids=[k[0] for k in TASK_KINDS])
def test_task_mail_golden(
    mailer: Mailer, plan: Plan, kind: MailKind, extra: dict[str, object], subject: str
) -> None:
    key, mail = build_task_mail(mailer, TASK, kind, now=NOW, extra=extra)
    message = parse(mail)
    assert message["Subject"].startswith(f"[CCHC 2025] {subject}")
    text, html = bodies(message)
    assert "Hạn: thứ Sáu, 14/11/2025" in text
    assert "thứ Sáu, 14/11/2025" in html
    link = mailer.task_context(TASK, today=NOW.date())["link"]
    assert link.startswith("https://cchc.example.invalid/t/")
    assert link in text
    assert f'href="{link}"' in html
    assert any(f"“{s.display}”" in text for s in plan.slogans)
    assert "số 281/KH-SKHCN ngày 26/03/2025" in text
    assert message["Message-ID"].endswith("@cchc.skhcn.example.invalid>")
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == (
        "Trung tâm Chuyển đổi số và Đổi mới sáng tạo",
        "cds@skhcn.example.invalid",
    )
    assert mail.content.subject == message["Subject"]  # survives encoding and folding
    if kind is MailKind.TASK_ASSIGNED:
        assert message["In-Reply-To"] is None
        assert "Còn 5 ngày làm việc" in text
    else:
        assert (
            message["In-Reply-To"]
            == build_task_mail(mailer, TASK, MailKind.TASK_ASSIGNED, now=NOW)[1].message_id
        )
    assert key.startswith(f"{plan.code}:{TASK.key}:{kind.value}")


def test_assignment_carries_an_ics_with_the_due_date(mailer: Mailer) -> None:
    _key, mail = build_task_mail(mailer, TASK, MailKind.TASK_ASSIGNED, now=NOW)
    [part] = list(parse(mail).iter_attachments())
    assert part.get_content_type() == "text/calendar"
    calendar = Calendar.from_ical(part.get_content())
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == date(2025, 11, 14)


def test_overdue_copies_the_unit_head(mailer: Mailer, directory: UnitDirectory) -> None:
    late = NOW.replace(day=19)
    _key, mail = build_task_mail(mailer, TASK, MailKind.OVERDUE, now=late, cc=(Audience.UNIT_HEAD,))
    message = parse(mail)
    head = directory.unit("CDS").head  # type: ignore[union-attr]
    assert head.email in str(message["Cc"])
    assert "quá hạn 3 ngày làm việc" in bodies(message)[0]


def test_escalation_digest_and_report_sent(mailer: Mailer) -> None:
    rows = [
        {
            "unit": "Ban Biên tập",
            "activity_number": 1,
            "activity_tag": "Hình thức 1. ",
            "activity": "Duy trì mục",
            "stage": "Báo cáo",
            "due": "thứ Sáu, 14/11/2025",
            "days_late": 3,
        }
    ]
    digest = parse(
        build_mail(
            mailer,
            MailKind.ESCALATION_DIGEST,
            key="d",
            now=NOW,
            to=[Mailbox("gd@x.example.invalid", "Giám đốc Sở")],
            context={"greeting": "Giám đốc Sở", "rows": rows, "unit_count": 1, "threshold": 1},
        )
    )
    assert digest["Subject"] == "[CCHC 2025] Báo cáo Giám đốc Sở: 1 nhiệm vụ quá hạn của 1 đơn vị"
    text, html = bodies(digest)
    assert "quá hạn 3 ngày làm việc" in text
    assert "<td>Ban Biên tập</td>" in html
    report = {
        "number_symbol": "215/BC-SKHCN",
        "to": "UBND tỉnh",
        "date": "25/11/2025",
        "sent_at": "09:00 ngày 25/11/2025",
        "recipients": ["UBND tỉnh", "Sở Nội vụ"],
        "deadline": "trước ngày 30/11/2025",
        "pdf": "report-2025-215.pdf",
        "signed_by": "Nguyễn Văn An",
    }
    sent = parse(
        build_mail(
            mailer,
            MailKind.REPORT_SENT,
            key="r",
            now=NOW,
            to=[Mailbox("vp@x.example.invalid")],
            context={"greeting": "Văn phòng Sở", "report": report},
        )
    )
    assert sent["Subject"] == "[CCHC 2025] Đã gửi Báo cáo số 215/BC-SKHCN đến UBND tỉnh"
    assert "- Sở Nội vụ" in bodies(sent)[0]
    assert "Bản PDF đã được ký số bằng chứng thư của Nguyễn Văn An." in bodies(sent)[0]


def test_slogans_rotate(mailer: Mailer, plan: Plan) -> None:
    seen = {mailer.renderer.slogan(f"key-{n}") for n in range(200)}
    assert seen == {s.display for s in plan.slogans}


HOSTILE = '<script>alert("x")</script>\r\nBcc: victim@evil.example'


def test_hostile_unit_name_is_escaped_and_cannot_add_headers(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    units = [
        u.model_copy(update={"name": HOSTILE}) if u.code == "CDS" else u for u in directory.units
    ]
    hostile = directory.model_copy(update={"units": units})
    mailer = Mailer(
        plan=plan,
        directory=hostile,
        calendar=calendar,
        renderer=Renderer(year=2025, slogans=["Khẩu hiệu"]),
        links=LinkSigner(secret="s", base_url="https://x.example.invalid"),
        settings=MailSettings(),
    )
    _key, mail = build_task_mail(
        mailer,
        TASK,
        MailKind.RETURNED,
        now=NOW,
        extra={"reason": "<img src=x onerror=alert(1)>\r\nTo: a@b.c"},
    )
    raw = to_email_message(mail).as_bytes()
    message = parse(mail)
    assert message["Bcc"] is None
    assert [a.addr_spec for a in message["To"].addresses] == ["cds@skhcn.example.invalid"]
    assert len(message.get_all("To") or []) == 1
    assert b"\r\nBcc:" not in raw.split(b"\r\n\r\n")[0]
    _text, html = bodies(message)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_naive_instant_is_not_accepted(mailer: Mailer) -> None:
    with pytest.raises(ValueError, match="naive"):
        build_task_mail(
            mailer, TASK, MailKind.REMINDER, now=datetime(2025, 11, 7, 7, 30), extra={"lead": "x"}
        )


VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
    "ĐÂ ,.:-!"
)


@settings(max_examples=150, deadline=None)
@given(
    subject=st.text(alphabet=VIETNAMESE, min_size=1, max_size=160),
    name=st.text(alphabet=VIETNAMESE, max_size=80),
)
def test_any_vietnamese_subject_and_name_survive_the_wire(subject: str, name: str) -> None:
    mail = OutgoingMail(
        message_id="<x@cchc.example.invalid>",
        sender=Mailbox("vp@x.example.invalid", name),
        to=(Mailbox("a@x.example.invalid", name), Mailbox("b@x.example.invalid", name)),
        content=RenderedMail(subject=subject, text="x"),
        date=NOW,
    )
    raw = to_email_message(mail).as_bytes()
    head = raw.split(b"\r\n\r\n")[0]
    assert head.isascii()
    assert max(len(line) for line in head.split(b"\r\n")) <= 998
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject.strip()
    names = [a.display_name for a in parsed["To"].addresses]
    assert names == [" ".join(name.split())] * 2  # readers fold runs of spaces in names


def test_task_context_is_kept_for_its_day_only(mailer: Mailer) -> None:
    """A mail's view of a task is reused within the day, and a new day drops the last
    day's (never asked for again): the days left are the new day's."""
    friday, monday = date(2025, 11, 7), date(2025, 11, 10)
    first = mailer.task_context(TASK, today=friday)
    first["days_left"] = -1  # a fresh dict each time: the caller's change is its own
    assert mailer.task_context(TASK, today=friday)["days_left"] == 5
    assert mailer.task_context(TASK, today=monday)["days_left"] == 4
    assert list(mailer._contexts) == [(TASK, monday)]
