"""`cchc doctor`: check every part of the installation and say how to fix what fails."""

from __future__ import annotations

import typer

from cli.common import out, settings

MARKS = {True: "✓", False: "✗", None: "–"}


def doctor() -> None:
    """Check the database, its migrations, the Prefect API, the work pool and its workers, the
    deployments of prefect.yaml, the SMTP server and the portal; print a fix for each failure.

    Reads the settings every command reads: CCHC_*, PREFECT_API_URL, the Prefect profile.

    Exit 0 when every check passes or does not apply, 1 otherwise.

    Example: PREFECT_API_URL=http://127.0.0.1:4200/api cchc doctor
    """
    from deploy.doctor import diagnose
    from services.prefect_adapter.settings import client_settings

    api_url, auth = client_settings()
    checks = diagnose(settings(), api_url=api_url, auth=auth)
    for check in checks:
        out.print(f"{MARKS[check.ok]} {check.name}: {check.detail}", markup=False, highlight=False)
        if check.fix:
            out.print(f"    fix: {check.fix}", markup=False, highlight=False)
    failed = sum(check.ok is False for check in checks)
    passed = sum(check.ok is True for check in checks)
    skipped = len(checks) - failed - passed
    out.print(f"{passed} passed, {failed} failed, {skipped} skipped", markup=False, highlight=False)
    if failed:
        raise typer.Exit(1)
