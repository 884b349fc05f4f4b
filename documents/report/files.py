"""The consolidated report written side by side as .docx, Markdown and HTML."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from documents.report.docx_writer import write_docx
from documents.report.text import render_html, render_markdown
from domain.report import ReportData


def write_report_files(data: ReportData, folder: Path, *, stem: str) -> dict[str, Path]:
    """Write `<stem>.docx`, `<stem>.md` and `<stem>.html` into `folder` (created if needed);
    returns {"docx": …, "md": …, "html": …}. Writing the same report again changes nothing."""
    if not stem or Path(stem).name != stem or stem in (".", ".."):
        raise ValueError(f"{stem!r} is not a file name stem")
    folder.mkdir(parents=True, exist_ok=True)
    paths = {kind: folder / f"{stem}.{kind}" for kind in ("docx", "md", "html")}
    _replace(paths["docx"], lambda tmp: write_docx(data, tmp))
    _replace(paths["md"], lambda tmp: tmp.write_text(render_markdown(data), encoding="utf-8"))
    _replace(paths["html"], lambda tmp: tmp.write_text(render_html(data), encoding="utf-8"))
    return paths


def _replace(path: Path, write: Callable[[Path], object]) -> None:
    # Written beside the target and renamed over it, so a reader (the portal, a mail
    # attachment) never sees a half-written file.
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
