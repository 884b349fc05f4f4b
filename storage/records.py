"""Records kept beside tasks: the ladder log, submission versions and evidence, uploads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from domain.records import Evidence, StoredUpload, Submission
from storage.db import chunks, insert_ignoring_duplicates
from storage.tables import (
    Base,
    EvidenceRow,
    NoticeRow,
    PlanRow,
    SubmissionRow,
    TaskRow,
    UploadRow,
)


class NoticeLog:
    """Which ladder rungs have fired for which task: each (task, kind, rung) at most once."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self, *, task_id: int, kind: str, rung: str, due_on: date, outbox_key: str, at: datetime
    ) -> bool:
        values = {
            "task_id": task_id,
            "kind": kind,
            "rung": rung,
            "due_on": due_on,
            "outbox_key": outbox_key,
            "created_at": at,
        }
        return insert_ignoring_duplicates(
            self.session,
            Base.metadata.tables["notices"],
            values,
            unique=("task_id", "kind", "rung"),
        )

    def carried_by(self, rungs: list[tuple[int, str, str]], outbox_key: str) -> None:
        """Say that the mail `outbox_key` (a unit's digest) carries these (task, kind, rung)."""
        if not rungs:
            return
        notices = cast(Table, NoticeRow.__table__)  # Core: an executemany, not ORM bulk
        table = notices.c
        statement = (  # one statement, executed for every rung
            update(notices)
            .where(
                table.task_id == bindparam("t"),
                table.kind == bindparam("k"),
                table.rung == bindparam("r"),
            )
            .values(outbox_key=outbox_key)
        )
        self.session.connection().execute(
            statement, [{"t": task_id, "k": kind, "r": rung} for task_id, kind, rung in rungs]
        )

    def counts(self, *, plan: str) -> dict[str, int]:
        """How many rungs of each kind (reminder, overdue, escalation) fired in a plan."""
        rows = self.session.execute(
            select(NoticeRow.kind, func.count())
            .join(TaskRow, NoticeRow.task_id == TaskRow.id)
            .join(PlanRow, TaskRow.plan_id == PlanRow.id)
            .where(PlanRow.code == plan)
            .group_by(NoticeRow.kind)
        )
        return {kind: count for kind, count in rows}


# Built once: a unit's task page and answer read these on every request.
_LAST_VERSION = select(func.max(SubmissionRow.version)).where(
    SubmissionRow.task_id == bindparam("task")
)
_BY_NONCE = select(SubmissionRow.version).where(
    SubmissionRow.task_id == bindparam("task"), SubmissionRow.nonce == bindparam("nonce")
)
_VERSIONS = (
    select(SubmissionRow)
    .where(SubmissionRow.task_id == bindparam("task"))
    .order_by(SubmissionRow.version)
)


class SubmissionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._added: dict[tuple[int, int], SubmissionRow] = {}  # (task id, version) → row

    def add(
        self,
        *,
        task_id: int,
        at: datetime,
        by: str,
        payload: dict[str, Any],
        nonce: str | None = None,
        version: int | None = None,
    ) -> int:
        """Store a new version of a task's submission (`version`, else the next one); every
        earlier version is kept. A form posted twice (same nonce) raises IntegrityError on the
        second: see `by_nonce`; so does a version another submission took meanwhile."""
        version = version or self.next_version(task_id)
        row = SubmissionRow(
            task_id=task_id,
            version=version,
            submitted_at=at,
            submitted_by=by,
            payload=payload,
            nonce=nonce,
        )
        self.session.add(row)
        self.session.flush()
        self._added[task_id, version] = row
        return version

    def next_version(self, task_id: int) -> int:
        """The version number the task's next submission takes."""
        last = self.session.connection().execute(_LAST_VERSION, {"task": task_id}).scalar()
        return (last or 0) + 1

    def add_evidence(
        self, *, task_id: int, version: int, items: list[dict[str, Any]], at: datetime
    ) -> None:
        """Evidence rows (links and files) of one submission version (the one just added is
        not read again)."""
        added = self._added.get((task_id, version))
        submission_id = (
            added.id
            if added is not None
            else self.session.scalar(
                select(SubmissionRow.id).where(
                    SubmissionRow.task_id == task_id, SubmissionRow.version == version
                )
            )
        )
        for item in items:
            self.session.add(
                EvidenceRow(
                    task_id=task_id,
                    submission_id=submission_id,
                    kind=item["kind"],
                    url=item.get("url"),
                    sha256=item.get("sha256"),
                    filename=item.get("filename"),
                    description=item.get("description", ""),
                    topics=list(item.get("topics", [])),
                    counts=dict(item.get("counts", {})),
                    created_at=at,
                )
            )

    def evidence(self, task_ids: list[int]) -> list[Evidence]:
        return [
            _evidence(row)
            for row in self.session.scalars(
                select(EvidenceRow)
                .where(EvidenceRow.task_id.in_(task_ids))
                .order_by(EvidenceRow.id)
            )
        ]

    def by_nonce(self, task_id: int, nonce: str) -> int | None:
        """The version a form (by its nonce) already produced, if any."""
        found = self.session.connection().execute(_BY_NONCE, {"task": task_id, "nonce": nonce})
        return found.scalar()

    def latest(self, task_ids: Sequence[int]) -> dict[int, Submission]:
        """The newest version of each task's submissions (tasks with none left out)."""
        found: dict[int, Submission] = {}
        for chunk in chunks(task_ids):
            for row in self.session.scalars(
                select(SubmissionRow)
                .where(SubmissionRow.task_id.in_(chunk))
                .order_by(SubmissionRow.task_id, SubmissionRow.version)
            ):
                found[row.task_id] = _submission(row)
        return found

    def versions(self, task_id: int) -> list[Submission]:
        return [_submission(row) for row in self.session.scalars(_VERSIONS, {"task": task_id})]


def _submission(row: SubmissionRow) -> Submission:
    return Submission(
        id=row.id,
        task_id=row.task_id,
        version=row.version,
        submitted_at=row.submitted_at,
        submitted_by=row.submitted_by,
        payload=dict(row.payload),
        nonce=row.nonce,
    )


def _evidence(row: EvidenceRow) -> Evidence:
    return Evidence(
        id=row.id,
        task_id=row.task_id,
        kind=row.kind,
        url=row.url,
        sha256=row.sha256,
        filename=row.filename,
        description=row.description or "",
        topics=list(row.topics or []),
        counts=dict(row.counts or {}),
        submission_id=row.submission_id,
    )


class Uploads:
    """Evidence files by content hash: recorded once, found by the evidence naming them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, *, sha256: str, size: int, content_type: str, at: datetime) -> None:
        values = {"sha256": sha256, "size": size, "content_type": content_type, "created_at": at}
        insert_ignoring_duplicates(
            self.session, Base.metadata.tables["uploads"], values, unique=("sha256",)
        )

    def of_evidence(self, evidence_id: int) -> StoredUpload | None:
        """The stored file a piece of evidence names (None: no such evidence, or no file)."""
        row = self.session.get(EvidenceRow, evidence_id)
        upload = self.session.get(UploadRow, row.sha256) if row is not None and row.sha256 else None
        if row is None or upload is None:
            return None
        return StoredUpload(upload.sha256, upload.size, upload.content_type, row.filename)

    def referenced(self, among: list[str] | None = None) -> set[str]:
        """The content hashes a row refers to (an upload or a piece of evidence): all of them,
        or those of `among` only."""
        uploads = select(UploadRow.sha256)
        evidence = select(EvidenceRow.sha256).where(EvidenceRow.sha256.is_not(None))
        if among is None:
            found = {*self.session.scalars(uploads), *self.session.scalars(evidence)}
            return {s for s in found if s}
        found = set()
        for part in chunks(among):
            found.update(self.session.scalars(uploads.where(UploadRow.sha256.in_(part))))
            found.update(self.session.scalars(evidence.where(EvidenceRow.sha256.in_(part))))
        return {s for s in found if s}
