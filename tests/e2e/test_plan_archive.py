"""`cchc plan archive` on the demo's year: every submission and evidence file the database
holds is in the record once, the index lists exactly the files there (as .xlsx and .pdf),
and an unknown plan, a folder that holds files or a missing upload is refused."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cli.main import app as cli
from documents.archive.index import COLUMNS, SHEET
from documents.report.pdf import soffice_path
from domain.report_draft import DraftState
from domain.task import TaskKey
from flows import common
from replay.run import demo_settings
from services import plan_archive
from services.bootstrap import bootstrap
from services.plan_archive import INDEX_STEM, RecordRefused, archive_plan
from services.settings import Settings
from services.uploads import content_path
from tests.conftest import PLAN_CODE

pytestmark = pytest.mark.usefixtures("prefect_api")
runner = CliRunner()
INDEX = {f"{INDEX_STEM}.xlsx", f"{INDEX_STEM}.pdf"}


def in_environment(env: pytest.MonkeyPatch, out: Path) -> Settings:
    """The replayed year's settings, put in the environment the command reads."""
    settings = demo_settings(Settings(), out)
    env.setenv("CCHC_DATABASE_URL", settings.database_url)
    env.setenv("CCHC_PORTAL__UPLOAD_DIR", str(settings.portal.upload_dir))
    env.setenv("CCHC_REPORT_DIR", str(settings.report_dir))
    common.CACHE.clear()
    return settings


