"""The văn thư's step and the Office's edited draft: the approved report numbered, dated,
made final (.docx, PDF signed when a certificate is configured); an edited .docx uploaded as
the next draft for the Director. Each refused with a reason in English (CLI) and Vietnamese
(portal), nothing recorded and nothing sent."""

from __future__ import annotations

import hashlib
import html
import os
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from documents.report import final
from domain.clock import local_date
from domain.errors import ReportRefused
from domain.report_draft import (
    SETTLED_STATES,
    DraftAction,
    DraftSource,
    DraftState,
    ReportDraft,
)
from domain.task import ACTIVE_STATES
from domain.vi import dmy
from domain.year_end import revision_key
from services.context import PlanContext
from services.report_pdf import final_pdf
from services.tasks import submit

MAX_NUMBER = 99_999  # the register's numbers (NĐ 30/2020: from 01 each year)


def finalize(
    ctx: PlanContext, *, number: int, issued_on: date, by: str, now: datetime
) -> ReportDraft:
    """Number and date the approved version, make its final .docx and PDF, enter the number
    in the outgoing register — all or nothing. The same number and date again: the final
    already made (nothing new)."""
    with ctx.app.uow() as uow:
        draft = uow.drafts.latest(plan=ctx.plan.code)
        done = _already(draft, number, issued_on)
        if done is not None:
            return done
        approved = _approved(draft)
        _check_date(approved, issued_on, today=local_date(now))
        _check_number(number)
        holder = uow.drafts.number_holder(year=issued_on.year, number=number)
    if holder is not None:
        raise _taken(number, issued_on.year, holder)
    finalized = _made_final(ctx, approved, number=number, issued_on=issued_on, now=now)
    _record(ctx, approved, finalized, by=by, now=now)
    return finalized


def _made_final(
    ctx: PlanContext, approved: ReportDraft, *, number: int, issued_on: date, now: datetime
) -> ReportDraft:
    """The approved file stamped and its PDF made: the draft as it will be recorded."""
    target = ctx.app.settings.report_dir / f"report-{ctx.plan.year}-{number}.docx"
    stamped = final.stamp(Path(approved.docx_path), target, number=number, dated=issued_on)
    pdf = final_pdf(ctx.app.settings, stamped.path, at=now, location=ctx.plan.place)
    return replace(
        approved.apply(DraftAction.FINALIZE),
        number_symbol=stamped.number_symbol,
        issued_on=issued_on,
        final_docx_path=str(stamped.path),
        final_pdf_path=str(pdf.path) if pdf.path else "",
        signed_by=pdf.signed_by,
    )


def _record(
    ctx: PlanContext, approved: ReportDraft, finalized: ReportDraft, *, by: str, now: datetime
) -> None:
    """The number in the register, the draft final, the audit entry: one transaction."""
    issued_on = finalized.issued_on
    assert issued_on is not None  # _made_final dated it
    number = int(finalized.number_symbol.split("/")[0])
    with ctx.app.uow() as uow:
        try:
            uow.drafts.register(
                plan=ctx.plan.code,
                number=number,
                number_symbol=finalized.number_symbol,
                issued_on=issued_on,
                document=f"report#v{approved.version}",
                at=now,
                by=by,
            )
        except IntegrityError:  # another clerk took it meanwhile
            raise _taken(number, issued_on.year, "another document") from None
        uow.drafts.save(finalized)
        uow.audit.record(
            at=now,
            actor=by,
            action="report.finalized",
            entity="report",
            key=f"{ctx.plan.code}#v{approved.version}",
            old={"state": approved.state.value},
            new={
                "state": finalized.state.value,
                "number": finalized.number_symbol,
                "date": issued_on.isoformat(),
                "pdf": bool(finalized.final_pdf_path),
                "signed_by": finalized.signed_by,
            },
        )
        uow.commit()


def _already(draft: ReportDraft | None, number: int, issued_on: date) -> ReportDraft | None:
    if draft is None or draft.state not in (DraftState.FINAL, DraftState.SENT):
        return None
    if draft.number_symbol.split("/")[0] == str(number) and draft.issued_on == issued_on:
        return draft
    day = draft.issued_on or issued_on
    raise ReportRefused(
        f"the report is already final as {draft.number_symbol} of {day}",
        f"Báo cáo đã được cấp số {draft.number_symbol} ngày {dmy(day)}",
    )


def _approved(draft: ReportDraft | None) -> ReportDraft:
    if draft is None:
        raise ReportRefused(
            "there is no report draft yet: the year-end flow drafts it after the units report",
            "Chưa có dự thảo báo cáo",
        )
    if draft.state is not DraftState.APPROVED:
        raise ReportRefused(
            f"draft v{draft.version} is {draft.state.value}: only a draft the Director "
            "approved is numbered",
            f"Dự thảo lần {draft.version} chưa được Giám đốc phê duyệt: chưa thể cấp số",
        )
    return draft


