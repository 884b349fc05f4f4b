"""SQLAlchemy 2 tables of cchc; rows are converted to domain objects by the repositories."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Stamp = UtcDateTime()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # SQLAlchemy reads this mapping once at class creation; it is never mutated.
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class PlanRow(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    number_symbol: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="draft")  # domain.records.PlanState
    version: Mapped[int] = mapped_column(Integer, default=0)  # latest published; 0: never
    # The whole plan as JSON, read only when asked for: most reads want the row's id, and
    # decoding the document on each of them cost more than the query.
    document: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    updated_at: Mapped[datetime] = mapped_column(Stamp)


class PlanVersionRow(Base):
    """Every published version of a plan, kept: who published it, when and why."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    published_at: Mapped[datetime] = mapped_column(Stamp)
    published_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")


class UnitRow(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # unit | recipient
    name: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]]
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(Stamp)


class ActivityRow(Base):
    __tablename__ = "activities"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    window_text: Mapped[str] = mapped_column(Text)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)


class TaskRow(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("activity_id", "unit_id", "stage", "seq"),
        # The sweep reads active tasks by due day; this keeps it proportional to tasks due.
        Index("ix_tasks_state_due_on", "state", "due_on"),
        Index("ix_tasks_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    stage: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer, default=1)
    role: Mapped[str] = mapped_column(String(16))
    opens_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime | None] = mapped_column(Stamp)
    decided_at: Mapped[datetime | None] = mapped_column(Stamp)
    reason: Mapped[str] = mapped_column(Text, default="")
    # Bumped when the Office revokes the task's link: older links stop working.
    link_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # A contact the Office delegated the task to (mails go to them, the unit in copy).
    delegate_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    delegate_email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # "plan" when the schedule made it, "office" when the Office reassigned work to a unit:
    # a plan reload leaves the latter alone.
    origin: Mapped[str] = mapped_column(String(16), default="plan", server_default="plan")
    created_at: Mapped[datetime] = mapped_column(Stamp)
    updated_at: Mapped[datetime] = mapped_column(Stamp)


class SubmissionRow(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("task_id", "version"),
        # The form's one-time nonce: the same form posted twice is one submission.
        UniqueConstraint("task_id", "nonce", name="uq_submissions_task_nonce"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(Stamp)
    submitted_by: Mapped[str] = mapped_column(String(200))
    nonce: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]


class EvidenceRow(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    kind: Mapped[str] = mapped_column(String(16))  # link | file | counts
    url: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[Any]]
    counts: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(Stamp)


class UploadRow(Base):
    """A stored file, by content: the same bytes uploaded twice are stored once."""

    __tablename__ = "uploads"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(Stamp)


class ReportDraftRow(Base):
    """A version of the consolidated report and the Director's decision on it."""

    __tablename__ = "report_drafts"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # draft | approved | returned | sent
    content_hash: Mapped[str] = mapped_column(String(64))
    markdown: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    docx_path: Mapped[str] = mapped_column(Text, default="")
    comments: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None] = mapped_column(Stamp)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    source: Mapped[str] = mapped_column(String(16), default="generated")  # | uploaded
    number_symbol: Mapped[str] = mapped_column(String(40), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    final_docx_path: Mapped[str] = mapped_column(Text, default="")
    final_pdf_path: Mapped[str] = mapped_column(Text, default="")
    signed_by: Mapped[str] = mapped_column(String(200), default="")


class OutgoingNumberRow(Base):
    """The outgoing register (sổ đăng ký văn bản đi) as far as cchc issues documents: a
    number is given once a year (numbering restarts on 1 January, NĐ 30/2020 Điều 15)."""

    __tablename__ = "outgoing_numbers"
    __table_args__ = (UniqueConstraint("year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    number_symbol: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    document: Mapped[str] = mapped_column(String(200))  # "report#v2"
    recorded_at: Mapped[datetime] = mapped_column(Stamp)
    recorded_by: Mapped[str] = mapped_column(String(200))


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_not_before", "state", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    message_id: Mapped[str] = mapped_column(String(300))
    recipients: Mapped[dict[str, Any]]  # {"to": [[name, email]...], "cc": [...]}
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any]]  # In-Reply-To / References of the task's thread
    attachments: Mapped[list[Any]]  # [{"filename", "content_type", "data" (base64)}]
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    not_before: Mapped[datetime] = mapped_column(Stamp)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(Stamp)
    sent_at: Mapped[datetime | None] = mapped_column(Stamp)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    # A unit's assignments waiting for the same sending time share a batch; one carried by
    # the batch's mail is "merged" and names that mail's key (it is never sent alone).
    batch: Mapped[str | None] = mapped_column(String(300), index=True)
    carried_by: Mapped[str | None] = mapped_column(String(300), index=True)


class NoticeRow(Base):
    """The ladder log: one row per (task, kind, rung) ever due, so no rung fires twice."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("task_id", "kind", "rung"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    rung: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[date] = mapped_column(Date)
    outbox_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(Stamp)


class ActivityReportRow(Base):
    """What an activity's run hands to the year-end flow: one current report per activity."""

    __tablename__ = "activity_reports"
    __table_args__ = (UniqueConstraint("plan_id", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    content: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(Stamp)


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(Stamp)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_key: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text, default="")
    old: Mapped[dict[str, Any] | None]
    new: Mapped[dict[str, Any] | None]


class OfficeSessionRow(Base):
    """A login to the Office or Director pages; the cookie holds a secret whose hash is `id`."""

    __tablename__ = "office_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[str] = mapped_column(String(16))
    credential: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Stamp)
    last_seen_at: Mapped[datetime] = mapped_column(Stamp)
    ended_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    ended_because: Mapped[str] = mapped_column(String(32), default="")
