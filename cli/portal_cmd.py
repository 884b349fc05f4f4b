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

    from portal.app import create_app, server_config

    uvicorn.Server(server_config(create_app(settings()), host=host, port=port)).run()


def hash_password(
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="The new password."
    ),
) -> None:
    """Print the scrypt hash of an Office or Director password, for CCHC_PORTAL__ACCOUNTS.

    Example: cchc hash-password
    """
    from services.accounts import hash_password as make_hash

    if len(password) < 10:
        typer.echo("the password needs at least 10 characters", err=True)
        raise typer.Exit(1)
    typer.echo(make_hash(password))
