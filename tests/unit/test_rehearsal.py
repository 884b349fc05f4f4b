"""A rehearsal (DIỄN TẬP) copy of the 2025 plan: its dates, its marks, and where its mail goes.

The copy opens on Thu 3/12/2026, 701 days after the 2025 plan's earliest window (1/1/2025), so
its year-round windows run to 2/12/2027 and its reporting deadlines are "trước ngày 17/10/2027"
(due Fri 15/10) and "trước ngày 01/11/2027" (due Fri 29/10).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document

from documents.plans.files import load_plan
from documents.plans.rehearsal import RehearsalCopy, first_opening, make_rehearsal
from documents.plans.yaml_files import YamlDocument
from documents.report.docx_writer import write_docx
from documents.report.text import REHEARSAL, render_html, render_markdown
from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ, FixedClock, local_date
from domain.errors import PlanInvalid
from domain.mail import Mailbox
from domain.phrases import DeadlineKind, parse_window
from domain.plan import Plan
from domain.policy import Role, Stage
from domain.schedule import all_tasks, build_schedule
from domain.task import Task, TaskKey
from domain.units import UnitDirectory
from domain.year_end import year_end_dates
from notifications.backends import MemoryBackend
from notifications.content import MailKind
from services.bootstrap import delivery, mailer
from services.context import PlanContext
from services.delivery import DeliveryReport
from services.mail import Mailer, build_task_mail
from services.plans import load_plan as store_plan
from services.report_data import build_report_data
from services.settings import MailSettings, Settings
from services.tasks import assign
from tests.conftest import PLAN_PATH
from tests.unit.fakes import FakeApp, Store

START = date(2026, 12, 3)
OFFSET = timedelta(days=701)
SUBJECT_MARK = "[DIỄN TẬP]"
OUTSIDE = Mailbox("ubnd@quangngai.example.invalid", "Ủy ban nhân dân tỉnh Quảng Ngãi")


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


@pytest.fixture(scope="module")
def copy(plan: Plan) -> RehearsalCopy:
    return make_rehearsal(YamlDocument(PLAN_PATH).data, plan, start=START)


@pytest.fixture(scope="module")
def rehearsal(copy: RehearsalCopy, directory: UnitDirectory, calendar: WorkingCalendar) -> Plan:
    return copy.checked(directory, calendar, file="copy.yaml")


# --- the copy's dates -----------------------------------------------------------------------


def test_the_copys_first_window_opens_on_the_start_day(plan: Plan, rehearsal: Plan) -> None:
    assert first_opening(plan) == date(2025, 1, 1)
    assert first_opening(rehearsal) == START
    assert rehearsal.issued_on == START  # issued the day it opens: work starts at once
    assert rehearsal.year == 2026


def test_every_window_and_both_deadlines_keep_their_offset(plan: Plan, rehearsal: Plan) -> None:
    for real, copied in zip(plan.activities, rehearsal.activities, strict=True):
        before, after = real.time_window(plan.year), copied.time_window(rehearsal.year)
        assert (after.start - before.start, after.end - before.end) == (OFFSET, OFFSET)
        assert copied.window.startswith("Từ ngày ")
    for real_deadline, copied_deadline in (
        (plan.unit_deadline(), rehearsal.unit_deadline()),
        (plan.final_deadline(), rehearsal.final_deadline()),
    ):
        assert copied_deadline.on - real_deadline.on == OFFSET
        assert copied_deadline.kind is real_deadline.kind is DeadlineKind.BEFORE
    assert rehearsal.reporting.unit_report.deadline == "trước ngày 17/10/2027"
    assert rehearsal.reporting.consolidated_report.deadline == "trước ngày 01/11/2027"


def test_the_copy_is_a_rehearsal_under_a_new_code(plan: Plan, rehearsal: Plan) -> None:
    assert rehearsal.rehearsal
    assert not plan.rehearsal
    assert rehearsal.code == "2025-skhcn-quang-ngai-dien-tap-20261203"
    again = make_rehearsal(rehearsal.model_dump(by_alias=True), rehearsal, start=date(2027, 1, 4))
    assert again.code == "2025-skhcn-quang-ngai-dien-tap-20270104"  # not a suffix on a suffix
    assert (rehearsal.title, rehearsal.topics) == (plan.title, plan.topics)


def test_the_written_copy_loads_and_schedules_across_the_year_end(
    copy: RehearsalCopy, directory: UnitDirectory, calendar: WorkingCalendar, tmp_path: Path
) -> None:
    path = tmp_path / "dien-tap.yaml"
    path.write_text(copy.to_yaml(), encoding="utf-8")
    loaded = load_plan(path, directory=directory, calendar=calendar)
    assert loaded.rehearsal
    schedules = build_schedule(loaded, directory, calendar)
    [first, *_] = schedules
    assert (first.window.start, first.window.end) == (START, date(2027, 12, 2))
    assert first.slots[0].opens_on == START
    # The year-round rhythm is kept: quarterly check-ins counted from the opening day.
    periods = [s.period for s in first.slots if s.stage is Stage.EXECUTE]
    assert [p[0] for p in periods if p] == [
        START,
        date(2027, 3, 3),
        date(2027, 6, 3),
        date(2027, 9, 3),
    ]
    dates = year_end_dates(loaded, calendar)
    assert (dates.unit_due, dates.final_due) == (date(2027, 10, 15), date(2027, 10, 29))
    assert all(t.due_on <= dates.unit_due for t in all_tasks(loaded, directory, calendar))


def test_a_shifted_year_is_still_a_whole_year_but_a_shorter_range_is_not() -> None:
    assert parse_window("Từ ngày 03/12/2026 đến ngày 02/12/2027").year_round
    assert parse_window("Thường xuyên trong năm", year=2025).year_round
    assert not parse_window("Từ ngày 03/12/2026 đến ngày 01/12/2027").year_round
    assert not parse_window("Quý I - II/2025").year_round


def test_the_same_windows_are_refused_in_a_plan_that_is_not_a_rehearsal(
    copy: RehearsalCopy, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    data = {**copy.data, "rehearsal": False}
    with pytest.raises(PlanInvalid, match="outside the plan year 2026"):
        replace(copy, data=data).checked(directory, calendar, file="copy.yaml")


def test_a_start_whose_deadlines_straddle_tet_is_refused_naming_the_problem(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    # From 5/3/2027 the units' deadline lands in mid-January 2028 and the report to UBND
    # tỉnh after Tết: too few working days between them for the year-end ladder.
    late = make_rehearsal(YamlDocument(PLAN_PATH).data, plan, start=date(2027, 3, 5))
    with pytest.raises(PlanInvalid, match=r"copy\.yaml: policy\.year_end.*try another --start"):
        late.checked(directory, calendar, file="copy.yaml")


# --- mail subjects --------------------------------------------------------------------------


def task_mailer(plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar) -> Mailer:
    app = FakeApp(settings=Settings(database_url="sqlite://"), clock=FixedClock(at(START)))
    app.__dict__["calendar"] = calendar
    return mailer(app, plan, directory)


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        (MailKind.TASK_ASSIGNED, {}),
        (MailKind.REMINDER, {"lead": "Còn 1 ngày làm việc đến hạn"}),
        (MailKind.OVERDUE, {}),
        (MailKind.RETURNED, {"reason": "Thiếu số liệu"}),
    ],
)
def test_every_subject_of_a_rehearsal_starts_with_the_mark(
    kind: MailKind,
    extra: dict[str, str],
    plan: Plan,
    rehearsal: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
) -> None:
    task = Task(TaskKey("bulletins", "CDS", Stage.PLAN), Role.LEAD, START, date(2026, 12, 17))
    real_plan = task_mailer(plan, directory, calendar)
    _key, real = build_task_mail(real_plan, task, kind, now=at(START), extra=extra)
    _key, drill = build_task_mail(
        task_mailer(rehearsal, directory, calendar), task, kind, now=at(START), extra=extra
    )
    assert drill.content.subject.startswith(f"{SUBJECT_MARK} [CCHC 2026] ")
    assert drill.rehearsal
    assert not real.content.subject.startswith(SUBJECT_MARK)
    assert SUBJECT_MARK not in real.content.subject
    assert not real.rehearsal


# --- the report -----------------------------------------------------------------------------


def fake_context(
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    *,
    today: date = START,
    **mail: object,
) -> PlanContext:
    settings = Settings(database_url="sqlite://", mail=MailSettings(backend="memory", **mail))
    app = FakeApp(settings=settings, clock=FixedClock(at(today)))
    app.store = Store()
    app.__dict__["calendar"] = calendar
    with app.uow() as uow:
        store_plan(uow, plan=plan, directory=directory, calendar=calendar, at=at(today), actor="t")
    return PlanContext(app, plan, directory, mailer(app, plan, directory))


def test_the_report_of_a_rehearsal_says_so_above_its_title(
    plan: Plan,
    rehearsal: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    tmp_path: Path,
) -> None:
    now = at(date(2027, 10, 20))
    drill = build_report_data(fake_context(rehearsal, directory, calendar), now=now)
    real = build_report_data(fake_context(plan, directory, calendar), now=now)
    paragraphs = [p.text for p in Document(str(write_docx(drill, tmp_path / "d.docx"))).paragraphs]
    assert REHEARSAL == "(DIỄN TẬP — không có giá trị pháp lý)"
    assert paragraphs[paragraphs.index("BÁO CÁO") - 1] == REHEARSAL
    assert REHEARSAL in render_markdown(drill)
    assert f"<title>{REHEARSAL} BÁO CÁO" in render_html(drill)
    normal = [p.text for p in Document(str(write_docx(real, tmp_path / "r.docx"))).paragraphs]
    assert not any("DIỄN TẬP" in text for text in normal)
    assert "DIỄN TẬP" not in render_markdown(real) + render_html(real)


# --- where a rehearsal's mail may go --------------------------------------------------------


def queue_inside_and_outside(ctx: PlanContext) -> None:
    """The assignment of one task (to a unit, inside the sender's domain), and the same mail
    addressed to UBND tỉnh (outside it)."""
    key = TaskKey("bulletins", "CDS", Stage.PLAN)
    with ctx.app.uow() as uow:
        assert assign(uow, ctx.mailer, [key], now=ctx.app.clock.now()) == 1
        [task] = [t for t in uow.tasks.find(plan=ctx.plan.code) if t.key == key]
        _key, mail = build_task_mail(ctx.mailer, task, MailKind.OVERDUE, now=ctx.app.clock.now())
        outside = replace(mail, to=(OUTSIDE,), cc=())
        uow.outbox.enqueue(
            outside, key="outside", kind="overdue", task_id=None, not_before=ctx.app.clock.now()
        )
        uow.commit()


def deliver(ctx: PlanContext) -> tuple[DeliveryReport, list[str]]:
    """Deliver what is due the next working morning; the report and who was mailed."""
    backend = MemoryBackend()
    morning = ctx.mailer.calendar.next_working_day(local_date(ctx.app.clock.now()))
    ctx.app.clock = FixedClock(at(morning, 9))
    report = asyncio.run(delivery(ctx.app, backend).run())
    return report, [r for e in backend.outbox for r in e.recipients]


def test_a_rehearsal_mails_nobody_outside_the_senders_domain(
    rehearsal: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    ctx = fake_context(rehearsal, directory, calendar)
    assert ctx.app.settings.mail.rehearsal_allowed() == ["skhcn.example.invalid"]
    queue_inside_and_outside(ctx)
    report, mailed = deliver(ctx)
    assert (report.sent, report.refused, report.failed, report.retried) == (1, 1, 1, 0)
    assert mailed == ["cds@skhcn.example.invalid"]
    with ctx.app.uow() as uow:
        [failed] = uow.outbox.failed()
        assert failed.to == (OUTSIDE.email,)
        assert "rehearsal (DIỄN TẬP)" in failed.last_error
        assert OUTSIDE.email in failed.last_error
    assert deliver(ctx)[0].sent == 0  # marked once, never tried again


@pytest.mark.parametrize(
    ("allowed", "sent"), [(["*"], 2), (["quangngai.example.invalid", "skhcn.example.invalid"], 2)]
)
def test_the_setting_can_let_a_rehearsal_mail_other_domains(
    allowed: list[str],
    sent: int,
    rehearsal: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
) -> None:
    ctx = fake_context(rehearsal, directory, calendar, rehearsal_domains=allowed)
    queue_inside_and_outside(ctx)
    report, mailed = deliver(ctx)
    assert (report.sent, report.refused) == (sent, 0)
    assert OUTSIDE.email in mailed


def test_a_real_plan_is_not_held_to_the_rehearsal_domains(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    ctx = fake_context(plan, directory, calendar, today=date(2025, 4, 1))
    queue_inside_and_outside(ctx)
    report, mailed = deliver(ctx)
    assert (report.sent, report.refused) == (2, 0)
    assert OUTSIDE.email in mailed


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("*", ["*"]),
        ("a.gov.vn, b.gov.vn", ["a.gov.vn", "b.gov.vn"]),
        ('["a.gov.vn"]', ["a.gov.vn"]),
    ],
)
def test_the_rehearsal_domains_are_read_from_the_environment(
    raw: str, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCHC_MAIL__REHEARSAL_DOMAINS", raw)
    assert Settings().mail.rehearsal_allowed() == parsed
