"""The consolidated report's wording, shared by every layout, and its Markdown/HTML renderings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from documents.report.tables import (
    MatrixView,
    TableView,
    coverage_table,
    figures_table,
    matrix_view,
)
from domain.consolidate import Grouped
from domain.report import FormResult, ReportData, appendix_reference, dateline, draft_mark, figures

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
    "internal": "Số liệu nội bộ (không gửi UBND tỉnh)",
}
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
DOC_TYPE = "BÁO CÁO"
DRAFT = "DỰ THẢO"
REHEARSAL = "(DIỄN TẬP — không có giá trị pháp lý)"  # above the title of a rehearsal's report
ESTIMATE = "(ước thực hiện)"
RECIPIENTS_LABEL = "Nơi nhận:"
CAUSES_LABEL = "Nguyên nhân:"
EVIDENCE_LABEL = "Minh chứng: "
EVIDENCE_ANNEX = "(danh mục chi tiết tại Phụ lục Excel kèm theo)"
NOTHING_REPORTED = "Chưa có báo cáo kết quả của đơn vị."
EMPTY = "(Chưa có nội dung.)"
SEVERAL_UNITS = "Các phòng, đơn vị: "
SAME_UNITS = "Các phòng, đơn vị nêu trên: "
GENERAL_LABEL = "Theo báo cáo năm của các phòng, đơn vị:"
APPENDIX_TITLE = "TÌNH HÌNH THỰC HIỆN NHIỆM VỤ CỦA CÁC PHÒNG, ĐƠN VỊ THEO HÌNH THỨC TUYÊN TRUYỀN"


@dataclass(frozen=True)
class Labelled:
    """A paragraph opening with a bold label, e.g. 'Đơn vị chủ trì: …'."""

    label: str
    text: str


@dataclass(frozen=True)
class FormView:
    heading: str
    facts: list[Labelled]
    done: list[str]
    estimate_label: str
    estimates: list[str]
    evidence: Labelled


@dataclass(frozen=True)
class ReportView:
    """The report as the words to print, in order; layouts only place and style them."""

    data: ReportData
    draft_line: str  # "" for a final
    dateline: str
    number_line: str
    addressee_line: str
    direction: list[str]
    missing_note: str
    general: list[str]
    general_estimates: list[str]
    estimate_label: str
    forms: list[FormView]
    figures: TableView
    coverage: TableView | None
    strengths: list[str]
    weaknesses: list[str]
    causes: list[str]
    directions: list[str]
    proposals: list[str]
    signer: list[str]  # the lines above the blank space left for signature and seal
    appendix_caption: str
    appendix: MatrixView


def build_view(data: ReportData) -> ReportView:
    missing = data.missing()
    until = f"Ước thực hiện đến hết năm {data.year}:"
    return ReportView(
        data=data,
        draft_line=draft_mark(data.version) if data.draft else "",
        dateline=dateline(place=data.place, dated=data.dated),
        number_line=f"Số: {data.number_symbol}",
        addressee_line=f"Kính gửi: {data.addressee.rstrip('.')}.",
        direction=data.direction or [EMPTY],
        missing_note=_missing_note(data, missing),
        general=_items(data.general),
        general_estimates=_items(data.general_estimates, named_above=_units(data.general)),
        estimate_label=until,
        forms=[_form_view(f, until) for f in data.forms],
        figures=figures_table(data),
        coverage=coverage_table(data),
        strengths=data.strengths or [EMPTY],
        weaknesses=[*data.weaknesses, *_missing_weakness(missing, data.year)] or [EMPTY],
        causes=said_all(data.causes),
        directions=data.directions or [EMPTY],
        proposals=said_all(data.proposals) or [EMPTY],
        signer=[line for line in (data.signer_on_behalf, data.signer_title) if line],
        appendix_caption=appendix_reference(data),
        appendix=matrix_view(data),
    )


def said(statement: Grouped, *, named_above: frozenset[str] = frozenset()) -> str:
    """A statement with who wrote it: 'A: …' for one unit, 'Các phòng, đơn vị: A, B: …'
    for several, the text alone for the Office's own wording. Several units all just named
    in `named_above` are not listed again."""
    text = statement.text.rstrip(" ,;:")
    text = text if text.endswith((".", "!", "?", "…")) else f"{text}."
    units = statement.units
    if not units:
        return text
    if len(units) == 1:
        return f"{units[0]}: {text}"
    if len(units) > 2 and set(units) == named_above:
        return f"{SAME_UNITS}{text}"
    return f"{SEVERAL_UNITS}{', '.join(units)}: {text}"


def said_all(statements: list[Grouped], *, named_above: frozenset[str] = frozenset()) -> list[str]:
    return [said(s, named_above=named_above) for s in statements]


def _items(statements: list[Grouped], *, named_above: frozenset[str] = frozenset()) -> list[str]:
    return [f"- {s}" for s in said_all(statements, named_above=named_above)]


def _units(statements: list[Grouped]) -> frozenset[str]:
    return frozenset(u for g in statements for u in g.units)


def _missing_note(data: ReportData, missing: list[str]) -> str:
    """The units without a year-end report, named once; what they reported during the year
    is still counted, and the sentence says so."""
    if not missing:
        return ""
    names = ", ".join(missing)
    reported = {u for f in data.forms for g in [*f.done, *f.estimates] for u in g.units}
    if not reported & set(missing):
        return (
            f"Các đơn vị chưa gửi báo cáo năm: {names}; các đơn vị này chưa báo cáo kết quả "
            "các hình thức tuyên truyền trong năm."
        )
    return (
        f"Các đơn vị chưa gửi báo cáo năm: {names}; kết quả các hình thức tuyên truyền mà các "
        "đơn vị này đã báo cáo trong năm vẫn được tổng hợp trong báo cáo này."
    )


def _missing_weakness(missing: list[str], year: int) -> list[str]:
    if not missing:
        return []
    return [
        f"Còn {len(missing)} phòng, đơn vị chưa gửi báo cáo kết quả thực hiện Kế hoạch năm "
        f"{year} (nêu tại mục II)."
    ]


def _form_view(form: FormResult, until: str) -> FormView:
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
        done=_items(form.done) or [f"- {NOTHING_REPORTED}"],
        estimate_label=until,
        estimates=_items(form.estimates, named_above=_units(form.done)),
        evidence=Labelled(EVIDENCE_LABEL, _evidence(form)),
    )


def _evidence(form: FormResult) -> str:
    found = [
        f"{n} {kind}"
        for n, kind in ((form.evidence_links, "đường dẫn"), (form.evidence_files, "tệp"))
        if n
    ]
    return f"{', '.join(found)} {EVIDENCE_ANNEX}." if found else "chưa có."


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
        general_label=GENERAL_LABEL,
        causes_label=CAUSES_LABEL,
        evidence_label=EVIDENCE_LABEL,
        appendix_title=APPENDIX_TITLE,
    )
    return env


def render_markdown(data: ReportData) -> str:
    return _environment().get_template("report.md.j2").render(v=build_view(data))


def render_html(data: ReportData) -> str:
    return _environment().get_template("report.html.j2").render(v=build_view(data))
