"""The use cases on in-memory adapters: assign, submit, return, extend, cancel, resend, the
sweep's rungs and the year-end decisions — no database, no server, no network.

Dates are written out from the 2025 calendar (Wed 16/4/2025 is the due day of KEY; 7/4 is
Giỗ Tổ Hùng Vương, so it is not counted), not computed by the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import pytest

from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ, FixedClock
from domain.errors import IllegalTransition, InvalidRequest, NotFound
from domain.plan import Plan
from domain.policy import Stage
from domain.report_draft import DraftAction, DraftState, ReportDraft
from domain.task import TaskKey, TaskState
from domain.units import UnitDirectory
from domain.year_end import YEAR_END, revision_key
from services import report_draft, review, stages, year_end
from services.bootstrap import mailer
from services.context import PlanContext
from services.notices import send_due_notices
from services.plans import load_plan
from services.settings import MailSettings, Settings
from services.tasks import assign, return_for_revision, submit
from tests.unit.fakes import FakeApp, Queued, Store

KEY = TaskKey("science-digital-events", "VP", Stage.PLAN)  # opens 1/4, due 16/4/2025
OTHER = TaskKey("science-digital-events", "CDS", Stage.PLAN)
PAYLOAD = {"content": "Đã lập kế hoạch", "links": []}


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


@dataclass
class Fake:
    ctx: PlanContext
    store: Store

    def task(self, key: TaskKey) -> TaskState:
        [found] = [t.task for _p, t in self.store.tasks.values() if t.task.key == key]
        return found.state

    def task_id(self, key: TaskKey) -> int:
        [found] = [t.id for _p, t in self.store.tasks.values() if t.task.key == key]
        return found

    def mails(self, kind: str, key: TaskKey | None = None) -> list[Queued]:
        wanted = None if key is None else self.task_id(key)
        return [
            q
            for q in self.store.outbox.values()
            if q.kind == kind and (wanted is None or q.task_id == wanted)
        ]

    def actions(self, key: TaskKey) -> list[str]:
        return [e.action for e in self.store.audit if e.entity_key == str(key)]


@pytest.fixture
def fake(plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar, tmp_path: Path) -> Fake:
    settings = Settings(
        database_url="sqlite://",  # never opened: the unit of work is in memory
        report_dir=tmp_path,
        mail=MailSettings(backend="memory"),
    )
    app = FakeApp(settings=settings, clock=FixedClock(at(date(2025, 4, 1))))
    app.store = Store()
    app.__dict__["calendar"] = calendar
    with app.uow() as uow:
        load_plan(
            uow,
            plan=plan,
            directory=directory,
            calendar=calendar,
            at=at(date(2025, 1, 2)),
            actor="test",
        )
    return Fake(PlanContext(app, plan, directory, mailer(app, plan, directory)), app.store)


def test_the_plan_load_stores_every_scheduled_task_once(fake: Fake) -> None:
    count = len(fake.store.tasks)
    assert count > 100
    assert fake.store.commits == 1
    with fake.ctx.app.uow() as uow:  # loaded again: nothing changes, nothing is committed
        report = load_plan(
            uow,
            plan=fake.ctx.plan,
            directory=fake.ctx.directory,
            calendar=fake.ctx.app.calendar,
            at=at(date(2025, 1, 3)),
            actor="test",
        )
    assert not report.changed
    assert len(fake.store.tasks) == count


def test_assign_queues_each_assignment_once(fake: Fake) -> None:
    with fake.ctx.app.uow() as uow:
        assert assign(uow, fake.ctx.mailer, [KEY, OTHER], now=at(date(2025, 4, 1))) == 2
    with fake.ctx.app.uow() as uow:
        assert assign(uow, fake.ctx.mailer, [KEY, OTHER], now=at(date(2025, 4, 2))) == 0
    [mail] = fake.mails("task_assigned", KEY)
    assert mail.mail.to[0].email == fake.ctx.directory.unit("VP").contact.email  # type: ignore[union-attr]
    with fake.ctx.app.uow() as uow, pytest.raises(NotFound):
        assign(uow, fake.ctx.mailer, [TaskKey("nope", "VP", Stage.PLAN)], now=at(date(2025, 4, 1)))


def test_submit_keeps_a_version_moves_the_task_and_queues_the_receipt(fake: Fake) -> None:
    def hand_in(nonce: str) -> int:
        with fake.ctx.app.uow() as uow:
            return submit(
                uow,
                fake.ctx.mailer,
                KEY,
                at=at(date(2025, 4, 10)),
                by="VP",
                payload=PAYLOAD,
                nonce=nonce,
            )

    assert hand_in("form-1") == 1
    assert hand_in("form-1") == 1  # the same form again: the version it made, nothing new
    assert hand_in("form-2") == 2  # an amendment before the due day
    assert fake.task(KEY) is TaskState.SUBMITTED
    assert [s.version for s in fake.store.submissions] == [1, 2]
    assert len(fake.mails("submission_receipt", KEY)) == 2
    assert fake.actions(KEY) == ["task.submitted", "task.submitted"]


def test_a_failure_before_commit_leaves_nothing(fake: Fake) -> None:
    def refuse() -> None:
        raise OSError("disk full")

    with fake.ctx.app.uow() as uow, pytest.raises(OSError, match="disk full"):
        submit(
            uow,
            fake.ctx.mailer,
            KEY,
            at=at(date(2025, 4, 10)),
            by="VP",
            payload=PAYLOAD,
            before_commit=refuse,
        )
    assert fake.task(KEY) is TaskState.OPEN
    assert fake.store.submissions == []
    assert fake.mails("submission_receipt") == []


def test_return_needs_a_submission_and_sends_the_reason(fake: Fake) -> None:
    with fake.ctx.app.uow() as uow, pytest.raises(IllegalTransition):
        return_for_revision(
            uow, fake.ctx.mailer, KEY, at=at(date(2025, 4, 10)), by="vp", reason="thiếu số liệu"
        )
    with fake.ctx.app.uow() as uow:
        submit(uow, fake.ctx.mailer, KEY, at=at(date(2025, 4, 10)), by="VP", payload=PAYLOAD)
    with fake.ctx.app.uow() as uow:
        return_for_revision(
            uow, fake.ctx.mailer, KEY, at=at(date(2025, 4, 11)), by="vp", reason="thiếu số liệu"
        )
    assert fake.task(KEY) is TaskState.RETURNED
    [returned] = fake.mails("returned", KEY)
    assert "thiếu số liệu" in returned.mail.content.text


def test_extend_moves_an_open_task_to_a_working_day_with_a_reason(fake: Fake) -> None:
    ctx, now = fake.ctx, at(date(2025, 4, 14))
    with pytest.raises(InvalidRequest):
        stages.extend_due(ctx, KEY, due_on=date(2025, 4, 25), at=now, by="vp", reason=" ")
    # Fri 2/5 is off (swapped with Sat 26/4, which is worked), then the weekend: the due day
    # becomes the next working day, Mon 5/5.
    assert stages.extend_due(
        ctx, KEY, due_on=date(2025, 5, 2), at=now, by="vp", reason="xin gia hạn"
    ) == date(2025, 5, 5)
    [entry] = [e for e in fake.store.audit if e.action == "task.extended"]
    assert (entry.old, entry.new) == ({"due_on": "2025-04-16"}, {"due_on": "2025-05-05"})
    with fake.ctx.app.uow() as uow:
        submit(uow, fake.ctx.mailer, KEY, at=now, by="VP", payload=PAYLOAD)
    with pytest.raises(InvalidRequest, match="chỉ gia hạn được nhiệm vụ chưa gửi"):
        stages.extend_due(ctx, KEY, due_on=date(2025, 5, 12), at=now, by="vp", reason="lần nữa")


def test_cancel_is_final_and_audited(fake: Fake) -> None:
    now = at(date(2025, 4, 3))
    stages.cancel(fake.ctx, KEY, at=now, by="vp", reason="không còn cần")
    assert fake.task(KEY) is TaskState.CANCELLED
    assert fake.actions(KEY) == ["task.cancelled"]
    with pytest.raises(IllegalTransition):
        stages.cancel(fake.ctx, KEY, at=now, by="vp", reason="lần nữa")


def test_resend_queues_once_per_token(fake: Fake) -> None:
    now = at(date(2025, 4, 3))
    assert stages.resend(fake.ctx, KEY, at=now, token="run-1") is True
    assert stages.resend(fake.ctx, KEY, at=now, token="run-1") is False
    assert stages.resend(fake.ctx, KEY, at=now, token="run-2") is True
    assert len(fake.mails("task_assigned", KEY)) == 2


@pytest.mark.parametrize(
    ("day", "kind", "mail_kind"),
    [
        (date(2025, 4, 9), "reminder", "reminder"),  # T-5: five working days before 16/4
        (date(2025, 4, 16), "reminder", "reminder"),  # T0: the due day
        (date(2025, 4, 17), "overdue", "overdue"),  # T+1, the unit head in copy
        (date(2025, 4, 21), "escalation", None),  # T+3 (Fri 18/4 is +2): the Director's digest
    ],
)
def test_the_sweep_fires_each_rung_once(
    fake: Fake, day: date, kind: str, mail_kind: str | None
) -> None:
    def sweep() -> None:
        with fake.ctx.app.uow() as uow:
            send_due_notices(uow, fake.ctx.mailer, now=at(day))

    sweep()
    fired = {(k, r) for task_id, k, r in fake.store.notices if task_id == fake.task_id(KEY)}
    assert {k for k, _r in fired} == {kind}
    before = dict(fake.store.outbox)
    sweep()  # the same instant again: nothing new
    assert fake.store.outbox == before
    if mail_kind is None:
        assert fake.mails("escalation_digest")
        assert fake.mails("reminder", KEY) == []
        assert fake.mails("overdue", KEY) == []
    else:
        [mail] = fake.mails(mail_kind, KEY)
        assert bool(mail.mail.cc) is (kind == "overdue")


def test_a_day_off_and_a_handed_in_task_get_no_rung(fake: Fake) -> None:
    with fake.ctx.app.uow() as uow:
        assert send_due_notices(uow, fake.ctx.mailer, now=at(date(2025, 4, 12))).reminders == 0
    with fake.ctx.app.uow() as uow:
        submit(uow, fake.ctx.mailer, KEY, at=at(date(2025, 4, 8)), by="VP", payload=PAYLOAD)
    with fake.ctx.app.uow() as uow:
        send_due_notices(uow, fake.ctx.mailer, now=at(date(2025, 4, 9)))
    assert fake.mails("reminder", KEY) == []
    assert not [k for k in fake.store.carried if k[0] == fake.task_id(KEY)]
    # its neighbour, still open, is reminded: in a mail of its own or in its unit's digest
    other = fake.task_id(OTHER)
    in_digest = [k for k in fake.store.carried if k[0] == other]
    assert fake.mails("reminder", OTHER) or in_digest


def test_year_end_opens_one_report_task_per_unit_and_counts_the_missing(fake: Fake) -> None:
    now = at(date(2025, 11, 3))
    queued = year_end.open_unit_reports(fake.ctx, now=now)
    reports = [t.task for _p, t in fake.store.tasks.values() if t.task.key.activity == YEAR_END]
    assert queued == len(reports) > 0
    assert year_end.open_unit_reports(fake.ctx, now=now) == 0  # once
    got = year_end.collection(fake.ctx, now=now)
    assert (got.done, got.total, got.finished) == (0, len(reports), False)
    first = reports[0].key
    with fake.ctx.app.uow() as uow:
        submit(uow, fake.ctx.mailer, first, at=now, by=first.unit, payload=PAYLOAD)
    got = year_end.collection(fake.ctx, now=now)
    assert got.done == 1
    assert len(got.missing) == len(reports) - 1
    assert year_end.collection(fake.ctx, now=at(date(2025, 11, 17))).finished  # cut-off passed


def _draft(fake: Fake, tmp_path: Path) -> None:
    docx = tmp_path / "report-2025-v1.docx"
    docx.write_bytes(b"PK docx")
    with fake.ctx.app.uow() as uow:
        uow.drafts.save(
            ReportDraft(
                fake.ctx.plan.code,
                1,
                DraftState.DRAFT,
                at(date(2025, 11, 17)),
                docx_path=str(docx),
            )
        )
        uow.commit()


def test_the_director_returns_the_draft_and_the_office_revises_it(
    fake: Fake, tmp_path: Path
) -> None:
    _draft(fake, tmp_path)
    ctx, now = fake.ctx, at(date(2025, 11, 18))
    year_end.open_unit_reports(ctx, now=at(date(2025, 11, 3)))  # as the year-end flow has
    with pytest.raises(InvalidRequest):  # a return needs comments
        review.decide(ctx, 1, approve=False, comments=" ", at=now, by="gd")
    with pytest.raises(NotFound):
        review.decide(ctx, 2, approve=True, comments="", at=now, by="gd")
    returned = review.decide(ctx, 1, approve=False, comments="Bổ sung số liệu", at=now, by="gd")
    assert returned.state is DraftState.RETURNED
    assert returned.decided_by == "gd"
    with pytest.raises(InvalidRequest):  # decided once only
        review.decide(ctx, 1, approve=True, comments="", at=now, by="gd")
    assert report_draft.open_revision(ctx, draft=returned, now=now) is True
    assert report_draft.open_revision(ctx, draft=returned, now=now) is False
    key = revision_key(ctx.directory.office, 1)
    [mail] = fake.mails("task_assigned", key)
    assert "Bổ sung số liệu" in mail.mail.content.text
    assert report_draft.revision_in(ctx, version=1) is False
    with fake.ctx.app.uow() as uow:
        submit(uow, ctx.mailer, key, at=now, by="vp", payload=PAYLOAD)
    assert report_draft.revision_in(ctx, version=1) is True
    assert report_draft.send_report(ctx, now=now) is False  # returned: nothing to send


def test_a_numbered_report_is_sent_once_with_its_file(fake: Fake, tmp_path: Path) -> None:
    _draft(fake, tmp_path)
    ctx, now = fake.ctx, at(date(2025, 11, 20))
    assert report_draft.send_report(ctx, now=now) is False  # not approved yet
    approved = review.decide(ctx, 1, approve=True, comments="", at=now, by="gd")
    assert report_draft.send_report(ctx, now=now) is False  # approved, not numbered yet
    with ctx.app.uow() as uow:  # the văn thư's step, as report_final.finalize stores it
        final = replace(
            approved.apply(DraftAction.FINALIZE),
            number_symbol="312/BC-SKHCN",
            issued_on=now.date(),
            final_docx_path=approved.docx_path,
        )
        uow.drafts.save(final)
        uow.commit()
    assert report_draft.send_report(ctx, now=now) is True
    assert report_draft.send_report(ctx, now=now) is False  # never twice
    [sent] = fake.mails("report_submitted")
    assert [a.filename for a in sent.mail.content.attachments] == ["report-2025-v1.docx"]
    assert review.latest_draft(ctx).state is DraftState.SENT  # type: ignore[union-attr]
    assert len(fake.mails("report_sent")) == 1


def test_only_activities_with_work_ahead_may_start(fake: Fake) -> None:
    assert stages.startable(fake.ctx, today=date(2024, 12, 31)) == []  # nothing open yet
    opened = stages.startable(fake.ctx, today=date(2025, 4, 1))
    assert "science-digital-events" in opened  # opens 1/4 (KEY's activity)
    assert "iso-inspection" not in opened  # its window opens 1/10
    with pytest.raises(InvalidRequest, match="nothing is started"):
        stages.startable(fake.ctx, today=date(2026, 12, 2))  # every last stage was in 2025
