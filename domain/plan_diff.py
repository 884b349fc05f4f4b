"""What an amendment (kế hoạch điều chỉnh) changes between two versions of one plan."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sized
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

from domain.calendar import WorkingCalendar
from domain.errors import InvalidRequest
from domain.plan import Activity, Assignment, Plan, ReportingRule
from domain.units import UnitDirectory
from domain.vi import dmy
from domain.year_end import year_end_dates

_T = TypeVar("_T")
_C = TypeVar("_C")


@dataclass(frozen=True)
class Change(Generic[_T]):
    old: _T
    new: _T


@dataclass(frozen=True)
class Units:
    """Units as the plan writes them ('' when none) and the unit codes that resolves to."""

    text: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class UnitsChange:
    old: Units
    new: Units

    @property
    def added(self) -> tuple[str, ...]:
        return tuple(c for c in self.new.codes if c not in self.old.codes)

    @property
    def dropped(self) -> tuple[str, ...]:
        return tuple(c for c in self.old.codes if c not in self.new.codes)


@dataclass(frozen=True)
class Window:
    """A time window as written, with its first and last day."""

    text: str
    start: date
    end: date


@dataclass(frozen=True)
class ActivityEntry:
    """An activity added or removed, as it stands in the version that has it."""

    code: str
    number: int
    title: str
    lead: Units
    coordinators: Units
    window: Window


@dataclass(frozen=True)
class ActivityChange:
    """An activity in both versions: each field that differs (None: unchanged)."""

    code: str
    number: int  # in the new version
    renumbered: Change[int] | None = None
    title: Change[str] | None = None
    lead: UnitsChange | None = None
    coordinators: UnitsChange | None = None
    window: Change[Window] | None = None


@dataclass(frozen=True)
class DeadlineMove:
    """A reporting deadline of section VI rewritten, with the working days it gives."""

    rule: str  # "unit_report" or "consolidated_report"
    old_text: str
    new_text: str
    old_due: date
    new_due: date


@dataclass(frozen=True)
class FieldChange:
    """Another part of the plan changed, summed up for one line ('' when there is no
    short summary: the line then only says it changed)."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class PlanDiff:
    code: str
    added: tuple[ActivityEntry, ...] = ()
    removed: tuple[ActivityEntry, ...] = ()
    changed: tuple[ActivityChange, ...] = ()
    deadlines: tuple[DeadlineMove, ...] = ()
    units_added: tuple[str, ...] = ()
    units_dropped: tuple[str, ...] = ()
    other: tuple[FieldChange, ...] = ()
    unit_names: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        parts = (self.added, self.removed, self.changed, self.deadlines, self.other)
        return not any((*parts, self.units_added, self.units_dropped))

    def lines(self) -> list[str]:
        """The changes in Vietnamese, one line each, as the Office reads them."""
        if self.empty:
            return ["Không có thay đổi."]
        name = self._unit
        out = [f"Bỏ hình thức {a.number}: {a.title}" for a in self.removed]
        out += [_added_line(a) for a in self.added]
        out += [line for c in self.changed for line in _change_lines(c, name)]
        out += [
            f"{_DEADLINES[d.rule]}: {d.old_text} ({dmy(d.old_due)}) → "
            f"{d.new_text} ({dmy(d.new_due)})"
            for d in self.deadlines
        ]
        if self.units_added:
            out.append(f"Đơn vị mới tham gia kế hoạch: {_names(self.units_added, name)}")
        if self.units_dropped:
            out.append(f"Đơn vị không còn trong kế hoạch: {_names(self.units_dropped, name)}")
        out += [_other_line(c) for c in self.other]
        return out

    def _unit(self, code: str) -> str:
        known = self.unit_names.get(code)
        return f"{code} ({known})" if known else code


