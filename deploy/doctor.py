"""`cchc doctor`: is every part of a running installation there, and how to fix what is not."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from deploy.probes import PREFECT_YAML, expected_deployments, http_problem, smtp_problem
from services.backup_rotation import newest
from services.prefect_adapter.probes import UNAUTHORIZED, ApiUnreadable, PrefectProbe
from services.settings import Settings
from storage.db import Engine, make_engine
from storage.migrate import SchemaOutdated, current_revision, require_current

DEV_SECRET = "dev-only-change-me"  # services.settings' default: fine on loopback only


@dataclass(frozen=True)
class Check:
    """One verdict: ok True (passed), False (failed: `fix` says what to run) or None (skipped,
    or a warning when `warning`: something to see to that does not fail the check)."""

    name: str
    ok: bool | None
    detail: str
    fix: str = ""
    warning: bool = False


def diagnose(settings: Settings, *, api_url: str | None, auth: str | None = None) -> list[Check]:
    return list(_checks(settings, api_url=api_url, auth=auth))


def _checks(settings: Settings, *, api_url: str | None, auth: str | None) -> Iterator[Check]:
    database, engine = _database(settings.database_url)
    yield database
    try:
        yield _migrations(engine)
    finally:
        if engine is not None:
            engine.dispose()
    api = PrefectProbe(api_url, auth) if api_url else None
    reachable = _prefect(settings, api)
    yield reachable
    pool = settings.stack.work_pool
    if api is None or not reachable.ok:
        for name in (f"work pool {pool}", "deployments"):
            yield Check(name, None, "not checked: no Prefect API to ask")
    else:
        yield _pool(api, pool)
        yield _deployments(api)
    yield _smtp(settings)
    yield _portal(settings)
    yield _secret(settings)
    yield backups(settings, now=datetime.now(UTC))


def _database(url: str) -> tuple[Check, Engine | None]:
    try:
        parsed = make_url(url)
    except ArgumentError:
        fix = "export CCHC_DATABASE_URL=postgresql+psycopg://USER@HOST:5432/DB (or sqlite:///…)"
        return Check("database", False, f"CCHC_DATABASE_URL is not a URL: {url!r}", fix), None
    shown = parsed.render_as_string(hide_password=True)
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not Path(file).exists():
        fix = "cchc db upgrade   (creates it), or point CCHC_DATABASE_URL at the existing one"
        return Check("database", False, f"SQLite file {file} does not exist", fix), None
    options = {} if file else {"connect_args": {"connect_timeout": 5}}
    engine = make_engine(url, **options)
    try:
        current_revision(engine)  # a read that needs a connection: does the server answer
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        fix = "check that the server runs and CCHC_DATABASE_URL names it, then `cchc db upgrade`"
        return Check("database", False, f"{shown}: {reason}", fix), None
    return Check("database", True, f"{shown} answers"), engine


def _migrations(engine: Engine | None) -> Check:
    if engine is None:
        return Check("migrations", None, "not checked: the database is not reachable")
    try:
        require_current(engine)
    except SchemaOutdated as exc:
        return Check("migrations", False, str(exc), "cchc db upgrade")
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return Check("migrations", False, f"cannot be read: {reason}", "cchc db upgrade")
    return Check("migrations", True, f"at the latest, {current_revision(engine)}")


def _prefect(settings: Settings, api: PrefectProbe | None) -> Check:
    local = f"http://{settings.stack.host}:{settings.stack.prefect_port}/api"
    if api is None:
        return Check(
            "Prefect API",
            False,
            "PREFECT_API_URL is not set: runs would go to a temporary in-process server",
            f"export PREFECT_API_URL={local}   (the stack of `cchc up`, or your server's URL)",
        )
    problem = api.health_problem()
    if problem is None:
        return Check("Prefect API", True, f"{api.url} healthy")
    if UNAUTHORIZED in problem:
        return Check(
            "Prefect API",
            False,
            problem,
            "export PREFECT_API_AUTH_STRING='user:password'   (the server's "
            "PREFECT_SERVER_API_AUTH_STRING; in production /etc/cchc/cchc.env has it)",
        )
    return Check(
        "Prefect API",
        False,
        problem,
        "start it: `cchc up` (or `prefect server start`), or correct PREFECT_API_URL",
    )


def _pool(api: PrefectProbe, pool: str) -> Check:
    name = f"work pool {pool}"
    try:
        if not api.work_pool_exists(pool):
            fix = f"prefect work-pool create {pool} --type process"
            return Check(name, False, "does not exist", fix)
        online = api.online_workers(pool)
    except ApiUnreadable as exc:
        return Check(name, False, f"cannot be read: {exc}", "see the Prefect server's log")
    if not online:
        return Check(
            name,
            False,
            "no online worker: scheduled and resumed runs will wait",
            f'prefect worker start --pool {pool} --name "$(hostname)-1"   '
            "(with PREFECT_API_URL, CCHC_HOME and the CCHC_ settings; deploy/README.md)",
        )
    return Check(name, True, f"{len(online)} online worker(s): {', '.join(online)}")


def _deployments(api: PrefectProbe) -> Check:
    expected = expected_deployments()
    try:
        problems = api.deployment_problems(expected)
    except ApiUnreadable as exc:
        return Check("deployments", False, f"cannot be read: {exc}", "see the Prefect server's log")
    if problems:
        return Check(
            "deployments",
            False,
            "; ".join(problems),
            f"cd {PREFECT_YAML.parent} && prefect --no-prompt deploy --all",
        )
    return Check("deployments", True, f"all {len(expected)} of prefect.yaml registered")


def _smtp(settings: Settings) -> Check:
    mail = settings.mail
    if mail.backend != "smtp":
        where = f" (.eml files in {mail.file_dir})" if mail.backend == "file" else ""
        return Check("mail", None, f"backend is {mail.backend}{where}: no SMTP server to check")
    smtp = mail.smtp
    problem = smtp_problem(
        smtp.host, smtp.port, use_tls=smtp.use_tls, start_tls=smtp.start_tls, timeout=5
    )
    if problem:
        return Check(
            "mail",
            False,
            problem,
            "check CCHC_MAIL__SMTP__HOST, …__PORT, …__START_TLS, …__USE_TLS; "
            f"on one machine: `cchc mail-sink --port {smtp.port}`",
        )
    return Check("mail", True, f"SMTP {smtp.host}:{smtp.port} answers EHLO")


def _portal(settings: Settings) -> Check:
    base = settings.portal.base_url.rstrip("/")
    problem = http_problem(f"{base}/healthz")
    if problem:
        parts = urlsplit(base)
        port = parts.port if parts.scheme == "http" and parts.port else 8000
        return Check(
            "portal",
            False,
            problem,
            f"start it: `cchc portal --port {port}` (or `cchc up`); behind a proxy, check the "
            "proxy and CCHC_PORTAL__BASE_URL",
        )
    return Check("portal", True, f"{base}/healthz answers")


def _secret(settings: Settings) -> Check:
    if settings.secret_key.get_secret_value() != DEV_SECRET:
        return Check("secret key", True, "CCHC_SECRET_KEY is set")
    if settings.portal.base_url.startswith("https://"):
        return Check(
            "secret key",
            False,
            "the portal is public but CCHC_SECRET_KEY is the development default",
            "export CCHC_SECRET_KEY="
            "\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')\"",
        )
    return Check("secret key", None, "development default (set CCHC_SECRET_KEY in production)")


def backups(settings: Settings, *, now: datetime) -> Check:
    """The newest nightly archive in CCHC_BACKUP__DIR: a warning when there is none or it is
    older than two days (the deployment backup/daily writes one every night)."""
    folder = settings.backup.dir
    found = newest(folder, now=now)
    fix = (
        "is the deployment backup/daily scheduled and a worker online? Run one now: "
        "prefect deployment run backup/daily"
    )
    if found.path is None or found.age is None:
        return Check("backups", None, f"no nightly archive in {folder}", fix, warning=True)
    hours = found.age.total_seconds() / 3600
    age = f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.1f} days"
    detail = f"newest {found.path.name}, written {age} ago"
    if found.stale:
        return Check("backups", None, f"{detail}: older than two days", fix, warning=True)
    return Check("backups", True, detail)
