"""Repositories of plans, units and the audit log: domain words in, domain objects out
(tasks: storage/tasks.py; what is kept beside them: storage/records.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from domain.errors import NotFound
from domain.phrases import TimeWindow
from domain.plan import Plan
from domain.records import AuditEntry, PlanState, PlanVersion, StoredPlan
from domain.units import Recipient, Unit
from storage.tables import (
    ActivityRow,
    AuditRow,
    PlanRow,
    PlanVersionRow,
    UnitRow,
)

# Built once: every portal request checks whether its plan changed.
_CONTENT_HASH = select(PlanRow.content_hash).where(PlanRow.code == bindparam("code"))


class PlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, code: str) -> PlanRow | None:
        return self.session.scalar(select(PlanRow).where(PlanRow.code == code))

    def get(self, code: str) -> Plan | None:
        row = self._row(code)
        return Plan.model_validate(row.document) if row else None

    def many(self, codes: list[str]) -> dict[str, Plan | None]:
        """Several plans in one read (their documents with them), None for a code not stored."""
        query = select(PlanRow.code, PlanRow.document).where(PlanRow.code.in_(codes))
        found = {code: Plan.model_validate(doc) for code, doc in self.session.execute(query)}
        return {code: found.get(code) for code in codes}

    def content_hash(self, code: str) -> str | None:
        """The stored plan's content hash alone (a cheap check whether it changed)."""
        return self.session.connection().execute(_CONTENT_HASH, {"code": code}).scalar()

    def stored(self, code: str) -> tuple[str, dict[str, Any]] | None:
        """The stored plan's content hash and document, as `cchc plan load` left them."""
        row = self._row(code)
        return (row.content_hash, dict(row.document)) if row else None

    def save(self, plan: Plan, *, content_hash: str, at: datetime) -> None:
        row = self._row(plan.code) or PlanRow(code=plan.code, created_at=at)
        row.year, row.number_symbol, row.title = plan.year, plan.number_symbol, plan.title
        row.issued_on, row.content_hash, row.updated_at = plan.issued_on, content_hash, at
        row.document = plan.model_dump(mode="json", by_alias=True)
        self.session.add(row)
        self.session.flush()

    def listing(self) -> list[StoredPlan]:
        """Every stored plan, by year then code, with its state and latest version."""
        count = (
            select(func.count(ActivityRow.id))
            .where(ActivityRow.plan_id == PlanRow.id)
            .scalar_subquery()
        )
        rows = self.session.execute(
            select(
                PlanRow.code, PlanRow.year, PlanRow.title, PlanRow.state, PlanRow.version, count
            ).order_by(PlanRow.year, PlanRow.code)
        )
        return [
            StoredPlan(code, year, title, PlanState(state), version, activities)
            for code, year, title, state, version, activities in rows
        ]

    def set_state(self, code: str, state: PlanState, *, at: datetime) -> None:
        row = self._row(code)
        if row is None:
            raise NotFound(f"plan {code!r}")
        row.state, row.updated_at = state.value, at
        self.session.flush()

    def versions(self, code: str) -> list[PlanVersion]:
        """Every published version of the plan, the first first."""
        rows = self.session.scalars(
            select(PlanVersionRow)
            .join(PlanRow, PlanRow.id == PlanVersionRow.plan_id)
            .where(PlanRow.code == code)
            .order_by(PlanVersionRow.number)
        )
        return [
            PlanVersion(r.number, r.content_hash, r.published_at, r.published_by, r.reason)
            for r in rows
        ]

    def version_document(self, code: str, number: int) -> dict[str, Any] | None:
        """The plan's document as published in version `number` (None: no such version)."""
        document = self.session.scalar(
            select(PlanVersionRow.document)
            .join(PlanRow, PlanRow.id == PlanVersionRow.plan_id)
            .where(PlanRow.code == code, PlanVersionRow.number == number)
        )
        return dict(document) if document is not None else None

    def add_version(self, code: str, version: PlanVersion) -> None:
        """Keep the stored document as published version `version.number`; the plan is then
        published at that version."""
        row = self._row(code)
        if row is None:
            raise NotFound(f"plan {code!r}")
        self.session.add(
            PlanVersionRow(
                plan_id=row.id,
                number=version.number,
                content_hash=version.content_hash,
                document=dict(row.document),
                published_at=version.published_at,
                published_by=version.published_by,
                reason=version.reason,
            )
        )
        row.state, row.version = PlanState.PUBLISHED.value, version.number
        self.session.flush()

    def save_activity(
        self, plan: str, number: int, code: str, title: str, window: TimeWindow
    ) -> None:
        plan_row = self._row(plan)
        if plan_row is None:
            raise NotFound(f"plan {plan!r}")
        row = self.session.scalar(
            select(ActivityRow).where(ActivityRow.plan_id == plan_row.id, ActivityRow.code == code)
        ) or ActivityRow(plan_id=plan_row.id, code=code)
        row.number, row.title, row.window_text = number, title, window.text
        row.window_start, row.window_end = window.start, window.end
        self.session.add(row)
        self.session.flush()


class UnitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, code: str) -> UnitRow | None:
        return self.session.scalar(select(UnitRow).where(UnitRow.code == code))

    def get(self, code: str) -> Unit | None:
        row = self._row(code)
        return Unit.model_validate(row.document) if row and row.kind == "unit" else None

    def all(self, *, active_only: bool = True) -> list[Unit]:
        query = select(UnitRow).where(UnitRow.kind == "unit").order_by(UnitRow.id)
        if active_only:
            query = query.where(UnitRow.active.is_(True))
        return [Unit.model_validate(r.document) for r in self.session.scalars(query)]

    def save(self, item: Unit | Recipient, *, at: datetime) -> tuple[dict[str, Any] | None, bool]:
        """Insert or update; returns (the old document, whether anything changed)."""
        row = self._row(item.code)
        new = item.model_dump(mode="json", exclude_none=True)  # no dates: as before they existed
        kind = "unit" if isinstance(item, Unit) else "recipient"
        if row and row.document == new and row.kind == kind and row.active:
            return row.document, False
        old = row.document if row else None
        row = row or UnitRow(code=item.code)
        row.kind, row.name, row.document, row.active, row.updated_at = (
            kind,
            item.name,
            new,
            True,
            at,
        )
        self.session.add(row)
        self.session.flush()
        return old, True

    def codes(self) -> set[str]:
        return set(self.session.scalars(select(UnitRow.code).where(UnitRow.active.is_(True))))

    def deactivate(self, code: str, *, at: datetime) -> None:
        row = self._row(code)
        if row is None:
            raise NotFound(f"unit {code!r}")
        row.active, row.updated_at = False, at


class AuditLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        entity: str,
        key: str,
        reason: str = "",
        old: dict[str, Any] | None = None,
        new: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditRow(
                at=at,
                actor=actor,
                action=action,
                entity=entity,
                entity_key=key,
                reason=reason,
                old=old,
                new=new,
            )
        )

    def entries(self, *, entity: str | None = None, key: str | None = None) -> list[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.id)
        if entity is not None:
            query = query.where(AuditRow.entity == entity)
        if key is not None:
            query = query.where(AuditRow.entity_key == key)
        return [
            AuditEntry(r.at, r.actor, r.action, r.entity, r.entity_key, r.reason, r.old, r.new)
            for r in self.session.scalars(query)
        ]
