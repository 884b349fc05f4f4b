"""`cchc up --postgres URL --workers 2`: the production rehearsal on one machine, end to end.

Slow (a Prefect server migrating a fresh PostgreSQL database, two workers, the portal): runs
only when CCHC_TEST_POSTGRES_URL names a server; each test creates and drops its databases.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from deploy.probes import expected_deployments
from documents.plans.files import load_plan
from storage.migrate import head_revision
from tests.conftest import PLAN_PATH
from tests.smtp_server import free_port

pytestmark = pytest.mark.postgres
CCHC = str(Path(sys.executable).with_name("cchc"))


@pytest.fixture
def base_url(postgres_server_url: str | None) -> Iterator[str]:
    """A server URL naming a fresh base B; B_cchc and B_prefect are dropped afterwards."""
    if postgres_server_url is None:
        pytest.skip("CCHC_TEST_POSTGRES_URL is not set")
    base = f"cchc_up_{uuid.uuid4().hex[:10]}"
    yield make_url(postgres_server_url).set(database=base).render_as_string(hide_password=False)
    admin = create_engine(
        make_url(postgres_server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        for name in (f"{base}_cchc", f"{base}_prefect"):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def stack_env(tmp_path: Path) -> dict[str, str]:
    """Spare ports and a scratch home, so that another stack on this machine is no obstacle."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCHC_", "PREFECT_"))}
    return env | {
        "CCHC_STACK__PREFECT_PORT": str(free_port()),
        "CCHC_STACK__SINK_PORT": str(free_port()),
        "CCHC_STACK__PORTAL_PORT": str(free_port()),
        "CCHC_STACK__PREFECT_HOME": str(tmp_path / "prefect"),
        "CCHC_STACK__SINK_DIR": str(tmp_path / "sink"),
        "CCHC_REPORT_DIR": str(tmp_path / "reports"),
        "CCHC_BPMN_DIR": str(tmp_path / "bpmn"),
    }


def scalar(url: str, query: str) -> object:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(query)).scalar()
    finally:
        engine.dispose()


def test_check_brings_up_every_part_on_postgresql_with_two_workers_and_stops(
    base_url: str, stack_env: dict[str, str]
) -> None:
    result = subprocess.run(
        [CCHC, "up", "--postgres", base_url, "--workers", "2", "--check"],
        env=stack_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all parts answer" in result.stdout
    assert "2 worker(s) on pool cchc-local" in result.stdout
    tables = make_url(base_url).set(drivername="postgresql+psycopg")
    cchc = tables.set(database=f"{tables.database}_cchc")
    prefect = tables.set(database=f"{tables.database}_prefect")
    assert scalar(cchc.render_as_string(False), "SELECT version_num FROM alembic_version") == (
        head_revision()
    )
    plan = load_plan(PLAN_PATH)  # its deployments are made from its data: one per activity
    assert (
        scalar(prefect.render_as_string(False), "SELECT count(*) FROM deployment")
        == len(expected_deployments()) + len(plan.activities) + 1
    )
    assert scalar(prefect.render_as_string(False), "SELECT count(*) FROM worker") == 2


def test_doctor_passes_against_the_running_rehearsal(
    base_url: str, stack_env: dict[str, str], tmp_path: Path
) -> None:
    with rehearsal(base_url, stack_env, tmp_path) as up:
        doctor_env = stack_env | {
            "PREFECT_API_URL": f"http://127.0.0.1:{stack_env['CCHC_STACK__PREFECT_PORT']}/api",
            "PREFECT_API_AUTH_STRING": auth_string(stack_env),
            "CCHC_DATABASE_URL": cchc_url(base_url),
            "CCHC_MAIL__BACKEND": "smtp",
            "CCHC_MAIL__SMTP__PORT": stack_env["CCHC_STACK__SINK_PORT"],
            "CCHC_PORTAL__BASE_URL": f"http://127.0.0.1:{stack_env['CCHC_STACK__PORTAL_PORT']}",
        }
        anonymous = httpx.get(f"{doctor_env['PREFECT_API_URL']}/admin/version", timeout=10)
        assert anonymous.status_code == 401  # the string cchc up made guards the API
        deadline = time.monotonic() + 120  # the workers' first heartbeats may still be due
        while True:
            doctor = subprocess.run(
                [CCHC, "doctor"],
                env=doctor_env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            both = "2 online worker(s)" in doctor.stdout  # one may pass before the other beats
            if (doctor.returncode == 0 and both) or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert "✓ work pool cchc-local: 2 online worker(s)" in doctor.stdout
        expected = f"✓ deployments: all {len(expected_deployments())} of prefect.yaml registered"
        assert expected in doctor.stdout
    assert up.returncode == 0, (tmp_path / "up.log").read_text(encoding="utf-8")


@contextmanager
def rehearsal(
    base_url: str, stack_env: dict[str, str], folder: Path, *extra: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`cchc up --postgres … --workers 2` running (its log in folder/up.log); Ctrl-C after.
    `extra`: more options of `cchc up` (several API servers)."""
    with (folder / "up.log").open("w") as log:
        up = subprocess.Popen(
            [CCHC, "up", "--postgres", base_url, "--workers", "2", *extra],
            env=stack_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_line(up, folder / "up.log", "running — Ctrl-C stops")
            yield up
        finally:
            up.send_signal(signal.SIGINT)
            up.wait(timeout=120)


def auth_string(stack_env: dict[str, str]) -> str:
    """The string the rehearsal's API asks for: `cchc up` made it in its Prefect home."""
    home = Path(stack_env["CCHC_STACK__PREFECT_HOME"])
    return (home / "api-auth-string").read_text(encoding="utf-8").strip()


def cchc_url(base_url: str) -> str:
    """The rehearsal's own tables: database `<base>_cchc`, through psycopg."""
    base = make_url(base_url)
    return base.set(
        drivername="postgresql+psycopg", database=f"{base.database}_cchc"
    ).render_as_string(hide_password=False)


def wait_for_line(process: subprocess.Popen[bytes], log: Path, wanted: str) -> None:
    deadline = time.monotonic() + 400
    while wanted not in log.read_text(encoding="utf-8"):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"`cchc up` did not come up:\n{log.read_text(encoding='utf-8')}")
        time.sleep(1)
