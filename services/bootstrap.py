"""The one wiring module: builds concrete adapters from Settings and hands them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from documents.plans.files import load_calendar
from domain.calendar import WorkingCalendar
from domain.clock import Clock
from domain.plan import Plan
from domain.units import UnitDirectory
from notifications.backends import FileBackend, MailBackend, MemoryBackend, SmtpBackend
from notifications.render import Renderer
from services import ports
from services.delivery import Delivery
from services.links import LinkSigner
from services.mail import Mailer
from services.settings import MailSettings, Settings
from storage.db import Engine, make_engine
from storage.uow import UnitsOfWork


class SystemClock:
    """Production time: the system clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class App:
    """The adapters one process works with; built once per process by `bootstrap`."""

    settings: Settings
    clock: Clock

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def units_of_work(self) -> UnitsOfWork:
        return UnitsOfWork(self.engine)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        return load_calendar(self.settings.calendar_overrides_path)

    def uow(self) -> ports.UnitOfWork:
        return self.units_of_work()

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    return App(settings=settings or Settings(), clock=clock or SystemClock())


def mail_backend(settings: MailSettings) -> MailBackend:
    """The backend CCHC_MAIL__BACKEND names; SMTP secrets come from the environment only."""
    if settings.backend == "memory":
        return MemoryBackend()
    if settings.backend == "file":
        return FileBackend(directory=settings.file_dir)
    smtp = settings.smtp
    password = smtp.password.get_secret_value() if smtp.password else None
    return SmtpBackend(
        host=smtp.host,
        port=smtp.port,
        username=smtp.username,
        password=password,
        use_tls=smtp.use_tls,
        start_tls=smtp.start_tls,
        timeout=smtp.timeout,
    )


def mailer(app: App, plan: Plan, directory: UnitDirectory) -> Mailer:
    """Everything a task mail needs, for one plan."""
    return Mailer(
        plan=plan,
        directory=directory,
        calendar=app.calendar,
        renderer=Renderer(
            year=plan.year,
            slogans=[s.display for s in plan.slogans] or [plan.title],
            rehearsal=plan.rehearsal,
        ),
        links=link_signer(app.settings),
        settings=app.settings.mail,
    )


def delivery(app: App, backend: MailBackend | None = None) -> Delivery:
    return Delivery(
        uow=app.uow(),
        backend=backend or mail_backend(app.settings.mail),
        settings=app.settings.mail,
        calendar=app.calendar,
        clock=app.clock,
    )


def link_signer(settings: Settings) -> LinkSigner:
    """Signs and reads the units' task links (the same key in mails and the portal)."""
    return LinkSigner(
        secret=settings.secret_key.get_secret_value(),
        base_url=settings.portal.base_url,
        valid_days=settings.portal.link_valid_days,
        unit_valid_days=settings.portal.head_link_valid_days,
    )
