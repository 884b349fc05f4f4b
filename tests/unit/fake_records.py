"""In-memory repositories of what is kept beside tasks: the outbox, the ladder log,
submissions and evidence, uploads, reports, drafts and Office sessions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from domain.errors import NotFound
from domain.mail import Claimed, FailedMail, Mailbox, OutgoingMail, Waiting
from domain.records import Evidence, StoredUpload, Submission
from domain.report_draft import ReportDraft
from domain.sessions import OfficeSession, SessionEnd
from tests.unit.fake_store import Queued, Repo


class FakeOutbox(Repo):
    def enqueue(
        self,
        mail: OutgoingMail,
        *,
        key: str,
        kind: str,
        task_id: int | None,
        not_before: datetime,
        batch: str | None = None,
        carried_by: str | None = None,
    ) -> bool:
        if key in self.s.outbox:
            return False
        queued = Queued(
            self.s.next_id(self.s.outbox.values()), key, kind, task_id, mail, not_before
        )
        queued.batch, queued.carried_by = batch, carried_by
        queued.state = "merged" if carried_by else "pending"
        self.s.outbox[key] = queued
        return True

    def waiting_in(self, batches: Sequence[str]) -> dict[str, list[Waiting]]:
        found: dict[str, list[Waiting]] = {}
        for q in sorted(self.s.outbox.values(), key=lambda q: q.id):
            if q.batch in batches and q.state == "pending" and q.attempts == 0:
                found.setdefault(str(q.batch), []).append(
                    Waiting(q.id, q.key, q.kind, q.task_id, q.not_before)
                )
        return found

    def carried_in(self, keys: Sequence[str]) -> dict[str, list[Waiting]]:
        found: dict[str, list[Waiting]] = {}
        for q in sorted(self.s.outbox.values(), key=lambda q: q.id):
            if q.carried_by in keys:
                found.setdefault(str(q.carried_by), []).append(
                    Waiting(q.id, q.key, q.kind, q.task_id)
                )
        return found

    def merge(self, mails: Sequence[Waiting], into: str) -> None:
        merged = [self._by_id(m.id) for m in mails]
        keys = {q.key for q in merged}
        for q in self.s.outbox.values():
            if q.carried_by in keys:
                q.carried_by = into
        for q in merged:
            q.state, q.carried_by = "merged", into

    def exists(self, key: str) -> bool:
        return key in self.s.outbox

    def existing(self, keys: Sequence[str]) -> set[str]:
        return {k for k in keys if k in self.s.outbox}

    def claim(
        self, *, now: datetime, limit: int, lease: timedelta, sender: Mailbox
    ) -> list[Claimed]:
        due = [q for q in self.s.outbox.values() if q.state == "pending" and q.not_before <= now]
        for q in due[:limit]:
            q.state = "sending"
        return [Claimed(q.id, q.key, q.attempts, q.mail) for q in due[:limit]]

    def _by_id(self, id_: int) -> Queued:
        return next(q for q in self.s.outbox.values() if q.id == id_)

    def mark_sent(self, id_: int, *, at: datetime) -> None:
        self._by_id(id_).state = "sent"

    def mark_retry(self, id_: int, *, error: str, not_before: datetime) -> None:
        q = self._by_id(id_)
        q.state, q.last_error, q.not_before, q.attempts = (
            "pending",
            error,
            not_before,
            q.attempts + 1,
        )

    def mark_failed(self, id_: int, *, error: str) -> None:
        q = self._by_id(id_)
        q.state, q.last_error, q.attempts = "failed", error, q.attempts + 1

    def release(self, ids: list[int]) -> None:
        for id_ in ids:
            self._by_id(id_).state = "pending"

    def failed(self) -> list[FailedMail]:
        return [
            FailedMail(q.id, q.kind, tuple(m.email for m in q.mail.to), q.attempts, q.last_error)
            for q in self.s.outbox.values()
            if q.state == "failed"
        ]

    def retry_failed(self, ids: list[int] | None, *, now: datetime) -> int:
        again = [
            q for q in self.s.outbox.values() if q.state == "failed" and (not ids or q.id in ids)
        ]
        for q in again:
            q.state, q.attempts, q.not_before = "pending", 0, now
        return len(again)

    def counts(self) -> dict[str, int]:
        states = [q.state for q in self.s.outbox.values()]
        return {s: states.count(s) for s in ("pending", "sending", "sent", "failed", "merged")}


class FakeNotices(Repo):
    def record(
        self, *, task_id: int, kind: str, rung: str, due_on: date, outbox_key: str, at: datetime
    ) -> bool:
        if (task_id, kind, rung) in self.s.notices:
            return False
        self.s.notices.add((task_id, kind, rung))
        return True

    def carried_by(self, rungs: list[tuple[int, str, str]], outbox_key: str) -> None:
        self.s.carried.update(dict.fromkeys(rungs, outbox_key))

    def counts(self, *, plan: str) -> dict[str, int]:
        kinds = [k for task_id, k, _r in self.s.notices if self.s.tasks[task_id][0] == plan]
        return {k: kinds.count(k) for k in set(kinds)}


class FakeSubmissions(Repo):
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
        if nonce and self.by_nonce(task_id, nonce) is not None:
            raise ValueError("the same form twice")  # the unique constraint's work
        version = version or self.next_version(task_id)
        if any(s.version == version for s in self.versions(task_id)):
            raise ValueError("the same version twice")  # the unique constraint's work
        id_ = self.s.next_id(self.s.submissions)
        self.s.submissions.append(Submission(id_, task_id, version, at, by, payload, nonce))
        return version

    def next_version(self, task_id: int) -> int:
        return len(self.versions(task_id)) + 1

    def add_evidence(
        self, *, task_id: int, version: int, items: list[dict[str, Any]], at: datetime
    ) -> None:
        sub = next(s for s in self.versions(task_id) if s.version == version)
        for item in items:
            fields = {k: v for k, v in item.items() if k != "kind"}
            id_ = self.s.next_id(self.s.evidence)
            self.s.evidence.append(
                Evidence(id_, task_id, item["kind"], submission_id=sub.id, **fields)
            )

    def evidence(self, task_ids: list[int]) -> list[Evidence]:
        return [e for e in self.s.evidence if e.task_id in task_ids]

    def by_nonce(self, task_id: int, nonce: str) -> int | None:
        found = [s.version for s in self.versions(task_id) if s.nonce == nonce]
        return found[0] if found else None

    def latest(self, task_ids: Sequence[int]) -> dict[int, Submission]:
        return {s.task_id: s for s in self.s.submissions if s.task_id in task_ids}

    def versions(self, task_id: int) -> list[Submission]:
        return [s for s in self.s.submissions if s.task_id == task_id]


class FakeUploads(Repo):
    def record(self, *, sha256: str, size: int, content_type: str, at: datetime) -> None:
        self.s.uploads.setdefault(sha256, StoredUpload(sha256, size, content_type, None))

    def of_evidence(self, evidence_id: int) -> StoredUpload | None:
        found = next((e for e in self.s.evidence if e.id == evidence_id), None)
        upload = self.s.uploads.get(found.sha256 or "") if found else None
        return replace(upload, filename=found.filename) if found and upload else None

    def referenced(self, among: list[str] | None = None) -> set[str]:
        known = set(self.s.uploads) | {e.sha256 for e in self.s.evidence if e.sha256}
        return known if among is None else known & set(among)


class FakeReports(Repo):
    def save(self, *, plan: str, activity: str, content: dict[str, Any], at: datetime) -> bool:
        if self.s.reports.get((plan, activity)) == content:
            return False
        self.s.reports[plan, activity] = content
        return True

    def get(self, *, plan: str, activity: str) -> dict[str, Any] | None:
        return self.s.reports.get((plan, activity))


class FakeDrafts(Repo):
    def latest(self, *, plan: str) -> ReportDraft | None:
        mine = [d for (p, _v), d in self.s.drafts.items() if p == plan]
        return max(mine, key=lambda d: d.version, default=None)

    def get(self, *, plan: str, version: int) -> ReportDraft | None:
        return self.s.drafts.get((plan, version))

    def save(self, draft: ReportDraft) -> None:
        if draft.plan not in self.s.plans:
            raise NotFound(f"plan {draft.plan!r}")
        self.s.drafts[draft.plan, draft.version] = draft

    def number_holder(self, *, year: int, number: int) -> str | None:
        return self.s.register.get((year, number))

    def register(
        self,
        *,
        plan: str,
        number: int,
        number_symbol: str,
        issued_on: date,
        document: str,
        at: datetime,
        by: str,
    ) -> None:
        if (issued_on.year, number) in self.s.register:
            raise IntegrityError("outgoing_numbers", {}, ValueError("uq_outgoing_numbers_year"))
        self.s.register[issued_on.year, number] = f"{plan} {document}"


class FakeLogins(Repo):
    def add(self, sid: str, found: OfficeSession) -> None:
        self.s.logins[sid] = found

    def get(self, sid: str) -> OfficeSession | None:
        return self.s.logins.get(sid)

    def seen(self, sid: str, at: datetime) -> None:
        self.s.logins[sid] = replace(self.s.logins[sid], last_seen_at=at)

    def end(self, sid: str, *, at: datetime, because: SessionEnd) -> None:
        self.s.logins[sid] = replace(self.s.logins[sid], ended_at=at, ended_because=because)

    def end_all(self, account: str, *, at: datetime, because: SessionEnd) -> int:
        mine = [sid for sid, s in self.s.logins.items() if s.account == account and not s.ended_at]
        for sid in mine:
            self.end(sid, at=at, because=because)
        return len(mine)
