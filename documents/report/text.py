"""The consolidated report's wording, shared by every layout, and its Markdown/HTML renderings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.report import (
    RESULT_COUNTS,
    FormResult,
    ReportData,
    coverage,
    dateline,
    figures,
    totals,
)
from domain.status import BUCKET_LABELS_VI
from domain.vi import dmy

TEMPLATES = Path(__file__).with_name("templates")

HEADINGS = {
    "direction": "I. CÔNG TÁC CHỈ ĐẠO, TRIỂN KHAI",
    "results": "II. KẾT QUẢ THỰC HIỆN",
    "assessment": "III. ĐÁNH GIÁ CHUNG",
    "strengths": "1. Ưu điểm",
    "weaknesses": "2. Tồn tại, hạn chế và nguyên nhân",
    "directions": "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ",
    "proposals": "V. ĐỀ XUẤT, KIẾN NGHỊ",
    "appendix": "PHỤ LỤC",
}
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
DOC_TYPE = "BÁO CÁO"
DRAFT = "DỰ THẢO"
REHEARSAL = "(DIỄN TẬP — không có giá trị pháp lý)"  # above the title of a rehearsal's report
ESTIMATE = "(ước thực hiện)"
MISSING = "Chưa gửi báo cáo"
RECEIVED = "Đã gửi báo cáo"
RECIPIENTS_LABEL = "Nơi nhận:"
CAUSES_LABEL = "Nguyên nhân:"
EVIDENCE_LABEL = "Minh chứng:"
NO_TASKS = "Không có nhiệm vụ được giao"
EMPTY = "(Chưa có nội dung.)"
APPENDIX_TITLE = "TÌNH HÌNH THỰC HIỆN NHIỆM VỤ CỦA CÁC PHÒNG, ĐƠN VỊ"
APPENDIX_HEADER = (
    "TT",
    "Phòng, đơn vị",
    "Báo cáo năm",
    "Nhiệm vụ (hình thức tuyên truyền)",
    "Giai đoạn",
    "Hạn",
    "Tình trạng",
    "Quá hạn (ngày)",
)


@dataclass(frozen=True)
class Labelled:
    """A paragraph opening with a bold label, e.g. 'Đơn vị chủ trì: …'."""

    label: str
    text: str


@dataclass(frozen=True)
class FormView:
    heading: str
    facts: list[Labelled]
    summary: list[str]
    links: list[str]


@dataclass(frozen=True)
class TableView:
    caption: str
    header: list[str]
    rows: list[list[str]]
    note: str


@dataclass(frozen=True)
class UnitView:
    number: int
    name: str
    status: str
    missing: bool
    tasks: list[list[str]]


@dataclass(frozen=True)
class ReportView:
    """The report as the words to print, in order; layouts only place and style them."""

    data: ReportData
    dateline: str
    number_line: str
    addressee_line: str
    direction: list[str]
    missing_note: Labelled | None
    forms: list[FormView]
    figures: TableView
    coverage: TableView | None
    strengths: list[str]
    weaknesses: list[str]
    causes: list[str]
    directions: list[str]
    proposals: list[str]
    appendix_caption: str
    appendix: list[UnitView]


def build_view(data: ReportData) -> ReportView:
    missing = data.missing()
    return ReportView(
        data=data,
        dateline=dateline(place=data.place, dated=data.dated),
        number_line=f"Số: {data.number_symbol}",
        addressee_line=f"Kính gửi: {data.addressee.rstrip('.')}.",
        direction=data.direction or [EMPTY],
        missing_note=_missing_note(missing),
        forms=[_form_view(f) for f in data.forms],
        figures=_figures_table(data),
        coverage=_coverage_table(data),
        strengths=data.strengths or [EMPTY],
        weaknesses=[*data.weaknesses, *_missing_weakness(missing, data.year)] or [EMPTY],
        causes=data.causes,
        directions=data.directions or [EMPTY],
        proposals=data.proposals or [EMPTY],
        appendix_caption=f"(Kèm theo Báo cáo số {data.number_symbol} ngày {dmy(data.dated)})",
        appendix=_appendix(data),
    )


def _missing_note(missing: list[str]) -> Labelled | None:
    if not missing:
        return None
    names = "; ".join(missing)
    return Labelled(
        f"{MISSING}: ", f"{names}. Số liệu dưới đây chưa bao gồm kết quả của các đơn vị này."
    )


def _missing_weakness(missing: list[str], year: int) -> list[str]:
    if not missing:
        return []
    names = "; ".join(missing)
    return [f"Còn đơn vị chưa gửi báo cáo kết quả thực hiện năm {year}: {names}."]


def _form_view(form: FormResult) -> FormView:
    facts = [Labelled("Đơn vị chủ trì: ", f"{', '.join(form.lead)}.")]
    if form.coordinating:
        facts.append(Labelled("Đơn vị phối hợp: ", f"{', '.join(form.coordinating)}."))
    facts.append(Labelled("Thời gian thực hiện: ", f"{form.window_text}."))
    label = f"Kết quả {ESTIMATE}: " if form.estimate else "Kết quả: "
    shown = "; ".join(f"{name}: {value}" for name, value in figures(form.counts))
    facts.append(Labelled(label, f"{shown}." if shown else "chưa có số liệu."))
    return FormView(
        heading=f"{form.number}. {form.title}",
        facts=facts,
        summary=form.summary or ["Chưa có báo cáo kết quả của đơn vị."],
        links=form.links,
    )


def _form_columns(data: ReportData) -> list[str]:
    # "(*)" marks a form whose figures include an estimate to the end of the year.
    return [f"{f.number} (*)" if f.estimate else str(f.number) for f in data.forms]


def _figures_table(data: ReportData) -> TableView:
    summed = totals(data.forms)
    rows = [
        [label, *(str(f.counts[key]) if key in f.counts else "" for f in data.forms), str(total)]
        for (key, total), label in zip(summed.items(), RESULT_COUNTS.values(), strict=True)
    ]
    note = "Cột 1, 2, …: hình thức tuyên truyền theo thứ tự tại mục IV Kế hoạch."
    if any(f.estimate for f in data.forms):
        note += f" (*) Gồm kết quả đã thực hiện và ước thực hiện đến 31/12/{data.year}."
    return TableView(
        caption="Bảng 1. Tổng hợp số liệu theo hình thức tuyên truyền (mục IV Kế hoạch)",
        header=["Chỉ tiêu", *_form_columns(data), "Tổng cộng"],
        rows=rows,
        note=note,
    )


def _coverage_table(data: ReportData) -> TableView | None:
    if not data.topics:
        return None
    rows = [
        [f"{_topic_number(row.code)}. {row.title}", *("x" if m else "" for m in row.marks)]
        for row in coverage(data.forms, data.topics)
    ]
    return TableView(
        caption="Bảng 2. Nội dung tuyên truyền (mục II Kế hoạch) theo hình thức tuyên truyền",
        header=["Nội dung tuyên truyền", *(str(f.number) for f in data.forms)],
        rows=rows,
        note="Dấu “x”: nội dung đã được tuyên truyền qua hình thức tương ứng.",
    )


def _topic_number(code: str) -> str:
    # Topic codes spell the letter đ as "dd" (e.g. 5dd); the document prints "5đ".
    return f"{code[:-2]}đ" if code.endswith("dd") else code


def _appendix(data: ReportData) -> list[UnitView]:
    missing = set(data.missing())
    return [
        UnitView(
            number=i,
            name=u.unit,
            status=MISSING if u.unit in missing else RECEIVED,
            missing=u.unit in missing,
            tasks=[
                [t.activity, t.stage, dmy(t.due), BUCKET_LABELS_VI[t.bucket], str(t.days_late)]
                for t in u.tasks
            ]
            or [[NO_TASKS, "", "", "", ""]],
        )
        for i, u in enumerate(data.appendix_units(), start=1)
    ]


_MD_SPECIAL = re.compile(r"([\\<>\[\]`*_])")


def md_text(value: object) -> str:
    """Plain text for Markdown: no raw HTML, links or code spans can be smuggled in."""
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def md_cell(value: object) -> str:
    """Text for a Markdown table cell: also keeps '|' and line breaks from splitting the row."""
    return " ".join(md_text(value).replace("|", "\\|").split())


def is_web_link(value: str) -> bool:
    return value.lower().startswith(("https://", "http://"))


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_text
    env.filters["cell"] = md_cell
    env.tests["web_link"] = is_web_link
    env.globals.update(
        h=HEADINGS,
        national_name=NATIONAL_NAME,
        motto=MOTTO,
        doc_type=DOC_TYPE,
        draft_label=DRAFT,
        rehearsal_label=REHEARSAL,
        recipients_label=RECIPIENTS_LABEL,
        causes_label=CAUSES_LABEL,
        evidence_label=EVIDENCE_LABEL,
        appendix_title=APPENDIX_TITLE,
        appendix_header=APPENDIX_HEADER,
    )
    return env


def render_markdown(data: ReportData) -> str:
    return _environment().get_template("report.md.j2").render(v=build_view(data))


def render_html(data: ReportData) -> str:
    return _environment().get_template("report.html.j2").render(v=build_view(data))
