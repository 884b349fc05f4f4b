"""What `cchc up` sets up once its processes run: the configured plan published, every
published plan's deployments made from its data, the automations."""

from __future__ import annotations

from collections.abc import Callable

from services.settings import Settings

Say = Callable[[str], None]


def publish_plan(settings: Settings, say: Say) -> None:
    """Publish the plan of CCHC_PLAN_PATH in the database (its deployments follow once the
    server is up)."""
    from services.bootstrap import bootstrap
    from services.plan_inputs import publish_configured_plan

    app = bootstrap(settings)
    try:
        plan, done = publish_configured_plan(app, actor="cchc up")
    finally:
        app.close()
    state = "new" if done.new_version else "unchanged"
    say(f"plan {plan.code} published: version {done.version} ({state})")


def plan_deployments(settings: Settings, api_url: str, auth: str, say: Say) -> None:
    """Every published plan's deployments on this server, from the plan's data (the server's
    database may be new while the project's is not); activities whose window is open and
    that never ran are started."""
    from services.bootstrap import bootstrap
    from services.context import plan_context, published_codes
    from services.prefect_adapter.publish import deploy_and_start
    from services.prefect_adapter.settings import temporary

    app = bootstrap(settings)
    try:
        with temporary(api_url=api_url, auth_string=auth):
            for code in published_codes(app):
                ctx = plan_context(code, app)
                applied, started = deploy_and_start(ctx, work_pool=settings.stack.work_pool)
                say(
                    f"plan {code}: deployments {len(applied.created)} created, "
                    f"{len(applied.updated)} updated, {len(applied.unchanged)} unchanged"
                    + (f"; started {', '.join(started)}" if started else "")
                )
    finally:
        app.close()


def automations(settings: Settings, api_url: str, auth: str, heartbeat: int, say: Say) -> None:
    """The automations of deploy/README.md §4; ValueError when the workers' heartbeat is
    too slow for the zombie window."""
    from domain.errors import InvalidRequest
    from services.prefect_adapter.automations import ensure_automations
    from services.prefect_adapter.settings import temporary

    try:
        with temporary(api_url=api_url, auth_string=auth):
            names = ensure_automations(settings, heartbeat=heartbeat)
    except InvalidRequest as exc:
        raise ValueError(str(exc)) from None
    say(f"automations {', '.join(names)} in place")
