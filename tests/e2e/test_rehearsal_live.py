"""The live path on any day: a rehearsal copy opening today, published through the CLI to a
real Prefect API, its first run taken by a worker's engine, and the first mail's link
opening its form on the portal."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.exceptions import Pause
from prefect.flow_engine import run_flow
from sqlalchemy import select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app as cli
from domain.clock import LOCAL_TZ, local_date
from flows import common
from flows.propagation import propagation
from portal.app import create_app
from services.bootstrap import bootstrap
from services.prefect_adapter import deployments
from services.prefect_adapter.deployments import OPENS_AT
from services.settings import Settings
from storage.migrate import upgrade
from storage.tables import OutboxRow
from tests.conftest import PLAN_PATH, UNITS_PATH

pytestmark = pytest.mark.usefixtures("prefect_api")
runner = CliRunner()


def test_the_rehearsals_first_mail_carries_a_link_that_opens_its_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cchc.db'}"
    for name, value in {
        "CCHC_DATABASE_URL": url,
        "CCHC_MAIL__BACKEND": "memory",
        "CCHC_UNITS_PATH": str(UNITS_PATH),
        "CCHC_REPORT_DIR": str(tmp_path / "reports"),
    }.items():
        monkeypatch.setenv(name, value)
    common.CACHE.clear()
    upgrade(url)
    copy = tmp_path / "dien-tap.yaml"
    now = datetime.now(UTC)
    today = local_date(now)
    # Today, or yesterday before today's runs start (07:00 local): publish starts only what
    # its schedule has already missed; on a day whose deadlines straddle Tết, earlier.
    skip = 0 if now.astimezone(LOCAL_TZ).time() >= OPENS_AT else 1
    for back in range(skip, skip + 30):
        start = (today - timedelta(days=back)).isoformat()
        made = runner.invoke(
            cli, ["plan", "rehearsal", str(PLAN_PATH), "-o", str(copy), "--start", start]
        )
        if made.exit_code == 0 or "try another --start" not in made.output:
            break
    assert made.exit_code == 0, made.output
    published = runner.invoke(cli, ["plan", "publish", str(copy), "--reason", "diễn tập"])
    assert published.exit_code == 0, published.output
    code = re.search(r"^(\S+): version 1 published \(new\)", published.stdout, re.M)
    assert code, published.stdout
    plan = code.group(1)
    assert "started (window open):" in published.stdout  # its first windows open today
    ids = deployments.plan_deployment_ids(plan)
    with get_client(sync_client=True) as client:  # the worker's part: run what was started
        started = [
            r for r in client.read_flow_runs() if r.deployment_id in ids.values() and r.parameters
        ]
        assert started
        first = started[0]
        with contextlib.suppress(Pause):
            run_flow(propagation, flow_run=first, parameters=first.parameters, return_type="state")
    app = bootstrap()
    with app.engine.connect() as conn:
        mails = conn.execute(
            select(OutboxRow.subject, OutboxRow.body_text).where(OutboxRow.kind == "task_assigned")
        ).all()
    app.close()
    assert mails
    subject, body = mails[0]
    assert subject.startswith("[DIỄN TẬP]")
    link = re.search(r"https?://\S+(/t/[A-Za-z0-9._\-]+)", body)
    assert link, body
    with TestClient(create_app(Settings())) as portal:
        page = portal.get(link.group(1))
    assert page.status_code == 200, page.text
    assert "<form" in page.text
    assert "DIỄN TẬP" in page.text
    deployments.close(plan, message="test over")  # the Prefect API is shared by the session
