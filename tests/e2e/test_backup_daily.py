"""The nightly backup (deployment backup/daily) through Prefect: one archive a night named by
its UTC time, the newest CCHC_BACKUP__KEEP kept and no other file touched; `cchc doctor`
warns when the newest is older than two days."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deploy.doctor import backups
from domain.calendar import WorkingCalendar
from domain.plan import Plan
from domain.units import UnitDirectory
from flows import common
from flows.backup import nightly_backup
from services.backup_archive import verify
from services.backup_rotation import archive_name, nightly_archives
from services.bootstrap import bootstrap
from services.plans import load_plan
from services.settings import BackupSettings, PortalSettings, Settings
from storage.migrate import upgrade
from tests.conftest import OVERRIDES_PATH, PLAN_PATH, UNITS_PATH

pytestmark = pytest.mark.usefixtures("prefect_api")
NIGHT = datetime(2025, 11, 17, 15, 30, tzinfo=UTC)  # 22:30 in Quảng Ngãi


@pytest.fixture
def settings(
    tmp_path: Path, plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> Settings:
    """A loaded SQLite database, its folders, and a backup folder keeping three archives."""
    url = f"sqlite:///{tmp_path / 'cchc.db'}"
    upgrade(url)
    found = Settings(
        database_url=url,
        portal=PortalSettings(upload_dir=tmp_path / "uploads"),
        report_dir=tmp_path / "reports",
        plan_path=PLAN_PATH,
        units_path=UNITS_PATH,
        calendar_overrides_path=OVERRIDES_PATH,
        backup=BackupSettings(dir=tmp_path / "backups", keep=3),
    )
    app = bootstrap(found)
    with app.uow() as uow:
        load_plan(uow, plan=plan, directory=directory, calendar=calendar, at=NIGHT, actor="test")
    app.close()
    return found


def test_the_nightly_backup_keeps_the_newest_archives_and_no_other_file(
    settings: Settings,
) -> None:
    folder = settings.backup.dir
    folder.mkdir()
    others = [folder / "cchc-2025-11-01.tar.gz", folder / "ghi-chu.txt"]  # an operator's
    for path in others:
        path.write_bytes(b"not a nightly archive")
    nights = [NIGHT + timedelta(days=n) for n in range(5)]
    results = []
    with common.using(settings):
        for night in nights:
            results.append(nightly_backup(now=night))
    assert nightly_archives(folder) == [folder / archive_name(n) for n in nights[2:]]
    assert archive_name(nights[0]) == "cchc-20251117T153000Z.tar.gz"
    assert all(path.read_bytes() == b"not a nightly archive" for path in others)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*(p.name for p in others), *(archive_name(n) for n in nights[2:])]
    )
    assert [r["removed"] for r in results] == [
        [],
        [],
        [],
        [str(folder / archive_name(nights[0]))],
        [str(folder / archive_name(nights[1]))],
    ]
    manifest = verify(folder / archive_name(nights[-1]))
    assert manifest.created_at == nights[-1]
    assert manifest.database.rows["tasks"] > 0


def test_doctor_warns_when_the_newest_backup_is_older_than_two_days(settings: Settings) -> None:
    now = datetime.now(UTC)
    assert backups(settings, now=now).warning  # none yet
    with common.using(settings):
        result = nightly_backup(now=now)
    archive = Path(result["archive"])
    fresh = backups(settings, now=now)
    assert fresh.ok is True
    assert not fresh.warning
    assert fresh.detail.startswith(f"newest {archive.name}, written ")
    three_days_ago = (now - timedelta(days=3)).timestamp()
    os.utime(archive, (three_days_ago, three_days_ago))
    stale = backups(settings, now=now)
    assert stale.warning
    assert stale.ok is None
    assert stale.detail.endswith("3.0 days ago: older than two days")
    assert "backup/daily" in stale.fix
