"""Fixtures the unit tests share."""

from __future__ import annotations

import pytest

from domain.calendar import WorkingCalendar
from domain.plan import Plan
from domain.units import UnitDirectory
from notifications.render import Renderer
from services.links import LinkSigner
from services.mail import Mailer
from services.settings import MailSettings


@pytest.fixture
def mailer(plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar) -> Mailer:
    return Mailer(
        plan=plan,
        directory=directory,
        calendar=calendar,
        renderer=Renderer(year=plan.year, slogans=[s.display for s in plan.slogans]),
        links=LinkSigner(secret="test-secret", base_url="https://cchc.example.invalid"),
        settings=MailSettings(),
    )
