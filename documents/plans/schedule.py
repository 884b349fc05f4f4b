"""The plan's schedule written for people (Markdown, Vietnamese) and machines (JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from domain.calendar import WorkingCalendar
from domain.plan import Plan
from domain.policy import STAGE_LABELS_VI, Role
from domain.schedule import ActivitySchedule, schedule_tasks
from domain.units import UnitDirectory
from domain.vi import dmy, long_date

ROLE_VI = {Role.LEAD: "chủ trì", Role.COORDINATOR: "phối hợp"}


def schedule_json(plan: Plan, schedules: list[ActivitySchedule]) -> dict[str, Any]:
    """Every task: activity code, unit code, stage, check-in number, role, open, due."""
    tasks = [
        {
            "activity": t.key.activity,
            "unit": t.key.unit,
            "stage": t.key.stage.value,
            "seq": t.key.seq,
            "role": t.role.value,
            "opens_on": t.opens_on.isoformat(),
            "due_on": t.due_on.isoformat(),
        }
        for s in schedules
        for t in schedule_tasks(s, plan)
    ]
    return {
        "plan": plan.code,
        "number_symbol": plan.number_symbol,
        "year": plan.year,
        "tasks": tasks,
    }


def _slot_label(schedule: ActivitySchedule, index: int) -> str:
    slot = schedule.slots[index]
    label = STAGE_LABELS_VI[slot.stage]
    if slot.period is not None and len(schedule.due(slot.stage)) > 1:
        label += f" (kỳ {slot.seq}: {dmy(slot.period[0])} – {dmy(slot.period[1])})"
    return label


def schedule_markdown(
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    schedules: list[ActivitySchedule],
) -> str:
    names = {u.code: u.name for u in directory.units}
    cutoff = plan.unit_deadline()
    lines = [
        f"# Lịch thực hiện Kế hoạch số {plan.number_symbol} ngày {dmy(plan.issued_on)}",
        "",
        f"**{plan.title}**",
        "",
        f"Hạn các đơn vị gửi báo cáo về Văn phòng Sở: {long_date(cutoff.due(calendar))} "
        f"(\u201c{cutoff.text}\u201d).",
        "",
    ]
    for s in schedules:
        a = s.activity
        lines += [
            f"## {a.number}. {a.title}",
            "",
            f"- Đơn vị chủ trì: {', '.join(names[c] for c in s.leads)}",
            f"- Đơn vị phối hợp: {', '.join(names[c] for c in s.coordinators) or 'không có'}",
            f"- Thời gian thực hiện: {a.window} ({dmy(s.window.start)} – {dmy(s.window.end)})",
        ]
        if s.estimate:
            lines.append("- Kết thúc sau hạn báo cáo: báo cáo kết quả đã làm và ước thực hiện.")
        lines += ["", "| Giai đoạn | Bắt đầu | Hạn | Đơn vị |", "|---|---|---|---|"]
        roles = plan.policy.stages
        for i, slot in enumerate(s.slots):
            who = [ROLE_VI[r] for r in roles[slot.stage].roles if r is Role.LEAD or s.coordinators]
            lines.append(
                f"| {_slot_label(s, i)} | {long_date(slot.opens_on)} | "
                f"{long_date(slot.due_on)} | {', '.join(who)} |"
            )
        lines.append("")
    return "\n".join(lines)


def write_schedule(
    out: Path,
    plan: Plan,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    schedules: list[ActivitySchedule],
) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "schedule.md", out / "schedule.json"
    md.write_text(schedule_markdown(plan, directory, calendar, schedules), encoding="utf-8")
    payload = json.dumps(schedule_json(plan, schedules), ensure_ascii=False, indent=2)
    js.write_text(payload + "\n", encoding="utf-8")
    return md, js
