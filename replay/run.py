"""`cchc demo`: the 2025 plan replayed on a fresh SQLite database, a simulated clock and a
file mail sink, through the real flows and services; writes the report, the mails and a
summary under `out/`."""

from __future__ import annotations

import gc
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ, FixedClock
from domain.plan import Plan
from domain.units import UnitDirectory
from flows.common import using
from flows.replay import replay
from replay.people import CLERK, DIRECTOR, People
from replay.schedule import at
from replay.served import YOUNG_COLLECTIONS, serve
from replay.summary import summarize
from replay.year import Year
from services.accounts import hash_password
from services.bootstrap import App, bootstrap
from services.context import plan_context
from services.plan_lifecycle import publish
from services.prefect_adapter.settings import without_heartbeats
from services.report_excel import write_progress
from services.report_pdf import demo_signing
from services.settings import Account, Settings
from storage.migrate import upgrade
from storage.replay_reads import ReplayReads


@dataclass
class DemoResult:
    files: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanFiles:
    """The plan to replay, its unit directory and working calendar (as read from the files
    the settings name)."""

    plan: Plan
    directory: UnitDirectory
    calendar: WorkingCalendar


def demo_settings(settings: Settings, out: Path) -> Settings:
    """Everything under `out`: the database, the mail (one .eml per mail), the reports, the
    evidence files (the sweep's clean-up looks there, never at another store)."""
    mail = settings.mail.model_copy(
        update={
            "backend": "file",
            "file_dir": out / "mail",
            "build_workers": settings.mail.build_workers or BUILD_WORKERS,
        }
    )
    portal = settings.portal.model_copy(update={"upload_dir": out / "uploads"})
    return settings.model_copy(
        update={
            "database_url": f"sqlite:///{out / 'cchc.db'}",
            "mail": mail,
            "report_dir": out / "reports",
            "portal": portal,
        }
    )


def signing_settings(settings: Settings, out: Path, files: PlanFiles) -> Settings:
    """A throw-away CA and the signer's certificate under out/demo-signing (reused while
    valid), marked a demo in its subject, so that the replay sends a signed PDF."""
    plan = files.plan
    signer = files.directory.recipient(plan.reporting.consolidated_report.signed_by or "")
    name = (getattr(signer, "person", "") or signer.name) if signer else plan.issuer.name
    signing = demo_signing(
        out / "demo-signing",
        signer_name=name,
        organization=files.directory.organization,
        at=datetime(plan.year, 1, 1, tzinfo=LOCAL_TZ),
        passphrase=DEMO_PASSPHRASE,
    )
    return settings.model_copy(update={"signing": signing})


def portal_settings(settings: Settings, director_password: str) -> Settings:
    """The portal's: the Director's and the văn thư's logins (one throw-away password)."""
    hashed = hash_password(director_password)
    accounts = {
        DIRECTOR: Account(role="director", name="Giám đốc Sở", password_hash=hashed),
        CLERK: Account(role="office", name="Văn thư Văn phòng Sở", password_hash=hashed),
    }
    portal = settings.portal.model_copy(update={"accounts": accounts})
    return settings.model_copy(update={"portal": portal})


# the messages built by processes of their own while the sweep writes the files: the sink
# writes a file in a fifth of the time a message takes to build
BUILD_WORKERS = 2
_DB = ("cchc.db", "cchc.db-wal", "cchc.db-shm")
_COPIES = ("report-2025.docx", "report-2025.pdf", "report-2025.md", "progress-2025.xlsx")
DEMO_PASSPHRASE = b"demo-only"  # the throw-away certificate's; never a real one's


def fresh(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in (
        *_DB,
        "report-2025.docx",
        "report-2025.pdf",
        "report-2025.md",
        "progress-2025.xlsx",
    ):
        (out / name).unlink(missing_ok=True)
    for folder in ("mail", "reports", "uploads"):
        shutil.rmtree(out / folder, ignore_errors=True)


def run_demo(
    settings: Settings,
    out: Path,
    files: PlanFiles,
    *,
    on_day: Callable[[date], None] | None = None,
) -> DemoResult:
    """Replay the year of the plan in `files`: the settings and the simulated year (its
    clock, its people) are handed to the replay flow; `on_day` is told each simulated day
    as it starts."""
    started = time.perf_counter()
    out = out.resolve()
    fresh(out)
    settings = signing_settings(demo_settings(settings, out), out, files)
    upgrade(settings.database_url)
    clock = FixedClock(at(files.plan.issued_on, 8))
    app = bootstrap(settings, clock=clock)
    with app.uow() as uow:  # published as the Office would, version 1 (no Prefect server)
        publish(
            uow,
            plan=files.plan,
            directory=files.directory,
            calendar=files.calendar,
            at=clock.now(),
            actor="demo",
            reason="replay of the plan's year",
        )
    people, outcome = play(app, files, out, clock, on_day or (lambda _d: None))
    ctx = plan_context(files.plan.code, app)  # the Office's workbook, as the year ended
    write_progress(ctx, out / "progress-2025.xlsx", now=people.clock.now())
    summary = summarize(app, files.plan, out, people, outcome, started)
    app.close()
    return DemoResult(_outputs(out), summary)


def play(
    app: App, files: PlanFiles, out: Path, clock: FixedClock, on_day: Callable[[date], None]
) -> tuple[People, dict[str, Any]]:
    """The replay flow, with the simulated people at the portal (served by processes of its
    own, as in production); the people (what they did) and what the flow returned."""
    password = secrets.token_urlsafe(12)
    served = serve(portal_settings(app.settings, password), clock.now(), processes=PORTALS)
    with served as portal:
        mail = ReplayReads(app.engine)
        people = People(portal, mail, clock, files.calendar, password, on_day)
        # Heartbeats guard long runs on workers; in this one process each subflow would
        # wait up to a second for its heartbeat thread to stop.
        year = Year(plan_context(files.plan.code, app), people)
        with (
            closing(people),
            without_heartbeats(),
            using(app.settings),
            quick_handoffs(),
            settled_heap(),
        ):
            outcome = replay(year, app.settings, files.plan.code)
    return people, outcome


PORTALS = 2  # portal processes: the units' answers use every core the replay leaves idle


# measured with the portal then in process: 200 units 193.9 s at Python's 5 ms, 177.6 s at 0.5 ms
HANDOFF_SECONDS = 0.0005


@contextmanager
def quick_handoffs() -> Iterator[None]:
    """A shorter GIL switch interval while the replay runs. Its work passes from thread to
    thread all the time (the units' HTTP clients, Prefect's event-loop threads under its sync
    engine), and each handoff may wait for the running thread's switch interval (5 ms by
    default); the rest of the process is unaffected."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(HANDOFF_SECONDS)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@contextmanager
def settled_heap() -> Iterator[None]:
    """What start-up built (modules, the plan, the unit directory) frozen out of the
    collector's full passes while the replay runs, and young passes less often. At 1,000 units
    the full passes took ~0.34 s each (22 s of a replay), mostly re-scanning what start-up
    built. Restored afterwards: frozen objects are thawed, the thresholds put back."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTIONS, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _outputs(out: Path) -> list[Path]:
    found = [out / f"report-2025.{kind}" for kind in ("docx", "pdf", "md")]
    found += [out / "progress-2025.xlsx", out / "reports", out / "mail", out / "summary.json"]
    return [path for path in found if path.exists()]
