"""Plans for the e2e tests, published as `cchc plan publish` does, on the Prefect API the
session shares: each test writes its plan under a code of its own."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from domain.plan import Plan
from services import plan_lifecycle
from services.bootstrap import App, mailer
from services.context import plan_context
from services.plan_inputs import unit_directory
from services.prefect_adapter import deployments, starts
from tests.conftest import PLAN_CODE, PLAN_PATH


def plan_2026(folder: Path, name: str = "v1.yaml") -> Path:
    """The 2025 plan moved to 2026 as plain text, under a code of the test's own."""
    code = f"2026-skhcn-{uuid.uuid4().hex[:8]}"
    text = PLAN_PATH.read_text(encoding="utf-8").replace(f"code: {PLAN_CODE}", f"code: {code}")
    path = folder / name
    path.write_text(text.replace("2025", "2026"), encoding="utf-8")
    return path


def publish(app: App, plan: Plan, reason: str) -> tuple[Any, deployments.Applied]:
    """What `cchc plan publish` does, on the app's (fixed) clock."""
    directory = unit_directory(app.settings)
    with app.uow() as uow:
        done = plan_lifecycle.publish(
            uow,
            plan=plan,
            directory=directory,
            calendar=app.calendar,
            at=app.clock.now(),
            actor="vanphong",
            reason=reason,
            mailer=mailer(app, plan, directory),
        )
    applied = deployments.apply(plan, app.calendar, work_pool="cchc-test")
    starts.start_open(plan_context(plan.code, app), now=app.clock.now())
    return done, applied
