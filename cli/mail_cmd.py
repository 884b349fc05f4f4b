"""`cchc mail …` and `cchc mail-sink`: the outbox, test mails and the development sink."""

from __future__ import annotations

import asyncio
import signal
import threading
from dataclasses import replace
from pathlib import Path

import typer
from rich.table import Table

from cli.common import cli_errors, directory, err, out
from documents.plans.files import load_plan
from domain.mail import Mailbox
from domain.schedule import all_tasks
from notifications.content import MailKind
from notifications.message import envelope
from notifications.sink import start_sink
from services.bootstrap import bootstrap, delivery, mail_backend, mailer
from services.mail import build_task_mail
from storage.migrate import require_current

app = typer.Typer(help="The mail outbox and test mails.", no_args_is_help=True)


@app.command("send-test")
def send_test(address: str) -> None:
    """Send one rendered sample (a task-assigned mail of the 2025 plan) to ADDRESS.

    Uses the backend CCHC_MAIL__BACKEND names (smtp, file or memory), bypassing the outbox.

    Example: CCHC_MAIL__BACKEND=smtp cchc mail send-test vanphong@skhcn.example.invalid
    """
    with cli_errors():
        app_ = bootstrap()
        units = directory(None)
        plan = load_plan(app_.settings.plan_path, directory=units, calendar=app_.calendar)
        task = all_tasks(plan, units, app_.calendar)[0]
        _key, mail = build_task_mail(
            mailer(app_, plan, units), task, MailKind.TASK_ASSIGNED, now=app_.clock.now()
        )
        mail = replace(mail, to=(Mailbox(address),), cc=())
        asyncio.run(mail_backend(app_.settings.mail).send_messages([envelope(mail)]))
    out.print(
        f"sent {mail.message_id} to {address} via {app_.settings.mail.backend}", highlight=False
    )


@app.command("deliver")
def deliver() -> None:
    """Send every queued mail that is due now (office hours, back-off respected).

    Example: cchc mail deliver
    """
    with cli_errors():
        app_ = bootstrap()
        require_current(app_.engine)
        report = asyncio.run(delivery(app_).run())
        app_.close()
    out.print(str(report), highlight=False)


@app.command("failed")
def failed() -> None:
    """List mails that were given up on, with the server's last answer.

    Example: cchc mail failed
    """
    with cli_errors():
        app_ = bootstrap()
        require_current(app_.engine)
        with app_.uow() as uow:
            rows = uow.outbox.failed()
            table = Table(title=f"{len(rows)} failed mails")
            for column in ("id", "kind", "to", "attempts", "last error"):
                table.add_column(column)
            for row in rows:
                to = ", ".join(row.to)
                table.add_row(str(row.id), row.kind, to, str(row.attempts), row.last_error)
        app_.close()
    out.print(table)


@app.command("retry")
def retry(
    ids: list[int] = typer.Argument(None, help="Outbox ids; all failed mails if none."),
) -> None:
    """Queue failed mails again once the cause is fixed (attempts start over).

    Example: cchc mail retry 12 13
    """
    with cli_errors():
        app_ = bootstrap()
        require_current(app_.engine)
        with app_.uow() as uow:
            count = uow.outbox.retry_failed(ids or None, now=app_.clock.now())
            uow.commit()
        app_.close()
    out.print(f"{count} mails queued again", highlight=False)


def mail_sink(
    directory_: Path = typer.Option(Path("var/mail-sink"), "--dir", help="Where .eml files go."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(1025, help="Port to listen on."),
    quiet: bool = typer.Option(False, help="Do not print a line per mail."),
) -> None:
    """Run a development SMTP server that stores each mail as .eml and prints one line per mail.

    Example: cchc mail-sink --dir out/mail --port 1025
    """
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    echo = None if quiet else (lambda line: print(line, flush=True))
    with cli_errors():
        controller = start_sink(directory_, host=host, port=port, echo=echo)
    err.print(f"mail sink on {host}:{port}, writing {directory_}/ (Ctrl-C stops)", highlight=False)
    try:
        stop.wait()
    finally:
        controller.stop()
