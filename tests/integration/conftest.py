"""A loaded database, a mailer and a fixed clock: the set-up the mail tests share."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest

from documents.report.pdf import soffice_path
from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ, FixedClock
from domain.plan import Plan
from domain.units import UnitDirectory
from services.bootstrap import App, bootstrap, mailer
from services.mail import Mailer
from services.plans import load_plan
from services.settings import MailSettings, Settings
from storage.migrate import upgrade

MORNING = datetime(2025, 4, 1, 8, 0, tzinfo=LOCAL_TZ)  # a Tuesday, inside office hours


@pytest.fixture
def soffice() -> str:
    """LibreOffice's soffice; the test is skipped without it, unless CI requires it."""
    found = soffice_path()
    if found is None:
        if os.environ.get("CCHC_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("CCHC_REQUIRE_LIBREOFFICE=1 but LibreOffice (soffice) is not installed")
        pytest.skip(
            "LibreOffice (soffice) is not installed; .ci/run installs libreoffice-writer-nogui"
        )
    return found


@dataclass
class World:
    app: App
    clock: FixedClock
    mailer: Mailer
    plan: Plan


@pytest.fixture
def world(
    database_url: str, plan: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> Iterator[World]:
    upgrade(database_url)
    settings = Settings(
        database_url=database_url, mail=MailSettings(backend="memory", backoff_seconds=60)
    )
    clock = FixedClock(MORNING)
    app = bootstrap(settings, clock=clock)
    app.__dict__["calendar"] = calendar  # the session's calendar: same data, loaded once
    with app.uow() as uow:
        load_plan(
            uow, plan=plan, directory=directory, calendar=calendar, at=clock.now(), actor="test"
        )
    yield World(app, clock, mailer(app, plan, directory), plan)
    app.close()
