"""The report's own rungs on a real database: the draft not ready after its day, the
Director's decision not taken after its day, the approved report not numbered on the
deadline — each mailed once, to the one who must act (the other in copy), and nothing
while the report is on time."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

from sqlalchemy import select

from domain.clock import LOCAL_TZ
from domain.report_draft import DraftState, ReportDraft
from domain.units import UnitDirectory
from services.context import PlanContext
from services.report_ladder import report_days, report_deadline_notices
from storage.tables import OutboxRow
from storage.uow import session_of
from tests.integration.conftest import World


def mails(ctx: PlanContext) -> list[OutboxRow]:
    with ctx.app.uow() as uow:
        query = select(OutboxRow).where(OutboxRow.kind == "report_deadline")
        return list(session_of(uow).scalars(query.order_by(OutboxRow.id)))


def test_each_late_step_of_the_report_is_chased_once(
    world: World, directory: UnitDirectory
) -> None:
    ctx = PlanContext(world.app, world.plan, directory, world.mailer)
    days = report_days(ctx)
    cal = world.app.calendar
    assert days.draft_due < days.decision_due < days.final_due
    assert days.draft_due > world.plan.unit_deadline().due(cal)  # after the units' reports

    def morning(day: object) -> datetime:
        return datetime.combine(day, time(7, 30), tzinfo=LOCAL_TZ)  # type: ignore[arg-type]

    assert report_deadline_notices(ctx, now=morning(days.draft_due)) == 0  # on its day: fine
    late = morning(cal.next_working_day(days.draft_due))
    assert report_deadline_notices(ctx, now=late) == 1
    assert report_deadline_notices(ctx, now=late) == 0  # once ever
    draft = ReportDraft(world.plan.code, 1, DraftState.DRAFT, created_at=late)
    with world.app.uow() as uow:
        uow.drafts.save(draft)
        uow.commit()
    assert report_deadline_notices(ctx, now=morning(days.decision_due)) == 0
    assert report_deadline_notices(ctx, now=morning(cal.next_working_day(days.decision_due))) == 1
    with world.app.uow() as uow:
        uow.drafts.save(replace(draft, state=DraftState.APPROVED))
        uow.commit()
    assert report_deadline_notices(ctx, now=morning(days.final_due)) == 1
    found = mails(ctx)
    office = directory.unit(directory.office)
    director = next(r for r in directory.recipients if r.role == "director")
    assert office is not None
    to = [m.recipients["to"][0][1] for m in found]
    assert to == [office.contact.email, director.email, office.contact.email]
    assert "dự thảo chưa sẵn sàng" in found[0].subject
    assert "chờ Giám đốc phê duyệt" in found[1].subject
    assert "chưa cấp số" in found[2].subject