def diff_plans(
    old: Plan, new: Plan, directory: UnitDirectory, calendar: WorkingCalendar
) -> PlanDiff:
    """Compare two versions of one plan; InvalidRequest when their codes differ."""
    if old.code != new.code:
        raise InvalidRequest(
            f"the plans have different codes ({old.code}, {new.code}): "
            "a diff compares two versions of one plan"
        )
    before = {a.code: a for a in old.activities}
    after = {a.code: a for a in new.activities}
    kept = [(before[a.code], a) for a in new.activities if a.code in before]
    pairs = [(_entry(b, old, directory), _entry(a, new, directory)) for b, a in kept]
    units_before, units_after = _plan_units(old, directory), _plan_units(new, directory)
    return PlanDiff(
        code=new.code,
        added=tuple(_entry(a, new, directory) for a in new.activities if a.code not in before),
        removed=tuple(_entry(a, old, directory) for a in old.activities if a.code not in after),
        changed=tuple(_compare(was, now) for was, now in pairs if was != now),
        deadlines=_deadlines(old, new, calendar),
        units_added=tuple(u for u in units_after if u not in units_before),
        units_dropped=tuple(u for u in units_before if u not in units_after),
        other=tuple(_other(old, new)),
        unit_names={u.code: u.name for u in directory.units},
    )


def _units(who: Assignment | None, directory: UnitDirectory, but: Units | None = None) -> Units:
    """Resolved as the schedule does: a lead is never also its activity's coordinator."""
    if who is None:
        return Units("", ())
    codes = directory.resolve(who.units, who.groups)
    return Units(who.as_written, tuple(c for c in codes if not but or c not in but.codes))


def _entry(activity: Activity, plan: Plan, directory: UnitDirectory) -> ActivityEntry:
    lead = _units(activity.lead, directory)
    helpers = _units(activity.coordinators, directory, but=lead)
    parsed = activity.time_window(plan.year)
    window = Window(activity.window, parsed.start, parsed.end)
    return ActivityEntry(activity.code, activity.number, activity.title, lead, helpers, window)


def _compare(was: ActivityEntry, now: ActivityEntry) -> ActivityChange:
    return ActivityChange(
        code=now.code,
        number=now.number,
        renumbered=_changed(was.number, now.number, Change),
        title=_changed(was.title, now.title, Change),
        lead=_changed(was.lead, now.lead, UnitsChange),
        coordinators=_changed(was.coordinators, now.coordinators, UnitsChange),
        window=_changed(was.window, now.window, Change),
    )


def _changed(old: _T, new: _T, make: Callable[[_T, _T], _C]) -> _C | None:
    return None if old == new else make(old, new)


def _plan_units(plan: Plan, directory: UnitDirectory) -> list[str]:
    """Every unit that leads or coordinates an activity, in directory order."""
    named = [who for a in plan.activities for who in (a.lead, a.coordinators) if who]
    wanted = {c for who in named for c in directory.resolve(who.units, who.groups)}
    return [u.code for u in directory.units if u.code in wanted]


def _deadlines(old: Plan, new: Plan, calendar: WorkingCalendar) -> tuple[DeadlineMove, ...]:
    was, now = year_end_dates(old, calendar), year_end_dates(new, calendar)
    dues = ((was.unit_due, now.unit_due), (was.final_due, now.final_due))
    moves = (
        DeadlineMove(rule, before.deadline, after.deadline, *due)
        for rule, before, after, due in zip(_RULES, _rules(old), _rules(new), dues, strict=True)
    )
    return tuple(m for m in moves if m.old_text != m.new_text or m.old_due != m.new_due)


def _rules(plan: Plan) -> tuple[ReportingRule, ReportingRule]:
    return plan.reporting.unit_report, plan.reporting.consolidated_report


def _count(items: Sized) -> str:
    return f"{len(items)} mục"


def _reporting(plan: Plan) -> tuple[object, ...]:
    return tuple((r.from_, r.to, r.signed_by) for r in _rules(plan))


# field → (label, what is compared, its one-line summary)
def _amendments(plan: Plan) -> str:
    """Kế hoạch số 405/KH-SKHCN ngày 15/07/2026; … (or "không có")."""
    found = [f"số {a.number_symbol} ngày {dmy(a.issued_on)}" for a in plan.amendments]
    return "; ".join(found) or "không có"


