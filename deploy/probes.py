"""Probes of the running parts, shared by `cchc up --check` and `cchc doctor`.

Each probe answers with what is wrong (a short English phrase) or None when the part answers.
The Prefect API is read over its REST interface: a diagnosis needs a few GETs and filters,
not a client that would start a temporary server when no URL is set.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
PREFECT_YAML = ROOT / "prefect.yaml"
UNAUTHORIZED = "answered 401 Unauthorized"  # how a probe says the credentials were refused


def expected_deployments(path: Path = PREFECT_YAML) -> dict[str, str]:
    """Deployment name → work pool name, as prefect.yaml declares them."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        str(d["name"]): str((d.get("work_pool") or {}).get("name", ""))
        for d in data.get("deployments") or []
    }


@dataclass(frozen=True)
class PrefectApi:
    """A Prefect server's REST API at `url` (…/api), with PREFECT_API_AUTH_STRING if set."""

    url: str
    auth_string: str | None = None
    timeout: float = 5.0

    def _headers(self) -> dict[str, str]:
        if not self.auth_string:
            return {}
        token = base64.b64encode(self.auth_string.encode()).decode()
        return {"Authorization": f"Basic {token}"}  # what Prefect's own client sends

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(
            method,
            f"{self.url.rstrip('/')}{path}",
            json=body,
            headers=self._headers(),
            timeout=self.timeout,
        )
        response.raise_for_status()
        return response.json()

    def health_problem(self) -> str | None:
        """Whether the API answers and takes our credentials. Prefect lets anyone read /health
        (PREFECT_SERVER_API_AUTH_STRING exempts it), so a read that needs them follows."""
        for path in ("/health", "/admin/version"):
            try:
                self._call("GET", path)
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code == 401:
                    return self._unauthorized()
                return f"{self.url}{path} answered {exc.response.status_code}"
            except (httpx.HTTPError, ValueError) as exc:
                return f"{self.url} does not answer ({_short(exc)})"
        return None

    def _unauthorized(self) -> str:
        if not self.auth_string:
            why = "the server asks for an auth string and PREFECT_API_AUTH_STRING is not set"
        else:
            why = "PREFECT_API_AUTH_STRING is not the server's PREFECT_SERVER_API_AUTH_STRING"
        return f"{self.url} {UNAUTHORIZED}: {why}"

    def work_pool_exists(self, pool: str) -> bool:
        try:
            self._call("GET", f"/work_pools/{pool}")
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 404:
                return False
            raise
        return True

    def workers(self, pool: str) -> list[dict[str, Any]]:
        """The pool's workers as the server sees them: name, status (ONLINE/OFFLINE), …"""
        return list(self._call("POST", f"/work_pools/{pool}/workers/filter", {"limit": 200}))

    def online_workers(self, pool: str, *, since: datetime | None = None) -> list[str]:
        """Names of the pool's online workers (last heartbeat at or after `since`, if given:
        a worker of an earlier start may still look online for a minute or two)."""
        names = []
        for worker in self.workers(pool):
            beat = worker.get("last_heartbeat_time")
            if worker.get("status") != "ONLINE":
                continue
            if since is None or (beat and datetime.fromisoformat(beat) >= since):
                names.append(str(worker["name"]))
        return sorted(names)

    def deployments(self, names: list[str]) -> dict[str, str | None]:
        """Of `names`, those registered: deployment name → its work pool."""
        found = self._call(
            "POST",
            "/deployments/filter",
            {"deployments": {"name": {"any_": names}}, "limit": 200},
        )
        return {str(d["name"]): d.get("work_pool_name") for d in found}

    def deployment_problems(self, expected: dict[str, str]) -> list[str]:
        """What differs from prefect.yaml: missing deployments, or ones on another pool."""
        present = self.deployments(sorted(expected))
        problems = []
        missing = sorted(set(expected) - set(present))
        if missing:
            problems.append(f"{len(missing)} of {len(expected)} missing: {', '.join(missing)}")
        moved = sorted(n for n, pool in present.items() if pool != expected[n])
        if moved:
            problems.append(f"on another work pool than prefect.yaml says: {', '.join(moved)}")
        return problems


def smtp_problem(
    host: str, port: int, *, use_tls: bool = False, start_tls: bool = False, timeout: float = 5
) -> str | None:
    """Connect, EHLO (and STARTTLS or implicit TLS when configured), QUIT."""

    async def probe() -> None:
        client = aiosmtplib.SMTP(
            hostname=host, port=port, use_tls=use_tls, start_tls=start_tls, timeout=timeout
        )
        await client.connect()
        try:
            await client.ehlo()
        finally:
            await client.quit()

    try:
        asyncio.run(probe())
    except (aiosmtplib.SMTPException, OSError) as exc:
        return f"{host}:{port} does not answer SMTP ({_short(exc)})"
    return None


def http_problem(url: str, *, timeout: float = 5) -> str | None:
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        return f"{url} does not answer ({_short(exc)})"
    if not response.is_success:
        return f"{url} answered {response.status_code}"
    return None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text and text[0] else type(exc).__name__
