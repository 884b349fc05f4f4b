"""`cchc up`: the embedded stack on loopback."""

from __future__ import annotations

import signal
import threading
from typing import Annotated, NoReturn

import typer

from cli.common import err, out, settings
from deploy.ha import ApiLayout, LayoutError
from deploy.postgres import RehearsalDatabases, RehearsalError
from deploy.stack import Stack, StackError

PostgresOption = Annotated[
    str | None,
    typer.Option(
        "--postgres",
        metavar="URL",
        help=(
            "Rehearse production on PostgreSQL: postgresql+psycopg://USER@HOST:PORT/BASE "
            "keeps the project's tables in BASE_cchc and the Prefect server in BASE_prefect "
            "on that server (created when missing, kept afterwards; BASE defaults to cchc). "
            "Overrides CCHC_DATABASE_URL for every process of the stack."
        ),
    ),
]
WorkersOption = Annotated[
    int,
    typer.Option("--workers", min=1, help="Process workers on the work pool, named HOSTNAME-1…N."),
]
RedisOption = Annotated[
    str | None,
    typer.Option(
        "--redis",
        metavar="URL",
        help="Redis for several API servers (redis://127.0.0.1:6379/0): messaging, event "
        "ordering, leases, the docket.",
    ),
]
ApiServersOption = Annotated[
    int,
    typer.Option(
        "--api-servers",
        min=1,
        help="Prefect API servers (2 or more: with --postgres and --redis, the services apart, "
        "a round-robin proxy on the API port).",
    ),
]


def up(
    check: bool = typer.Option(False, "--check", help="Start, verify each part, stop."),
    postgres: PostgresOption = None,
    workers: WorkersOption = 1,
    redis: RedisOption = None,
    api_servers: ApiServersOption = 1,
) -> None:
    """Start the Prefect server (UI on 127.0.0.1:4200), the deployments, the workers and the sink.

    The database is migrated and the plan loaded first. Ctrl-C stops everything.

    With --postgres and --workers: the production set-up (deploy/README.md) on one machine.

    The API grants cross-origin calls to the UI's origin only (PREFECT_SERVER_CORS_ALLOWED_ORIGINS).

    The API asks every caller for PREFECT_SERVER_API_AUTH_STRING, when it is set.

    Else for a string made at the first start, kept in <Prefect home>/api-auth-string.

    Example: cchc up --check

    Example: cchc up --postgres postgresql+psycopg://postgres@127.0.0.1:5432/cchc --workers 2

    Example: cchc up --postgres postgresql+psycopg://postgres@127.0.0.1:5432/cchc
    --redis redis://127.0.0.1:6379/0 --api-servers 2 --workers 2

    Example: PREFECT_SERVER_API_AUTH_STRING='admin:long-random' cchc up
    """
    stack = _stack(postgres, workers, _layout(redis, api_servers))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stack.start()
        if check:
            _check(stack)
            return
        out.print("running — Ctrl-C stops", highlight=False)
        stop.wait()
    except StackError as exc:
        _fail(exc)
    finally:
        stack.stop()


def _layout(redis: str | None, servers: int) -> ApiLayout | None:
    """Several API servers (deploy/ha.py), or None for the one server of the default."""
    if servers == 1 and redis is None:
        return None
    if servers == 1:
        raise typer.BadParameter("Redis serves several API servers: add --api-servers 2")
    if redis is None:
        raise typer.BadParameter("several API servers share Redis: add --redis URL")
    s = settings().stack
    try:
        return ApiLayout(redis, servers, s.host, s.prefect_port)
    except LayoutError as exc:
        raise typer.BadParameter(str(exc)) from None


def _stack(postgres: str | None, workers: int, layout: ApiLayout | None = None) -> Stack:
    try:
        databases = RehearsalDatabases.parse(postgres) if postgres else None
    except RehearsalError as exc:
        raise typer.BadParameter(str(exc), param_hint="--postgres") from None
    try:
        return Stack(
            settings(),
            say=lambda line: out.print(line, highlight=False, markup=False),
            workers=workers,
            postgres=databases,
            layout=layout,
        )
    except StackError as exc:
        _fail(exc)


def _check(stack: Stack) -> None:
    """Every part answers (exit 0), or each problem on stderr (exit 1)."""
    problems = stack.check()
    for problem in problems:
        err.print(f"error: {problem}", highlight=False, markup=False)
    if problems:
        raise typer.Exit(1)
    out.print("all parts answer", highlight=False)


def _fail(exc: StackError) -> NoReturn:
    err.print(f"error: {exc}", highlight=False, markup=False)
    raise typer.Exit(1) from None
