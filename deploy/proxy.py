"""A round-robin TCP proxy in front of several Prefect API servers.

Prefect's client takes one PREFECT_API_URL, so the workers, the portal, the flows and the UI
all talk to this one address. Each new connection goes to the next server in turn; a server
that refuses the connection is skipped (and left alone for a few seconds), so a server that
died costs its callers no more than the connections it held. HTTP, keep-alive and the events
websocket pass through unchanged: the proxy copies bytes and knows nothing of HTTP.

Usage: python -m deploy.proxy --listen 127.0.0.1:4200 --backend 127.0.0.1:4201 --backend …
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import time
from dataclasses import dataclass, field

log = logging.getLogger("cchc.proxy")
RESTING_SECONDS = 3.0  # a server that refused a connection is not tried again before this
CONNECT_SECONDS = 2.0


@dataclass
class Backends:
    """The servers, taken in turn; those that refused recently are passed over."""

    addresses: list[tuple[str, int]]
    resting_until: dict[tuple[str, int], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._turn = itertools.cycle(range(len(self.addresses)))

    def order(self) -> list[tuple[str, int]]:
        """Every server once, the next in turn first, resting ones last."""
        start = next(self._turn)
        turn = self.addresses[start:] + self.addresses[:start]
        now = time.monotonic()
        awake = [a for a in turn if self.resting_until.get(a, 0) <= now]
        return awake + [a for a in turn if a not in awake]

    def refused(self, address: tuple[str, int]) -> None:
        self.resting_until[address] = time.monotonic() + RESTING_SECONDS


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _connect(
    backends: Backends,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    for address in backends.order():
        try:
            return await asyncio.wait_for(asyncio.open_connection(*address), CONNECT_SECONDS)
        except (OSError, TimeoutError):
            log.warning("API server %s:%s refused; trying the next", *address)
            backends.refused(address)
    return None


async def _serve_one(
    backends: Backends, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
) -> None:
    found = await _connect(backends)
    if found is None:  # no server answers: the caller sees the connection close
        client_w.close()
        return
    server_r, server_w = found
    await asyncio.gather(_pipe(client_r, server_w), _pipe(server_r, client_w))


async def serve(listen: tuple[str, int], backends: Backends) -> None:
    server = await asyncio.start_server(
        lambda r, w: _serve_one(backends, r, w), host=listen[0], port=listen[1]
    )
    log.info("proxy on %s:%s → %s", *listen, backends.addresses)
    async with server:
        await server.serve_forever()


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=_address, required=True)
    parser.add_argument("--backend", type=_address, action="append", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.listen, Backends(args.backend)))


if __name__ == "__main__":
    main()
