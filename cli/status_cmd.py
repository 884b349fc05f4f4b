"""`cchc status`: tasks per unit in the four QĐ 42/2014 buckets."""

from __future__ import annotations

import typer
from rich.table import Table

from cli.common import cli_errors, out, parse_instant
from domain.status import BUCKET_LABELS_VI, NOT_OPEN_VI, Bucket
from services.bootstrap import bootstrap
from services.status import status_by_unit
from storage.migrate import require_current


def status(
    at: str | None = typer.Option(None, "--at", help="Instant to judge at (ISO; default now)."),
    plan: str | None = typer.Option(None, help="Only this plan code."),
) -> None:
    """Show, per unit, how many tasks are done on time, done late, in progress, overdue.

    Example: cchc status --at 2025-11-17T07:30
    """
    with cli_errors():
        app = bootstrap()
        require_current(app.engine)
        now = parse_instant(at) if at else app.clock.now()
        with app.uow() as uow:
            rows = status_by_unit(uow, now=now, plan=plan)
            mail = uow.outbox.counts()
        app.close()
    table = Table(title=f"Tiến độ nhiệm vụ tại {now.isoformat(timespec='minutes')}")
    table.add_column("Đơn vị")
    for b in Bucket:
        table.add_column(BUCKET_LABELS_VI[b], justify="right")
    table.add_column(NOT_OPEN_VI, justify="right")
    for row in rows:
        table.add_row(row.name, *[str(row.counts[b]) for b in Bucket], str(row.not_open))
    out.print(table)
    line = (
        f"Thư: {mail['pending'] + mail['sending']} chờ gửi, {mail['sent']} đã gửi, "
        f"{mail['failed']} gửi không thành công"
    )
    out.print(line + (" — xem `cchc mail failed`" if mail["failed"] else ""), highlight=False)