_OTHER: dict[str, tuple[str, Callable[[Plan], object], Callable[[Plan], str]]] = {
    "issuer": ("Cơ quan ban hành", lambda p: p.issuer, lambda p: p.issuer.name),
    "number_symbol": ("Số, ký hiệu", lambda p: p.number_symbol, lambda p: p.number_symbol),
    "issued_on": ("Ngày ban hành", lambda p: p.issued_on, lambda p: dmy(p.issued_on)),
    "place": ("Địa danh", lambda p: p.place, lambda p: p.place),
    "year": ("Năm kế hoạch", lambda p: p.year, lambda p: str(p.year)),
    "title": ("Tên kế hoạch", lambda p: p.title, lambda p: p.title),
    "legal_bases": ("Căn cứ", lambda p: p.legal_bases, lambda p: _count(p.legal_bases)),
    "purposes": ("Mục đích", lambda p: p.purposes, lambda p: _count(p.purposes)),
    "requirements": ("Yêu cầu", lambda p: p.requirements, lambda p: _count(p.requirements)),
    "topics": ("Nội dung tuyên truyền", lambda p: p.topics, lambda p: _count(p.all_topics())),
    "slogans": ("Khẩu hiệu", lambda p: p.slogans, lambda p: _count(p.slogans)),
    "budget": ("Kinh phí", lambda p: p.budget, lambda p: p.budget),
    "organization": ("Tổ chức thực hiện", lambda p: p.organization, lambda p: ""),
    "reporting": ("Đơn vị báo cáo, nơi nhận, người ký báo cáo", _reporting, lambda p: ""),
    "recipients": ("Nơi nhận", lambda p: p.recipients, lambda p: _count(p.recipients)),
    "policy": ("Giai đoạn và nhắc việc (chính sách)", lambda p: p.policy, lambda p: ""),
    "rehearsal": ("Diễn tập", lambda p: p.rehearsal, lambda p: "có" if p.rehearsal else "không"),
    "amendments": ("Văn bản điều chỉnh", lambda p: p.amendments, _amendments),
}


def _other(old: Plan, new: Plan) -> list[FieldChange]:
    return [
        FieldChange(name, summary(old), summary(new))
        for name, (_, compared, summary) in _OTHER.items()
        if compared(old) != compared(new)
    ]


_RULES = ("unit_report", "consolidated_report")
_DEADLINES = {
    "unit_report": "Hạn báo cáo của các đơn vị",
    "consolidated_report": "Hạn báo cáo tổng hợp",
}


def _span(window: Window) -> str:
    """01/04–30/06/2025; the year of the first day is written only when it differs."""
    start = dmy(window.start) if window.start.year != window.end.year else dmy(window.start)[:5]
    return f"{window.text} ({start}–{dmy(window.end)})"


def _names(codes: tuple[str, ...], name: Callable[[str], str]) -> str:
    return ", ".join(name(c) for c in codes)


def _added_line(entry: ActivityEntry) -> str:
    parts = [f"chủ trì: {entry.lead.text}"]
    if entry.coordinators.text:
        parts.append(f"phối hợp: {entry.coordinators.text}")
    parts.append(f"thời gian: {_span(entry.window)}")
    return f"Thêm hình thức {entry.number}: {entry.title} ({'; '.join(parts)})"


def _units_line(change: UnitsChange, name: Callable[[str], str]) -> str:
    parts = []
    if change.old.text != change.new.text:
        parts.append(f"{change.old.text or 'không có'} → {change.new.text or 'không có'}")
    if change.added:
        parts.append(f"thêm {_names(change.added, name)}")
    if change.dropped:
        parts.append(f"bỏ {_names(change.dropped, name)}")
    return "; ".join(parts)


def _change_lines(change: ActivityChange, name: Callable[[str], str]) -> list[str]:
    head = f"Hình thức {change.number} — "
    out = []
    if change.renumbered:
        out.append(f"{head}số thứ tự: {change.renumbered.old} → {change.renumbered.new}")
    if change.title:
        out.append(f"{head}tên: {change.title.old} → {change.title.new}")
    if change.lead:
        out.append(f"{head}đơn vị chủ trì: {_units_line(change.lead, name)}")
    if change.coordinators:
        out.append(f"{head}đơn vị phối hợp: {_units_line(change.coordinators, name)}")
    if change.window:
        out.append(f"{head}thời gian: {_span(change.window.old)} → {_span(change.window.new)}")
    return out


def _other_line(change: FieldChange) -> str:
    label = _OTHER[change.field][0]
    if change.old != change.new:
        return f"{label}: {change.old} → {change.new}"
    return f"{label}: sửa đổi" + (f" ({change.new})" if change.new else "")
