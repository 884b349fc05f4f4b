"""The replay's portal served as in production: uvicorn processes of their own, which the
simulated units reach over HTTP (a Unix socket each), several at a time.

Each request names the simulated instant it happens at (the `X-Replay-At` header); the served
app's clock reads it, so that answers handed in side by side each keep their own time. Only
this replay's app honours the header: `portal.app.create_app` never reads it.
"""

from __future__ import annotations

import gc
import os
import pickle
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from domain.clock import as_utc
from services.settings import Settings

AT_HEADER = "x-replay-at"
SETUP_ENV = "CCHC_REPLAY_PORTAL"  # the file the served processes read their set-up from
_AT: ContextVar[datetime | None] = ContextVar("replay_at", default=None)
YOUNG_COLLECTIONS = 10_000  # allocations between young collections (Python's default: 700)


class RequestClock:
    """The instant the request in hand names; outside a request, the last one seen (start-up:
    the instant the replay started the portal at)."""

    def __init__(self, at: datetime) -> None:
        self._last = as_utc(at)

    def now(self) -> datetime:
        at = _AT.get()
        if at is not None:
            self._last = at
        return self._last


class ReplayTime:
    """ASGI middleware: the request's `X-Replay-At` instant, for the RequestClock."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        named = dict(scope.get("headers") or ()).get(AT_HEADER.encode())
        if scope["type"] != "http" or named is None:
            await self.app(scope, receive, send)
            return
        token = _AT.set(as_utc(datetime.fromisoformat(named.decode())))
        try:
            await self.app(scope, receive, send)
        finally:
            _AT.reset(token)


@dataclass(frozen=True)
class Setup:
    """What a served process needs: the portal's settings and the replay's start instant."""

    settings: Settings
    at: datetime


def portal_app() -> Any:
    """uvicorn's factory in each served process (which lives only as long as the replay:
    young collections less often, as in the replay's own process)."""
    from portal.app import create_app

    gc.set_threshold(YOUNG_COLLECTIONS, *gc.get_threshold()[1:])

    with open(os.environ[SETUP_ENV], "rb") as file:
        setup: Setup = pickle.load(file)  # written by `serve` below, readable by root only
    return ReplayTime(create_app(setup.settings, clock=RequestClock(setup.at)))


@dataclass
class Served:
    """The running portal processes: one Unix socket each."""

    sockets: list[Path]
    pids: list[int]

    def client(self, n: int = 0) -> httpx.Client:
        """An HTTP client of the n-th process (round the processes)."""
        socket = self.sockets[n % len(self.sockets)]
        transport = httpx.HTTPTransport(uds=str(socket))
        return httpx.Client(transport=transport, base_url="http://portal", timeout=120)


@contextmanager
def serve(settings: Settings, at: datetime, *, processes: int) -> Iterator[Served]:
    """`processes` uvicorn processes of the replay's portal, each ready when this yields;
    stopped (and their set-up file removed) when it returns."""
    with tempfile.TemporaryDirectory(prefix="cchc-portal-") as folder:
        setup = Path(folder) / "setup.pickle"
        setup.touch(mode=0o600)  # the settings hold the replay's secret key
        setup.write_bytes(pickle.dumps(Setup(settings, at)))
        env = {**os.environ, SETUP_ENV: str(setup)}
        sockets = [Path(folder) / f"portal-{n}.sock" for n in range(processes)]
        started = [
            _start(socket, env, Path(folder) / f"portal-{n}.log")
            for n, socket in enumerate(sockets)
        ]
        try:
            served = Served(sockets, [process.pid for process in started])
            for n, process in enumerate(started):
                _wait_ready(served, n, process, Path(folder) / f"portal-{n}.log")
            yield served
        finally:
            for process in started:
                process.terminate()
            for process in started:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _start(socket: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "replay.served:portal_app",
        "--factory",
        "--uds",
        str(socket),
        "--log-level",
        "warning",
        "--no-access-log",
        "--no-proxy-headers",
        "--no-server-header",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_ready(
    served: Served, n: int, process: subprocess.Popen[bytes], log: Path, limit: float = 120
) -> None:
    """Until the process listens (uvicorn listens once the app has started) and answers
    /healthz; its log in the error if it stopped or never did."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        if _listening(served.sockets[n]):
            with served.client(n) as client:
                if client.get("/healthz").status_code == 200:
                    return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"the replay's portal (process {n}) did not start:\n{tail}")


def _listening(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
        return True
