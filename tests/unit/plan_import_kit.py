"""What the plan-import tests share: the seed plan's text, its section IV, reading a text."""

from __future__ import annotations

from documents.plans.importer import PlanImport, import_text
from domain.calendar import WorkingCalendar
from domain.plan import Plan
from domain.units import UnitDirectory
from tests.conftest import SEED_PATH

SEED = SEED_PATH.read_text(encoding="utf-8")
SECTION_IV = SEED[SEED.index("IV. HÌNH THỨC TUYÊN TRUYỀN") : SEED.index("V. KINH PHÍ THỰC HIỆN")]


def read(
    text: str, directory: UnitDirectory, calendar: WorkingCalendar, plan: Plan | None = None
) -> PlanImport:
    return import_text(text, directory=directory, calendar=calendar, previous=plan)


def line_no(text: str, start: str) -> int:
    return next(i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith(start))
