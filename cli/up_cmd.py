"""`cchc up`: the embedded stack on loopback."""

from __future__ import annotations

import signal
import threading

import typer

from cli.common import err, out, settings
from deploy.stack import Stack, StackError


def up(check: bool = typer.Option(False, "--check", help="Start, verify each part, stop.")) -> None:
    """Start the Prefect server (UI on 127.0.0.1:4200), the deployments, a worker and the sink.

    The database is migrated and the plan loaded first. Ctrl-C stops everything.

    Example: cchc up --check
    """
    stack = Stack(settings(), say=lambda line: out.print(line, highlight=False))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stack.start()
        if check:
            problems = stack.check()
            for problem in problems:
                err.print(f"error: {problem}", highlight=False)
            if problems:
                raise typer.Exit(1)
            out.print("all parts answer", highlight=False)
            return
        out.print("running — Ctrl-C stops", highlight=False)
        stop.wait()
    except StackError as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        stack.stop()
