"""What the report-data tests share: hand-ins, year-end reports, a whole year, the data built."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from domain.clock import LOCAL_TZ
from domain.policy import Stage
from domain.report import FormResult, ReportData, UnitAppendix
from domain.task import Task, TaskKey
from domain.year_end import YEAR_END
from services.context import plan_context
from services.report_data import build_report_data
from services.tasks import submit
from services.year_end import open_unit_reports
from tests.integration.conftest import World

NOW = datetime(2025, 11, 20, 9, 0, tzinfo=LOCAL_TZ)  # a Thursday after the 14/11 cut-off
SILENT = "TTUD"  # the unit that sends no year-end report in `the_whole_year`
DIFFICULTIES = [
    "Nhân lực làm công tác tuyên truyền còn kiêm nhiệm.",
    "Kinh phí cho hoạt động tuyên truyền còn hạn chế",
    "nhân lực làm công tác tuyên truyền còn KIÊM NHIỆM",
]
PROPOSALS = [
    "Đề nghị bố trí kinh phí tập huấn kỹ năng viết tin bài.",
    "Đề nghị tăng cường phối hợp với Báo Quảng Ngãi.",
]
BULLETINS_CDS = TaskKey("bulletins", "CDS", Stage.REPORT)  # due Friday 14/11/2025
BULLETINS_VP = TaskKey("bulletins", "VP", Stage.REPORT)
ISO_TRAINING = TaskKey("iso-training", "TDC", Stage.REPORT)  # due Monday 14/7/2025


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ)


def payload(content: str, **fields: Any) -> dict[str, Any]:
    """A submission as the portal stores it."""
    empty: dict[str, Any] = {"responsible": "", "links": [], "topics": [], "counts": {}}
    text = dict.fromkeys(("difficulties", "proposals", "estimate"), "")
    return {"content": content, **empty, **text, "files": [], **fields}


def hand_in(
    world: World,
    key: TaskKey,
    on: date,
    body: dict[str, Any],
    evidence: list[dict[str, Any]] | None = None,
) -> int:
    with world.app.uow() as uow:
        return submit(
            uow,
            world.mailer,
            key,
            at=at(on),
            by=f"unit:{key.unit}",
            payload=body,
            evidence=evidence,
        )


def open_year_end(world: World, extra: list[Task] | None = None) -> None:
    """The year-end service opens one report task per unit (the service itself, not a copy);
    `extra` tasks are added beside them, as later steps of the year-end flow would."""
    ctx = plan_context(world.plan.code, world.app)
    open_unit_reports(ctx, now=world.clock.now())
    if not extra:
        return
    with world.app.uow() as uow:
        uow.tasks.add_all(extra, plan=world.plan.code, at=world.clock.now(), origin="year-end")
        uow.commit()


def the_whole_year(world: World) -> None:
    """Every activity report handed in (one in five two days late) and every unit's year-end
    report but SILENT's, worded as the demo's units word them: one line each, often alike."""
    with world.app.uow() as uow:
        reports = [t for t in uow.tasks.find(plan=world.plan.code) if t.key.stage is Stage.REPORT]
    numbers = {a.code: a.number for a in world.plan.activities}
    lines: dict[str, list[str]] = {}
    for n, task in enumerate(sorted(reports, key=lambda t: str(t.key))):
        key, late = task.key, 2 if n % 5 == 0 else 0
        content = f"Kết quả thực hiện đạt yêu cầu của Kế hoạch ({key.unit}, {task.due_on:%d/%m})"
        body = payload(
            content,
            counts={"news": n % 7 + 1, "events": n % 3, "participants": 20 + n % 80},
            difficulties=DIFFICULTIES[n % 3] if n % 2 == 0 else "",
            proposals=PROPOSALS[n % 2] if n % 4 == 0 else "",
            estimate="Ước thực hiện đến hết năm: duy trì như hiện nay.",
        )
        url = f"https://skhcn.example.invalid/{key.activity}/{n}"
        link: dict[str, Any] = {"kind": "link", "url": url, "topics": []}
        file: dict[str, Any] = {"kind": "file", "sha256": f"{n:064x}", "filename": "bien-ban.pdf"}
        evidence = [link, *([file | {"topics": []}] if n % 2 else [])]
        hand_in(world, key, date.fromordinal(task.due_on.toordinal() + late), body, evidence)
        # the prefilled form's "Hình thức 3." lines, and "HT3." as units wrote them before
        tag = "Hình thức " if n % 2 else "HT"
        lines.setdefault(key.unit, []).append(f"{tag}{numbers[key.activity]}. {content}")
    open_year_end(world)
    for unit, said in lines.items():
        if unit == SILENT:
            continue
        text = "\n".join([*said, f"Đơn vị {unit} đã quán triệt Kế hoạch đến toàn thể công chức."])
        body = payload(text, difficulties="\n".join(DIFFICULTIES[:2]), proposals=PROPOSALS[0])
        hand_in(world, year_end_key(unit), date(2025, 11, 12), body)


def year_end_key(unit: str) -> TaskKey:
    return TaskKey(YEAR_END, unit, Stage.REPORT)


def build(world: World, now: datetime = NOW) -> ReportData:
    return build_report_data(plan_context(world.plan.code, world.app), now=now)


def form(data: ReportData, code: str) -> FormResult:
    return next(f for f in data.forms if f.code == code)


def unit_row(data: ReportData, name: str) -> UnitAppendix:
    return next(u for u in data.units if u.unit == name)
