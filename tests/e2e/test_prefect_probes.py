"""The Prefect probes of `cchc up --check` and `cchc doctor`, through Prefect's own client,
against a real API (the session's prefect_test_harness), a closed port, and no URL at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate

from services.prefect_adapter.probes import NO_URL, ApiUnreadable, PrefectProbe
from services.prefect_adapter.settings import client_settings
from tests.smtp_server import free_port

POOL = "probe-pool"


@flow(name="probe-target")
def target() -> None:
    """A flow to register a deployment of."""


def test_without_a_url_a_probe_says_no_api_answers_and_asks_nobody() -> None:
    probe = PrefectProbe(None)
    assert probe.health_problem() == NO_URL
    with pytest.raises(ApiUnreadable, match="PREFECT_API_URL is not set"):
        probe.work_pool_exists(POOL)


def test_a_probe_of_a_closed_port_says_the_api_does_not_answer() -> None:
    url = f"http://127.0.0.1:{free_port()}/api"
    probe = PrefectProbe(url, timeout=2)
    problem = probe.health_problem()
    assert problem is not None
    assert problem.startswith(f"{url} does not answer (")
    with pytest.raises(ApiUnreadable):
        probe.online_workers(POOL)


@pytest.mark.usefixtures("prefect_api")
def test_a_probe_of_a_running_api_reads_its_pool_workers_and_deployments() -> None:
    url, auth = client_settings()
    probe = PrefectProbe(url, auth)
    assert probe.health_problem() is None
    assert not probe.work_pool_exists(POOL)
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name=POOL, type="process"), overwrite=True)
        client.send_worker_heartbeat(POOL, "probe-worker-1", heartbeat_interval_seconds=30)
    assert probe.work_pool_exists(POOL)
    assert probe.online_workers(POOL) == ["probe-worker-1"]
    later = datetime.now(UTC) + timedelta(hours=1)
    assert probe.online_workers(POOL, since=later) == []  # a worker of an earlier start
    assert probe.deployment_problems({"probe-target/probe-deployment": POOL}) == [
        "1 of 1 missing: probe-target/probe-deployment"
    ]
    deployment: Any = target.to_deployment(name="probe-deployment", work_pool_name=POOL)
    deployment.apply()
    assert probe.deployment_problems({"probe-target/probe-deployment": POOL}) == []
    assert probe.deployment_problems({"probe-target/probe-deployment": "another-pool"}) == [
        "on another work pool than prefect.yaml says: probe-target/probe-deployment"
    ]
    # a deployment's name is unique per flow only: another flow's of the same name is missing
    assert probe.deployment_problems({"another-flow/probe-deployment": POOL}) == [
        "1 of 1 missing: another-flow/probe-deployment"
    ]
