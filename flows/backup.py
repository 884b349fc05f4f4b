"""`backup`: every night, one archive of the database and its files, the oldest beyond
CCHC_BACKUP__KEEP removed (deployment backup/daily)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.common import instant, settings
from services import backup_rotation


@task(
    name="take-backup",
    retries=2,
    retry_delay_seconds=[60, 300],
    timeout_seconds=3600,
    cache_policy=NO_CACHE,
)
def take_backup(now: datetime) -> dict[str, Any]:
    taken = backup_rotation.take_nightly(settings(), at=now)
    return {"archive": str(taken.path), "bytes": taken.path.stat().st_size}


@task(name="prune-backups", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def prune_backups() -> list[str]:
    return [str(path) for path in backup_rotation.prune(settings())]


@flow(name="backup")
def nightly_backup(now: datetime | None = None) -> dict[str, Any]:
    """Back up into CCHC_BACKUP__DIR, then keep the newest CCHC_BACKUP__KEEP archives; the
    older ones go only once the new one is written."""
    taken = take_backup(instant(now))
    removed = prune_backups()
    get_run_logger().info("wrote %s; removed %d older archives", taken["archive"], len(removed))
    return {**taken, "removed": removed}
