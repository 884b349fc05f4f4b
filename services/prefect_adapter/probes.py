"""Health probes of a Prefect server through Prefect's own client, for `cchc up --check` and
`cchc doctor`: does the API answer and take our credentials, is the work pool there with
online workers, are the deployments registered.

A probe talks to the URL it is given, never to the one in Prefect's settings: without a URL
Prefect's client would start a temporary server, where a probe must say nothing answers.
A probe asks once (no retries, a short timeout): it diagnoses, it does not wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from prefect.client.orchestration import SyncPrefectClient

UNAUTHORIZED = "answered 401 Unauthorized"  # how a probe says the credentials were refused
NO_URL = "PREFECT_API_URL is not set: no Prefect API answers"


class ApiUnreadable(RuntimeError):
    """The Prefect API did not answer a probe's question; the message says why."""


@dataclass(frozen=True)
class PrefectProbe:
    """A Prefect server's API at `url` (…/api), with PREFECT_API_AUTH_STRING if set."""

    url: str | None
    auth_string: str | None = None
    timeout: float = 5.0

    @contextmanager
    def _client(self) -> Iterator[SyncPrefectClient]:
        from prefect.client.orchestration import SyncPrefectClient
        from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings

        if not self.url:
            raise ApiUnreadable(NO_URL)
        client = SyncPrefectClient(
            self.url, auth_string=self.auth_string, httpx_settings={"timeout": self.timeout}
        )
        with temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 0}), client:
            yield client

    @contextmanager
    def _reading(self) -> Iterator[SyncPrefectClient]:
        """A client whose HTTP failures come out as ApiUnreadable."""
        try:
            with self._client() as client:
                yield client
        except httpx.HTTPError as exc:
            raise ApiUnreadable(str(exc)) from exc

    def health_problem(self) -> str | None:
        """Whether the API answers and takes our credentials. Prefect lets anyone read /health
        (PREFECT_SERVER_API_AUTH_STRING exempts it), so a read that needs them follows."""
        if not self.url:
            return NO_URL
        path = "/health"
        try:
            with self._client() as client:
                if (failed := client.api_healthcheck()) is not None:
                    raise failed
                path = "/admin/version"
                client.api_version()
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
        from prefect.exceptions import ObjectNotFound

        with self._reading() as client:
            try:
                client.read_work_pool(pool)
            except ObjectNotFound:
                return False
        return True

    def online_workers(self, pool: str, *, since: datetime | None = None) -> list[str]:
        """Names of the pool's online workers (last heartbeat at or after `since`, if given:
        a worker of an earlier start may still look online for a minute or two)."""
        with self._reading() as client:
            workers = client.read_workers_for_work_pool(pool, limit=200)
        return sorted(
            worker.name
            for worker in workers
            if worker.status.value == "ONLINE"
            and (since is None or _at_or_after(worker.last_heartbeat_time, since))
        )

    def deployments(self, names: list[str]) -> dict[str, str | None]:
        """Of `names` (`<flow>/<deployment>`), those registered: name → its work pool."""
        from prefect.client.schemas.filters import (
            DeploymentFilter,
            DeploymentFilterName,
            FlowFilter,
            FlowFilterId,
        )

        wanted = DeploymentFilter(
            name=DeploymentFilterName(any_=sorted({n.partition("/")[2] for n in names}))
        )
        with self._reading() as client:
            found: list[Any] = client.read_deployments(deployment_filter=wanted, limit=200)
            ids = FlowFilter(id=FlowFilterId(any_=list({d.flow_id for d in found})))
            flows = {f.id: f.name for f in client.read_flows(flow_filter=ids)} if found else {}
        present = {f"{flows.get(d.flow_id)}/{d.name}": d.work_pool_name for d in found}
        return {name: pool for name, pool in present.items() if name in names}

    def deployment_problems(self, expected: dict[str, str]) -> list[str]:
        """What differs from `expected` (`<flow>/<deployment>` → work pool, as prefect.yaml
        says): missing deployments, or ones on another pool."""
        present = self.deployments(sorted(expected))
        problems = []
        missing = sorted(set(expected) - set(present))
        if missing:
            problems.append(f"{len(missing)} of {len(expected)} missing: {', '.join(missing)}")
        moved = sorted(n for n, pool in present.items() if pool != expected[n])
        if moved:
            problems.append(f"on another work pool than prefect.yaml says: {', '.join(moved)}")
        return problems


def _at_or_after(beat: datetime | None, since: datetime) -> bool:
    return beat is not None and beat >= since


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text and text[0] else type(exc).__name__
