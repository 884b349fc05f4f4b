"""BPMN 2.0 diagrams of the flows: one per activity and one for the year-end report."""

# Built from the plan, its policy and the schedule the flows themselves use: each activity
# walks its dated stage slots (plan → execute check-ins → evidence → report); each stage is
# a user task of its units, and the run then waits at a gate (a suspended flow run, resumed
# once every unit has handed in); the reminder ladder hangs on every task as
# non-interrupting timers, and its escalation rung goes to the Director.

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from documents.bpmn.model import Diagram, Node
from documents.bpmn.xml_writer import to_xml
from domain.calendar import WorkingCalendar
from domain.clock import LOCAL_TZ
from domain.ladder import rung_date
from domain.plan import Plan
from domain.policy import NoticeKind, Role, Rung, stage_label
from domain.schedule import ActivitySchedule, StageSlot, build_schedule
from domain.units import UnitDirectory
from domain.vi import dmy

YEAR_END = "year-end-report"
ACTIVITY_REPORT_MESSAGE = "Message_activity_report"
# The daily sweep sends reminders at this local time (prefect.yaml, deadline-sweep/daily).
_SWEEP_AT = time(7, 30)
_NOTICE_VI = {
    NoticeKind.REMINDER: "Nhắc việc",
    NoticeKind.OVERDUE: "Đôn đốc",
    NoticeKind.ESCALATION: "Báo cáo Giám đốc",
}
_GATE_DOC = (
    "Cổng dừng/tiếp tục: lượt chạy tạm dừng (không giữ tiến trình, không hẹn giờ) cho đến khi "
    "mọi đơn vị đã nộp; cổng thông tin tiếp tục lượt chạy sau khi ghi nhận bài nộp, lượt quét "
    "hằng ngày đối soát các lượt còn dừng."
)


def bpmn_filename(activity_code: str) -> str:
    """The file an activity's diagram is written to (the year-end one: YEAR_END)."""
    return f"{activity_code}.bpmn"


def process_id(activity_code: str) -> str:
    """The BPMN process id of an activity's flow (a valid XML name for any slug)."""
    return "Process_" + activity_code.replace("-", "_")


