"""Warm starts (services/prefect_adapter/warm.py and warm_start.py): a real warm process on a
Unix socket and real starters as the process worker runs them. The flow runs here never
reach an API (one that is not valid, one whose API never answers), which is enough to see
what the starter passes on: streams, environment, exit code, signals; the stack's fault tests
run whole flows through it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.prefect_adapter import warm
from tests.processes import alive, gone

ROOT = Path(__file__).resolve().parents[2]
STARTER = [sys.executable, "-S", "-E", str(ROOT / "services" / "prefect_adapter" / "warm_start.py")]
FORKED = re.compile(r"warm: flow run (\S+) in process (\d+)")


@pytest.fixture(scope="module")
def silent_api() -> Iterator[str]:
    """An API address that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/api"
    listener.close()


@pytest.fixture(scope="module")
def warm_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A warm process like the one `cchc up` starts: its socket and its log."""
    home = tmp_path_factory.mktemp("warm")
    path, log = home / warm.SOCKET, home / "warm.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            warm.command(path),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while not path.exists():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    yield path, log
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0
    assert not path.exists()  # the socket goes with it


def start(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        STARTER, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def forked(log: Path, run: str, timeout: float = 30) -> int:
    """The pid of the process the warm process forked for flow run `run`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for found, pid in FORKED.findall(log.read_text()):
            if found == run:
                return int(pid)
        time.sleep(0.05)
    raise AssertionError(f"no fork for {run}:\n{log.read_text()}")


def test_the_pool_runs_its_flows_through_the_starter() -> None:
    command = warm.pool_template()["variables"]["properties"]["command"]["default"]
    assert command == " ".join(STARTER)


def test_warm_and_cold_starts_answer_alike(warm_process: tuple[Path, Path], tmp_path: Path) -> None:
    """The engine's own answer to a flow run id that is not one — its message on the
    starter's stderr, its exit code — is the same through the warm process and without it."""
    path, log = warm_process
    answers = []
    for socket_path in (str(path), str(tmp_path / "no-warm-process.sock")):
        env = {**os.environ, "CCHC_WARM_SOCKET": socket_path, "PREFECT__FLOW_RUN_ID": "not-a-run"}
        done = start(env, tmp_path)
        _, stderr = done.communicate(timeout=120)
        answers.append((done.returncode, "Invalid flow run id" in stderr))
    assert answers == [(1, True), (1, True)]
    assert "warm: flow run not-a-run in process" in log.read_text()  # the first went warm


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_signal_to_the_starter_ends_the_run(
    warm_process: tuple[Path, Path], silent_api: str, tmp_path: Path, how: signal.Signals
) -> None:
    """What the worker does to the process it started (SIGTERM to cancel; SIGKILL when all
    else fails, or a crash) happens to the run's own process: forwarded, or dying with it."""
    path, log = warm_process
    run = str(uuid.uuid4())
    env = {
        **os.environ,
        "CCHC_WARM_SOCKET": str(path),
        "PREFECT__FLOW_RUN_ID": run,
        "PREFECT_API_URL": silent_api,  # the run waits for its flow run record
    }
    starter = start(env, tmp_path)
    child = forked(log, run)
    time.sleep(0.5)
    assert alive(child)
    assert starter.poll() is None
    starter.send_signal(how)
    starter.communicate(timeout=30)
    assert gone(child), f"the run's process {child} outlived its starter"
    assert starter.returncode != 0
