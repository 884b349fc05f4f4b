"""Entry point of the `cchc` command."""

from __future__ import annotations

import typer

from cli import (
    bpmn_cmd,
    calendar_cmd,
    db_cmd,
    flow_cmd,
    mail_cmd,
    plan_archive_cmd,
    plan_cmd,
    plan_diff_cmd,
    plan_life_cmd,
    plan_rehearsal_cmd,
    plan_year_cmd,
    report_cmd,
    report_final_cmd,
    units_cmd,
)
from cli.backup_cmd import backup, restore
from cli.demo_cmd import demo
from cli.doctor_cmd import doctor
from cli.portal_cmd import hash_password, portal
from cli.status_cmd import status
from cli.up_cmd import up

app = typer.Typer(
    name="cchc",
    help="Run a propagation plan for administrative reform as orchestrated work.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(plan_cmd.app, name="plan")
app.add_typer(units_cmd.app, name="units")
app.add_typer(calendar_cmd.app, name="calendar")
app.add_typer(bpmn_cmd.app, name="bpmn")
app.add_typer(report_cmd.app, name="report")
app.add_typer(db_cmd.app, name="db")
app.add_typer(mail_cmd.app, name="mail")
app.command("mail-sink")(mail_cmd.mail_sink)
app.command("status")(status)
app.command("sweep")(flow_cmd.sweep)
app.add_typer(flow_cmd.task_app, name="task")
app.add_typer(flow_cmd.flow_app, name="flow")
plan_cmd.app.command("activate")(flow_cmd.activate)
plan_cmd.app.command("rehearsal")(plan_rehearsal_cmd.rehearsal)
plan_cmd.app.command("next-year")(plan_year_cmd.next_year)
plan_cmd.app.command("publish")(plan_life_cmd.publish)
plan_cmd.app.command("list")(plan_life_cmd.list_)
plan_cmd.app.command("close")(plan_life_cmd.close)
plan_cmd.app.command("archive")(plan_archive_cmd.archive)
plan_cmd.app.command("diff")(plan_diff_cmd.diff)
report_cmd.app.command("finalize")(report_final_cmd.finalize)
report_cmd.app.command("upload")(report_final_cmd.upload)
app.command("demo")(demo)
app.command("up")(up)
app.command("doctor")(doctor)
app.command("portal")(portal)
app.command("hash-password")(hash_password)
app.command("backup")(backup)
app.command("restore")(restore)


if __name__ == "__main__":
    app()