def export_bpmn(
    plan: Plan, *, directory: UnitDirectory, calendar: WorkingCalendar, out_dir: Path
) -> list[Path]:
    """Write one .bpmn per activity and the year-end one; the paths written, in plan order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    diagrams = [
        (s.activity.code, activity_diagram(plan, s, directory=directory, calendar=calendar))
        for s in build_schedule(plan, directory, calendar)
    ]
    diagrams.append((YEAR_END, year_end_diagram(plan, directory=directory, calendar=calendar)))
    written = []
    for code, diagram in diagrams:
        path = out_dir / bpmn_filename(code)
        path.write_bytes(to_xml(diagram, target_namespace=f"urn:cchc:{plan.code}"))
        written.append(path)
    return written


def _at(day: date) -> str:
    return datetime.combine(day, _SWEEP_AT, tzinfo=LOCAL_TZ).isoformat()


def _names(directory: UnitDirectory, codes: list[str]) -> str:
    return ", ".join(u.name for code in codes if (u := directory.unit(code)))


@dataclass
class _Builder:
    """One diagram being built, with what every step needs."""

    diagram: Diagram
    plan: Plan
    directory: UnitDirectory
    calendar: WorkingCalendar
    office: str = ""
    director: str = ""

    def __post_init__(self) -> None:
        office = self.directory.unit(self.directory.office)
        self.office = self.diagram.lane("office", office.name if office else "Văn phòng Sở")
        self.director = self.diagram.lane("director", "Giám đốc Sở")

    def stage(self, label: str, slot: StageSlot, last: Node, tasks: list[_Task], col: int) -> Node:
        """Columns col..col+4: [split], the units' tasks, [join], the Director's escalation
        task, the gate; returns the gate."""
        doc = f"Mở {dmy(slot.opens_on)}, hạn {dmy(slot.due_on)}"
        if slot.period:
            doc += f"; kỳ {dmy(slot.period[0])}–{dmy(slot.period[1])}"
        made = [
            self.diagram.add(
                "userTask", label, lane=t.lane, col=col + 1, documentation=f"{t.who}. {doc}"
            )
            for t in tasks
        ]
        rungs = [(r, rung_date(slot.due_on, r, self.calendar)) for r in self.plan.policy.ladder]
        rungs = [(r, d) for r, d in rungs if d >= slot.opens_on]  # the assignment mail covers those
        self.ladder(made, rungs, col + 3, f"Chỉ đạo xử lý chậm: {label.lower()}")
        name = f"Chờ đủ đơn vị: {label.lower()}"
        gate = self.diagram.add(
            "userTask", name, lane=self.office, col=col + 4, documentation=_GATE_DOC
        )
        if len(made) > 1:
            split = self.diagram.add("parallelGateway", "", lane=made[0].lane, col=col)
            join = self.diagram.add("parallelGateway", "", lane=made[0].lane, col=col + 2)
            self.diagram.connect(last, split)
            for task in made:
                self.diagram.connect(split, task)
                self.diagram.connect(task, join)
            last, made = join, []
        for node in [*made, gate]:
            self.diagram.connect(last, node)
            last = node
        return gate

    def ladder(
        self, hosts: list[Node], rungs: list[tuple[Rung, date]], col: int, name: str
    ) -> None:
        """Each rung a non-interrupting timer on each task: a reminder ends in a mail; the
        escalation goes to one Director task for the stage."""
        chase: Node | None = None
        if hosts and any(r.kind is NoticeKind.ESCALATION for r, _ in rungs):
            chase = self.diagram.add("userTask", name, lane=self.director, col=col)
            done = self.diagram.add("endEvent", "Đã chỉ đạo", lane=self.director, col=col + 1)
            self.diagram.connect(chase, done)
        for host in hosts:
            for i, (rung, day) in enumerate(rungs):
                timer = self.diagram.add(
                    "boundaryEvent",
                    rung.name,
                    lane=host.lane,
                    col=host.col,
                    attached_to=host.id,
                    slot=i,
                    timer=_at(day),
                    documentation=f"{_NOTICE_VI[rung.kind]}: {dmy(day)}",
                )
                if rung.kind is NoticeKind.ESCALATION and chase is not None:
                    self.diagram.connect(timer, chase)
                    continue
                sent = self.diagram.add(
                    "endEvent",
                    _NOTICE_VI[rung.kind],
                    lane=host.lane,
                    col=host.col,
                    row=1,
                    below=timer.id,
                    message="",
                )
                self.diagram.connect(timer, sent)


@dataclass(frozen=True)
class _Task:
    lane: str
    who: str


def activity_diagram(
    plan: Plan, schedule: ActivitySchedule, *, directory: UnitDirectory, calendar: WorkingCalendar
) -> Diagram:
    """One activity's flow: its stage slots in order, then the report to the year-end flow."""
    activity = schedule.activity
    diagram = Diagram(process_id(activity.code), f"{activity.number}. {activity.title}")
    diagram.documentation = f"Kế hoạch {plan.number_symbol}; thời gian thực hiện: {activity.window}"
    diagram.messages[ACTIVITY_REPORT_MESSAGE] = "Báo cáo kết quả hoạt động"
    units = {Role.LEAD: schedule.leads, Role.COORDINATOR: schedule.coordinators}
    lanes = {Role.LEAD: diagram.lane("lead", f"Chủ trì: {activity.lead.as_written}")}
    if schedule.coordinators and activity.coordinators:
        lanes[Role.COORDINATOR] = diagram.lane(
            "coordinators", f"Phối hợp: {activity.coordinators.as_written}"
        )
    build = _Builder(diagram, plan, directory, calendar)
    opens = schedule.slots[0].opens_on
    last = diagram.add(
        "startEvent",
        f"Bắt đầu ({activity.window})",
        lane=lanes[Role.LEAD],
        col=0,
        timer=_at(opens),
        documentation=f"Mở ngày {dmy(opens)}",
    )
    for i, slot in enumerate(schedule.slots):
        roles = [r for r in plan.policy.stages[slot.stage].roles if r in lanes]
        tasks = [_Task(lanes[r], _names(directory, units[r])) for r in roles]
        last = build.stage(_label(schedule, slot), slot, last, tasks, 1 + 5 * i)
    end = diagram.add(
        "endEvent",
        "Gửi báo cáo cho luồng báo cáo năm",
        lane=build.office,
        col=1 + 5 * len(schedule.slots),
        message=ACTIVITY_REPORT_MESSAGE,
    )
    diagram.connect(last, end)
    return diagram


