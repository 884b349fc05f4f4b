"""The report's assessment, header and signature: the units' words, the Office's, the plan's."""

from __future__ import annotations

from datetime import date

from domain.calendar import WorkingCalendar
from domain.consolidate import Grouped
from domain.policy import Role
from domain.task import Task
from domain.units import UnitDirectory
from domain.year_end import YEAR_END_TITLE, revision_key
from services.context import plan_context
from services.report_data import build_report_data
from tests.integration.conftest import World
from tests.integration.report_data_kit import (
    BULLETINS_VP,
    NOW,
    build,
    hand_in,
    open_year_end,
    payload,
    unit_row,
    year_end_key,
)


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


def test_a_deputy_named_by_the_plan_signs_for_the_director(world: World) -> None:
    rule = world.plan.reporting.consolidated_report.model_copy(update={"signed_by": "PGD1"})
    reporting = world.plan.reporting.model_copy(update={"consolidated_report": rule})
    world.plan = world.plan.model_copy(update={"reporting": reporting})
    ctx = plan_context(world.plan.code, world.app)
    ctx = ctx.__class__(ctx.app, world.plan, ctx.directory, ctx.mailer)
    data = build_report_data(ctx, now=NOW)
    assert (data.signer_on_behalf, data.signer_title) == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    assert data.signer_name == "Trần Thị Bình"
