"""The demo's whole year backed up and restored into an empty place: every table's rows, every
submission as handed in, every evidence file and every report file come back as they were.
(tests/integration/test_backup.py takes its archives while a unit keeps handing in.)"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from replay.run import demo_settings
from services.backup import restore_backup, take_backup
from services.settings import Settings
from services.uploads import content_path
from storage.backup_db import row_counts
from storage.migrate import head_revision
from tests.conftest import OVERRIDES_PATH, PLAN_PATH, UNITS_PATH
from tests.integration.backup_kit import empty_place, files_of, held

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_the_demos_year_comes_back_whole(
    replayed: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, summary = replayed
    source = demo_settings(Settings(), out).model_copy(
        update={
            "plan_path": PLAN_PATH,
            "units_path": UNITS_PATH,
            "calendar_overrides_path": OVERRIDES_PATH,
        }
    )
    original = held(source.database_url)
    assert len(original.submissions) == summary["submissions"]["total"]
    assert original.uploads  # the year's evidence files are in the store

    archive = tmp_path / "backups" / "year.tar.gz"
    manifest = take_backup(source, target=archive, at=datetime.now(UTC))
    assert manifest.database.rows == row_counts(source.database_url)

    target = empty_place(tmp_path / "restored")
    done = restore_backup(target, archive=archive)

    assert done.rows == row_counts(source.database_url)
    assert all(done.rows[table] for table in ("tasks", "submissions", "outbox", "audit_log"))
    restored = held(target.database_url)
    assert restored.revision == head_revision()
    assert restored.submissions == original.submissions  # payloads, versions, times, nonces
    assert sorted(restored.uploads) == sorted(original.uploads)
    for digest in restored.uploads:
        stored = content_path(target.portal.upload_dir, digest).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == digest
    reports = files_of(target.report_dir)
    assert reports == files_of(source.report_dir)
    assert any(name.endswith(".docx") for name in reports)
    assert target.plan_path.read_bytes() == PLAN_PATH.read_bytes()
