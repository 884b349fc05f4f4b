"""The report of a demo-sized year, as LibreOffice prints it: the body a Director reads in at
most 8 A4 pages, the units × forms appendix on at most 3 landscape pages. An outside
program, so it runs with the integration tests (CI installs it and requires it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from pyhanko.pdf_utils.generic import DictionaryObject
from pyhanko.pdf_utils.reader import PdfFileReader

from documents.report.docx_writer import write_docx
from documents.report.pdf import docx_to_pdf
from domain.clock import LOCAL_TZ
from domain.report import ReportData, UnitAppendix
from tests.integration.conftest import World
from tests.integration.report_data_kit import build, the_whole_year

AFTER_COLLECTION = datetime(2025, 11, 17, 9, 0, tzinfo=LOCAL_TZ)
UNITS = 17  # the demo's directory: 11 units in the plan, 6 more given work later in a year
BODY_PAGES, APPENDIX_PAGES = 8, 3


def pages(node: DictionaryObject) -> Iterator[DictionaryObject]:
    for kid in node["/Kids"]:
        child = kid.get_object()
        if child["/Type"] == "/Pages":
            yield from pages(child)
        else:
            yield child


def orientations(pdf: Path) -> list[str]:
    """'portrait' or 'landscape' for each page, by its MediaBox."""
    with pdf.open("rb") as stream:
        root = PdfFileReader(stream).root["/Pages"]
        found = []
        for page in pages(root):
            box = [float(x) for x in (page.get("/MediaBox") or root["/MediaBox"])]
            found.append("landscape" if box[2] - box[0] > box[3] - box[1] else "portrait")
    return found


def demo_sized(world: World) -> ReportData:
    the_whole_year(world)
    data = build(world, now=AFTER_COLLECTION)
    extra = [
        UnitAppendix(unit=f"Đơn vị sự nghiệp thuộc Sở số {n}", report_received=True)
        for n in range(len(data.units) + 1, UNITS + 1)
    ]
    return data.model_copy(update={"units": [*data.units, *extra]})


@pytest.mark.usefixtures("soffice")
def test_a_demo_sized_report_fits_8_pages_and_its_appendix_3(world: World, tmp_path: Path) -> None:
    data = demo_sized(world)
    assert len(data.units) == UNITS
    assert len(data.forms) == 6
    found = orientations(docx_to_pdf(write_docx(data, tmp_path / "report-2025.docx"), tmp_path))
    body = found.count("portrait")
    appendix = found.count("landscape")
    print(f"body {body} pages, appendix {appendix} pages")  # the figures, with -s
    assert found == ["portrait"] * body + ["landscape"] * appendix
    assert 1 <= body <= BODY_PAGES
    assert 1 <= appendix <= APPENDIX_PAGES
