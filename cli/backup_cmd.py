"""`cchc backup` and `cchc restore`: one archive of the database and the files beside it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from cli.common import cli_errors, out, settings
from services.backup import restore_backup, take_backup
from services.bootstrap import SystemClock


def backup(
    output: Path = typer.Option(..., "-o", "--output", help="The .tar.gz archive to write."),
    force: bool = typer.Option(False, "--force", help="Replace the archive if it exists."),
) -> None:
    """Back up, while the service runs, the database (CCHC_DATABASE_URL), the uploaded files,
    the report folder and the plan, unit and calendar files in use, with a manifest of
    hashes; no password or key is written into it.

    Example: cchc backup -o /srv/backup/cchc-2025-11-17.tar.gz
    """
    if not output.name.endswith(".tar.gz"):
        raise typer.BadParameter(f"{output} does not end in .tar.gz", param_hint="-o")
    with cli_errors():
        manifest = take_backup(settings(), target=output, at=SystemClock().now(), force=force)
    db = manifest.database
    rows = sum(db.rows.values())
    out.print(f"wrote {output} ({output.stat().st_size:,} bytes)", highlight=False)
    out.print(
        f"database {db.url} ({db.kind}, migration {db.revision or 'none'}): "
        f"{rows} rows in {len(db.rows)} tables; {len(manifest.under('uploads'))} uploaded "
        f"files, {len(manifest.under('reports'))} report files, {len(manifest.files)} plan files",
        highlight=False,
    )


def restore(
    archive: Path = typer.Argument(..., help="An archive written by `cchc backup`."),
    force: bool = typer.Option(
        False, "--force", help="Restore over a database or folders that already hold data."
    ),
) -> None:
    """Restore an archive into the database (CCHC_DATABASE_URL), the upload folder
    (CCHC_PORTAL__UPLOAD_DIR), the report folder (CCHC_REPORT_DIR) and the plan file paths.

    Every member is checked against the manifest first; a damaged or altered archive, or a
    target that already holds data (without --force), is refused with nothing written. The
    migrations run after, so an archive of an older release comes up to date.

    Example: cchc restore /srv/backup/cchc-2025-11-17.tar.gz
    """
    with cli_errors():
        done = restore_backup(settings(), archive=archive, force=force)
    manifest = done.manifest
    out.print(
        f"restored {archive}, made {manifest.created_at:%Y-%m-%d %H:%M} UTC on "
        f"{manifest.hostname} by cchc {manifest.cchc_version} "
        f"(migration {done.revision_from or 'none'})",
        highlight=False,
    )
    table = Table("table", "rows")
    for name, count in sorted(done.rows.items()):
        table.add_row(name, str(count))
    out.print(table)
    out.print(f"{done.uploads} uploaded files, {done.reports} report files", highlight=False)
    for path in done.files:
        out.print(f"wrote {path}", highlight=False)
