"""plans/2025-skhcn-quang-ngai.yaml transcribes Kế hoạch 281/KH-SKHCN faithfully."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest

from domain.plan import Plan
from domain.policy import Policy
from domain.units import UnitDirectory
from tests.conftest import SEED_PATH


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).replace("\u00a0", " ")).strip()


@pytest.fixture(scope="module")
def seed() -> str:
    return _squash(SEED_PATH.read_text(encoding="utf-8"))


def test_header_fields(plan: Plan) -> None:
    assert plan.number_symbol == "281/KH-SKHCN"
    assert plan.issued_on == date(2025, 3, 26)
    assert plan.place == "Quảng Ngãi"
    assert plan.issuer.parent == "UBND TỈNH QUẢNG NGÃI"
    assert plan.issuer.name == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    assert plan.title.startswith("Tuyên truyền cải cách hành chính năm 2025")
    assert len(plan.legal_bases) == 2


def test_topics_1_to_8_with_5a_to_5e(plan: Plan) -> None:
    assert [t.code for t in plan.topics] == [str(n) for n in range(1, 9)]
    five = plan.topics[4]
    assert [t.code for t in five.subtopics] == ["5a", "5b", "5c", "5d", "5dd", "5e"]
    assert [t.marker for t in five.subtopics] == ["a", "b", "c", "d", "đ", "e"]


def test_nine_slogans_and_six_activities(plan: Plan) -> None:
    assert [s.number for s in plan.slogans] == list(range(1, 10))
    assert [a.number for a in plan.activities] == list(range(1, 7))
    assert plan.activities[3].lead.units == ["VP", "BCVT", "CDS"]
    assert plan.activities[4].coordinators is None
    assert [a.window for a in plan.activities] == [
        "Thường xuyên trong năm",
        "Thường xuyên trong năm",
        "Thường xuyên trong năm",
        "Quý II/2025",
        "Quý I - II/2025",
        "Quý IV/2025",
    ]


def test_reporting_rules_as_written(plan: Plan) -> None:
    assert plan.reporting.unit_report.deadline == "trước ngày 15/11/2025"
    assert plan.reporting.unit_report.to == "VP"
    assert plan.reporting.consolidated_report.deadline == "trước ngày 30/11/2025"
    assert plan.reporting.consolidated_report.to == "UBND"
    assert plan.recipients[0].units == ["UBND"]
    assert plan.recipients[1].units == ["SNV"]


def test_policy_block_holds_the_design_defaults(plan: Plan) -> None:
    assert plan.policy == Policy()
    assert [r.offset for r in plan.policy.ladder] == [-5, -1, 0, 1, 3]


def test_texts_occur_verbatim_in_the_source_document(plan: Plan, seed: str) -> None:
    texts = [plan.title, plan.budget, *plan.legal_bases, *plan.purposes, *plan.requirements]
    texts += [s.text for s in plan.slogans] + [a.title for a in plan.activities]
    texts += [a.lead.as_written for a in plan.activities] + [a.window for a in plan.activities]
    texts += [p for t in plan.all_topics() for p in t.paragraphs]
    missing = [t[:60] for t in texts if _squash(t) not in seed]
    assert missing == []


def test_every_unit_the_plan_names_is_in_the_example_directory(directory: UnitDirectory) -> None:
    for name in [
        "Ban Biên tập Trang thông tin điện tử",
        "Văn phòng Sở",
        "Trung tâm Chuyển đổi số và Đổi mới sáng tạo",
        "Phòng Bưu chính - Viễn thông và Công nghệ thông tin",
        "Phòng Quản lý Tiêu chuẩn Đo lường Chất lượng",
        "Chi cục Tiêu chuẩn Đo lường Chất lượng",
    ]:
        assert directory.match(name) is not None, name
    abbreviations = {"VP Sở": "VP", "TT CĐS&ĐMST": "CDS", "chi cuc tdc": "CCTDC"}
    assert {k: getattr(directory.match(k), "code", None) for k in abbreviations} == abbreviations
    assert directory.match("Phòng Không Có") is None
    assert {r.code for r in directory.recipients} >= {"GD", "UBND", "SNV"}
    emails = [u.contact.email for u in directory.units] + [r.email for r in directory.recipients]
    assert all(e.endswith(".example.invalid") for e in emails)


def test_unit_lookup_follows_a_copy_with_other_units(directory: UnitDirectory) -> None:
    office = directory.unit(directory.office)
    assert office is not None
    assert office.code == directory.office
    others = [u for u in directory.units if u.code != "CDS"]
    assert directory.unit("CDS") is not None
    fewer = directory.model_copy(update={"units": others})
    assert fewer.unit("CDS") is None
    assert directory.unit("CDS") is not None
    assert directory.unit("KHONG-CO") is None
