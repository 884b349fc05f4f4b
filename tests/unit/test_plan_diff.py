"""`cchc plan diff`: an amendment of the 2025 plan read back as the Office would write it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from documents.plans.files import load_plan
from domain.calendar import WorkingCalendar
from domain.errors import InvalidRequest
from domain.plan import Plan
from domain.plan_diff import Change, DeadlineMove, Units, UnitsChange, Window, diff_plans
from domain.units import UnitDirectory
from tests.conftest import OVERRIDES_PATH, PLAN_PATH, UNITS_PATH

runner = CliRunner()
SOURCE = PLAN_PATH.read_text(encoding="utf-8")
FILES = ["--units", str(UNITS_PATH), "--calendar", str(OVERRIDES_PATH)]

CONTEST = """\
  - code: cchc-contest
    number: 7
    title: "Tổ chức Cuộc thi trực tuyến tìm hiểu về cải cách hành chính năm 2025"
    lead:
      as_written: "Văn phòng Sở"
      units: [VP]
    coordinators:
      as_written: "Phòng Quản lý Khoa học"
      units: [QLKH]
    window: "Quý III/2025"

"""


def _replace(text: str, old: str, new: str, count: int = 1) -> str:
    assert text.count(old) == count, old
    return text.replace(old, new)


def _amended(text: str = SOURCE) -> str:
    """Kế hoạch 405/KH-SKHCN of 02/06/2025 amending 281: activity 6 dropped, a contest added,
    activities 1–2 coordinated by the units concerned only, activity 4 led by the Centre
    alone and moved to the third quarter, both reporting deadlines moved."""
    text = _replace(text, "number: 281\n", "number: 405\n")
    text = _replace(text, "issued_on: 2025-03-26\n", "issued_on: 2025-06-02\n")
    inspection = text.index("  - code: iso-inspection")
    text = text[:inspection] + CONTEST + text[text.index("# V. KINH PHÍ") :]
    first, second = (
        '    coordinators:\n      as_written: "Các phòng, đơn vị thuộc Sở"\n'
        "      groups: [thuoc-so]\n",
        '    coordinators:\n      as_written: "Các phòng, đơn vị liên quan"\n'
        "      groups: [lien-quan]\n",
    )
    text = _replace(text, first, second, count=2)
    text = _replace(
        text,
        '      as_written: "Văn phòng Sở, Phòng Bưu chính - Viễn thông và Công nghệ thông tin, '
        'Trung tâm Chuyển đổi số và Đổi mới sáng tạo"\n      units: [VP, BCVT, CDS]\n',
        '      as_written: "Trung tâm Chuyển đổi số và Đổi mới sáng tạo"\n      units: [CDS]\n',
    )
    text = _replace(text, 'window: "Quý II/2025"', 'window: "Quý III/2025"')
    text = _replace(text, 'deadline: "trước ngày 15/11/2025"', 'deadline: "trước ngày 20/11/2025"')
    return _replace(text, 'deadline: "trước ngày 30/11/2025"', 'deadline: "trước ngày 05/12/2025"')


def _saved(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def amended(tmp_path: Path, directory: UnitDirectory, calendar: WorkingCalendar) -> Plan:
    path = _saved(tmp_path, _amended(), "amended.yaml")
    return load_plan(path, directory=directory, calendar=calendar)


TTRA = "TTRA (Thanh tra Sở)"
CCTDC = "CCTDC (Chi cục Tiêu chuẩn Đo lường Chất lượng)"
TTUD = "TTUD (Trung tâm Ứng dụng và Dịch vụ khoa học và công nghệ)"
VP = "VP (Văn phòng Sở)"
BCVT = "BCVT (Phòng Bưu chính - Viễn thông và Công nghệ thông tin)"
EXPECTED = [
    "Bỏ hình thức 6: Tuyên truyền thông qua kiểm tra việc xây dựng, áp dụng, duy trì, cải tiến "
    "Hệ thống quản lý chất lượng theo TCVN ISO 9001:2015 vào hoạt động của các cơ quan hành "
    "chính nhà nước trên địa bàn tỉnh năm 2025",
    "Thêm hình thức 7: Tổ chức Cuộc thi trực tuyến tìm hiểu về cải cách hành chính năm 2025 "
    "(chủ trì: Văn phòng Sở; phối hợp: Phòng Quản lý Khoa học; "
    "thời gian: Quý III/2025 (01/07–30/09/2025))",
    "Hình thức 1 — đơn vị phối hợp: Các phòng, đơn vị thuộc Sở → Các phòng, đơn vị liên quan; "
    f"bỏ {TTRA}, {CCTDC}, {TTUD}",
    "Hình thức 2 — đơn vị phối hợp: Các phòng, đơn vị thuộc Sở → Các phòng, đơn vị liên quan; "
    f"bỏ {TTRA}, {CCTDC}, {TTUD}",
    "Hình thức 4 — đơn vị chủ trì: Văn phòng Sở, Phòng Bưu chính - Viễn thông và Công nghệ "
    "thông tin, Trung tâm Chuyển đổi số và Đổi mới sáng tạo → Trung tâm Chuyển đổi số và Đổi "
    f"mới sáng tạo; bỏ {VP}, {BCVT}",
    f"Hình thức 4 — đơn vị phối hợp: thêm {VP}, {BCVT}",
    "Hình thức 4 — thời gian: Quý II/2025 (01/04–30/06/2025) → Quý III/2025 (01/07–30/09/2025)",
    "Hạn báo cáo của các đơn vị: trước ngày 15/11/2025 (14/11/2025) → "
    "trước ngày 20/11/2025 (19/11/2025)",
    "Hạn báo cáo tổng hợp: trước ngày 30/11/2025 (28/11/2025) → trước ngày 05/12/2025 (04/12/2025)",
    f"Đơn vị không còn trong kế hoạch: {TTRA}, {CCTDC}, {TTUD}",
    "Số, ký hiệu: 281/KH-SKHCN → 405/KH-SKHCN",
    "Ngày ban hành: 26/03/2025 → 02/06/2025",
]


def test_the_amendment_reads_as_the_office_would_write_it(
    plan: Plan, amended: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    assert diff_plans(plan, amended, directory, calendar).lines() == EXPECTED


def test_activities_added_removed_and_changed_are_named_by_code(
    plan: Plan, amended: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    diff = diff_plans(plan, amended, directory, calendar)
    assert [a.code for a in diff.added] == ["cchc-contest"]
    assert diff.added[0].lead == Units("Văn phòng Sở", ("VP",))
    assert diff.added[0].window == Window("Quý III/2025", date(2025, 7, 1), date(2025, 9, 30))
    assert [a.code for a in diff.removed] == ["iso-inspection"]
    assert [c.code for c in diff.changed] == [
        "website-cchc-section",
        "website-publication",
        "science-digital-events",
    ]


def test_a_changed_activity_carries_the_units_and_dates_it_resolves_to(
    plan: Plan, amended: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    events = diff_plans(plan, amended, directory, calendar).changed[2]
    assert events.title is None
    assert events.renumbered is None
    assert isinstance(events.lead, UnitsChange)
    assert events.lead.new.codes == ("CDS",)
    assert events.lead.dropped == ("VP", "BCVT")
    assert events.lead.added == ()
    assert events.coordinators is not None
    assert events.coordinators.added == ("VP", "BCVT")
    assert events.window == Change(
        Window("Quý II/2025", date(2025, 4, 1), date(2025, 6, 30)),
        Window("Quý III/2025", date(2025, 7, 1), date(2025, 9, 30)),
    )


def test_units_dropped_from_every_activity_leave_the_plan_and_come_back_when_reversed(
    plan: Plan, amended: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    diff = diff_plans(plan, amended, directory, calendar)
    assert diff.units_dropped == ("TTRA", "CCTDC", "TTUD")
    assert diff.units_added == ()
    back = diff_plans(amended, plan, directory, calendar)
    assert back.units_added == ("TTRA", "CCTDC", "TTUD")
    assert back.units_dropped == ()
    assert [a.code for a in back.added] == ["iso-inspection"]


def test_deadlines_moved_carry_the_working_days_they_give(
    plan: Plan, amended: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    assert diff_plans(plan, amended, directory, calendar).deadlines == (
        DeadlineMove(
            "unit_report",
            "trước ngày 15/11/2025",
            "trước ngày 20/11/2025",
            date(2025, 11, 14),
            date(2025, 11, 19),
        ),
        DeadlineMove(
            "consolidated_report",
            "trước ngày 30/11/2025",
            "trước ngày 05/12/2025",
            date(2025, 11, 28),
            date(2025, 12, 4),
        ),
    )


def test_a_plan_against_itself_has_no_change(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    diff = diff_plans(plan, plan, directory, calendar)
    assert diff.empty
    assert diff.lines() == ["Không có thay đổi."]


def test_other_changes_take_one_line_each(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    budget = "Sử dụng kinh phí trong dự toán ngân sách nhà nước năm 2025 và nguồn xã hội hóa."
    changed = plan.model_copy(update={"budget": budget, "slogans": plan.slogans[:-1]})
    assert diff_plans(plan, changed, directory, calendar).lines() == [
        "Khẩu hiệu: 9 mục → 8 mục",
        f"Kinh phí: {plan.budget} → {budget}",
    ]


def test_two_different_plans_are_not_compared(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    other = plan.model_copy(update={"code": "2025-skhcn-khac"})
    with pytest.raises(InvalidRequest, match="different codes"):
        diff_plans(plan, other, directory, calendar)


def _diff(*paths: Path) -> Any:
    return runner.invoke(app, ["plan", "diff", *map(str, paths), *FILES])


def test_the_command_prints_the_lines_and_exits_0(tmp_path: Path) -> None:
    result = _diff(PLAN_PATH, _saved(tmp_path, _amended(), "amended.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == EXPECTED


def test_the_command_exits_0_when_nothing_changed() -> None:
    result = _diff(PLAN_PATH, PLAN_PATH)
    assert result.exit_code == 0
    assert result.stdout == "Không có thay đổi.\n"


def test_the_command_refuses_two_different_plans(tmp_path: Path) -> None:
    other = _replace(SOURCE, "code: 2025-skhcn-quang-ngai\n", "code: 2025-skhcn-khac\n")
    result = _diff(PLAN_PATH, _saved(tmp_path, other, "other.yaml"))
    assert result.exit_code == 1
    assert "different codes" in result.stderr
    assert "two versions of one plan" in result.stderr
    assert result.stdout == ""


def test_the_command_locates_an_invalid_file(tmp_path: Path) -> None:
    broken = _saved(tmp_path, _replace(SOURCE, "number: 281\n", "number: 0\n"), "broken.yaml")
    result = _diff(PLAN_PATH, broken)
    assert result.exit_code == 1
    assert f"{broken}:16: number:" in result.stderr
    assert result.stdout == ""


def test_an_amendment_listed_under_amendments_keeps_the_dates_of_work_under_way(
    plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    """Issued mid-July, when quarter I–II work is over: as the plan's own date it would
    break the schedule; listed as an amendment, every date stays and the diff names it."""
    from domain.plan import Amendment
    from domain.schedule import ScheduleConflict, all_tasks
    from domain.validation import check_plan

    july = date(2025, 7, 15)
    amended = plan.model_copy(
        update={"amendments": [Amendment(number=405, symbol="KH-SKHCN", issued_on=july)]}
    )
    assert check_plan(amended, directory, calendar) == []
    dates = {t.key: (t.opens_on, t.due_on) for t in all_tasks(plan, directory, calendar)}
    assert {t.key: (t.opens_on, t.due_on) for t in all_tasks(amended, directory, calendar)} == dates
    with pytest.raises(ScheduleConflict):
        all_tasks(plan.model_copy(update={"issued_on": july}), directory, calendar)
    assert diff_plans(plan, amended, directory, calendar).lines() == [
        "Văn bản điều chỉnh: không có → số 405/KH-SKHCN ngày 15/07/2025"
    ]
    backwards = amended.model_copy(
        update={"amendments": [Amendment(number=1, symbol="KH-SKHCN", issued_on=date(2025, 1, 2))]}
    )
    [problem] = check_plan(backwards, directory, calendar)
    assert problem.path == "amendments[0].issued_on"
