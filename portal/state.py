"""What every route module shares: the Portal (adapters, link signer, Office sessions,
templates, plan contexts) and the few helpers their handlers have in common."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from domain.clock import Clock, local_date
from domain.errors import NotFound
from domain.numbers import parse_id
from domain.records import PlanState, StoredPlan
from domain.task import TaskKey
from portal.auth import OfficeAuth
from portal.headers import csp_allowing_styles_of
from services import stages
from services.bootstrap import App, bootstrap, link_signer
from services.context import PlanContext, plan_context, stored_version
from services.links import LinkClaims, LinkInvalid, LinkRevoked
from services.plan_lifecycle import current
from services.ports import UnitOfWork
from services.settings import Settings

TEMPLATES = Path(__file__).with_name("templates")

Version = tuple[str | None, int | None]  # the plan's content hash, the directory file's mtime


class PlanContexts:
    """Plan contexts, each built once per version of what it was built from.

    Invalidated by the stored plan's content hash (which every `cchc plan load` that changes
    the plan changes) and by the unit directory file's modification time: both are read on
    every request (one query, one stat), and a context built from another version is built
    again. So a plan re-published while the portal runs is seen on the next request.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self._built: dict[str, tuple[Version, PlanContext]] = {}
        self._lock = threading.Lock()

    def get(self, plan: str) -> PlanContext:
        version = self._version(plan)
        with self._lock:  # built once, not by every request that arrives first at the same time
            cached = self._built.get(plan)
            if cached is None or cached[0] != version:
                cached = (version, plan_context(plan, self.app))
                self._built[plan] = cached
            return cached[1]

    def _version(self, plan: str) -> Version:
        try:
            mtime: int | None = self.app.settings.units_path.stat().st_mtime_ns
        except OSError:
            mtime = None  # building the context reports the missing directory
        return stored_version(plan, self.app), mtime