def _check_date(draft: ReportDraft, issued_on: date, *, today: date) -> None:
    approved_on = local_date(draft.decided_at) if draft.decided_at else today
    if issued_on > today:
        raise ReportRefused(
            f"the date {issued_on} is in the future (today is {today})",
            f"Ngày ban hành {dmy(issued_on)} chưa đến",
        )
    if issued_on < approved_on:
        raise ReportRefused(
            f"the date {issued_on} is before the Director approved it ({approved_on})",
            f"Ngày ban hành {dmy(issued_on)} trước ngày Giám đốc phê duyệt ({dmy(approved_on)})",
        )


def _check_number(number: int) -> None:
    if not 1 <= number <= MAX_NUMBER:
        raise ReportRefused(
            f"{number} is not a register number (1–{MAX_NUMBER})",
            f"Số {number} không hợp lệ (từ 1 đến {MAX_NUMBER})",
        )


def _taken(number: int, year: int, holder: str) -> ReportRefused:
    return ReportRefused(
        f"number {number} of {year} is already used in the outgoing register ({holder})",
        f"Số {number} năm {year} đã có trong sổ văn bản đi ({holder})",
    )


def upload_draft(
    ctx: PlanContext, *, content: bytes, filename: str, by: str, now: datetime
) -> ReportDraft:
    """The Office's edited .docx as the next version for the Director: the version waiting
    is superseded, or a returned one's revision task is done with it."""
    _check_upload(content, filename)
    with ctx.app.uow() as uow:
        latest = uow.drafts.latest(plan=ctx.plan.code)
        if latest is None:
            raise ReportRefused(
                "there is no report draft yet to edit", "Chưa có dự thảo báo cáo để chỉnh sửa"
            )
        if latest.state in SETTLED_STATES:
            raise ReportRefused(
                f"draft v{latest.version} is {latest.state.value}: it cannot be replaced",
                f"Dự thảo lần {latest.version} đã được phê duyệt: không thay bằng tệp khác",
            )
        version = latest.version + 1
        path = ctx.app.settings.report_dir / f"report-{ctx.plan.year}-v{version}.docx"
        _write(path, content)
        texts = [t for t in final.text_of(content) if t.strip()]
        uploaded = ReportDraft(
            ctx.plan.code,
            version,
            DraftState.DRAFT,
            created_at=now,
            content_hash=hashlib.sha256(content).hexdigest(),
            markdown="\n\n".join(texts),
            html="".join(f"<p>{html.escape(t)}</p>" for t in texts),
            docx_path=str(path),
            source=DraftSource.UPLOADED,
        )
        if latest.state is DraftState.DRAFT:
            uow.drafts.save(latest.apply(DraftAction.SUPERSEDE))
        uow.drafts.save(uploaded)
        uow.audit.record(
            at=now,
            actor=by,
            action="report.uploaded",
            entity="report",
            key=f"{ctx.plan.code}#v{version}",
            new={"file": filename, "bytes": len(content), "replaces": latest.version},
        )
        uow.commit()
    if latest.state is DraftState.RETURNED:
        _revision_done(ctx, latest, version, by=by, now=now)
    return uploaded


def _check_upload(content: bytes, filename: str) -> None:
    if not filename.lower().endswith(".docx"):
        raise ReportRefused(
            f"{filename}: not a .docx file", f"Tệp {filename} không phải tệp Word (.docx)"
        )
    if problems := final.problems(content):
        missing = "; ".join(problems)
        vi = {
            "not a Word .docx file": "không phải tệp Word (.docx) đọc được",
            'no report number placeholder such as "Số: …/BC-SKHCN"': (
                'thiếu dòng số văn bản, ví dụ "Số: …/BC-SKHCN"'
            ),
            'no dateline such as "Quảng Ngãi, ngày … tháng … năm 2025"': (
                'thiếu dòng địa danh, ngày tháng, ví dụ "Quảng Ngãi, ngày … tháng … năm 2025"'
            ),
        }
        said = "; ".join(vi.get(p, p) for p in problems)
        raise ReportRefused(f"{filename}: {missing}", f"Tệp {filename}: {said}")


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(content)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _revision_done(
    ctx: PlanContext, returned: ReportDraft, version: int, *, by: str, now: datetime
) -> None:
    """The returned version's revision task, if still open, is handed in with the upload."""
    key = revision_key(ctx.directory.office, returned.version)
    with ctx.app.uow() as uow:
        found = uow.tasks.get(key, plan=ctx.plan.code)
        if found is None or found.task.state not in ACTIVE_STATES:
            return
        submit(
            uow,
            ctx.mailer,
            key,
            at=now,
            by=by,
            payload={"content": f"Văn phòng tải lên dự thảo lần {version}"},
        )
