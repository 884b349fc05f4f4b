"""The Prefect server of `cchc up` against other sites and anonymous callers.

A browser may call its API cross-origin only from the UI's own pages; with
PREFECT_SERVER_API_AUTH_STRING set the API refuses callers without the string, while the
stack's worker, its own check and `cchc doctor` answer with it. One `cchc up` (SQLite, one
worker, spare ports) serves the whole module: about a minute on two cores.
"""

from __future__ import annotations

import os
import secrets
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from deploy.probes import expected_deployments
from deploy.stack import ROOT, Stack
from services.settings import Settings, StackSettings
from tests.e2e.test_up_postgres import wait_for_line
from tests.smtp_server import free_port

CCHC = str(Path(sys.executable).with_name("cchc"))
USER, PASSWORD = "admin", secrets.token_urlsafe(16)
AUTH = f"{USER}:{PASSWORD}"
EVIL = "http://evil.example"
T = TypeVar("T")


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`cchc up` running behind an auth string; yields the settings it was started with."""
    folder = tmp_path_factory.mktemp("stack")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCHC_", "PREFECT_"))}
    env |= {
        "CCHC_STACK__PREFECT_PORT": str(free_port()),
        "CCHC_STACK__SINK_PORT": str(free_port()),
        "CCHC_STACK__PORTAL_PORT": str(free_port()),
        "CCHC_STACK__PREFECT_HOME": str(folder / "prefect"),
        "CCHC_STACK__SINK_DIR": str(folder / "sink"),
        "CCHC_DATABASE_URL": f"sqlite:///{folder / 'cchc.db'}",
        "CCHC_REPORT_DIR": str(folder / "reports"),
        "CCHC_BPMN_DIR": str(folder / "bpmn"),
        "PREFECT_SERVER_API_AUTH_STRING": AUTH,
    }
    log = folder / "up.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [CCHC, "up"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for_line(process, log, "running — Ctrl-C stops")
        yield env
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)


def ui_origin(env: dict[str, str]) -> str:
    return f"http://127.0.0.1:{env['CCHC_STACK__PREFECT_PORT']}"


class Patient(httpx.HTTPTransport):
    """Asks again where Prefect's own client does: 429 and 503 (its SQLite database busy)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(6):
            response = super().handle_request(request)
            if response.status_code not in (429, 503) or attempt == 5:
                break
            response.close()
            time.sleep(1 + attempt)
        return response


def api(env: dict[str, str]) -> httpx.Client:
    """The stack's API as its own clients reach it: with the auth string."""
    return httpx.Client(
        base_url=f"{ui_origin(env)}/api", auth=(USER, PASSWORD), timeout=10, transport=Patient()
    )


def deployment(env: dict[str, str], name: str = "now") -> dict[str, Any]:
    with api(env) as client:
        found = client.post("/deployments/filter", json={"deployments": {"name": {"any_": [name]}}})
    [one] = found.raise_for_status().json()
    return dict(one)


def preflight(env: dict[str, str], origin: str) -> httpx.Response:
    """What a browser asks before a page at `origin` POSTs to create_flow_run."""
    url = f"{ui_origin(env)}/api/deployments/{deployment(env)['id']}/create_flow_run"
    return httpx.options(
        url,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )


def test_another_site_is_granted_no_cross_origin_call(up: dict[str, str]) -> None:
    answer = preflight(up, EVIL)
    assert "access-control-allow-origin" not in answer.headers, answer.headers  # no * either
    assert answer.status_code == 400
    health = httpx.get(f"{ui_origin(up)}/api/health", headers={"Origin": EVIL})
    assert health.status_code == 200
    assert "access-control-allow-origin" not in health.headers


def test_the_ui_s_own_origin_is_granted_the_call(up: dict[str, str]) -> None:
    port = up["CCHC_STACK__PREFECT_PORT"]
    for origin in (ui_origin(up), f"http://localhost:{port}"):
        answer = preflight(up, origin)
        assert answer.status_code == 200, origin
        assert answer.headers["access-control-allow-origin"] == origin
        assert "POST" in answer.headers["access-control-allow-methods"]


