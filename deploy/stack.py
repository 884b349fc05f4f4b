"""`cchc up`: Prefect server, deployments, a process worker, the mail sink, on loopback."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from notifications.sink import start_sink
from services.settings import Settings
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
PREFECT = str(Path(sys.executable).with_name("prefect"))
CCHC = str(Path(sys.executable).with_name("cchc"))


class StackError(RuntimeError):
    """A part of the stack did not come up; the message says which and where its log is."""


@dataclass
class Stack:
    settings: Settings
    say: Callable[[str], None] = print
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    sink: object | None = None

    @property
    def api_url(self) -> str:
        s = self.settings.stack
        return f"http://{s.host}:{s.prefect_port}/api"

    @property
    def home(self) -> Path:
        return (ROOT / self.settings.stack.prefect_home).resolve()

    def env(self) -> dict[str, str]:
        s = self.settings.stack
        env = {
            **os.environ,
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_API_HOST": s.host,
            "PREFECT_SERVER_API_PORT": str(s.prefect_port),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            "PREFECT_RUNNER_POLL_FREQUENCY": "2",
            "CCHC_HOME": str(ROOT),
        }
        env.setdefault("CCHC_MAIL__BACKEND", "smtp")
        env.setdefault("CCHC_MAIL__SMTP__HOST", s.host)
        env.setdefault("CCHC_MAIL__SMTP__PORT", str(s.sink_port))
        if env.get("PREFECT_SERVER_API_AUTH_STRING"):  # the server asks; our clients answer
            env.setdefault("PREFECT_API_AUTH_STRING", env["PREFECT_SERVER_API_AUTH_STRING"])
        return env

    def _spawn(self, name: str, args: list[str]) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        log = (self.home / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            args, env=self.env(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )

    def _run(self, what: str, args: list[str]) -> None:
        done = subprocess.run(
            args, env=self.env(), cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        if done.returncode != 0:
            raise StackError(f"{what} failed:\n{done.stdout}\n{done.stderr}")

    def _auth(self) -> tuple[str, str] | None:
        secret = self.env().get("PREFECT_API_AUTH_STRING")
        return tuple(secret.split(":", 1)) if secret and ":" in secret else None  # type: ignore[return-value]

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.api_url}/health", timeout=2, auth=self._auth()).is_success
        except httpx.HTTPError:
            return False

    def start(self) -> None:
        s = self.settings
        upgrade(s.database_url)
        self.say(f"database ready: {s.database_url}")
        self._load_plan()
        self.sink = start_sink(ROOT / s.stack.sink_dir, host=s.stack.host, port=s.stack.sink_port)
        self.say(f"mail sink on {s.stack.host}:{s.stack.sink_port} → {s.stack.sink_dir}/")
        self._spawn(
            "server",
            [
                PREFECT,
                "server",
                "start",
                "--host",
                s.stack.host,
                "--port",
                str(s.stack.prefect_port),
            ],
        )
        deadline = time.monotonic() + 240
        while not self.healthy():
            if self.processes["server"].poll() is not None or time.monotonic() > deadline:
                raise StackError(f"Prefect server did not start; see {self.home}/server.log")
            time.sleep(1)
        self.say(f"Prefect API and UI on http://{s.stack.host}:{s.stack.prefect_port}")
        self._run(
            "work pool",
            [PREFECT, "work-pool", "create", s.stack.work_pool, "--type", "process", "--overwrite"],
        )
        self._run("deployments", [PREFECT, "--no-prompt", "deploy", "--all"])
        self._automation()
        self._spawn("worker", [PREFECT, "worker", "start", "--pool", s.stack.work_pool])
        self._spawn(
            "portal", [CCHC, "portal", "--host", s.stack.host, "--port", str(s.stack.portal_port)]
        )
        self.say(f"portal on http://{s.stack.host}:{s.stack.portal_port}")
        self.say(f"worker serving pool {s.stack.work_pool}; logs in {self.home}/")

    def _load_plan(self) -> None:
        from cli.common import calendar, directory
        from documents.plan_files import load_plan
        from services.bootstrap import bootstrap
        from services.plans import load_plan as store

        app = bootstrap(self.settings)
        units, cal = directory(self.settings.units_path), calendar(None)
        plan = load_plan(self.settings.plan_path, directory=units, calendar=cal)
        with app.uow() as uow:
            report = store(
                uow, plan=plan, directory=units, calendar=cal, at=app.clock.now(), actor="cchc up"
            )
        app.close()
        self.say(f"plan {plan.code} loaded ({report.plan_change})")

    def _automation(self) -> None:
        from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

        from services.orchestration import OVERDUE_AUTOMATION, ensure_overdue_automation

        updates: dict[object, str] = {PREFECT_API_URL: self.api_url}
        if self.env().get("PREFECT_API_AUTH_STRING"):
            updates[PREFECT_API_AUTH_STRING] = self.env()["PREFECT_API_AUTH_STRING"]
        with temporary_settings(updates=updates):
            ensure_overdue_automation()
        self.say(f"automation {OVERDUE_AUTOMATION} in place")

    def check(self) -> list[str]:
        """What does not answer (empty when all is well)."""
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings

        problems = []
        if not self.healthy():
            problems.append("Prefect API /health does not answer")
        with (
            temporary_settings(updates={PREFECT_API_URL: self.api_url}),
            get_client(sync_client=True) as client,
        ):
            names = {d.name for d in client.read_deployments()}
        if len(names) < 13:
            problems.append(f"only {len(names)} deployments registered: {sorted(names)}")
        try:
            with smtplib.SMTP(
                self.settings.stack.host, self.settings.stack.sink_port, timeout=5
            ) as smtp:
                if smtp.noop()[0] != 250:
                    problems.append("mail sink does not answer NOOP")
        except OSError as exc:
            problems.append(f"mail sink not reachable: {exc}")
        portal = f"http://{self.settings.stack.host}:{self.settings.stack.portal_port}/healthz"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(portal, timeout=2).is_success:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                problems.append(f"portal does not answer on {portal}; see {self.home}/portal.log")
                break
            time.sleep(0.5)
        if self.processes.get("worker") and self.processes["worker"].poll() is not None:
            problems.append(f"worker exited; see {self.home}/worker.log")
        return problems

    def stop(self) -> None:
        for name in ("portal", "worker", "server"):
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGINT)  # a worker may need a second one
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self.sink is not None:
            self.sink.stop()  # type: ignore[attr-defined]
            self.sink = None
