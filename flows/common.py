"""What the flows share: the plan context per process, run inputs, events, artifacts."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from prefect.events import emit_event
from prefect.input import RunInput
from pydantic import Field

from services.bootstrap import bootstrap
from services.context import PlanContext, plan_context, published_codes
from services.settings import Settings

MAX_RELATED = 90  # leaves room for the run, flow and deployment Prefect adds
EVENTS = uuid.UUID("6f1c1b0e-5d8a-4c57-9f4e-2f0f6a1c0c11")

Variables = tuple[tuple[str, str], ...]


class StageInput(RunInput):
    """What resumes a stage gate: the submissions that arrived (the database has the rest)."""

    submission_ids: list[int] = Field(default_factory=list, description="Mã các lần gửi mới")
    note: str = Field(default="", description="Ghi chú (nếu có)")


class FlowCache:
    """What a worker process keeps from one flow run to the next, and what invalidates it.

    - settings: read again when a CCHC_* variable changes (kept per set of their values);
    - plan contexts (engine, directory, mailer): one per plan and set of CCHC_* values, so
      another database or mail server gets its own; the oldest goes beyond `max_contexts`;
    - ids of the events this process emitted, so that a waiting stage passing its done
      tasks again sends nothing new; all forgotten at `max_emitted` (an id sent again is
      harmless: Prefect keeps one event per id).

    `clear()` forgets everything (a test that swaps the database, a process that wants a
    fresh start); nothing is closed, as a run in progress may still use a context.
    """

    def __init__(self, *, max_settings: int = 4, max_contexts: int = 8, max_emitted: int = 100_000):
        self._limits = (max_settings, max_contexts, max_emitted)
        self._lock = threading.Lock()
        self._settings: dict[Variables, Settings] = {}
        self._contexts: dict[tuple[str, Variables], PlanContext] = {}
        self._emitted: set[uuid.UUID] = set()

    def settings(self) -> Settings:
        """The settings in force: those handed in with `using` around the current call,
        else this process's, read from the CCHC_* variables as they are now."""
        if (given := _GIVEN.get()) is not None:
            return given
        variables = _variables()
        with self._lock:
            if variables not in self._settings:
                _bound(self._settings, self._limits[0])
                self._settings[variables] = Settings()
            return self._settings[variables]

    def context(self, plan: str) -> PlanContext:
        """The plan context for these settings, built on first use."""
        given = _GIVEN.get()
        # Given settings are told apart by identity: the context built keeps them alive.
        key = (plan, _variables() if given is None else (("given", str(id(given))),))
        with self._lock:
            found = self._contexts.get(key)
        if found is not None:
            return found
        built = plan_context(plan, bootstrap(self.settings()))
        with self._lock:
            _bound(self._contexts, self._limits[1])
            return self._contexts.setdefault(key, built)

    def emitted(self, event_id: uuid.UUID) -> bool:
        return event_id in self._emitted

    def remember(self, event_id: uuid.UUID) -> None:
        with self._lock:
            if len(self._emitted) >= self._limits[2]:
                self._emitted.clear()
            self._emitted.add(event_id)

    def clear(self) -> None:
        with self._lock:
            self._settings.clear()
            self._contexts.clear()
            self._emitted.clear()


CACHE = FlowCache()  # the only state the flows keep in a process; see FlowCache
# Settings handed in by a caller that runs flows in its own process (the replay): scoped to
# the calls inside `using`, never written to the environment.
_GIVEN: ContextVar[Settings | None] = ContextVar("cchc_flow_settings", default=None)


@contextmanager
def using(settings: Settings) -> Iterator[None]:
    """Within the block, the flows called in this process (and their tasks) work with
    `settings` instead of the CCHC_* variables."""
    token = _GIVEN.set(settings)
    try:
        yield
    finally:
        _GIVEN.reset(token)


def _variables() -> Variables:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("CCHC_")))


def _bound(kept: dict[Any, Any], limit: int) -> None:
    """Make room for one more entry: the oldest go first (dicts keep insertion order)."""
    while len(kept) >= limit:
        del kept[next(iter(kept))]


def context(plan: str) -> PlanContext:
    """The plan context of this process (one per plan and settings)."""
    return CACHE.context(plan)


def published_plans() -> list[str]:
    """The codes of every published plan, read now from the database the settings name."""
    app = bootstrap(settings())
    try:
        return published_codes(app)
    finally:
        app.close()


def settings() -> Settings:
    """This process's settings (read from CCHC_* variables, again only when one changes)."""
    return CACHE.settings()


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
    if CACHE.emitted(event_id):
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
        CACHE.remember(event_id)
