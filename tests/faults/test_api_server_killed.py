"""Two Prefect API servers on PostgreSQL and Redis (`cchc up --postgres … --redis …
--api-servers 2 --workers 2`): with the six activity runs at their gates and one of them
just resumed through the portal, one API server is killed with SIGKILL. Units hand in
through the portal meanwhile, which resumes their runs through the other server; every run
completes; no task, mail or submission is lost or doubled. The server started again answers
and takes its turn behind the proxy."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from domain.policy import Stage
from flows import common
from services.context import PlanContext
from services.prefect_adapter import runs as prefect_runs
from services.prefect_adapter.probes import PrefectProbe
from tests.conftest import PLAN_CODE
from tests.e2e.test_up_postgres import rehearsal
from tests.faults.kit import (
    assigned_keys,
    hand_in_everything,
    hand_in_through_the_portal,
    point_at,
)
from tests.faults.test_worker_killed import counts, start_every_activity, states, wait_until

pytestmark = pytest.mark.postgres
SECRET = "khoa-ky-duong-dan-thu-nghiem-ha"
SERVERS = re.compile(r"2 Prefect API servers on ports (\d+), (\d+)")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of its own (emptied before and after); skipped without Redis."""
    url = os.environ.get("CCHC_TEST_REDIS_URL") or "redis://127.0.0.1:6379/11"
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        client.close()
        if os.environ.get("CCHC_REQUIRE_REDIS"):
            pytest.fail(f"Redis is required (CCHC_REQUIRE_REDIS) but {url} fails: {exc}")
        pytest.skip(f"no Redis at {url}: {exc}")
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def ha_stack(
    base_url: str,
    stack_env: dict[str, str],
    redis_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, str]]:
    """The two-server rehearsal running; this process pointed at its database and proxy."""
    stack_env = stack_env | {"CCHC_SECRET_KEY": SECRET}
    extra = ("--redis", redis_url, "--api-servers", "2")
    with rehearsal(base_url, stack_env, tmp_path, *extra):
        found = SERVERS.search((tmp_path / "up.log").read_text(encoding="utf-8"))
        assert found, (tmp_path / "up.log").read_text(encoding="utf-8")
        with point_at(base_url, stack_env, monkeypatch) as env:
            yield env | {"SERVER_1": found.group(1), "SERVER_2": found.group(2)}


def kill_server(port: str) -> tuple[list[str], dict[str, str]]:
    """SIGKILL the API server on `port`; its command line and environment, to start it again."""
    pattern = f"prefect server start --no-services .*--port {port}$"
    pids = subprocess.run(
        ["pgrep", "-f", pattern], capture_output=True, text=True, check=False
    ).stdout.split()
    assert len(pids) == 1, f"API server on port {port}: {pids}"
    proc = Path("/proc") / pids[0]
    args = [a.decode() for a in (proc / "cmdline").read_bytes().split(b"\0") if a]
    env = dict(
        item.decode().split("=", 1) for item in (proc / "environ").read_bytes().split(b"\0") if item
    )
    os.kill(int(pids[0]), signal.SIGKILL)
    return args, env


def plan_stage_keys(ctx: PlanContext) -> dict[str, list[str]]:
    """activity → the keys of its plan stage's tasks (the lead units')."""
    found: dict[str, list[str]] = {}
    with ctx.app.uow() as uow:
        for activity in ctx.plan.activities:
            slot = uow.tasks.slot(
                plan=ctx.plan.code, activity=activity.code, stage=Stage.PLAN, seq=1
            )
            found[activity.code] = [str(task.key) for _id, task in slot]
    return found


def test_an_api_server_killed_loses_nothing_and_rejoins(
    ha_stack: dict[str, str], tmp_path: Path
) -> None:
    api, auth = ha_stack["PREFECT_API_URL"], ha_stack["PREFECT_API_AUTH_STRING"]
    ctx = common.context(PLAN_CODE)
    start_every_activity(api, ctx)
    wait_until(api, "Suspended", 6, seconds=240)  # each at its plan gate
    leads = plan_stage_keys(ctx)
    first, *others = sorted(leads)
    for key in leads[first]:  # one run resumed: mid-stage when its server goes
        hand_in_through_the_portal(ha_stack, ctx, key, secret=SECRET)
    args, env = kill_server(ha_stack["SERVER_1"])
    for activity in others:  # the portal resumes each run through the server left
        for key in leads[activity]:
            hand_in_through_the_portal(ha_stack, ctx, key, secret=SECRET)
    portal_log = (tmp_path / "prefect" / "portal.log").read_text(encoding="utf-8")
    assert "could not resume" not in portal_log  # every resume went through the other server
    assert hand_in_everything(ctx) > 0  # the later stages, through the service
    before = counts(ctx)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    deadline = time.monotonic() + 300
    with temporary_settings(updates={PREFECT_API_URL: api}):
        while set(states(api).values()) != {"Completed"}:  # the sweep's reconciler, in turn
            assert time.monotonic() < deadline, states(api)
            prefect_runs.reconcile(ctx, now=ctx.app.clock.now())
            time.sleep(5)
    final = wait_until(api, "Completed", 6, seconds=60)
    assert set(final.values()) == {"Completed"}
    after = counts(ctx)
    assert after["tasks"] == before["tasks"] == 180  # no task created twice
    assert after["submissions"] == before["submissions"] == 180  # nothing lost
    assigned = assigned_keys(ctx)
    assert len(assigned) == len(set(assigned)) >= 6  # no assignment twice

    log = (tmp_path / "server-1-again.log").open("wb")
    again = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        own = PrefectProbe(f"http://127.0.0.1:{ha_stack['SERVER_1']}/api", auth)
        deadline = time.monotonic() + 120
        while own.health_problem() is not None:
            assert again.poll() is None, (tmp_path / "server-1-again.log").read_text()
            assert time.monotonic() < deadline, own.health_problem()
            time.sleep(1)
        time.sleep(4)  # the proxy tries a server again after it rested (deploy/proxy.py)
        proxy = PrefectProbe(api, auth)
        assert all(proxy.health_problem() is None for _ in range(6))  # both servers in turn
        assert states(api) == final  # the same runs, read through either server
    finally:
        again.send_signal(signal.SIGINT)
        try:
            again.wait(timeout=30)
        except subprocess.TimeoutExpired:
            again.kill()
        log.close()


def test_the_layout_wants_redis_and_postgresql(tmp_path: Path) -> None:
    """Several servers without Redis, or without PostgreSQL, are refused before anything runs."""
    from typer.testing import CliRunner

    from cli.main import app as cli

    runner = CliRunner()
    no_redis = runner.invoke(cli, ["up", "--check", "--api-servers", "2"])
    assert no_redis.exit_code == 2
    assert "--redis" in no_redis.output
    no_postgres = runner.invoke(
        cli, ["up", "--check", "--api-servers", "2", "--redis", "redis://127.0.0.1:6379/11"]
    )
    assert no_postgres.exit_code == 1
    assert "--postgres" in no_postgres.output
    wrong = runner.invoke(
        cli, ["up", "--check", "--api-servers", "2", "--redis", f"http://{uuid.uuid4().hex}"]
    )
    assert wrong.exit_code == 2
    assert "redis://" in wrong.output
