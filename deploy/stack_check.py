"""`cchc up --check`: what of the stack does not answer (the API, each API server and the
services, the deployments, the mail sink, the portal, the workers)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from deploy.probes import expected_deployments, http_problem, smtp_problem
from services.prefect_adapter.probes import UNAUTHORIZED, ApiUnreadable, PrefectProbe

if TYPE_CHECKING:
    from deploy.ha import ApiLayout
    from deploy.stack import Stack


def problems(stack: Stack) -> list[str]:
    """What does not answer in the stack (empty when all is well)."""
    s = stack.settings.stack
    api = stack.api()
    problem = api.health_problem()
    if problem:
        log = "" if UNAUTHORIZED in problem else f"; see {stack.home}/server.log"
        return [f"Prefect API: {problem}{log}"]
    if stack.layout is not None and (servers := _servers_problems(stack, stack.layout)):
        return servers
    try:
        found = api.deployment_problems(expected_deployments())
    except ApiUnreadable as exc:
        found = [f"cannot be read ({exc})"]
    problems = [f"deployments: {p}" for p in found]
    sink = smtp_problem(s.host, s.sink_port)
    if sink:
        problems.append(f"mail sink: {sink}")
    problems += _wait_for(
        lambda: http_problem(f"http://{s.host}:{s.portal_port}/healthz"),
        seconds=30,
        hint=f"portal: see {stack.home}/portal.log",
    )
    problems += _wait_for(lambda: _workers_problem(stack), seconds=90, hint=f"see {stack.home}/")
    return problems


def _servers_problems(stack: Stack, layout: ApiLayout) -> list[str]:
    """Each API server answers on its own port; the services and the proxy run."""
    auth = stack.env().get("PREFECT_API_AUTH_STRING") or None
    problems = []
    for i, port in enumerate(layout.ports, start=1):
        found = PrefectProbe(layout.server_url(port), auth).health_problem()
        if found:
            problems.append(f"Prefect API server {i} (port {port}): {found}")
    for name in ("services", "proxy"):
        process = stack.processes.get(name)
        if process is None or process.poll() is not None:
            problems.append(f"Prefect {name} is not running; see {stack.home}/{name}.log")
    return problems


def _workers_problem(stack: Stack) -> str | None:
    for name, process in stack.processes.items():
        if name.startswith(("worker", "warm")) and process.poll() is not None:
            return f"{name} exited with {process.returncode}"
    pool = stack.settings.stack.work_pool
    try:
        online = stack.api().online_workers(pool, since=stack.started_at)
    except ApiUnreadable as exc:
        return f"pool {pool}: workers cannot be read ({exc})"
    missing = sorted(set(stack.worker_names) - set(online))
    if missing:
        return f"pool {pool}: {len(online)} online, not yet {', '.join(missing)}"
    return None


def _wait_for(probe: Callable[[], str | None], *, seconds: float, hint: str) -> list[str]:
    """Retry `probe` until it finds nothing wrong or time is up: [] or [its last word]."""
    deadline = time.monotonic() + seconds
    while (problem := probe()) is not None:
        if time.monotonic() > deadline:
            return [f"{problem}; {hint}"]
        time.sleep(0.5)
    return []