@pytest.fixture
def demo(
    replayed: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    yield in_environment(monkeypatch, replayed[0])
    common.CACHE.clear()


def from_database(settings: Settings) -> dict[str, Any]:
    """What the record must hold, walked through the project's storage."""
    app = bootstrap(settings)
    try:
        with app.uow() as uow:
            tasks = uow.tasks.with_ids(plan=PLAN_CODE)
            keys = {task_id: task.key for task_id, task in tasks}
            submissions = [s for task_id in keys for s in uow.submissions.versions(task_id)]
            evidence = uow.submissions.evidence(list(keys))
            return {
                "keys": keys,
                "submissions": submissions,
                "files": [e for e in evidence if e.kind == "file" and e.sha256],
                "versions": uow.plans.versions(PLAN_CODE),
                "draft": uow.drafts.latest(plan=PLAN_CODE),
            }
    finally:
        app.close()


def index_rows(folder: Path) -> list[tuple[Any, ...]]:
    book = load_workbook(folder / f"{INDEX_STEM}.xlsx", read_only=True)
    try:  # a read-only workbook keeps its file open until closed
        rows = list(book[SHEET].iter_rows(values_only=True))
    finally:
        book.close()
    assert rows[3] == COLUMNS
    return rows[4:]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Filed:
    folder: Path
    rows: list[tuple[Any, ...]]  # the .xlsx index's rows
    present: set[str]  # every file in the folder, relative
    db: dict[str, Any]


@pytest.fixture(scope="module")
def filed(
    replayed: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Filed]:
    """The demo year's record, made once by the command for the checks below."""
    target = tmp_path_factory.mktemp("record") / "ho-so"
    with pytest.MonkeyPatch.context() as env:
        settings = in_environment(env, replayed[0])
        result = runner.invoke(cli, ["plan", "archive", PLAN_CODE, "-o", str(target)])
        assert result.exit_code == 0, result.output
        present = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
        yield Filed(target, index_rows(target), present, from_database(settings))
    common.CACHE.clear()


def test_the_index_lists_every_file_of_the_record_once(filed: Filed) -> None:
    listed = Counter(row[5] for row in filed.rows)
    assert filed.present >= INDEX
    assert set(listed) == filed.present - INDEX
    assert set(listed.values()) == {1}
    assert [row[0] for row in filed.rows] == [str(n) for n in range(1, len(filed.rows) + 1)]
    assert all(row[1] and row[2] and row[4] for row in filed.rows)


def unit_folder(key: TaskKey) -> str:
    return f"03-don-vi/{key.unit}/{key.activity}"


def test_every_submission_version_is_in_its_unit_and_activity_folder(filed: Filed) -> None:
    handed_in: Counter[tuple[str, str, int]] = Counter()
    for path in filed.present:
        if path.startswith("03-don-vi/") and path.endswith(".json"):
            data = json.loads((filed.folder / path).read_text(encoding="utf-8"))
            handed_in[(str(Path(path).parent), data["nhiem_vu"], data["lan_gui"])] += 1
    keys = filed.db["keys"]
    expected = Counter(
        (unit_folder(keys[s.task_id]), str(keys[s.task_id]), s.version)
        for s in filed.db["submissions"]
    )
    assert handed_in == expected
    assert sum(expected.values()) == len(filed.db["submissions"]) > 0


def test_every_evidence_file_is_copied_into_its_unit_and_activity_folder(filed: Filed) -> None:
    copies = Counter(
        (str(Path(p).parent), sha256(filed.folder / p))
        for p in filed.present
        if p.startswith("03-don-vi/") and not p.endswith(".json")
    )
    keys = filed.db["keys"]
    uploads = Counter((unit_folder(keys[e.task_id]), e.sha256) for e in filed.db["files"])
    assert copies == uploads
    assert sum(uploads.values()) == len(filed.db["files"]) > 0


def test_the_plan_versions_the_report_as_sent_and_the_audit_trail_are_filed(
    filed: Filed,
) -> None:
    versions = [p for p in filed.present if p.startswith("01-ke-hoach/")]
    assert len(versions) == len(filed.db["versions"]) >= 1
    draft = filed.db["draft"]
    assert draft is not None
    assert draft.state is DraftState.SENT
    docx, pdf = Path(draft.final_docx_path), Path(draft.final_pdf_path)
    for original in (docx, pdf):
        assert sha256(filed.folder / "02-bao-cao" / original.name) == sha256(original)
    [row] = [row for row in filed.rows if row[5] == f"02-bao-cao/{pdf.name}"]
    assert str(row[4]).endswith(" trang")
    assert draft.signed_by in row[1]
    audit = (filed.folder / "04-nhat-ky" / "nhat-ky-thao-tac.csv").read_text(encoding="utf-8-sig")
    assert "report.finalized" in audit
    assert "plan.published" in audit


def test_the_pdf_index_reads_as_the_list_of_the_record(filed: Filed) -> None:
    text = subprocess.run(
        ["pdftotext", str(filed.folder / f"{INDEX_STEM}.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "mục lục hồ sơ" in text.casefold()
    assert f"Báo cáo số {filed.db['draft'].number_symbol}" in text


def test_an_unknown_plan_is_refused_naming_the_stored_ones(demo: Settings, tmp_path: Path) -> None:
    target = tmp_path / "ho-so"
    result = runner.invoke(cli, ["plan", "archive", "no-such-plan", "-o", str(target)])
    assert result.exit_code == 1
    assert "plan 'no-such-plan' is not stored" in result.stderr
    assert PLAN_CODE in result.stderr
    assert not target.exists()


def test_a_folder_that_holds_files_is_refused_unless_forced(demo: Settings, tmp_path: Path) -> None:
    target = tmp_path / "ho-so"
    target.mkdir()
    (target / "ghi-chu.txt").write_text("của văn thư", encoding="utf-8")
    result = runner.invoke(cli, ["plan", "archive", PLAN_CODE, "-o", str(target)])
    assert result.exit_code == 1
    assert "is not empty" in result.stderr
    assert [p.name for p in target.iterdir()] == ["ghi-chu.txt"]
    forced = runner.invoke(cli, ["plan", "archive", PLAN_CODE, "-o", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert not (target / "ghi-chu.txt").exists()
    assert {p.name for p in target.iterdir()} >= INDEX
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # nothing left beside


def test_an_evidence_file_missing_from_the_store_refuses_the_record(
    demo: Settings, tmp_path: Path
) -> None:
    store = tmp_path / "uploads"
    shutil.copytree(demo.portal.upload_dir, store)
    [first, *_rest] = from_database(demo)["files"]
    content_path(store, first.sha256).unlink()
    settings = demo.model_copy(
        update={"portal": demo.portal.model_copy(update={"upload_dir": store})}
    )
    app = bootstrap(settings)
    target = tmp_path / "ho-so"
    try:
        with pytest.raises(RecordRefused, match=first.sha256):
            archive_plan(app, PLAN_CODE, target=target, now=app.clock.now())
    finally:
        app.close()
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["uploads"]


def test_an_index_libreoffice_cannot_lay_out_in_time_leaves_the_record_with_its_xlsx(
    demo: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed on this machine")
    monkeypatch.setattr(plan_archive, "INDEX_PDF_SECONDS", 0.05)  # as a province's long index
    target = tmp_path / "ho-so"
    result = runner.invoke(cli, ["plan", "archive", PLAN_CODE, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "no PDF of the index" in result.stderr
    assert "within 0.05 seconds" in result.stderr
    names = {p.name for p in target.iterdir()}
    assert f"{INDEX_STEM}.xlsx" in names
    assert f"{INDEX_STEM}.pdf" not in names
    listed = [row[5] for row in index_rows(target)]
    written = {
        p.relative_to(target).as_posix()
        for p in target.rglob("*")
        if p.is_file() and p.name != f"{INDEX_STEM}.xlsx"
    }
    assert sorted(listed) == sorted(written)