def test_the_api_refuses_a_caller_without_the_auth_string(up: dict[str, str]) -> None:
    url = f"{ui_origin(up)}/api/deployments/{deployment(up)['id']}/create_flow_run"
    assert httpx.post(url, json={}).status_code == 401
    assert httpx.post(url, json={}, auth=(USER, "wrong")).status_code == 401
    assert httpx.post(url, content=b"", headers={"Content-Type": "text/plain"}).status_code == 401
    # Prefect leaves /health open to anyone (for load balancers); it tells nothing else.
    assert httpx.get(f"{ui_origin(up)}/api/health").status_code == 200


@pytest.mark.parametrize("path", ["/api/events/in", "/api/events/out"])
def test_the_event_websockets_refuse_a_page_without_the_auth_string(
    up: dict[str, str], path: str
) -> None:
    url = ui_origin(up).replace("http://", "ws://") + path
    with pytest.raises(InvalidStatus) as refused:
        connect(url, origin=Origin(EVIL), open_timeout=10).close()
    assert refused.value.response.status_code == 403


def test_a_worker_runs_a_deployment_and_reports_its_events_with_the_auth_string(
    up: dict[str, str],
) -> None:
    day_off = "2025-06-01T08:00:00+07:00"  # a Sunday: the sweep looks and ends at once
    with api(up) as client:
        run = (
            client.post(
                f"/deployments/{deployment(up)['id']}/create_flow_run",
                json={"parameters": {"now": day_off}},
            )
            .raise_for_status()
            .json()
        )
        state = wait(lambda: final_state(client, run["id"]), seconds=180)
        assert state == "COMPLETED"
        submitted = wait(lambda: worker_events(client, run["id"]), seconds=60)
    assert "prefect.worker.submitted-flow-run" in submitted


