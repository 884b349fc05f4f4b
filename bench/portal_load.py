"""P5: the portal under 50 concurrent clients — task pages and 1 MB evidence submissions.

The portal runs in its own process (uvicorn, one worker, SQLite file, a fixed clock inside
the plan's year so every link is valid and every task takes amendments). 50 clients, each a
unit with its own task, open their task page and post submissions with a fresh 1 MB PDF, each
request after a think time (exponential, mean --think seconds: people, not a closed loop —
with no think time the figure would only measure the queue of a saturated server).
The baseline is `/healthz` under the same clients and think time: the server's floor.
Usage: python -m bench.portal_load [--clients 50] [--pages 20] [--uploads 4] [--think 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.results import record
from documents.plans.files import load_calendar, load_plan, load_units
from domain.clock import LOCAL_TZ, FixedClock
from services.bootstrap import bootstrap, link_signer
from services.plans import load_plan as store_plan
from services.settings import PortalSettings, Settings
from storage.migrate import upgrade
from tests.smtp_server import free_port

ROOT = Path(__file__).resolve().parent.parent
SERVE = [sys.executable, "-m", "bench.portal_load"]
AT = datetime(2025, 3, 27, 9, 0, tzinfo=LOCAL_TZ)  # every plan-stage task open, none due


def settings_for(workdir: Path, port: int) -> Settings:
    return Settings(
        database_url=f"sqlite:///{workdir / 'cchc.db'}",
        portal=PortalSettings(base_url=f"http://127.0.0.1:{port}", upload_dir=workdir / "up"),
        mail={"backend": "memory"},
    )


def portal_app() -> Any:
    """The app each server worker builds (uvicorn factory): the clock fixed at AT."""
    from portal.app import create_app

    workdir, port = Path(os.environ["CCHC_BENCH_DIR"]), int(os.environ["CCHC_BENCH_PORT"])
    return create_app(settings_for(workdir, port), clock=FixedClock(AT))


def serve(workdir: Path, port: int, workers: int) -> None:
    """The server: the portal on `port`, `workers` processes, as a deployment would run it."""
    import uvicorn

    os.environ.update(CCHC_BENCH_DIR=str(workdir), CCHC_BENCH_PORT=str(port))
    uvicorn.run(
        "bench.portal_load:portal_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


def prepare(workdir: Path, port: int, clients: int) -> list[str]:
    """Load the plan; one task link per client (every task takes amendments at AT)."""
    settings = settings_for(workdir, port)
    upgrade(settings.database_url)
    plan = load_plan(ROOT / "plans/2025-skhcn-quang-ngai.yaml")
    directory = load_units(ROOT / "plans/units.example.yaml")
    calendar = load_calendar(ROOT / "plans/calendar-overrides.yaml")
    app = bootstrap(settings, clock=FixedClock(AT))
    with app.uow() as uow:
        store_plan(uow, plan=plan, directory=directory, calendar=calendar, at=AT, actor="bench")
        tasks = uow.tasks.find(plan=plan.code)
    app.close()
    signer = link_signer(settings)
    links = [
        signer.url(unit=t.key.unit, task=str(t.key), expires_on=date(2026, 12, 31), plan=plan.code)
        for t in tasks[:clients]
    ]
    assert len(links) == clients, f"only {len(links)} tasks for {clients} clients"
    return links


def pdf_of(size: int) -> bytes:
    return b"%PDF-1.4\n" + secrets.token_bytes(size - 16) + b"\n%%EOF\n"


async def client_run(
    client: httpx.AsyncClient,
    url: str,
    *,
    pages: int,
    uploads: int,
    think: float,
    page_ms: list[float],
    upload_ms: list[float],
) -> int:
    errors = 0
    for _ in range(pages):
        await asyncio.sleep(random.expovariate(1 / think))
        started = time.perf_counter()
        answer = await client.get(url)
        page_ms.append((time.perf_counter() - started) * 1000)
        errors += answer.status_code != 200
    for _ in range(uploads):
        files = {"file_1": ("minh-chung.pdf", pdf_of(1024 * 1024), "application/pdf")}
        data = {"content": "Minh chứng", "nonce": secrets.token_hex(8)}
        await asyncio.sleep(random.expovariate(1 / think))
        started = time.perf_counter()
        answer = await client.post(url, data=data, files=files)
        upload_ms.append((time.perf_counter() - started) * 1000)
        errors += answer.status_code != 200
    return errors


async def floor(
    clients: list[httpx.AsyncClient], base: str, each: int, think: float
) -> list[float]:
    timings: list[float] = []

    async def one(client: httpx.AsyncClient) -> None:
        for _ in range(each):
            await asyncio.sleep(random.expovariate(1 / think))
            started = time.perf_counter()
            await client.get(f"{base}/healthz")
            timings.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(one(c) for c in clients))
    return timings


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def measure(
    links: list[str], base: str, pages: int, uploads: int, think: float
) -> dict[str, float]:
    # One client (and connection) per simulated unit, made and connected before the clock
    # starts: making 50 at once would stall the load generator and send the server one burst.
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(httpx.AsyncClient(timeout=30)) for _ in links]
        await clients[0].get(links[0])  # warm-up: the first page compiles queries and templates
        await asyncio.gather(*(c.get(f"{base}/healthz") for c in clients))
        healthz = await floor(clients, base, pages, think)
        page_ms: list[float] = []
        upload_ms: list[float] = []
        errors = await asyncio.gather(
            *(
                client_run(
                    c,
                    u,
                    pages=pages,
                    uploads=uploads,
                    think=think,
                    page_ms=page_ms,
                    upload_ms=upload_ms,
                )
                for c, u in zip(clients, links, strict=True)
            )
        )
    return {
        "healthz_p99": pct(healthz, 99),
        "page_p50": pct(page_ms, 50),
        "page_p99": pct(page_ms, 99),
        "upload_p50": pct(upload_ms, 50),
        "upload_p99": pct(upload_ms, 99),
        "errors": sum(errors),
        "requests": len(page_ms) + len(upload_ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--pages", type=int, default=20, help="task page GETs per client")
    parser.add_argument("--uploads", type=int, default=4, help="1 MB submissions per client")
    parser.add_argument("--think", type=float, default=0.5, help="mean seconds between requests")
    parser.add_argument("--workers", type=int, default=1, help="portal server processes")
    parser.add_argument("--serve", nargs=2, metavar=("WORKDIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]), args.workers)
        return
    with tempfile.TemporaryDirectory(prefix="cchc-p5-") as tmp:
        workdir, port = Path(tmp), free_port()
        links = prepare(workdir, port, args.clients)
        server = subprocess.Popen(
            [*SERVE, "--serve", str(workdir), str(port), "--workers", str(args.workers)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    httpx.get(f"{base}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            got = asyncio.run(measure(links, base, args.pages, args.uploads, args.think))
        finally:
            server.terminate()
            server.wait(10)
    report(got, args.clients, args.think)


def report(got: dict[str, float], clients: int, think: float) -> None:
    met = got["page_p99"] <= 50 and got["upload_p99"] <= 200 and got["errors"] == 0
    entry = record(
        "P5",
        value=got["page_p99"],
        unit="ms (task page p99)",
        baseline=got["healthz_p99"],
        goal=f"{clients} clients: task page p99 ≤ 50 ms, 1 MB upload p99 ≤ 200 ms, 0 errors",
        think_seconds=think,
        met=met,
        page_p50_ms=round(got["page_p50"], 1),
        upload_p50_ms=round(got["upload_p50"], 1),
        upload_p99_ms=round(got["upload_p99"], 1),
        errors=int(got["errors"]),
        requests=int(got["requests"]),
    )
    print(
        f"P5 {clients} clients (think {think} s), {int(got['requests'])} requests, "
        f"{int(got['errors'])} errors\n"
        f"  task page   p50 {got['page_p50']:7.1f} ms  p99 {got['page_p99']:7.1f} ms  (≤ 50)\n"
        f"  1 MB upload p50 {got['upload_p50']:7.1f} ms  p99 {got['upload_p99']:7.1f} ms  (≤ 200)\n"
        f"  /healthz    p99 {got['healthz_p99']:7.1f} ms (baseline); page/baseline {entry['ratio']}"
    )


if __name__ == "__main__":
    main()
