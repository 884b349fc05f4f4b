"""`cchc plan archive`: a plan's year as a folder for the archive, with its index."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import cli_errors, err, out


def archive(
    code: str = typer.Argument(..., help="The plan's code (cchc plan list)."),
    output: Path = typer.Option(..., "-o", "--output", help="The folder to write (empty)."),
    force: bool = typer.Option(False, "--force", help="Replace what the folder holds."),
) -> None:
    """Write the plan's record (hồ sơ công việc) to a folder: the plan as published in each
    version (YAML), the report as sent (.docx and the signed PDF), each unit's submissions
    (JSON, every version) and evidence files in a folder per unit and activity, the audit
    trail (CSV), and the index "Mục lục hồ sơ" as .xlsx and .pdf (the PDF needs LibreOffice).

    Run it when the year is over, after `cchc plan close`. Every file is listed in the index
    once, and the command checks that each listed file is there before it finishes; a file
    the database names but the upload store or report folder lacks refuses the archive.
    Refused when the folder is not empty (--force replaces its contents).

    Example: cchc plan archive CODE -o out/ho-so (CODE as cchc plan list shows it)
    """
    from services.bootstrap import bootstrap
    from services.plan_archive import archive_plan
    from storage.migrate import require_current

    with cli_errors():
        app = bootstrap()
        try:
            require_current(app.engine)
            done = archive_plan(app, code, target=output, now=app.clock.now(), force=force)
        finally:
            app.close()
    pages = sum(row.pages or 0 for row in done.rows)
    size = sum(row.size for row in done.rows)
    out.print(
        f"wrote {done.folder}: {len(done.rows)} files ({size:,} bytes; {pages} PDF pages)",
        highlight=False,
    )
    for path in done.index:
        out.print(f"wrote {path}", highlight=False)
    if done.no_pdf:
        err.print(f"warning: no PDF of the index ({done.no_pdf}); the .xlsx lists every file")
    if not done.report_sent:
        err.print("warning: the plan's report is not final yet: the record holds no report")


def archive_hint(code: str) -> str:
    """The command that files a closed plan's record."""
    return f"cchc plan archive {code} -o ho-so-{code}"
