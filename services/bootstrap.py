"""The one wiring module: builds concrete adapters from Settings and hands them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from documents.plan_files import load_calendar
from domain.calendar import WorkingCalendar
from domain.clock import Clock
from services.settings import Settings
from storage.db import make_engine, session_factory
from storage.uow import UnitOfWork


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
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        return load_calendar(self.settings.calendar_overrides_path)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    return App(settings=settings or Settings(), clock=clock or SystemClock())
