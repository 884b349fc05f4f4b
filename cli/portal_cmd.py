"""`cchc portal`: the unit portal on its own."""

from __future__ import annotations

import typer

from cli.common import settings


def portal(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Serve the unit portal (the pages behind the links in the task mails).

    Example: cchc portal --port 8000
    """
    import uvicorn

    from portal.app import create_app

    uvicorn.run(create_app(settings()), host=host, port=port, log_level="info")
