"""The consolidated report's content, built from a loaded database, and its three files."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from documents.report.files import write_report_files
from documents.report.text import render_markdown
from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ
from domain.consolidate import Grouped, statement_key
from domain.policy import Role, Stage
from domain.report import FormResult, ReportData, UnitAppendix
from domain.report_matrix import unit_matrix
from domain.status import Bucket
from domain.task import Task, TaskKey
from domain.units import UnitDirectory
from domain.year_end import (
    YEAR_END,
    YEAR_END_TITLE,
    revision_key,
    unit_report_tasks,
)
from services.context import plan_context
from services.report_data import build_report_data
from services.tasks import submit
from services.year_end import open_unit_reports
from tests.integration.conftest import World

NOW = datetime(2025, 11, 20, 9, 0, tzinfo=LOCAL_TZ)  # a Thursday after the 14/11 cut-off
SILENT = "TTUD"  # the unit that sends no year-end report in `the_whole_year`
TEXT_FIELDS = ("content", "difficulties", "proposals", "estimate")
DIFFICULTIES = [
    "Nhân lực làm công tác tuyên truyền còn kiêm nhiệm.",
    "Kinh phí cho hoạt động tuyên truyền còn hạn chế",
    "nhân lực làm công tác tuyên truyền còn KIÊM NHIỆM",
]
PROPOSALS = [
    "Đề nghị bố trí kinh phí tập huấn kỹ năng viết tin bài.",
    "Đề nghị tăng cường phối hợp với Báo Quảng Ngãi.",
]
BULLETINS_CDS = TaskKey("bulletins", "CDS", Stage.REPORT)  # due Friday 14/11/2025
BULLETINS_VP = TaskKey("bulletins", "VP", Stage.REPORT)
ISO_TRAINING = TaskKey("iso-training", "TDC", Stage.REPORT)  # due Monday 14/7/2025


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ)


def payload(content: str, **fields: Any) -> dict[str, Any]:
    """A submission as the portal stores it."""
    empty: dict[str, Any] = {"responsible": "", "links": [], "topics": [], "counts": {}}
    text = dict.fromkeys(("difficulties", "proposals", "estimate"), "")
    return {"content": content, **empty, **text, "files": [], **fields}


def hand_in(
    world: World,
    key: TaskKey,
    on: date,
    body: dict[str, Any],
    evidence: list[dict[str, Any]] | None = None,
) -> int:
    with world.app.uow() as uow:
        return submit(
            uow,
            world.mailer,
            key,
            at=at(on),
            by=f"unit:{key.unit}",
            payload=body,
            evidence=evidence,
        )


def open_year_end(world: World, extra: list[Task] | None = None) -> None:
    """The year-end service opens one report task per unit (the service itself, not a copy);
    `extra` tasks are added beside them, as later steps of the year-end flow would."""
    ctx = plan_context(world.plan.code, world.app)
    open_unit_reports(ctx, now=world.clock.now())
    if not extra:
        return
    with world.app.uow() as uow:
        uow.tasks.add_all(extra, plan=world.plan.code, at=world.clock.now(), origin="year-end")
        uow.commit()


def the_whole_year(world: World) -> None:
    """Every activity report handed in (one in five two days late) and every unit's year-end
    report but SILENT's, worded as the demo's units word them: one line each, often alike."""
    with world.app.uow() as uow:
        reports = [t for t in uow.tasks.find(plan=world.plan.code) if t.key.stage is Stage.REPORT]
    numbers = {a.code: a.number for a in world.plan.activities}
    lines: dict[str, list[str]] = {}
    for n, task in enumerate(sorted(reports, key=lambda t: str(t.key))):
        key, late = task.key, 2 if n % 5 == 0 else 0
        content = f"Kết quả thực hiện đạt yêu cầu của Kế hoạch ({key.unit}, {task.due_on:%d/%m})"
        body = payload(
            content,
            counts={"news": n % 7 + 1, "events": n % 3, "participants": 20 + n % 80},
            difficulties=DIFFICULTIES[n % 3] if n % 2 == 0 else "",
            proposals=PROPOSALS[n % 2] if n % 4 == 0 else "",
            estimate="Ước thực hiện đến hết năm: duy trì như hiện nay.",
        )
        url = f"https://skhcn.example.invalid/{key.activity}/{n}"
        link: dict[str, Any] = {"kind": "link", "url": url, "topics": []}
        file: dict[str, Any] = {"kind": "file", "sha256": f"{n:064x}", "filename": "bien-ban.pdf"}
        evidence = [link, *([file | {"topics": []}] if n % 2 else [])]
        hand_in(world, key, date.fromordinal(task.due_on.toordinal() + late), body, evidence)
        # the prefilled form's "Hình thức 3." lines, and "HT3." as units wrote them before
        tag = "Hình thức " if n % 2 else "HT"
        lines.setdefault(key.unit, []).append(f"{tag}{numbers[key.activity]}. {content}")
    open_year_end(world)
    for unit, said in lines.items():
        if unit == SILENT:
            continue
        text = "\n".join([*said, f"Đơn vị {unit} đã quán triệt Kế hoạch đến toàn thể công chức."])
        body = payload(text, difficulties="\n".join(DIFFICULTIES[:2]), proposals=PROPOSALS[0])
        hand_in(world, year_end_key(unit), date(2025, 11, 12), body)


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


def year_end_key(unit: str) -> TaskKey:
    return TaskKey(YEAR_END, unit, Stage.REPORT)


def build(world: World, now: datetime = NOW) -> ReportData:
    return build_report_data(plan_context(world.plan.code, world.app), now=now)


def form(data: ReportData, code: str) -> FormResult:
    return next(f for f in data.forms if f.code == code)


def unit_row(data: ReportData, name: str) -> UnitAppendix:
    return next(u for u in data.units if u.unit == name)


def test_counts_are_summed_across_the_units_of_a_form(world: World) -> None:
    hand_in(
        world,
        BULLETINS_CDS,
        date(2025, 11, 12),
        payload("Phát hành 2 bản tin.", counts={"news": 3, "bulletins": 2}),
    )
    hand_in(world, BULLETINS_VP, date(2025, 11, 13), payload("Đăng 4 tin.", counts={"news": 4}))
    data = build(world)
    bulletins = form(data, "bulletins")
    assert bulletins.counts == {"news": 7, "bulletins": 2}
    assert bulletins.done == [  # in directory order
        Grouped(text="Đăng 4 tin.", units=["Văn phòng Sở"]),
        Grouped(text="Phát hành 2 bản tin.", units=["Trung tâm Chuyển đổi số và Đổi mới sáng tạo"]),
    ]
    assert bulletins.lead == ["Trung tâm Chuyển đổi số và Đổi mới sáng tạo"]
    assert bulletins.coordinating == ["Các phòng, đơn vị liên quan"]  # the plan's words
    assert form(data, "iso-training").counts == {}


def test_only_the_latest_version_of_a_submission_counts(
    world: World, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    first = [
        {"kind": "link", "url": "https://skhcn.example.invalid/ban-tin-1", "topics": ["5b"]},
        {"kind": "file", "sha256": "a" * 64, "filename": "ban-tin-1.pdf", "topics": []},
    ]
    body = payload("Bản nháp.", counts={"news": 5}, topics=["5b"], proposals="Cấp thêm kinh phí.")
    hand_in(world, BULLETINS_CDS, date(2025, 11, 10), body, first)
    second = [{"kind": "link", "url": "https://skhcn.example.invalid/ban-tin-2", "topics": ["5e"]}]
    body = payload("Bản cuối.", counts={"news": 6}, topics=["5e"], proposals="Cấp thêm kinh phí.")
    assert hand_in(world, BULLETINS_CDS, date(2025, 11, 12), body, second) == 2
    # The unit's year-end report repeats its figures: they are not added to the form again.
    open_year_end(world)
    hand_in(
        world,
        year_end_key("CDS"),
        date(2025, 11, 13),
        payload("Cả năm.", counts={"news": 6}, proposals="Cấp thêm kinh phí."),
    )
    data = build(world)
    bulletins = form(data, "bulletins")
    assert bulletins.counts == {"news": 6}
    cds = "Trung tâm Chuyển đổi số và Đổi mới sáng tạo"
    assert bulletins.done == [Grouped(text="Bản cuối.", units=[cds])]
    assert bulletins.links == ["https://skhcn.example.invalid/ban-tin-2"]
    assert (bulletins.evidence_links, bulletins.evidence_files) == (1, 0)
    assert bulletins.topics == ["5e"]
    assert data.proposals == [Grouped(text="Cấp thêm kinh phí.", units=[cds])]
    assert data.general == [Grouped(text="Cả năm.", units=[cds])]


def test_file_evidence_is_named_and_topics_come_from_submissions_and_evidence(world: World) -> None:
    evidence = [
        {"kind": "link", "url": "https://skhcn.example.invalid/tin", "topics": ["7"]},
        {"kind": "file", "sha256": "b" * 64, "filename": "danh-sach.xlsx", "topics": ["7"]},
    ]
    hand_in(
        world, BULLETINS_VP, date(2025, 11, 13), payload("Đăng tin.", topics=["1", "99"]), evidence
    )
    bulletins = form(build(world), "bulletins")
    assert bulletins.links == ["https://skhcn.example.invalid/tin", "tệp: danh-sach.xlsx"]
    assert (bulletins.evidence_links, bulletins.evidence_files) == (1, 1)
    assert bulletins.topics == ["1", "7"]  # "99" is not a topic of the plan


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


def test_difficulties_and_proposals_of_units_appear(
    world: World, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    open_year_end(world)
    hand_in(
        world,
        year_end_key("BBT"),
        date(2025, 11, 12),
        payload("Cả năm.", difficulties="Thiếu nhân lực.", proposals="Bổ sung biên chế."),
    )
    hand_in(
        world,
        BULLETINS_VP,
        date(2025, 11, 13),
        payload(
            "Đăng tin.",
            difficulties="Kinh phí hạn chế.\nThiếu thiết bị.",
            proposals="Bổ sung kinh phí.",
        ),
    )
    data = build(world)
    bbt, vp = "Ban Biên tập Trang thông tin điện tử", "Văn phòng Sở"
    assert data.causes == [
        Grouped(text="Thiếu nhân lực.", units=[bbt]),
        Grouped(text="Kinh phí hạn chế.", units=[vp]),
        Grouped(text="Thiếu thiết bị.", units=[vp]),
    ]
    assert data.proposals == [
        Grouped(text="Bổ sung biên chế.", units=[bbt]),
        Grouped(text="Bổ sung kinh phí.", units=[vp]),
    ]


def test_a_form_ending_after_the_cut_off_is_an_estimate(world: World) -> None:
    data = build(world)
    assert form(data, "iso-inspection").estimate  # Quý IV/2025
    assert form(data, "website-cchc-section").estimate  # Thường xuyên trong năm
    assert not form(data, "iso-training").estimate  # Quý I - II/2025
    assert not form(data, "science-digital-events").estimate  # Quý II/2025


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


def test_the_offices_revision_is_written_into_the_assessment(
    world: World, directory: UnitDirectory, calendar: WorkingCalendar
) -> None:
    key = revision_key(directory.office, 1)
    revision = Task(key, Role.LEAD, date(2025, 11, 17), date(2025, 11, 21))
    open_year_end(world, extra=[revision])
    body = payload(
        "Công tác tuyên truyền được triển khai đồng bộ.\nNhiều hình thức mới.",
        difficulties="Một số đơn vị báo cáo chậm.",
        proposals="Đề nghị UBND tỉnh hỗ trợ kinh phí.",
        estimate="Đến 31/12/2025 hoàn thành toàn bộ Kế hoạch.",
    )
    hand_in(world, key, date(2025, 11, 19), body)
    data = build(world)
    assert data.strengths[-2:] == [
        "Công tác tuyên truyền được triển khai đồng bộ.",
        "Nhiều hình thức mới.",
    ]
    assert data.causes[-1] == Grouped(text="Một số đơn vị báo cáo chậm.")
    assert data.proposals[-1] == Grouped(text="Đề nghị UBND tỉnh hỗ trợ kinh phí.")
    assert data.directions[-1] == "Đến 31/12/2025 hoàn thành toàn bộ Kế hoạch."
    office = unit_row(data, "Văn phòng Sở")
    assert len([t for t in office.tasks if t.activity == YEAR_END_TITLE]) == 1


def test_header_direction_and_signature_come_from_the_plan(world: World) -> None:
    data = build(world)
    assert data.issuer_parent == "UBND TỈNH QUẢNG NGÃI"
    assert data.issuer == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    assert data.number_symbol == "…/BC-SKHCN"
    assert (data.place, data.dated, data.year) == ("Quảng Ngãi", date(2025, 11, 20), 2025)
    assert data.title == "Kết quả thực hiện công tác tuyên truyền cải cách hành chính năm 2025"
    assert data.addressee == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert "Kế hoạch số 281/KH-SKHCN ngày 26/03/2025" in data.direction[0]
    assert "6 hình thức tuyên truyền" in data.direction[1]
    assert data.recipients[0] == "- Như trên;"  # UBND tỉnh, to whom it is addressed
    assert data.recipients[-1] == "- Lưu: VT, VP."
    assert (data.signer_on_behalf, data.signer_title) == ("", "GIÁM ĐỐC")
    assert (data.signer_name, data.draft, data.version) == ("Nguyễn Văn An", True, 0)
    assert not [p for p in data.direction if "lượt" in p]  # the Office's own figures
    assert any("lượt nhắc việc" in line for line in data.internal)
    assert [code for code, _ in data.topics][:6] == ["1", "2", "3", "4", "5", "5a"]
    assert all(len(title) <= 81 for _, title in data.topics)
    assert data.directions[1].startswith("- Tiếp tục duy trì mục tuyên truyền CCHC")
    assert "Ngày khoa học và công nghệ Việt Nam năm 2026" in data.directions[4]
    assert "TCVN ISO 9001:2015" in data.directions[5]


def test_the_report_renders_to_docx_markdown_and_html(world: World, tmp_path: Path) -> None:
    hand_in(
        world, BULLETINS_CDS, date(2025, 11, 12), payload("Phát hành bản tin.", counts={"news": 3})
    )
    paths = write_report_files(build(world), tmp_path / "out", stem="report-2025")
    assert sorted(paths) == ["docx", "html", "md"]
    assert paths["md"].name == "report-2025.md"
    text = "\n".join(p.text for p in Document(str(paths["docx"])).paragraphs)
    assert "Kết quả thực hiện công tác tuyên truyền cải cách hành chính năm 2025" in text
    assert "Phát hành bản tin." in paths["md"].read_text(encoding="utf-8")
    assert "<html" in paths["html"].read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "report-2025.docx",
        "report-2025.html",
        "report-2025.md",
    ]


def test_a_stem_cannot_leave_the_folder(world: World, tmp_path: Path) -> None:
    data = build(world)
    for stem in ("../report", "sub/report", "", ".."):
        with pytest.raises(ValueError, match="not a file name stem"):
            write_report_files(data, tmp_path / "out", stem=stem)
    assert not (tmp_path / "out").exists()


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


def test_a_deputy_named_by_the_plan_signs_for_the_director(world: World) -> None:
    rule = world.plan.reporting.consolidated_report.model_copy(update={"signed_by": "PGD1"})
    reporting = world.plan.reporting.model_copy(update={"consolidated_report": rule})
    world.plan = world.plan.model_copy(update={"reporting": reporting})
    ctx = plan_context(world.plan.code, world.app)
    ctx = ctx.__class__(ctx.app, world.plan, ctx.directory, ctx.mailer)
    data = build_report_data(ctx, now=NOW)
    assert (data.signer_on_behalf, data.signer_title) == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    assert data.signer_name == "Trần Thị Bình"


def unit_name(world: World, code: str) -> str:
    found = plan_context(world.plan.code, world.app).directory.unit(code)
    assert found is not None
    return found.name
