"""What the flows share: the plan context per process, run inputs, events, artifacts."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from prefect.events import emit_event
from prefect.input import RunInput
from pydantic import Field

from services.bootstrap import bootstrap
from services.context import DEFAULT_PLAN as DEFAULT_PLAN  # re-exported for the flows
from services.context import PlanContext, plan_context
from services.settings import Settings

MAX_RELATED = 90  # leaves room for the run, flow and deployment Prefect adds
EVENTS = uuid.UUID("6f1c1b0e-5d8a-4c57-9f4e-2f0f6a1c0c11")


class StageInput(RunInput):
    """What resumes a stage gate: the submissions that arrived (the database has the rest)."""

    submission_ids: list[int] = Field(default_factory=list, description="Mã các lần gửi mới")
    note: str = Field(default="", description="Ghi chú (nếu có)")


@lru_cache(maxsize=8)
def _context(plan: str, database_url: str) -> PlanContext:
    return plan_context(plan, bootstrap(settings()))


def context(plan: str) -> PlanContext:
    """The plan context of this process (one per plan and database)."""
    return _context(plan, settings().database_url)


def settings() -> Settings:
    """This process's settings (read from CCHC_* variables, again only when one changes)."""
    variables = sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("CCHC_"))
    return _settings(tuple(variables))


@lru_cache(maxsize=4)
def _settings(_variables: tuple[tuple[str, str], ...]) -> Settings:
    return Settings()


def instant(now: datetime | None) -> datetime:
    """The run's instant: the one given (a simulated clock), else the system clock."""
    return now.astimezone(UTC) if now else datetime.now(UTC)


def emit(
    event: str,
    *,
    key: str,
    activity: str,
    units: list[str] = (),  # type: ignore[assignment]
    payload: dict[str, Any] | None = None,
) -> None:
    """A cchc.* event about an activity, its units as related resources; the id is derived
    from `key` within this database, so a flow body that runs again emits nothing new (and
    another database on the same Prefect server — a replay, a test — never collides). An
    event this process already emitted is not sent again (a waiting stage passes its done
    tasks on every pass)."""
    event_id = uuid.uuid5(EVENTS, f"{settings().database_url}|{event}:{key}")
    if event_id in _EMITTED:
        return
    sent = emit_event(
        event,
        resource={"prefect.resource.id": f"cchc.activity.{activity}"},
        # Prefect refuses an event with more than 100 related resources: at province scale
        # the units go in the payload only.
        related=[
            {"prefect.resource.id": f"cchc.unit.{u}", "prefect.resource.role": "unit"}
            for u in (units if len(units) <= MAX_RELATED else [])
        ],
        payload={**(payload or {}), "units": list(units)},
        id=event_id,
    )
    if sent is not None:
        if len(_EMITTED) >= 100_000:
            _EMITTED.clear()
        _EMITTED.add(event_id)


_EMITTED: set[uuid.UUID] = set()
