"""What is kept beside tasks, as the repositories hand it out: stored tasks with their id,
submission versions, evidence and audit entries. Plain values: no session, no row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.task import Task

PLAN_ORIGIN = "plan"  # a task the plan's schedule made (the only ones a plan change cancels)
YEAR_END_ORIGIN = "year-end"  # a unit report or revision task the year-end flow made
OFFICE_ORIGIN = "office"  # a task the Office made by reassigning one


@dataclass(frozen=True)
class StoredTask:
    """A task as stored: its row id (what links, mails and the outbox refer to) and origin."""

    id: int
    task: Task
    origin: str = PLAN_ORIGIN


@dataclass(frozen=True)
class Submission:
    """One version of a unit's hand-in; every version is kept."""

    id: int
    task_id: int
    version: int
    submitted_at: datetime
    submitted_by: str
    payload: dict[str, Any]
    nonce: str | None = None


@dataclass(frozen=True)
class Evidence:
    """A link, file or counts line handed in with a submission version."""

    id: int
    task_id: int
    kind: str  # link | file | counts
    url: str | None = None
    sha256: str | None = None
    filename: str | None = None
    description: str = ""
    topics: list[Any] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    submission_id: int | None = None


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when and why, with the old and new values."""

    at: datetime
    actor: str
    action: str
    entity: str
    entity_key: str
    reason: str = ""
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None


@dataclass(frozen=True)
class StoredUpload:
    """An evidence file in the store, by its content hash."""

    sha256: str
    size: int
    content_type: str
    filename: str | None


class PlanState(StrEnum):
    """Where a stored plan is in its life: loaded (draft), in force (published), over (closed)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


@dataclass(frozen=True)
class PlanVersion:
    """One published version of a plan: every one is kept, with who published it, when, why."""

    number: int
    content_hash: str
    published_at: datetime
    published_by: str
    reason: str = ""


@dataclass(frozen=True)
class StoredPlan:
    """A plan as listed: code, year, state and its latest published version (0: never)."""

    code: str
    year: int
    title: str
    state: PlanState
    version: int
    activities: int
