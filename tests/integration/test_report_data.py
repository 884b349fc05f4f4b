"""The consolidated report's forms, built from a loaded database, and its three files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from docx import Document

from documents.report.files import write_report_files
from domain.calendar import WorkingCalendar
from domain.consolidate import Grouped
from domain.units import UnitDirectory
from tests.integration.conftest import World
from tests.integration.report_data_kit import (
    BULLETINS_CDS,
    BULLETINS_VP,
    build,
    form,
    hand_in,
    open_year_end,
    payload,
    year_end_key,
)


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


def test_a_form_ending_after_the_cut_off_is_an_estimate(world: World) -> None:
    data = build(world)
    assert form(data, "iso-inspection").estimate  # Quý IV/2025
    assert form(data, "website-cchc-section").estimate  # Thường xuyên trong năm
    assert not form(data, "iso-training").estimate  # Quý I - II/2025
    assert not form(data, "science-digital-events").estimate  # Quý II/2025


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
