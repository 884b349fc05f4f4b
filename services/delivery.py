"""Delivery: claim due mails from the outbox, send through the backend, record the outcome."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from sqlalchemy.exc import OperationalError

from domain.calendar import WorkingCalendar
from domain.clock import Clock
from domain.mail import Claimed, Mailbox, OutgoingMail
from domain.office_hours import backoff, next_send_time
from notifications.backends import ConnectionLost, MailBackend, MailError
from notifications.message import Envelope, envelope, envelopes
from services.ports import UnitOfWork
from services.settings import MailSettings

BUILT_PER_TASK = 10  # messages a build process is given at once


@cache
def builders(workers: int) -> Executor | None:
    """The build processes of this process (None: build here), started on first use and
    kept for the process's life; spawned, not forked (the process runs threads), so the
    program's main module must start its work under `if __name__ == "__main__":` (cchc's
    commands, Prefect's engine and pytest do)."""
    if not workers:
        return None
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


class Builds:
    """A batch's messages in order: each built when asked for, or, with build processes,
    all given to them at once, BUILT_PER_TASK to a task, and awaited in turn."""

    def __init__(self, mails: list[OutgoingMail], pool: Executor | None) -> None:
        self.mails = mails
        self.tasks: list[asyncio.Future[list[Envelope]]] = []
        if pool is not None:
            self.tasks = [
                asyncio.wrap_future(pool.submit(envelopes, mails[i : i + BUILT_PER_TASK]))
                for i in range(0, len(mails), BUILT_PER_TASK)
            ]

    async def get(self, index: int) -> Envelope:
        if not self.tasks:
            return envelope(self.mails[index])
        built = await self.tasks[index // BUILT_PER_TASK]
        return built[index % BUILT_PER_TASK]

    def cancel(self) -> None:
        """What is not built yet is not needed (the batch ended early)."""
        for task in self.tasks:
            task.cancel()


SENT_PER_COMMIT = 100  # mails recorded sent per commit where a resend replaces the first copy


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    batches: int = 0
    refused: int = 0  # rehearsal mail to addresses outside the allowed domains (also failed)

    def __str__(self) -> str:
        refused = f", {self.refused} refused (rehearsal)" if self.refused else ""
        return (
            f"{self.sent} sent, {self.retried} to retry, {self.failed} failed, "
            f"{self.released} put back{refused}"
        )


class Delivery:
    """One delivery step; several may run at once without sending a mail twice."""

    def __init__(
        self,
        *,
        uow: UnitOfWork,
        backend: MailBackend,
        settings: MailSettings,
        calendar: WorkingCalendar,
        clock: Clock,
    ) -> None:
        self.uow, self.backend, self.settings = uow, backend, settings
        self.calendar, self.clock = calendar, clock
        self.sender = Mailbox(settings.from_address, settings.from_name)

    def _claim(self) -> list[Claimed]:
        lease = timedelta(seconds=self.settings.claim_lease_seconds)
        for attempt in range(5):
            try:
                with self.uow as uow:
                    claimed = uow.outbox.claim(
                        now=self.clock.now(),
                        lease=lease,
                        limit=self.settings.batch_size,
                        sender=self.sender,
                    )
                    uow.commit()
                    return claimed
            except OperationalError:  # SQLite: another step holds the write lock; try again
                if attempt == 4:
                    raise
        return []

    async def run(self, *, max_batches: int | None = None) -> DeliveryReport:
        """Deliver batches until nothing is due (or `max_batches`); never raises MailError."""
        report = DeliveryReport()
        while max_batches is None or report.batches < max_batches:
            claimed = self._claim()
            if not claimed:
                break
            report.batches += 1
            if not await self._send_batch(claimed, report):
                break  # the server is unreachable: the rest waits for the next step
        return report

    def _refuse_outside(self, claimed: list[Claimed], report: DeliveryReport) -> list[Claimed]:
        """A rehearsal's mail to anyone outside the allowed domains is never sent: marked
        failed with the reason, at once (no retry would change the answer). The rest goes on."""
        domains = self.settings.rehearsal_allowed()
        refused = [(c, c.mail.outside(domains)) for c in claimed if c.mail.rehearsal]
        refused = [(c, outside) for c, outside in refused if outside]
        if refused:
            with self.uow as uow:
                for item, outside in refused:
                    error = (
                        f"RehearsalRefused: a rehearsal (DIỄN TẬP) mail is sent only to "
                        f"{', '.join(domains) or 'no domain'} (CCHC_MAIL__REHEARSAL_DOMAINS); "
                        f"not sent to {', '.join(outside)}"
                    )
                    uow.outbox.mark_failed(item.id, error=error)
                    uow.commit()
            report.refused += len(refused)
            report.failed += len(refused)
        ids = {c.id for c, _outside in refused}
        return [c for c in claimed if c.id not in ids]

    async def _send_batch(self, claimed: list[Claimed], report: DeliveryReport) -> bool:
        claimed = self._refuse_outside(claimed, report)
        if not claimed:
            return True
        try:
            await self.backend.open()
        except MailError as exc:  # server down: every mail of the batch waits its back-off
            with self.uow as uow:
                for item in claimed:
                    self._record_error(uow, item, exc, report)
            return False
        try:
            with self.uow as uow:  # one session records the whole batch, a commit per mail
                return await self._send_each(uow, claimed, report)
        finally:
            await self.backend.close()

    async def _send_each(
        self, uow: UnitOfWork, claimed: list[Claimed], report: DeliveryReport
    ) -> bool:
        """Send in order. While the server answers one mail, we build the next (or the build
        processes build them all) and record the last as sent, so our own work hides behind
        the server's."""
        builds = Builds([c.mail for c in claimed], builders(self.settings.build_workers))
        delivered: Claimed | None = None
        try:
            message = await builds.get(0)
            for index, item in enumerate(claimed):
                sending = asyncio.ensure_future(self.backend.send(message))
                await asyncio.sleep(0)  # the first command is on the wire
                if index + 1 < len(claimed):
                    message = await builds.get(index + 1)
                if delivered is not None:
                    self._mark_sent(uow, delivered, report)
                    delivered = None
                try:
                    await sending
                except ConnectionLost as exc:
                    self._record_error(uow, item, exc, report)
                    self._release(uow, [c.id for c in claimed[index + 1 :]], report)
                    return False
                except MailError as exc:
                    self._record_error(uow, item, exc, report)
                else:
                    delivered = item
            return True
        finally:
            builds.cancel()
            if delivered is not None:
                self._mark_sent(uow, delivered, report)
            uow.commit()  # what was sent and not committed yet

    def _mark_sent(self, uow: UnitOfWork, item: Claimed, report: DeliveryReport) -> None:
        """Committed mail by mail (at most one send later): a crash resends at most one
        mail. A backend that replaces a resent mail (the file sink) commits every
        SENT_PER_COMMIT: what a crash resends replaces its first copy."""
        uow.outbox.mark_sent(item.id, at=self.clock.now())
        report.sent += 1
        if not self.backend.replaces_resent or report.sent % SENT_PER_COMMIT == 0:
            uow.commit()

    @staticmethod
    def _release(uow: UnitOfWork, ids: list[int], report: DeliveryReport) -> None:
        """Mails never tried (the connection went first) go back without an attempt."""
        if ids:
            uow.outbox.release(ids)
            uow.commit()
            report.released += len(ids)

    def _record_error(
        self, uow: UnitOfWork, item: Claimed, exc: MailError, report: DeliveryReport
    ) -> None:
        """Retry later with back-off, or give up when permanent or out of attempts."""
        attempts = item.attempts + 1
        error = f"{type(exc).__name__}: {exc}"
        if exc.permanent or attempts >= self.settings.max_attempts:
            uow.outbox.mark_failed(item.id, error=error)
            report.failed += 1
        else:
            wait = backoff(
                attempts,
                base_seconds=self.settings.backoff_seconds,
                cap_seconds=self.settings.backoff_cap_seconds,
            )
            not_before = next_send_time(
                self.clock.now() + wait,
                self.calendar,
                start=self.settings.office_start,
                end=self.settings.office_end,
            )
            uow.outbox.mark_retry(item.id, error=error, not_before=not_before)
            report.retried += 1
        uow.commit()