def _label(schedule: ActivitySchedule, slot: StageSlot) -> str:
    repeated = sum(1 for s in schedule.slots if s.stage is slot.stage) > 1
    return stage_label(slot.stage, slot.seq, numbered=repeated)


def year_end_diagram(plan: Plan, *, directory: UnitDirectory, calendar: WorkingCalendar) -> Diagram:
    """Collect a UnitReport per unit, chase, consolidate, get it approved, send it on."""
    rule = plan.reporting.unit_report
    due = plan.unit_deadline().due(calendar)
    opens = calendar.add_working_days(due, -plan.policy.year_end.opens_working_days_before)
    units = directory.resolve(rule.from_.units, rule.from_.groups)
    diagram = Diagram(process_id(YEAR_END), f"Báo cáo kết quả năm {plan.year}")
    diagram.documentation = f"Kế hoạch {plan.number_symbol}, mục VI"
    unit_lane = diagram.lane("units", rule.from_.as_written)
    build = _Builder(diagram, plan, directory, calendar)
    start = diagram.add(
        "startEvent",
        "Mở thu thập báo cáo",
        lane=build.office,
        col=0,
        timer=_at(opens),
        documentation=f"Mở ngày {dmy(opens)}",
    )
    report = diagram.add(
        "userTask",
        "Báo cáo kết quả của đơn vị",
        lane=unit_lane,
        col=1,
        loop=len(units),
        documentation=f"Mỗi đơn vị một báo cáo ({len(units)} đơn vị); {rule.deadline} "
        f"(hạn {dmy(due)})",
    )
    rungs = [(r, rung_date(due, r, calendar)) for r in plan.policy.year_end.ladder]
    build.ladder([report], rungs, 2, "Chỉ đạo đơn vị chậm báo cáo")
    gate = diagram.add(
        "userTask",
        "Chờ đủ báo cáo của các đơn vị",
        lane=build.office,
        col=3,
        documentation=_GATE_DOC,
    )
    diagram.connect(start, report)
    diagram.connect(report, gate)
    _year_end_tail(build, gate)
    return diagram


def _year_end_tail(build: _Builder, gate: Node) -> None:
    """Consolidate, the Director's approval gate (returned: revise), the văn thư's number
    and date, send to UBND tỉnh."""
    diagram, plan, office, director = build.diagram, build.plan, build.office, build.director
    final = plan.reporting.consolidated_report
    build_report = diagram.add(
        "serviceTask",
        "Tổng hợp báo cáo",
        lane=office,
        col=4,
        documentation="Báo cáo tổng hợp từ báo cáo của các đơn vị và của các hoạt động",
    )
    due = dmy(plan.final_deadline().due(build.calendar))
    approve = diagram.add(
        "userTask",
        "Phê duyệt báo cáo tổng hợp",
        lane=director,
        col=5,
        documentation=f"Cổng phê duyệt của Giám đốc Sở; {final.deadline} (hạn {due})",
    )
    decide = diagram.add("exclusiveGateway", "Phê duyệt?", lane=director, col=6)
    revise = diagram.add("userTask", "Chỉnh sửa theo ý kiến Giám đốc", lane=office, col=6)
    register = diagram.add(
        "userTask",
        "Cấp số, ngày ban hành; ký số",
        lane=office,
        col=7,
        documentation="Văn thư cấp số và ngày; bản Word và PDF ký số được tạo từ bản đã duyệt",
    )
    send = diagram.add(
        "sendTask",
        "Gửi UBND tỉnh, đồng gửi Sở Nội vụ",
        lane=office,
        col=8,
        documentation="Nơi nhận: " + "; ".join(a.text for a in plan.recipients),
    )
    end = diagram.add("endEvent", "Đã gửi báo cáo", lane=office, col=9)
    for source, target in ((gate, build_report), (build_report, approve), (approve, decide)):
        diagram.connect(source, target)
    decide.default = diagram.connect(decide, register, name="Đồng ý").id
    diagram.connect(decide, revise, name="Trả lại", condition="not approved")
    diagram.connect(revise, approve)
    diagram.connect(register, send)
    diagram.connect(send, end)
