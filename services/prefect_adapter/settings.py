"""Prefect's own settings as cchc reads and scopes them: the API to call, its auth string,
the flow runs' heartbeat. Prefect is imported inside each function, never at import."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

HEARTBEAT_SECONDS = 30  # every worker's PREFECT_FLOWS_HEARTBEAT_FREQUENCY: Prefect's minimum


def api_url_in_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """PREFECT_API_URL as the environment gives it (without importing Prefect, which would
    read its settings too early for a caller that sets PREFECT_HOME first)."""
    return (os.environ if environ is None else environ).get("PREFECT_API_URL") or None


def client_settings() -> tuple[str | None, str | None]:
    """PREFECT_API_URL and PREFECT_API_AUTH_STRING as every Prefect client here would read
    them (environment, then the active Prefect profile)."""
    from prefect.settings import get_current_settings

    api = get_current_settings().api
    auth = api.auth_string.get_secret_value() if api.auth_string else None
    return api.url, auth


def api_url() -> str | None:
    """The API Prefect's client would call; None means it would start a temporary server."""
    return client_settings()[0]


def heartbeat_frequency() -> int | None:
    """How often a flow run here beats (PREFECT_FLOWS_HEARTBEAT_FREQUENCY), None if never."""
    from prefect.settings import get_current_settings

    return get_current_settings().flows.heartbeat_frequency


@contextmanager
def temporary(
    *, api_url: str | None = None, auth_string: str | None = None, heartbeats: bool = True
) -> Iterator[None]:
    """Within the block, Prefect's client calls `api_url` with `auth_string` (those given),
    and with heartbeats=False flow runs of this process send no heartbeat."""
    from prefect.settings import (
        PREFECT_API_AUTH_STRING,
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    updates: dict[Any, Any] = {}
    if api_url is not None:
        updates[PREFECT_API_URL] = api_url
    if auth_string is not None:
        updates[PREFECT_API_AUTH_STRING] = auth_string
    if not heartbeats:
        updates[PREFECT_FLOWS_HEARTBEAT_FREQUENCY] = None
    with temporary_settings(updates=updates):
        yield


@contextmanager
def without_heartbeats() -> Iterator[None]:
    """Flow runs of this process send no heartbeat: in one process running many subflows
    (the replay) each would wait up to a second for its heartbeat thread to stop."""
    with temporary(heartbeats=False):
        yield
