"""`cchc units …`: the unit directory over time."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from cli.common import PlanOption, cli_errors, out, parse_day, settings
from documents.plans.files import load_units
from documents.plans.yaml_files import YamlDocument
from domain.clock import local_date
from domain.errors import NotFound, PlanInvalid
from domain.records import PlanState
from domain.vi import dmy
from services.bootstrap import bootstrap, mailer
from services.units import load_directory
from storage.migrate import require_current

app = typer.Typer(help="The unit directory over time.", no_args_is_help=True)


@app.command("load")
def load(path: Path) -> None:
    """Store the unit directory; move the open work of units that have ended to their successor.

    A unit renamed, merged or split keeps its entry with valid_until (its last day) and
    successor (who its open work goes to). Each open task of a published plan moves on the
    first deadline sweep after that day, or on a load after it if sooner (audit-logged; the
    successor is mailed the tasks already assigned). Loading the same file again changes
    nothing. Refused, with nothing changed, when a published plan's open task would be left
    without a unit; a successor that is not a unit, or a cycle of successors, is refused
    naming file, path and line. Point CCHC_UNITS_PATH at the same file: the flows and the
    portal read it.

    Example: cchc units load plans/units.example.yaml
    """
    with cli_errors():
        directory = load_units(path)
        app_ = bootstrap()
        require_current(app_.engine)
        with app_.uow() as uow:
            plans = [uow.plans.get(p.code) for p in uow.plans.listing()]
            published = {p.code for p in uow.plans.listing() if p.state is PlanState.PUBLISHED}
        mailers = {p.code: mailer(app_, p, directory) for p in plans if p and p.code in published}
        try:
            with app_.uow() as uow:
                done = load_directory(
                    uow, directory, mailers=mailers, at=app_.clock.now(), actor=app_.settings.actor
                )
        except PlanInvalid as exc:
            document = YamlDocument(path)
            raise PlanInvalid([document.problem(p.path, p.message) for p in exc.problems]) from None
        finally:
            app_.close()
    out.print(
        f"{path}: {done.units_changed} units changed, {len(done.moved)} open tasks moved to "
        f"a successor ({done.mailed} mailed), {done.cancelled} cancelled (the successor had "
        "them)",
        highlight=False,
    )
    for line in done.moved:
        out.print(f"  {line}", highlight=False)


@app.command("list")
def list_(
    at: str | None = typer.Option(None, "--at", help="The day (2025-07-01; default today)."),
    path: Path | None = typer.Option(None, "--units", help="Directory file (CCHC_UNITS_PATH)."),
) -> None:
    """The units that exist on a day, with their dates and successors.

    Example: cchc units list --at 2025-07-01
    """
    with cli_errors():
        directory = load_units(path or settings().units_path)
        day = parse_day(at) if at else local_date(bootstrap().clock.now())
    table = Table(title=f"Đơn vị ngày {dmy(day)}")
    for column in ("code", "name", "from", "until", "successor"):
        table.add_column(column)
    for unit in directory.at(day):
        table.add_row(
            unit.code,
            unit.name,
            dmy(unit.valid_from) if unit.valid_from else "—",
            dmy(unit.valid_until) if unit.valid_until else "—",
            unit.successor or "—",
        )
    out.print(table)


@app.command("head-link")
def head_link(unit: str, plan: str | None = PlanOption) -> None:
    """Print the link to a unit head's page for a plan (valid CCHC_PORTAL__HEAD_LINK_VALID_DAYS).

    The page lists every task of the unit with its status and the versions handed in, and
    carries the form "Báo cáo khó khăn, vướng mắc". Send the link to the unit's head.

    Example: cchc units head-link TDC
    """
    from services.bootstrap import link_signer
    from services.context import chosen_context

    with cli_errors():
        ctx = chosen_context(plan)
        try:
            if ctx.directory.unit(unit) is None:
                raise NotFound(
                    f"unit {unit!r} is not in the directory {ctx.app.settings.units_path}"
                )
            today = local_date(ctx.app.clock.now())
            url = link_signer(ctx.app.settings).unit_url(unit, plan=ctx.plan.code, issued_on=today)
        finally:
            ctx.app.close()
    typer.echo(url)
