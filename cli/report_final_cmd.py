"""`cchc report finalize|upload`: the văn thư's number and date on the approved report, and
the Office's edited .docx as the next draft."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import PlanOption, cli_errors, out, parse_day

NumberOption = typer.Option(..., "--number", help="Số in the outgoing register (312).")
DateOption = typer.Option(..., "--date", help="Ngày ban hành, the signing date (2025-11-27).")


def finalize(
    number: int = NumberOption, day: str = DateOption, plan: str | None = PlanOption
) -> None:
    """Number and date the report the Director approved; make its final .docx and PDF.

    The final is made from the approved version (cchc's draft, or the Office's uploaded
    .docx): no DỰ THẢO, the number and date given; the PDF is signed with the certificate
    CCHC_SIGNING__P12_PATH names (passphrase: CCHC_SIGNING__PASSPHRASE), unsigned when none
    is configured. The waiting year-end run then sends it. Refused, nothing recorded, when
    no draft is approved, the number is already in the register for that year, the date is
    before the approval or in the future, or the certificate is expired or its passphrase
    wrong.

    Example: cchc report finalize --number 312 --date 2025-11-27
    """
    from services.context import chosen_context
    from services.report_final import finalize as make_final
    from storage.migrate import require_current

    with cli_errors():
        ctx = chosen_context(plan)
        try:
            require_current(ctx.app.engine)
            done = make_final(
                ctx,
                number=number,
                issued_on=parse_day(day),
                by=ctx.app.settings.actor,
                now=ctx.app.clock.now(),
            )
        finally:
            ctx.app.close()
    out.print(
        f"report {done.number_symbol} of {done.issued_on} (draft v{done.version}) is final",
        highlight=False,
    )
    out.print(f"wrote {done.final_docx_path}", highlight=False)
    if done.final_pdf_path:
        signed = (
            f"signed by {done.signed_by}"
            if done.signed_by
            else "unsigned: no certificate configured"
        )
        out.print(f"wrote {done.final_pdf_path} ({signed})", highlight=False)
    else:
        out.print(
            "no PDF: LibreOffice (soffice) is not installed; the .docx goes alone", highlight=False
        )
    _resume(done.plan)


def upload(path: Path, plan: str | None = PlanOption) -> None:
    """Take an edited .docx as the next draft for the Director.

    The file must still carry the number placeholder ("Số: …/BC-SKHCN") and the dateline
    ("Quảng Ngãi, ngày … tháng … năm …"), which the final fills in. The version waiting for
    the Director is superseded; a returned one's revision is done with it.

    Example: cchc report upload bao-cao-da-sua.docx
    """
    from services.context import chosen_context
    from services.report_final import upload_draft
    from storage.migrate import require_current

    with cli_errors():
        ctx = chosen_context(plan)
        try:
            require_current(ctx.app.engine)
            draft = upload_draft(
                ctx,
                content=path.read_bytes(),
                filename=path.name,
                by=ctx.app.settings.actor,
                now=ctx.app.clock.now(),
            )
        finally:
            ctx.app.close()
    out.print(f"{path}: draft v{draft.version} waits for the Director", highlight=False)
    _resume(draft.plan)


def _resume(plan: str) -> None:
    """The year-end run waiting at a gate goes on now (the sweep would otherwise)."""
    from domain.year_end import YEAR_END
    from portal.resume import resume_later

    resume_later(plan, YEAR_END)
