"""`cchc up`: Prefect server, deployments, process workers, the mail sink, on loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from deploy import setup, stack_check
from deploy.access import AUTH_FILE, EMPTY_AUTH, guard
from deploy.ha import ApiLayout, redis_problem
from deploy.postgres import RehearsalDatabases, RehearsalError
from deploy.probes import smtp_problem
from services.prefect_adapter import warm
from services.prefect_adapter.probes import UNAUTHORIZED, PrefectProbe
from services.prefect_adapter.settings import HEARTBEAT_SECONDS
from services.settings import Settings
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
PREFECT = str(Path(sys.executable).with_name("prefect"))
CCHC = str(Path(sys.executable).with_name("cchc"))
POLL_SECONDS = 0.5  # how often a worker asks for runs: a resumed run waits half of it on average


class StackError(RuntimeError):
    """A part of the stack did not come up; the message says which and where its log is."""


@dataclass
class Stack:
    """The parts `cchc up` runs. With `postgres`, the project's tables and the Prefect server
    live in that server's two databases (deploy/postgres.py) instead of SQLite files."""

    settings: Settings
    say: Callable[[str], None] = print
    workers: int = 1
    postgres: RehearsalDatabases | None = None
    layout: ApiLayout | None = None  # several API servers, Redis, a proxy (deploy/ha.py)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    started_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise StackError("at least one worker is needed to run the deployments")
        if os.environ.get("PREFECT_SERVER_API_AUTH_STRING") == "":
            raise StackError(EMPTY_AUTH)
        if self.layout is not None and self.postgres is None:
            raise StackError("several API servers share one PostgreSQL database: add --postgres")
        if self.postgres is not None:
            self.settings = self.settings.model_copy(
                update={"database_url": self.postgres.cchc_url}
            )

    @property
    def api_url(self) -> str:
        s = self.settings.stack
        return f"http://{s.host}:{s.prefect_port}/api"

    @property
    def home(self) -> Path:
        return (ROOT / self.settings.stack.prefect_home).resolve()

    @property
    def auth_file(self) -> Path:
        return self.home / AUTH_FILE

    @property
    def worker_names(self) -> list[str]:
        return [f"{socket.gethostname()}-{i}" for i in range(1, self.workers + 1)]

    def env(self) -> dict[str, str]:
        s = self.settings.stack
        env = {
            **os.environ,
            "CCHC_DATABASE_URL": self.settings.database_url,
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_API_HOST": s.host,
            "PREFECT_SERVER_API_PORT": str(s.prefect_port),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_WORKER_QUERY_SECONDS": str(POLL_SECONDS),
            "CCHC_WARM_SOCKET": str(self.home / warm.SOCKET),
            "PREFECT_RUNNER_POLL_FREQUENCY": "2",
            "CCHC_HOME": str(ROOT),
        }
        # Runs beat so that the zombie automation can tell a lost one (prefect_adapter/automations).
        env.setdefault("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", str(HEARTBEAT_SECONDS))
        if self.postgres is not None:
            env.pop("PREFECT_API_DATABASE_CONNECTION_URL", None)  # the older name of the same
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = self.postgres.prefect_url
        if self.layout is not None:
            env.update(self.layout.env())
        env.setdefault("CCHC_MAIL__BACKEND", "smtp")
        env.setdefault("CCHC_MAIL__SMTP__HOST", s.host)
        env.setdefault("CCHC_MAIL__SMTP__PORT", str(s.sink_port))
        guard(env, host=s.host, port=s.prefect_port, home=self.home)
        return env

    def api(self) -> PrefectProbe:
        return PrefectProbe(self.api_url, self.env().get("PREFECT_API_AUTH_STRING") or None)

    def _spawn(self, name: str, args: list[str]) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        with (self.home / f"{name}.log").open("ab") as log:  # the child keeps its own handle
            self.processes[name] = subprocess.Popen(
                args, env=self.env(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )

    def _run(self, what: str, args: list[str]) -> None:
        done = subprocess.run(
            args, env=self.env(), cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        if done.returncode != 0:
            raise StackError(f"{what} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        s = self.settings
        self.started_at = datetime.now(UTC)
        self._databases()
        self._load_plan()
        self._sink()
        self._server()
        self._pool()
        self._run("deployments", [PREFECT, "--no-prompt", "deploy", "--all"])
        self._plan_deployments()
        self._automations()
        self._spawn("warm", warm.command(self.home / warm.SOCKET))
        for i, name in enumerate(self.worker_names, start=1):
            self._spawn(
                f"worker-{i}",
                [PREFECT, "worker", "start", "--pool", s.stack.work_pool, "--name", name],
            )
        self._spawn(
            "portal", [CCHC, "portal", "--host", s.stack.host, "--port", str(s.stack.portal_port)]
        )
        self.say(f"portal on http://{s.stack.host}:{s.stack.portal_port}")
        self.say(
            f"{self.workers} worker(s) on pool {s.stack.work_pool} "
            f"({', '.join(self.worker_names)}); logs in {self.home}/"
        )
        string = (
            "$PREFECT_SERVER_API_AUTH_STRING"
            if os.environ.get("PREFECT_SERVER_API_AUTH_STRING")
            else f"$(cat {self.auth_file})"
        )
        self.say(
            f'in another shell: export PREFECT_API_URL={self.api_url} PREFECT_API_AUTH_STRING="'
            f'{string}"'
        )

    def _pool(self) -> None:
        """The process pool, its runs started warm (services/prefect_adapter/warm.py)."""
        template = self.home / "pool-template.json"
        template.write_text(json.dumps(warm.pool_template()))
        pool = self.settings.stack.work_pool
        args = ["--type", "process", "--base-job-template", str(template), "--overwrite"]
        self._run("work pool", [PREFECT, "work-pool", "create", pool, *args])

    def _databases(self) -> None:
        if self.postgres is not None:
            try:
                created = self.postgres.ensure()
            except RehearsalError as exc:
                raise StackError(str(exc)) from None
            for name in created:
                self.say(f"created database {self.postgres.shown(name)}")
            self.say(f"Prefect server database: {self.postgres.shown(self.postgres.prefect_name)}")
        shown = make_url(self.settings.database_url).render_as_string(hide_password=True)
        try:
            upgrade(self.settings.database_url)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StackError(f"database {shown}: {reason}") from None
        self.say(f"database ready: {shown}")

    def _sink(self) -> None:
        """The development mail sink (`cchc mail-sink`), as its own process like every part."""
        s = self.settings.stack
        where = ["--dir", str(ROOT / s.sink_dir), "--host", s.host, "--port", str(s.sink_port)]
        self._spawn("sink", [CCHC, "mail-sink", *where, "--quiet"])
        deadline = time.monotonic() + 60
        while smtp_problem(s.host, s.sink_port, timeout=2) is not None:
            if self.processes["sink"].poll() is not None or time.monotonic() > deadline:
                raise StackError(f"mail sink did not start; see {self.home}/sink.log")
            time.sleep(0.2)
        self.say(f"mail sink on {s.host}:{s.sink_port} → {s.sink_dir}/")

    def _server(self) -> None:
        s = self.settings.stack
        if self.layout is not None:
            self._servers(self.layout)
        else:
            args = [PREFECT, "server", "start", "--host", s.host, "--port", str(s.prefect_port)]
            self._spawn("server", args)
            self._until_healthy(self.api(), "server")
        where = f"http://{s.host}:{s.prefect_port}"
        if os.environ.get("PREFECT_SERVER_API_AUTH_STRING"):
            self.say(f"Prefect API and UI on {where}, behind PREFECT_SERVER_API_AUTH_STRING")
        else:
            self.say(
                f"Prefect API and UI on {where}, behind the auth string in {self.auth_file} "
                "(the UI asks for it once)"
            )

    def _until_healthy(self, probe: PrefectProbe, name: str, seconds: float = 240) -> None:
        """Until the API behind `probe` answers; StackError when process `name` died or the
        time is up (its log named)."""
        deadline = time.monotonic() + seconds
        while (problem := probe.health_problem()) is not None:
            if UNAUTHORIZED in problem:
                raise StackError(f"Prefect API: {problem}")
            if self.processes[name].poll() is not None or time.monotonic() > deadline:
                raise StackError(f"Prefect {name} did not start; see {self.home}/{name}.log")
            time.sleep(1)

    def _servers(self, layout: ApiLayout) -> None:
        """The database migrated once, then each API server in turn, the services apart,
        and the proxy on the public port."""
        if problem := redis_problem(layout.redis_url):
            raise StackError(problem)
        self._run("Prefect database", [PREFECT, "server", "database", "upgrade", "-y"])
        for i in range(1, layout.servers + 1):
            self.start_api_server(i)
        self._spawn("services", [PREFECT, "server", "services", "start"])
        self._spawn("proxy", layout.proxy_args())
        self._until_healthy(self.api(), "proxy", seconds=60)
        ports = ", ".join(str(p) for p in layout.ports)
        self.say(
            f"{layout.servers} Prefect API servers on ports {ports} (no services), the services "
            f"in their own process, Redis at {layout.redis_url}, a round-robin proxy in front"
        )

    def start_api_server(self, i: int) -> None:
        """API server `i` (1…N) started, or started again after it died, and answering."""
        assert self.layout is not None
        s, port = self.settings.stack, self.layout.ports[i - 1]
        args = [PREFECT, "server", "start", "--no-services", "--host", s.host, "--port", str(port)]
        self._spawn(f"server-{i}", args)
        auth = self.env().get("PREFECT_API_AUTH_STRING") or None
        self._until_healthy(PrefectProbe(self.layout.server_url(port), auth), f"server-{i}")

    def _load_plan(self) -> None:
        setup.publish_plan(self.settings, self.say)

    def _plan_deployments(self) -> None:
        env = self.env()
        setup.plan_deployments(
            self.settings, self.api_url, env["PREFECT_API_AUTH_STRING"], self.say
        )

    def _automations(self) -> None:
        env = self.env()  # the stack always has an auth string (deploy/access.py)
        auth, beat = env["PREFECT_API_AUTH_STRING"], int(env["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"])
        try:
            setup.automations(self.settings, self.api_url, auth, beat, self.say)
        except ValueError as exc:
            raise StackError(f"automations: {exc}") from None

    def check(self) -> list[str]:
        """What does not answer (empty when all is well); see deploy/stack_check.py."""
        return stack_check.problems(self)

    def stop(self) -> None:
        workers = sorted(name for name in self.processes if name.startswith(("worker", "warm")))
        servers = sorted(name for name in self.processes if name.startswith("server"))
        for group in (["portal"], workers, ["proxy"], ["services"], servers, ["sink"]):
            running = [self.processes.pop(name) for name in group if name in self.processes]
            running = [process for process in running if process.poll() is None]
            for process in running:
                process.send_signal(signal.SIGINT)
            for process in running:
                _wait(process)


def _wait(process: subprocess.Popen[bytes]) -> None:
    """Until the process is gone: a worker may need a second SIGINT, a stuck one is killed."""
    for then in (signal.SIGINT, None):
        try:
            process.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            if then is not None:
                process.send_signal(then)
    process.kill()
    process.wait()