class Portal:
    """What the routes share: the adapters, the link signer, the plan contexts."""

    def __init__(self, settings: Settings | None, clock: Clock | None) -> None:
        self.app = bootstrap(settings, clock=clock)
        self.signer = link_signer(self.app.settings)
        config = self.app.settings.portal
        secure = config.secure_cookies
        self.auth = OfficeAuth(
            app=self.app,
            settings=config,
            secret=self.app.settings.secret_key.get_secret_value(),
            secure=config.base_url.startswith("https://") if secure is None else secure,
        )
        self.templates = Jinja2Templates(directory=TEMPLATES)
        self.contexts = PlanContexts(self.app)
        # SQLite has one writer at a time and makes the others poll with growing sleeps (up to
        # 100 ms each); queueing this process's writers on a lock hands the file over at once.
        sqlite = self.app.settings.database_url.startswith("sqlite")
        self.write_lock: AbstractContextManager[Any] = threading.Lock() if sqlite else nullcontext()

    def context(self, plan: str) -> PlanContext:
        return self.contexts.get(plan)

    def plans(self) -> list[StoredPlan]:
        """The published plans, by year (what the Office and Director pages offer)."""
        with self.app.uow() as uow:
            return [p for p in uow.plans.listing() if p.state is PlanState.PUBLISHED]

    def default_plan(self) -> str:
        """The plan a staff page shows when none is asked for: the current year's published
        plan (the first by code if several; a rehearsal only if no real one), else the
        latest published, else the latest stored; NotFound when no plan is stored."""
        with self.app.uow() as uow:
            stored = uow.plans.listing()
            this_year = current(uow, today=local_date(self.app.clock.now()))
        if this_year:
            return this_year[0]
        published = [p for p in stored if p.state is PlanState.PUBLISHED]
        if group := published or stored:
            return max(group, key=lambda p: (p.year, p.code)).code
        raise NotFound("no plan is stored yet: cchc plan publish PLAN.yaml")

    def staff_context(self, request: Request) -> PlanContext:
        """The plan of an Office or Director page: ?plan=CODE, else default_plan()."""
        return self.context(request.query_params.get("plan") or self.default_plan())

    def task_context(self, task_id: int) -> PlanContext:
        """The context of the plan the task belongs to; NotFound for no such task."""
        with self.app.uow() as uow:
            code = uow.tasks.plan_of(task_id)
        if code is None:
            raise NotFound(f"task {task_id}")
        return self.context(code)

    def warm(self) -> None:
        """Build the default plan's context and compile the templates before the first unit."""
        try:
            self.context(self.default_plan())
        except NotFound:
            return  # no plan loaded yet: the first request builds it
        for name in ("task.html", "done.html", "error.html", "dashboard.html"):
            self.templates.get_template(name)
        # What start-up built lives as long as the process: keep it out of the collector's
        # full passes, which otherwise stall every request in flight for ~0.1 s.
        gc.collect()
        gc.freeze()

    def open_link(self, token: str) -> tuple[LinkClaims, PlanContext, TaskKey]:
        claims = self.signer.read(token, today=local_date(self.app.clock.now()))
        key = stages.parse_task(claims.task)
        if key.unit != claims.unit:
            raise LinkInvalid("link and task name different units")
        if not claims.plan:
            raise LinkInvalid("the link names no plan")
        return claims, self.context(claims.plan), key

    def check_generation(self, claims: LinkClaims, generation: int) -> None:
        if claims.generation != generation:
            raise LinkRevoked("the Office replaced this link")

    def check_link(
        self, ctx: PlanContext, key: TaskKey, claims: LinkClaims, uow: UnitOfWork | None = None
    ) -> None:
        """NotFound for a task the plan no longer has; LinkRevoked for a replaced link. Read
        in `uow` when the caller has one open (no second session), else in its own."""
        if uow is None:
            with ctx.app.uow() as own:
                return self.check_link(ctx, key, claims, own)
        generation = uow.tasks.link_generation(key, plan=ctx.plan.code)
        if generation is None:
            raise NotFound(f"task {key} is not in plan {ctx.plan.code}")
        self.check_generation(claims, generation)
        return None

    def page(self, request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        """A page; one about a rehearsal plan (given as `plan`, or `rehearsal`) says so."""
        plan = values.get("plan")
        shared = {"year": getattr(plan, "year", ""), "rehearsal": getattr(plan, "rehearsal", False)}
        return self.templates.TemplateResponse(
            request, name, {**shared, **values}, status_code=status
        )

    def staff_page(
        self,
        request: Request,
        name: str,
        status: int = 200,
        *,
        ctx: PlanContext | None = None,
        **values: Any,
    ) -> HTMLResponse:
        """An Office or Director page of plan `ctx` (none: the login page), with the published
        plans to switch to and the session's CSRF token; a report draft shown on it brings
        its own stylesheet, allowed by hash."""
        csrf = self.auth.csrf_token(request)
        plan, plans = (ctx.plan, self.plans()) if ctx else (None, [])
        answer = self.page(request, name, status, plan=plan, plans=plans, csrf=csrf, **values)
        if html := getattr(values.get("draft"), "html", ""):
            answer.headers["content-security-policy"] = csp_allowing_styles_of(html)
        return answer


def row_id(raw: str) -> int:
    """An id from the path (ASCII digits, within the database's range), else NotFound."""
    found = parse_id(raw)
    if found is None:
        raise NotFound(f"no such id {raw[:30]!r}")
    return found


@dataclass(frozen=True)
class StaffPost:
    """A decision posted by the Office or the Director, checked: who, on what, which
    decision, and the form's text fields."""

    user: str
    id: int
    action: str
    fields: dict[str, str]


async def staff_post(
    portal: Portal, request: Request, role: str, raw_id: str, action: str, known: Iterable[str]
) -> StaffPost:
    """The role's session, the id in the path, the form with its CSRF token, then a known
    action — checked in that order (NotLoggedIn, NotFound, CsrfFailed, NotFound)."""
    user = portal.auth.require(request, role)
    number = row_id(raw_id)
    form = await request.form()
    portal.auth.check_csrf(request, form.get("csrf"))
    if action not in known:
        raise NotFound(f"no {role} decision {action!r}")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return StaffPost(user, number, action, fields)