def test_the_stack_s_own_check_passes_with_the_auth_string_and_names_a_wrong_one(
    up: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in up.items():
        if name.startswith(("CCHC_", "PREFECT_")):
            monkeypatch.setenv(name, value)
    stack = Stack(Settings(), say=lambda _: None)
    assert stack.check() == []
    monkeypatch.setenv("PREFECT_SERVER_API_AUTH_STRING", f"{USER}:wrong")
    assert stack.check() == [
        f"Prefect API: {ui_origin(up)}/api answered 401 Unauthorized: "
        "PREFECT_API_AUTH_STRING is not the server's PREFECT_SERVER_API_AUTH_STRING"
    ]


def test_doctor_passes_against_the_stack_with_the_auth_string(
    up: dict[str, str], tmp_path: Path
) -> None:
    deadline = time.monotonic() + 120  # the worker's first heartbeat may still be due
    while (result := doctor(up, tmp_path, PREFECT_API_AUTH_STRING=AUTH)).returncode != 0:
        if time.monotonic() > deadline:
            break
        time.sleep(2)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"✓ Prefect API: {ui_origin(up)}/api healthy" in result.stdout
    assert "✓ work pool cchc-local: 1 online worker(s)" in result.stdout
    expected = f"✓ deployments: all {len(expected_deployments())} of prefect.yaml registered"
    assert expected in result.stdout


@pytest.mark.parametrize(
    ("auth", "why"),
    [
        (None, "the server asks for an auth string and PREFECT_API_AUTH_STRING is not set"),
        (f"{USER}:wrong", "PREFECT_API_AUTH_STRING is not the server's"),
    ],
    ids=["missing", "wrong"],
)
def test_doctor_says_when_the_auth_string_is_missing_or_wrong(
    up: dict[str, str], tmp_path: Path, auth: str | None, why: str
) -> None:
    result = doctor(up, tmp_path, **({"PREFECT_API_AUTH_STRING": auth} if auth else {}))
    assert result.returncode == 1
    [line] = [row for row in result.stdout.splitlines() if row.startswith("✗ Prefect API:")]
    assert f"{ui_origin(up)}/api answered 401 Unauthorized: {why}" in line
    assert "    fix: export PREFECT_API_AUTH_STRING='user:password'" in result.stdout
    assert "– work pool cchc-local: not checked" in result.stdout


def test_a_cchc_command_without_the_auth_string_says_so_without_a_traceback(
    up: dict[str, str], tmp_path: Path
) -> None:
    done = another_shell(
        up, tmp_path, ["flow", "automations"], PREFECT_FLOWS_HEARTBEAT_FREQUENCY="30"
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "answered 401 Unauthorized: export PREFECT_API_AUTH_STRING" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_value_of_the_user_s_wins_over_the_stack_s_cors_origins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stack = Stack(Settings(stack=StackSettings(prefect_port=4321)), say=lambda _: None)
    monkeypatch.delenv("PREFECT_SERVER_CORS_ALLOWED_ORIGINS", raising=False)
    monkeypatch.delenv("PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS", raising=False)
    assert stack.env()["PREFECT_SERVER_CORS_ALLOWED_ORIGINS"] == (
        "http://127.0.0.1:4321,http://localhost:4321"
    )
    monkeypatch.setenv("PREFECT_SERVER_CORS_ALLOWED_ORIGINS", "https://prefect.example")
    assert stack.env()["PREFECT_SERVER_CORS_ALLOWED_ORIGINS"] == "https://prefect.example"


def test_without_a_string_of_the_user_s_the_stack_makes_one_and_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PREFECT_SERVER_API_AUTH_STRING", raising=False)
    settings = Settings(stack=StackSettings(prefect_home=tmp_path / "prefect"))
    env = Stack(settings, say=lambda _: None).env()
    made = env["PREFECT_SERVER_API_AUTH_STRING"]
    assert made.startswith("cchc:")
    assert len(made) >= 30
    assert env["PREFECT_API_AUTH_STRING"] == made  # the stack's own processes answer with it
    kept = tmp_path / "prefect" / "api-auth-string"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    again = Stack(settings, say=lambda _: None).env()  # the next `cchc up`: the same string
    assert again["PREFECT_SERVER_API_AUTH_STRING"] == made
    monkeypatch.setenv("PREFECT_SERVER_API_AUTH_STRING", AUTH)  # the user's own wins
    assert Stack(settings, say=lambda _: None).env()["PREFECT_API_AUTH_STRING"] == AUTH


def another_shell(
    env: dict[str, str], folder: Path, args: list[str], **settings: str
) -> subprocess.CompletedProcess[str]:
    """`cchc ARGS` from another shell on the machine: the stack's URLs, no server string."""
    shell = {k: v for k, v in env.items() if k != "PREFECT_SERVER_API_AUTH_STRING"}
    shell |= {
        "PREFECT_HOME": str(folder / "prefect-home"),  # no profile of this machine's
        "PREFECT_API_URL": f"{ui_origin(env)}/api",
        **settings,
    }
    return subprocess.run(
        [CCHC, *args], env=shell, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def doctor(env: dict[str, str], folder: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """`cchc doctor` from another shell, checking the stack's sink and portal too."""
    return another_shell(
        env,
        folder,
        ["doctor"],
        CCHC_MAIL__BACKEND="smtp",
        CCHC_MAIL__SMTP__PORT=env["CCHC_STACK__SINK_PORT"],
        CCHC_PORTAL__BASE_URL=f"http://127.0.0.1:{env['CCHC_STACK__PORTAL_PORT']}",
        **settings,
    )


def final_state(client: httpx.Client, run_id: str) -> str | None:
    state = client.get(f"/flow_runs/{run_id}").raise_for_status().json()["state"]
    final = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
    return str(state["type"]) if state and state["type"] in final else None


def worker_events(client: httpx.Client, run_id: str) -> set[str] | None:
    """Names of the worker's events about the run, once the server has stored any."""
    found = (
        client.post(
            "/events/filter",
            json={
                "filter": {
                    "event": {"prefix": ["prefect.worker."]},
                    "related": {"id": [f"prefect.flow-run.{run_id}"]},
                },
                "limit": 50,
            },
        )
        .raise_for_status()
        .json()
    )
    return {str(event["event"]) for event in found["events"]} or None


def wait(probe: Callable[[], T | None], *, seconds: float) -> T:
    deadline = time.monotonic() + seconds
    while (value := probe()) is None:
        if time.monotonic() > deadline:
            pytest.fail(f"nothing after {seconds} s")
        time.sleep(1)
    return value
