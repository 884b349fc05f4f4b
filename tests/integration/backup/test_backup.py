"""An archive taken while units hand in restores as of its instant (older schemas, commands too)."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli.main import app as cli
from services.backup import restore_backup, take_backup
from services.backup_archive import Manifest
from services.bootstrap import SystemClock
from services.settings import Settings
from services.uploads import content_path
from storage.migrate import head_revision, upgrade
from tests.conftest import PLAN_PATH, UNITS_PATH
from tests.integration.backup_kit import SECRET, Source, files_of, held


def test_a_backup_taken_while_units_hand_in_restores_as_of_its_instant(
    source: Source, target: Settings, archive: tuple[Path, Manifest, dict[int, Any]]
) -> None:
    path, manifest, before = archive
    after = held(source.settings.database_url).submissions
    assert list(path.parent.iterdir()) == [path]  # no temporary file left beside it
    assert b"never-archived" not in gzip.decompress(path.read_bytes())
    assert SECRET not in manifest.database.url
    snapshot = manifest.database.rows
    assert len(before) < snapshot["submissions"] < len(after)  # taken mid-stream
    assert snapshot["uploads"] == snapshot["submissions"]  # each hand-in one new file

    done = restore_backup(target, archive=path)

    assert done.rows == snapshot
    restored = held(target.database_url)
    assert restored.revision == head_revision()
    newest = max(restored.submissions)
    assert restored.submissions == {i: row for i, row in after.items() if i <= newest}
    for digest in restored.uploads:
        stored = content_path(target.portal.upload_dir, digest).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == digest
        assert stored == content_path(source.settings.portal.upload_dir, digest).read_bytes()
    reports = files_of(target.report_dir)
    assert reports
    assert reports == files_of(source.settings.report_dir)
    assert target.plan_path.read_bytes() == PLAN_PATH.read_bytes()
    assert target.units_path.read_bytes() == UNITS_PATH.read_bytes()
    assert done.uploads >= snapshot["uploads"]
    assert done.reports == len(reports)


def test_an_archive_of_an_older_schema_is_migrated_on_restore(
    database_url: str, target: Settings, tmp_path: Path
) -> None:
    upgrade(database_url, "0005")
    settings = target.model_copy(update={"database_url": database_url})
    path = tmp_path / "old.tar.gz"
    manifest = take_backup(settings, target=path, at=SystemClock().now())
    assert manifest.database.revision == "0005"
    restore_backup(target, archive=path)
    assert held(target.database_url).revision == head_revision()


def test_the_commands_back_up_restore_and_refuse_with_exit_1(
    source: Source, target: Settings, tmp_path: Path
) -> None:
    runner = CliRunner()
    path = tmp_path / "cli.tar.gz"
    backed = runner.invoke(cli, ["backup", "-o", str(path)], env=environment(source.settings))
    assert backed.exit_code == 0, backed.output
    assert f"wrote {path}" in backed.stdout
    again = runner.invoke(cli, ["backup", "-o", str(path)], env=environment(source.settings))
    assert again.exit_code == 1
    assert "use --force" in again.stderr
    wrong = runner.invoke(cli, ["backup", "-o", str(tmp_path / "x.zip")])
    assert wrong.exit_code == 2
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(path.read_bytes()[:-100])
    refused = runner.invoke(cli, ["restore", str(cut)], env=environment(target))
    assert refused.exit_code == 1
    assert "damaged or truncated" in refused.stderr
    restored = runner.invoke(cli, ["restore", str(path)], env=environment(target))
    assert restored.exit_code == 0, restored.output
    assert "submissions" in restored.stdout
    assert "3 uploaded files" in restored.stdout
    twice = runner.invoke(cli, ["restore", str(path)], env=environment(target))
    assert twice.exit_code == 1
    assert "not empty" in twice.stderr


def environment(settings: Settings) -> dict[str, str]:
    return {
        "CCHC_DATABASE_URL": settings.database_url,
        "CCHC_PORTAL__UPLOAD_DIR": str(settings.portal.upload_dir),
        "CCHC_REPORT_DIR": str(settings.report_dir),
        "CCHC_PLAN_PATH": str(settings.plan_path),
        "CCHC_UNITS_PATH": str(settings.units_path),
        "CCHC_CALENDAR_OVERRIDES_PATH": str(settings.calendar_overrides_path),
    }
