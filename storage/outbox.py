"""The transactional outbox: mail rows written with the change that causes them, then claimed."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from domain.mail import (
    Attachment,
    Claimed,
    FailedMail,
    Mailbox,
    OutgoingMail,
    RenderedMail,
    Waiting,
)
from storage.db import chunks, insert_ignoring_duplicates
from storage.tables import Base, OutboxRow

OUTBOX = Base.metadata.tables["outbox"]
_EXISTS = select(OUTBOX.c.id).where(OUTBOX.c.idempotency_key == bindparam("key"))
_MARK_SENT = (
    update(OUTBOX)
    .where(OUTBOX.c.id == bindparam("oid"), OUTBOX.c.state == "sending")
    .values(
        state="sent",
        sent_at=bindparam("at"),
        last_error=None,
        claim_token=None,
        attempts=OUTBOX.c.attempts + 1,
    )
)
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
MERGED = "merged"  # carried by another mail of its batch (`carried_by`), never sent alone


def _boxes(items: list[list[str]]) -> tuple[Mailbox, ...]:
    return tuple(Mailbox(email=email, name=name) for name, email in items)


def _row_to_mail(row: OutboxRow, sender: Mailbox) -> OutgoingMail:
    content = RenderedMail(
        subject=row.subject,
        text=row.body_text,
        html=row.body_html,
        attachments=tuple(
            Attachment(a["filename"], a["content_type"], base64.b64decode(a["data"]))
            for a in row.attachments
        ),
    )
    return OutgoingMail(
        message_id=row.message_id,
        sender=sender,
        to=_boxes(row.recipients["to"]),
        cc=_boxes(row.recipients.get("cc", [])),
        content=content,
        date=row.created_at,
        in_reply_to=row.headers.get("in_reply_to"),
        references=tuple(row.headers.get("references", [])),
        rehearsal=bool(row.headers.get("rehearsal")),
    )


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

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
        """Queue `mail` under `key` in the caller's transaction; False if the key exists.
        With `carried_by` the row only records the mail: another mail carries it."""
        values: dict[str, Any] = {
            "idempotency_key": key,
            "kind": kind,
            "task_id": task_id,
            "message_id": mail.message_id,
            "recipients": {
                "to": [[m.name, m.email] for m in mail.to],
                "cc": [[m.name, m.email] for m in mail.cc],
            },
            "subject": mail.content.subject,
            "body_text": mail.content.text,
            "body_html": mail.content.html,
            "headers": {
                "in_reply_to": mail.in_reply_to,
                "references": list(mail.references),
                # kept with the mail: delivery covers every plan and must know a rehearsal's
                **({"rehearsal": True} if mail.rehearsal else {}),
            },
            "attachments": [
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "data": base64.b64encode(a.data).decode(),
                }
                for a in mail.content.attachments
            ],
            "state": MERGED if carried_by else PENDING,
            "attempts": 0,
            "not_before": not_before,
            "created_at": mail.date,
            "batch": batch,
            "carried_by": carried_by,
        }
        return insert_ignoring_duplicates(self.session, OUTBOX, values, unique=("idempotency_key",))

    def exists(self, key: str) -> bool:
        found = self.session.connection().execute(_EXISTS, {"key": key}).first()
        return found is not None

    def existing(self, keys: Sequence[str]) -> set[str]:
        """Which of `keys` are queued already (a query per 5,000 keys, not one per key)."""
        found: set[str] = set()
        for chunk in chunks(keys):
            found.update(
                self.session.scalars(
                    select(OutboxRow.idempotency_key).where(OutboxRow.idempotency_key.in_(chunk))
                )
            )
        return found

    def waiting_in(self, batches: Sequence[str]) -> dict[str, list[Waiting]]:
        """The mails of `batches` no delivery step has taken, by batch, in queue order (a
        query per 5,000 batches; locked until commit on PostgreSQL, so that a claim skips
        them while they are merged)."""
        found: dict[str, list[Waiting]] = {}
        for chunk in chunks(batches):
            query = (
                select(
                    OutboxRow.batch,
                    OutboxRow.id,
                    OutboxRow.idempotency_key,
                    OutboxRow.kind,
                    OutboxRow.task_id,
                    OutboxRow.not_before,
                )
                .where(
                    OutboxRow.batch.in_(chunk),
                    OutboxRow.state == PENDING,
                    OutboxRow.attempts == 0,
                    OutboxRow.claim_token.is_(None),
                )
                .order_by(OutboxRow.id)
            )
            if self.session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            for batch, id_, key, kind, task_id, not_before in self.session.execute(query):
                found.setdefault(str(batch), []).append(
                    Waiting(id_, key, kind, task_id, not_before)
                )
        return found

    def carried_in(self, keys: Sequence[str]) -> dict[str, list[Waiting]]:
        """The mails each of the mails `keys` carries, by carrying mail, in queue order."""
        found: dict[str, list[Waiting]] = {}
        for chunk in chunks(keys):
            query = (
                select(
                    OutboxRow.carried_by,
                    OutboxRow.id,
                    OutboxRow.idempotency_key,
                    OutboxRow.kind,
                    OutboxRow.task_id,
                )
                .where(OutboxRow.carried_by.in_(chunk))
                .order_by(OutboxRow.id)
            )
            for by, id_, key, kind, task_id in self.session.execute(query):
                found.setdefault(str(by), []).append(Waiting(id_, key, kind, task_id))
        return found

    def merge(self, mails: Sequence[Waiting], into: str) -> None:
        """Mark waiting `mails` as carried by the mail `into`, and what they carried with
        them; refuses (ConcurrentMerge) when delivery took one of them meanwhile."""
        ids, keys = [m.id for m in mails], [m.key for m in mails]
        done = self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids), OutboxRow.state == PENDING)
            .where(OutboxRow.claim_token.is_(None))
            .values(state=MERGED, carried_by=into)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != len(ids):  # type: ignore[attr-defined]
            raise ConcurrentMerge(f"a mail of {into} was taken by delivery while merging")
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.carried_by.in_(keys))
            .values(carried_by=into)
            .execution_options(synchronize_session=False)
        )

    def claim(
        self, *, now: datetime, limit: int, lease: timedelta, sender: Mailbox
    ) -> list[Claimed]:
        """Take up to `limit` due mails (and any whose claim lease ran out); commit after.

        PostgreSQL skips rows another step has locked; SQLite serialises writers, and the
        state check in the UPDATE makes a second claimer find nothing to take.
        """
        token = uuid.uuid4().hex
        claimable = or_(
            (OutboxRow.state == PENDING) & (OutboxRow.not_before <= now),
            (OutboxRow.state == SENDING) & (OutboxRow.claimed_at < now - lease),
        )
        ids = select(OutboxRow.id).where(claimable).order_by(OutboxRow.id).limit(limit)
        if self.session.get_bind().dialect.name == "postgresql":
            ids = ids.with_for_update(skip_locked=True)
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids.scalar_subquery()), claimable)
            .values(state=SENDING, claim_token=token, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        rows = self.session.scalars(
            select(OutboxRow)
            .where(OutboxRow.claim_token == token, OutboxRow.state == SENDING)
            .order_by(OutboxRow.id)
        ).all()
        return [Claimed(r.id, r.idempotency_key, r.attempts, _row_to_mail(r, sender)) for r in rows]

    def _set(self, ids: list[int], **values: Any) -> None:
        if ids:
            self.session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids), OutboxRow.state == SENDING)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def mark_sent(self, id_: int, *, at: datetime) -> None:
        """The hot path of delivery: one prepared statement on the session's connection."""
        self.session.connection().execute(_MARK_SENT, {"oid": id_, "at": at})

    def mark_retry(self, id_: int, *, error: str, not_before: datetime) -> None:
        self._set(
            [id_],
            state=PENDING,
            last_error=error[:2000],
            not_before=not_before,
            claim_token=None,
            attempts=OutboxRow.attempts + 1,
        )

    def mark_failed(self, id_: int, *, error: str) -> None:
        self._set(
            [id_],
            state=FAILED,
            last_error=error[:2000],
            claim_token=None,
            attempts=OutboxRow.attempts + 1,
        )

    def release(self, ids: list[int]) -> None:
        """Give back mails never tried (the connection went first): no attempt is counted."""
        self._set(ids, state=PENDING, claim_token=None, claimed_at=None)

    def failed(self) -> list[FailedMail]:
        rows = self.session.scalars(
            select(OutboxRow).where(OutboxRow.state == FAILED).order_by(OutboxRow.id)
        )
        return [
            FailedMail(
                r.id,
                r.kind,
                tuple(email for _name, email in r.recipients["to"]),
                r.attempts,
                r.last_error or "",
            )
            for r in rows
        ]

    def retry_failed(self, ids: list[int] | None, *, now: datetime) -> int:
        """Put failed mails back in the queue (after the cause is fixed); attempts restart."""
        query = update(OutboxRow).where(OutboxRow.state == FAILED)
        if ids:
            query = query.where(OutboxRow.id.in_(ids))
        result = self.session.execute(
            query.values(state=PENDING, attempts=0, not_before=now).execution_options(
                synchronize_session=False
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def counts(self) -> dict[str, int]:
        rows = self.session.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state))
        found = {state: count for state, count in rows}
        return {state: found.get(state, 0) for state in (PENDING, SENDING, SENT, FAILED, MERGED)}


class ConcurrentMerge(RuntimeError):
    """Delivery took a mail of the batch being merged: the transaction is to be run again."""
