"""The approved report made final on a real database: numbered and dated by the văn thư, no
DỰ THẢO, its PDF signed with the configured certificate; what the mail to UBND tỉnh carries
is byte for byte the final; every refusal (not approved, a number used, a bad date, a bad
certificate) records nothing and sends nothing."""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import docx
import pytest
from cryptography import x509
from pydantic import SecretStr
from sqlalchemy import func, select

from documents.report.demo_certificate import make_demo_certificate
from documents.report.signing import verify_pdf
from domain.clock import local_date
from domain.errors import ReportRefused
from domain.report_draft import DraftState, ReportDraft
from domain.units import UnitDirectory
from services import report_draft, report_final, review
from services.bootstrap import bootstrap, mailer
from services.context import PlanContext
from services.settings import SigningSettings
from storage.tables import AuditRow, OutboxRow, OutgoingNumberRow
from storage.uow import session_of
from tests.integration.conftest import World

PASSPHRASE = b"mat-khau-chung-thu"


@dataclass
class Office:
    ctx: PlanContext
    folder: Path

    def approve(self) -> ReportDraft:
        draft = report_draft.build_draft(self.ctx, now=self.now, folder=self.folder)
        return review.decide(
            self.ctx, draft.version, approve=True, comments="", at=self.now, by="director:gd"
        )

    def finalize(self, number: int = 312, day: date | None = None) -> ReportDraft:
        return report_final.finalize(
            self.ctx, number=number, issued_on=day or self.today, by="office:vt", now=self.now
        )

    @property
    def now(self) -> datetime:
        return self.ctx.app.clock.now()

    @property
    def today(self) -> date:
        return local_date(self.now)

    def count(self, table: type, **where: object) -> int:
        with self.ctx.app.uow() as uow:
            query = select(func.count()).select_from(table)
            for column, value in where.items():
                query = query.where(getattr(table, column) == value)
            return int(session_of(uow).scalar(query) or 0)


@pytest.fixture
def office_at(
    world: World, directory: UnitDirectory, tmp_path: Path
) -> Iterator[Callable[[SigningSettings], Office]]:
    made: list[Office] = []

    def make(signing: SigningSettings) -> Office:
        settings = world.app.settings.model_copy(
            update={"report_dir": tmp_path / "reports", "signing": signing}
        )
        app = bootstrap(settings, clock=world.clock)
        app.__dict__["calendar"] = world.app.calendar
        ctx = PlanContext(app, world.plan, directory, mailer(app, world.plan, directory))
        made.append(Office(ctx, tmp_path / "reports"))
        return made[-1]

    yield make
    for office in made:
        office.ctx.app.close()


@pytest.fixture
def demo_cert(tmp_path: Path, world: World) -> SigningSettings:
    made = make_demo_certificate(
        tmp_path / "cert",
        signer_name="Nguyễn Văn An",
        organization="Sở Khoa học và Công nghệ",
        at=world.clock.now(),
        passphrase=PASSPHRASE,
    )
    return SigningSettings(p12_path=made.p12, passphrase=SecretStr(PASSPHRASE.decode()))


