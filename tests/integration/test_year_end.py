"""The year-end collection: unit report tasks, their tighter ladder, the draft, the
Director's decision, the Office's revision, and the report sent once."""

from __future__ import annotations

from datetime import date, datetime, time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select, update

from domain.clock import LOCAL_TZ
from domain.policy import Stage
from domain.task import TaskKey, TaskState
from domain.year_end import YEAR_END, revision_key
from services import report_draft, report_final, review, year_end
from services.context import PlanContext, plan_context
from services.notices import send_due_notices
from services.sweep import deliver
from services.tasks import submit
from storage.tables import ActivityRow, NoticeRow, OutboxRow, TaskRow, UnitRow
from storage.uow import session_of
from tests.integration.conftest import World

UNITS = ["BBT", "VP", "TTRA", "KHTC", "QLKH", "QLCN", "BCVT", "TDC", "CCTDC", "CDS", "TTUD"]
LATE = {"BBT", "TTUD"}  # still missing when the ladder runs


def at(day: date, hour: int = 7, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


@pytest.fixture
def ctx(world: World, tmp_path: Path) -> PlanContext:
    """The plan with every activity task already decided: only the year-end work is live."""
    world.app.settings.__dict__["report_dir"] = tmp_path / "reports"
    with world.app.uow() as uow:
        session_of(uow).execute(update(TaskRow).values(state=TaskState.CANCELLED.value))
        uow.commit()
    return plan_context(world.plan.code, world.app)


def hand_in(ctx: PlanContext, unit: str, when: datetime, **payload: object) -> None:
    with ctx.app.uow() as uow:
        submit(
            uow,
            ctx.mailer,
            TaskKey(YEAR_END, unit, Stage.REPORT),
            at=when,
            by=f"unit:{unit}",
            payload={"content": f"Báo cáo năm của {unit}", **payload},
        )


def year_end_mail(ctx: PlanContext) -> list[tuple[str, str, list[str], list[str]]]:
    """(kind, unit, to, cc) of every mail about a year-end task, and every digest."""
    with ctx.app.uow() as uow:
        rows = (
            session_of(uow)
            .execute(
                select(OutboxRow, UnitRow.code, ActivityRow.code)
                .outerjoin(TaskRow, TaskRow.id == OutboxRow.task_id)
                .outerjoin(UnitRow, UnitRow.id == TaskRow.unit_id)
                .outerjoin(ActivityRow, ActivityRow.id == TaskRow.activity_id)
                .order_by(OutboxRow.id)
            )
            .all()
        )
    return [
        (
            row.kind,
            unit or "",
            [m[1] for m in row.recipients["to"]],
            [m[1] for m in row.recipients["cc"]],
        )
        for row, unit, code in rows
        if code == YEAR_END or row.kind == "escalation_digest"
    ]


def test_unit_report_tasks_open_once_and_are_mailed_on_the_opening_day(ctx: PlanContext) -> None:
    assert year_end.open_unit_reports(ctx, now=at(date(2025, 10, 30))) == 0  # not open yet
    assert year_end.collection(ctx, now=at(date(2025, 10, 30))).total == len(UNITS)
    assert year_end.open_unit_reports(ctx, now=at(date(2025, 10, 31))) == len(UNITS)
    assert year_end.open_unit_reports(ctx, now=at(date(2025, 11, 3))) == 0  # never twice
    assert sorted(u for kind, u, _to, _cc in year_end_mail(ctx)) == sorted(UNITS)


def test_the_year_end_ladder_at_chosen_instants(ctx: PlanContext) -> None:
    year_end.open_unit_reports(ctx, now=at(date(2025, 10, 31)))
    for unit in set(UNITS) - LATE:
        hand_in(ctx, unit, at(date(2025, 11, 6), 10))
    seen = len(year_end_mail(ctx))
    expected = {
        date(2025, 11, 7): [("reminder", u) for u in sorted(LATE)],  # T-5
        date(2025, 11, 10): [],
        date(2025, 11, 12): [("reminder", u) for u in sorted(LATE)],  # T-2
        date(2025, 11, 13): [],
        date(2025, 11, 14): [("reminder", u) for u in sorted(LATE)],  # due day
        date(2025, 11, 15): [],  # Saturday: nothing, ever
        date(2025, 11, 17): [("overdue", u) for u in sorted(LATE)],  # +1, the head in copy
        date(2025, 11, 18): [("submission_receipt", "BBT")],  # BBT answers late, at 09:00
    }
    for day, mails in expected.items():
        with ctx.app.uow() as uow:
            send_due_notices(uow, ctx.mailer, now=at(day))
        if day == date(2025, 11, 18):
            hand_in(ctx, "BBT", at(day, 9))
        got = year_end_mail(ctx)[seen:]
        seen += len(got)
        assert sorted((k, u) for k, u, _to, _cc in got) == mails, day
        for kind, _unit, _to, cc in got:
            assert bool(cc) == (kind == "overdue")  # the unit head in copy from +1 only
    # +3: one digest to the Director, naming the unit still missing and no other
    with ctx.app.uow() as uow:
        send_due_notices(uow, ctx.mailer, now=at(date(2025, 11, 19)))
        digest = (
            session_of(uow)
            .scalars(select(OutboxRow).where(OutboxRow.kind == "escalation_digest"))
            .one()
        )
    assert "Trung tâm Ứng dụng và Dịch vụ khoa học và công nghệ" in digest.body_text
    assert "Ban Biên tập" not in digest.body_text  # answered on the 18th: not missing
    assert digest.recipients["to"] == [["Giám đốc Sở", "giamdoc@skhcn.example.invalid"]]


def test_nothing_is_sent_on_a_day_off(ctx: PlanContext) -> None:
    year_end.open_unit_reports(ctx, now=at(date(2025, 10, 31)))
    with ctx.app.uow() as uow:
        before = len(session_of(uow).scalars(select(NoticeRow)).all())
        send_due_notices(uow, ctx.mailer, now=at(date(2025, 11, 15)))  # Saturday
        send_due_notices(uow, ctx.mailer, now=at(date(2025, 11, 16)))  # Sunday
        assert len(session_of(uow).scalars(select(NoticeRow)).all()) == before


def test_the_form_is_prefilled_from_the_units_activity_reports(
    world: World, ctx: PlanContext
) -> None:
    with ctx.app.uow() as uow:
        session_of(uow).execute(update(TaskRow).values(state=TaskState.OPEN.value))
        uow.commit()
    with ctx.app.uow() as uow:
        for activity, news in (("bulletins", 3), ("website-publication", 4)):
            submit(
                uow,
                ctx.mailer,
                TaskKey(activity, "CDS", Stage.REPORT),
                at=at(date(2025, 10, 1), 9),
                by="unit:CDS",
                payload={
                    "content": f"Kết quả {activity}",
                    "counts": {"news": news},
                    "links": [f"https://x.vn/{activity}"],
                    "topics": ["1"],
                    "difficulties": "Thiếu người",
                },
            )
    form = year_end.prefill(ctx, "CDS")
    assert form["count_news"] == "7"
    number = {a.code: a.number for a in ctx.plan.activities}
    assert f"Hình thức {number['bulletins']}. Kết quả bulletins" in form["content"]
    assert f"Hình thức {number['website-publication']}. Kết quả website" in form["content"]
    assert "HT" not in form["content"]
    assert sorted(form["links"].splitlines()) == [
        "https://x.vn/bulletins",
        "https://x.vn/website-publication",
    ]
    assert form["difficulties"] == "Thiếu người\nThiếu người"


def test_approval_sends_the_report_once_to_ubnd_with_home_affairs_in_copy(
    ctx: PlanContext,
) -> None:
    year_end.open_unit_reports(ctx, now=at(date(2025, 10, 31)))
    for unit in set(UNITS) - {"TTUD"}:
        hand_in(ctx, unit, at(date(2025, 11, 10), 9))
    now = at(date(2025, 11, 17))
    assert year_end.collection(ctx, now=now).missing == [
        "Trung tâm Ứng dụng và Dịch vụ khoa học và công nghệ"
    ]
    draft = report_draft.build_draft(ctx, now=now, folder=ctx.app.settings.report_dir)
    assert "Trung tâm Ứng dụng và Dịch vụ khoa học và công nghệ" in draft.markdown
    assert Path(draft.docx_path).exists()
    assert report_draft.send_report(ctx, now=now) is False  # not approved yet
    review.decide(ctx, draft.version, approve=True, comments="", at=now, by="director:gd")
    assert report_draft.send_report(ctx, now=now) is False  # approved, not numbered yet
    report_final.finalize(ctx, number=312, issued_on=now.date(), by="office:vt", now=now)
    assert report_draft.send_report(ctx, now=now) is True
    assert report_draft.send_report(ctx, now=now) is False  # never twice
    assert (
        report_draft.build_draft(ctx, now=now, folder=ctx.app.settings.report_dir).state == "sent"
    )
    with ctx.app.uow() as uow:
        sent = (
            session_of(uow)
            .scalars(select(OutboxRow).where(OutboxRow.kind == "report_submitted"))
            .all()
        )
    assert len(sent) == 1
    assert sent[0].recipients["to"] == [
        ["Ủy ban nhân dân tỉnh Quảng Ngãi", "ubnd@quangngai.example.invalid"]
    ]
    assert sent[0].recipients["cc"] == [
        ["Sở Nội vụ tỉnh Quảng Ngãi", "snv@quangngai.example.invalid"]
    ]
    assert sent[0].attachments[0]["filename"].endswith(".docx")


def test_a_return_sends_the_office_a_revision_task_and_a_new_version(ctx: PlanContext) -> None:
    year_end.open_unit_reports(ctx, now=at(date(2025, 10, 31)))
    now = at(date(2025, 11, 17))
    first = report_draft.build_draft(ctx, now=now, folder=ctx.app.settings.report_dir)
    review.decide(
        ctx, first.version, approve=False, comments="Bổ sung phần ưu điểm", at=now, by="director:gd"
    )
    returned = review.latest_draft(ctx)
    assert returned is not None
    assert report_draft.open_revision(ctx, draft=returned, now=now) is True
    assert report_draft.open_revision(ctx, draft=returned, now=now) is False
    # the next version waits for the Office's revision
    assert report_draft.build_draft(ctx, now=now, folder=ctx.app.settings.report_dir).version == 1
    key = revision_key(ctx.directory.office, 1)
    with ctx.app.uow() as uow:
        submit(
            uow,
            ctx.mailer,
            key,
            at=now,
            by="office:vanphong",
            payload={"content": "Các đơn vị chủ động phối hợp, đăng tin đều đặn"},
        )
    assert report_draft.revision_in(ctx, version=1)
    second = report_draft.build_draft(ctx, now=now, folder=ctx.app.settings.report_dir)
    assert (second.version, second.state) == (2, "draft")
    assert "Các đơn vị chủ động phối hợp, đăng tin đều đặn" in second.markdown


def test_the_report_mail_carries_the_docx(ctx: PlanContext, tmp_path: Path) -> None:
    year_end.open_unit_reports(ctx, now=at(date(2025, 10, 31)))
    now = at(date(2025, 11, 17))
    draft = report_draft.build_draft(ctx, now=now, folder=ctx.app.settings.report_dir)
    review.decide(ctx, draft.version, approve=True, comments="", at=now, by="director:gd")
    final = report_final.finalize(ctx, number=312, issued_on=now.date(), by="office:vt", now=now)
    report_draft.send_report(ctx, now=now)
    mail = ctx.app.settings.mail
    mail.__dict__.update(backend="file", file_dir=tmp_path / "mail")  # .eml files to read
    assert deliver(ctx, now=at(date(2025, 11, 18), 8))["failed"] == 0
    found = []
    for eml in sorted((tmp_path / "mail").glob("*.eml")):
        message = message_from_bytes(eml.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        if "ubnd@quangngai.example.invalid" in str(message["To"]):
            found.append(message)
    [report] = found
    assert "snv@quangngai.example.invalid" in str(report["Cc"])
    attached = {str(a.get_filename()): a.get_content() for a in report.iter_attachments()}
    assert attached[Path(final.final_docx_path).name] == Path(final.final_docx_path).read_bytes()
    if final.final_pdf_path:  # LibreOffice installed: the PDF goes too
        assert attached[Path(final.final_pdf_path).name] == Path(final.final_pdf_path).read_bytes()
    assert len(attached) == 1 + bool(final.final_pdf_path)


def test_the_dashboard_shows_the_unit_reports_once_open(
    world: World, ctx: PlanContext, tmp_path: Path
) -> None:
    from tests.integration.portal_kit import login, portal_client

    with portal_client(world, tmp_path / "uploads") as client:
        login(client)
        assert 'data-task="year-end-report/' not in client.get("/office").text
        year_end.open_unit_reports(ctx, now=at(date(2025, 10, 31)))
        page = client.get("/office").text
        assert 'data-task="year-end-report/TTUD/report#1"' in page
        assert "Báo cáo năm</th>" in page  # its own column after the six forms
        only = client.get("/office", params={"activity": YEAR_END}).text
        assert 'data-task="year-end-report/BBT/report#1"' in only
        assert 'data-task="bulletins/' not in only
