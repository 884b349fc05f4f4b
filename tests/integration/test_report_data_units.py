"""The units in the report: the missing named, the appendix's buckets, nothing a unit wrote lost."""

from __future__ import annotations

import re
from datetime import date, datetime

from documents.report.text import render_markdown
from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ
from domain.consolidate import statement_key
from domain.policy import Stage
from domain.report_matrix import unit_matrix
from domain.status import Bucket
from domain.units import UnitDirectory
from domain.year_end import unit_report_tasks
from services.context import plan_context
from tests.integration.conftest import World
from tests.integration.report_data_kit import (
    BULLETINS_CDS,
    ISO_TRAINING,
    SILENT,
    build,
    form,
    hand_in,
    open_year_end,
    payload,
    the_whole_year,
    unit_row,
    year_end_key,
)

TEXT_FIELDS = ("content", "difficulties", "proposals", "estimate")


def submitted_texts(world: World) -> list[str]:
    """Each line of each text field of the latest version of every report handed in."""
    with world.app.uow() as uow:
        found = uow.tasks.with_ids(plan=world.plan.code)
        reports = [i for i, t in found if t.key.stage is Stage.REPORT]
        latest = uow.submissions.latest(reports)
    return [
        line
        for submission in latest.values()
        for name in TEXT_FIELDS
        for line in str(submission.payload.get(name, "")).splitlines()
        if line.strip()
    ]


def test_a_unit_without_a_year_end_report_is_missing_and_named(
    world: World, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    open_year_end(world)
    reporting = [t.key.unit for t in unit_report_tasks(world.plan, directory, calendar)]
    for unit in reporting:
        if unit != "TTRA":
            hand_in(world, year_end_key(unit), date(2025, 11, 12), payload("Đã thực hiện."))
    data = build(world)
    assert data.missing_units == ["Thanh tra Sở"]
    assert not unit_row(data, "Thanh tra Sở").report_received
    assert unit_row(data, "Văn phòng Sở").report_received
    markdown = render_markdown(data)
    results = markdown.split("## II.")[1].split("### 1.")[0]
    assert "Các đơn vị chưa gửi báo cáo năm: Thanh tra Sở; " in results
    assert markdown.count("chưa gửi báo cáo năm") == 1  # named once, in one sentence
    assert f"đã nhận {len(reporting) - 1}/{len(reporting)} báo cáo" in " ".join(data.direction)


def test_before_the_year_end_tasks_exist_every_unit_is_missing(world: World) -> None:
    data = build(world)
    assert data.missing_units == [u.unit for u in data.units]
    assert data.missing_units  # never dropped


def test_the_appendix_lists_every_reporting_unit_with_buckets(
    world: World, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    hand_in(world, BULLETINS_CDS, date(2025, 11, 12), payload("Đúng hạn."))
    hand_in(world, ISO_TRAINING, date(2025, 7, 16), payload("Trễ hai ngày."))
    data = build(world)
    reporting = [t.key.unit for t in unit_report_tasks(world.plan, directory, calendar)]
    names = {u.code: u.name for u in directory.units}
    assert [u.unit for u in data.units] == [names[c] for c in reporting]
    cds = unit_row(data, "Trung tâm Chuyển đổi số và Đổi mới sáng tạo")
    report = [t for t in cds.tasks if t.stage == "Báo cáo" and t.due == date(2025, 11, 14)]
    assert any(t.bucket is Bucket.DONE_ON_TIME and t.days_late == 0 for t in report)
    tdc = unit_row(data, "Phòng Quản lý Tiêu chuẩn Đo lường Chất lượng")
    late = [t for t in tdc.tasks if t.due == date(2025, 7, 14) and t.bucket is Bucket.DONE_LATE]
    assert [t.days_late for t in late] == [2]  # 15/7 and 16/7
    cctdc = unit_row(data, "Chi cục Tiêu chuẩn Đo lường Chất lượng")
    inspection = form(data, "iso-inspection").title
    overdue = [t for t in cctdc.tasks if t.stage == "Báo cáo" and t.activity == inspection]
    assert [(t.bucket, t.days_late) for t in overdue] == [(Bucket.OVERDUE, 4)]  # 17–20/11
    assert any(t.stage == "Thực hiện (kỳ 2)" for t in cds.tasks)  # a year-round check-in
    weaknesses = " ".join(data.weaknesses)
    assert "(1 nhiệm vụ hoàn thành quá hạn, " in weaknesses
    assert "Phòng Quản lý Tiêu chuẩn Đo lường Chất lượng (" in weaknesses
    rows, total = unit_matrix(data)
    [tdc_row] = [r for r in rows if r.unit == tdc.unit]
    training = [f.code for f in data.forms].index("iso-training")
    cell = tdc_row.cells[training]
    assert cell is not None
    assert cell.late == 1  # its report, two working days late (above)
    assert total.total.total == sum(r.total.total for r in rows)


def test_tasks_not_yet_open_are_left_out_of_the_appendix(world: World) -> None:
    data = build(world, now=datetime(2025, 4, 1, 9, 0, tzinfo=LOCAL_TZ))
    cctdc = unit_row(data, "Chi cục Tiêu chuẩn Đo lường Chất lượng")
    assert all(t.due < date(2025, 10, 1) for t in cctdc.tasks)  # iso-inspection opens in Quý IV


def test_nothing_a_unit_wrote_is_dropped_and_alike_lines_are_written_once(world: World) -> None:
    the_whole_year(world)
    data = build(world, now=datetime(2025, 11, 17, 9, 0, tzinfo=LOCAL_TZ))
    body = render_markdown(data).split("## PHỤ LỤC")[0].replace("\\", "")
    found = statement_key(" ".join(body.split()))
    for text in submitted_texts(world):
        line = re.sub(r"^(?:HT|Hình thức )\d+\.\s*", "", text)  # "about form n" tag
        assert statement_key(line) in found, line
    assert body.count("Nhân lực làm công tác tuyên truyền còn kiêm nhiệm") == 1
    assert f"Các đơn vị chưa gửi báo cáo năm: {unit_name(world, SILENT)}; kết quả" in body
    assert f"({SILENT}, 14/11)" in body  # what the silent unit reported is still there
    reported = {c: form(data, c).counts for c in ("website-cchc-section", "iso-training")}
    assert reported["iso-training"]["news"] >= 1


def unit_name(world: World, code: str) -> str:
    found = plan_context(world.plan.code, world.app).directory.unit(code)
    assert found is not None
    return found.name