def all_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def test_the_final_is_numbered_dated_signed_and_sent_byte_for_byte(
    office_at: Callable[[SigningSettings], Office], demo_cert: SigningSettings, tmp_path: Path
) -> None:
    office = office_at(demo_cert)
    approved = office.approve()
    assert "DỰ THẢO" in all_text(Path(approved.docx_path))
    final = office.finalize(312)
    assert final.state is DraftState.FINAL
    assert final.number_symbol == "312/BC-SKHCN"
    text = all_text(Path(final.final_docx_path))
    assert "DỰ THẢO" not in text
    assert "Số: 312/BC-SKHCN" in text
    assert "…/BC-SKHCN" not in text
    assert f"ngày {office.today.day:02d} tháng" in text
    assert office.count(OutgoingNumberRow, number=312, year=office.today.year) == 1
    assert office.finalize(312) == final  # the same step again: nothing new

    assert report_draft.send_report(office.ctx, now=office.now)
    with office.ctx.app.uow() as uow:
        [mail] = session_of(uow).scalars(
            select(OutboxRow).where(OutboxRow.kind == "report_submitted")
        )
    carried = {a["filename"]: base64.b64decode(a["data"]) for a in mail.attachments}
    assert carried[Path(final.final_docx_path).name] == Path(final.final_docx_path).read_bytes()
    assert "312/BC-SKHCN" in mail.subject + mail.body_text
    if shutil.which("soffice") is None:
        assert final.final_pdf_path == ""  # no LibreOffice here: the .docx goes alone
        return
    pdf = Path(final.final_pdf_path).read_bytes()
    assert carried[Path(final.final_pdf_path).name] == pdf
    ca = x509.load_pem_x509_certificate((tmp_path / "cert" / "demo-ca.pem").read_bytes())
    check = verify_pdf(pdf, trust=[ca])
    assert (check.signed, check.intact, check.covers_whole_file, check.trusted) == (
        True,
        True,
        True,
        True,
    )
    assert check.signer == final.signed_by == "Nguyễn Văn An"
    tampered = bytearray(pdf)
    at = pdf.index(b"/Type /Page")  # inside the signed range
    tampered[at + 1] ^= 0x01
    assert not verify_pdf(bytes(tampered), trust=[ca]).intact


def test_finalizing_before_approval_or_with_a_bad_number_or_date_records_nothing(
    office_at: Callable[[SigningSettings], Office],
) -> None:
    office = office_at(SigningSettings())
    with pytest.raises(ReportRefused, match="no report draft") as none:
        office.finalize()
    assert none.value.vi == "Chưa có dự thảo báo cáo"
    draft = report_draft.build_draft(office.ctx, now=office.now, folder=office.folder)
    with pytest.raises(ReportRefused, match="only a draft the Director approved") as early:
        office.finalize()
    assert "chưa được Giám đốc phê duyệt" in early.value.vi
    office.approve()
    tomorrow = office.today + timedelta(days=1)
    for number, day, said in (
        (0, None, "not a register number"),
        (312, tomorrow, "in the future"),
        (312, office.today - timedelta(days=1), "before the Director approved"),
    ):
        with pytest.raises(ReportRefused, match=said):
            office.finalize(number, day)
    assert office.count(OutgoingNumberRow) == 0
    assert office.count(AuditRow, action="report.finalized") == 0
    assert review.latest_draft(office.ctx).state is DraftState.APPROVED  # type: ignore[union-attr]
    assert not list(office.folder.glob("report-*-312.*"))
    assert draft.version == 1


def test_a_number_already_in_the_register_is_refused(
    office_at: Callable[[SigningSettings], Office],
) -> None:
    office = office_at(SigningSettings())
    office.approve()
    with office.ctx.app.uow() as uow:  # another document of the Sở took 312 this year
        uow.drafts.register(
            plan=office.ctx.plan.code,
            number=312,
            number_symbol="312/BC-SKHCN",
            issued_on=office.today,
            document="report#v0",
            at=office.now,
            by="office:vt",
        )
        uow.commit()
    with pytest.raises(ReportRefused, match="already used in the outgoing register") as taken:
        office.finalize(312)
    assert "đã có trong sổ văn bản đi" in taken.value.vi
    assert office.finalize(313).number_symbol == "313/BC-SKHCN"


