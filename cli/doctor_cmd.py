"""`cchc doctor`: check every part of the installation and say how to fix what fails."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cli.common import out, settings

if TYPE_CHECKING:
    from deploy.doctor import Check
    from services.settings import Settings

MARKS = {True: "✓", False: "✗", None: "–"}
WARNING = "!"


def doctor() -> None:
    """Check the database, its migrations, the Prefect API, the work pool and its workers, the
    deployments of prefect.yaml, the SMTP server, the portal, LibreOffice (which turns the
    year-end report into PDF), the signing certificate (CCHC_SIGNING__P12_PATH: usable
    today; none configured is skipped, the PDF then goes unsigned) and the age of the newest
    nightly backup in CCHC_BACKUP__DIR (a warning, "!", when there is none or it is older
    than two days); print a fix for each failure.

    Reads the settings every command reads: CCHC_*, PREFECT_API_URL, the Prefect profile.

    Exit 0 when every check passes, does not apply or only warns, 1 otherwise.

    Example: PREFECT_API_URL=http://127.0.0.1:4200/api cchc doctor
    """
    from deploy.doctor import diagnose
    from services.prefect_adapter.settings import client_settings

    api_url, auth = client_settings()
    found = settings()
    checks = [*diagnose(found, api_url=api_url, auth=auth), libreoffice(), certificate(found)]
    for check in checks:
        mark = WARNING if check.warning else MARKS[check.ok]
        out.print(f"{mark} {check.name}: {check.detail}", markup=False, highlight=False)
        if check.fix:
            out.print(f"    fix: {check.fix}", markup=False, highlight=False)
    failed = sum(check.ok is False for check in checks)
    passed = sum(check.ok is True for check in checks)
    warned = sum(check.warning for check in checks)
    skipped = len(checks) - failed - passed - warned
    summary = f"{passed} passed, {failed} failed, {skipped} skipped"
    summary += f", {warned} warning{'s' * (warned > 1)}" if warned else ""
    out.print(summary, markup=False, highlight=False)
    if failed:
        raise typer.Exit(1)


def libreoffice() -> Check:
    """Is LibreOffice's soffice on PATH, to turn the year-end report into a signed PDF."""
    from deploy.doctor import Check
    from documents.report.pdf import INSTALL_HINT, soffice_path

    found = soffice_path()
    if found is None:
        return Check("LibreOffice", False, "soffice is not on PATH", INSTALL_HINT)
    return Check("LibreOffice", True, f"soffice at {found}")


def certificate(found: Settings) -> Check:
    """The certificate the final PDF is signed with: none (skipped), usable now, or why not."""
    from datetime import UTC, datetime

    from deploy.doctor import Check
    from documents.report.signing import SigningError, load_signer

    signing = found.signing
    if signing.p12_path is None:
        return Check("Signing certificate", None, "none configured: the final PDF goes unsigned")
    secret = signing.passphrase.get_secret_value().encode() if signing.passphrase else None
    try:
        signer = load_signer(signing.p12_path, secret, at=datetime.now(UTC))
    except SigningError as exc:
        fix = "renew it, or set CCHC_SIGNING__PASSPHRASE to its passphrase"
        return Check("Signing certificate", False, str(exc), fix)
    until = signer.not_after.date().isoformat()
    return Check("Signing certificate", True, f"{signer.subject_name}, valid until {until}")
