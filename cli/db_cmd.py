"""`cchc db …`: the database schema."""

from __future__ import annotations

import typer

from cli.common import cli_errors, out, settings
from storage.migrate import upgrade as run_upgrade

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target migration.")) -> None:
    """Create or migrate the tables in CCHC_DATABASE_URL (default: SQLite under ./var/).

    Example: CCHC_DATABASE_URL=sqlite:///var/cchc.db cchc db upgrade
    """
    with cli_errors():
        url = settings().database_url
        run_upgrade(url, revision)
    out.print(f"database at {revision}", highlight=False)