@pytest.mark.parametrize("fault", ["expired", "passphrase"])
def test_an_unusable_certificate_refuses_the_final_with_nothing_made(
    office_at: Callable[[SigningSettings], Office],
    world: World,
    tmp_path: Path,
    fault: str,
) -> None:
    made_at = (
        world.clock.now() - timedelta(days=3 * 365) if fault == "expired" else world.clock.now()
    )
    made = make_demo_certificate(
        tmp_path / fault,
        signer_name="Nguyễn Văn An",
        organization="Sở",
        at=made_at,
        passphrase=PASSPHRASE,
    )
    given = "sai-mat-khau" if fault == "passphrase" else PASSPHRASE.decode()
    office = office_at(SigningSettings(p12_path=made.p12, passphrase=SecretStr(given)))
    office.approve()
    with pytest.raises(ReportRefused, match="expired" if fault == "expired" else "passphrase"):
        office.finalize(312)
    assert office.count(OutgoingNumberRow) == 0
    assert review.latest_draft(office.ctx).state is DraftState.APPROVED  # type: ignore[union-attr]
    assert not report_draft.send_report(office.ctx, now=office.now)  # nothing final: not sent
    assert office.count(OutboxRow, kind="report_submitted") == 0


def test_without_a_certificate_the_pdf_goes_unsigned_and_the_office_is_told(
    office_at: Callable[[SigningSettings], Office],
) -> None:
    office = office_at(SigningSettings())
    office.approve()
    final = office.finalize(312)
    assert final.signed_by == ""
    assert report_draft.send_report(office.ctx, now=office.now)
    with office.ctx.app.uow() as uow:
        [told] = session_of(uow).scalars(select(OutboxRow).where(OutboxRow.kind == "report_sent"))
    if final.final_pdf_path:
        assert not verify_pdf(Path(final.final_pdf_path).read_bytes()).signed
        assert "chưa được ký số" in told.body_text
    else:
        assert "chưa cài LibreOffice" in told.body_text


def test_an_edited_docx_becomes_the_next_draft_and_its_final(
    office_at: Callable[[SigningSettings], Office], tmp_path: Path
) -> None:
    office = office_at(SigningSettings())
    first = report_draft.build_draft(office.ctx, now=office.now, folder=office.folder)
    for name, content, said in (
        ("bao-cao.pdf", b"%PDF-1.4", "not a .docx"),
        ("bao-cao.docx", b"PK\x03\x04 not really", "not a Word .docx file"),
    ):
        with pytest.raises(ReportRefused, match=said):
            report_final.upload_draft(
                office.ctx, content=content, filename=name, by="office:vp", now=office.now
            )
    bare = tmp_path / "bare.docx"
    plain = docx.Document()
    plain.add_paragraph("Báo cáo không có số và ngày")
    plain.save(str(bare))
    with pytest.raises(ReportRefused, match="no report number placeholder") as missing:
        report_final.upload_draft(
            office.ctx, content=bare.read_bytes(), filename="bare.docx", by="vp", now=office.now
        )
    assert "thiếu dòng số văn bản" in missing.value.vi
    assert review.latest_draft(office.ctx) == first  # nothing changed by the refusals

    edited = docx.Document(first.docx_path)
    edited.add_paragraph("Văn phòng bổ sung: kết quả tuyên truyền quý IV.")
    path = tmp_path / "edited.docx"
    edited.save(str(path))
    uploaded = report_final.upload_draft(
        office.ctx, content=path.read_bytes(), filename="edited.docx", by="vp", now=office.now
    )
    assert uploaded.version == first.version + 1
    assert "Văn phòng bổ sung" in uploaded.markdown
    with office.ctx.app.uow() as uow:
        was = uow.drafts.get(plan=office.ctx.plan.code, version=first.version)
    assert was is not None
    assert was.state is DraftState.SUPERSEDED
    # the year-end flow passing again does not redraft over the Office's file
    assert report_draft.build_draft(office.ctx, now=office.now, folder=office.folder) == uploaded
    review.decide(office.ctx, uploaded.version, approve=True, comments="", at=office.now, by="gd")
    final = office.finalize(314)
    text = all_text(Path(final.final_docx_path))
    assert "Văn phòng bổ sung: kết quả tuyên truyền quý IV." in text
    assert "Số: 314/BC-SKHCN" in text
    assert "DỰ THẢO" not in text
    assert os.path.exists(uploaded.docx_path)
