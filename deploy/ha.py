"""Prefect without a single point of failure, on one machine (`cchc up --api-servers N`).

- N API servers (`prefect server start --no-services`) on the PostgreSQL database, each on
  its own port after the public one; the database migrated once before any starts, and the
  servers started one after the other (two registering the block types at once collide on a
  unique key);
- the background services (scheduler, late runs, event triggers, …) in one process of their
  own (`prefect server services start`);
- messaging, event ordering, concurrency leases and the docket in Redis (prefect-redis);
- a round-robin TCP proxy (deploy/proxy.py) on the public API port: Prefect's client takes
  one PREFECT_API_URL, not a list, so every worker, flow, the portal and the UI go through
  it and a server that dies is passed over.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass, field

PYTHON = sys.executable


class LayoutError(ValueError):
    """The options cannot make a several-server layout; the message says which is missing."""


@dataclass(frozen=True)
class ApiLayout:
    """Where the API servers listen and where Redis is."""

    redis_url: str
    servers: int
    host: str
    public_port: int
    ports: list[int] = field(default_factory=list)  # the servers' own; chosen when empty

    def __post_init__(self) -> None:
        if self.servers < 2:
            raise LayoutError("several API servers means two or more (--api-servers 2)")
        scheme = self.redis_url.partition("://")[0]
        if scheme not in ("redis", "rediss") or not self.redis_url.partition("://")[2]:
            raise LayoutError(f"--redis wants redis://HOST:PORT/DB, not {self.redis_url!r}")
        if not self.ports:  # right after the public port when free, else any free port
            wanted = [self.public_port + 1 + i for i in range(self.servers)]
            self.ports.extend(p if _free(self.host, p) else _any_port(self.host) for p in wanted)

    def server_url(self, port: int) -> str:
        return f"http://{self.host}:{port}/api"

    def env(self) -> dict[str, str]:
        """What every process of the stack needs to share Redis (and never migrate alone)."""
        return {
            "PREFECT_MESSAGING_BROKER": "prefect_redis.messaging",
            "PREFECT_MESSAGING_CACHE": "prefect_redis.messaging",
            "PREFECT_SERVER_EVENTS_CAUSAL_ORDERING": "prefect_redis.ordering",
            "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": "prefect_redis.lease_storage",
            "PREFECT_SERVER_DOCKET_URL": self.redis_url,
            "PREFECT_REDIS_MESSAGING_URL": self.redis_url,
            "PREFECT_SERVER_DATABASE_MIGRATE_ON_START": "false",
        }

    def proxy_args(self) -> list[str]:
        backends = [arg for port in self.ports for arg in ("--backend", f"{self.host}:{port}")]
        return [
            PYTHON,
            "-m",
            "deploy.proxy",
            "--listen",
            f"{self.host}:{self.public_port}",
            *backends,
        ]


def _free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _any_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def redis_problem(url: str) -> str | None:
    """Why Redis at `url` cannot be used (None when it answers PING)."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
    try:
        client.ping()
        return None
    except redis.RedisError as exc:
        return f"Redis at {url} does not answer: {exc}"
    finally:
        client.close()
