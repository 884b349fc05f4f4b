"""`cchc plan import`: a plan document → plan data in the project's schema, or what to review."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from documents.plans import import_sections as sections
from documents.plans.import_activities import Found, activities
from documents.plans.import_header import header
from documents.plans.import_names import NameResolver
from documents.plans.import_sections import Findings
from documents.plans.import_text import (
    HEADINGS_VI,
    Kind,
    Layout,
    join_wrapped,
    logical_lines,
    split_document,
)
from documents.plans.sources import SourceLine, lines_from_text, read_source
from documents.plans.yaml_files import format_loc
from domain.calendar import WorkingCalendar
from domain.errors import CchcError, PhraseError, PlanInvalid, Problem
from domain.phrases import parse_window
from domain.plan import Plan
from domain.policy import Policy
from domain.units import UnitDirectory, fold
from domain.validation import check_plan

# Sections the plan cannot do without, with the field each one fills.
_REQUIRED = {
    Kind.AIMS: "purposes",
    Kind.TOPICS: "topics",
    Kind.ACTIVITIES: "activities",
    Kind.BUDGET: "budget",
    Kind.ORGANIZATION: "reporting",
}
_ROMAN = {Kind.AIMS: "I", Kind.TOPICS: "II", Kind.SLOGANS: "III", Kind.ACTIVITIES: "IV"}
_ROMAN |= {Kind.BUDGET: "V", Kind.ORGANIZATION: "VI"}


@dataclass(frozen=True)
class PlanImport:
    """The plan data read from a document, what could not be determined, and the plan."""

    source: str
    data: dict[str, Any]
    problems: list[Problem]
    notes: list[Problem]
    plan: Plan | None

    def require(self) -> Plan:
        """The plan, or PlanInvalid listing every problem with the document line."""
        if self.plan is not None and not self.problems:
            return self.plan
        problems = self.problems or [Problem("", "no plan in the document", file=self.source)]
        raise PlanInvalid(problems)

    def to_yaml(self) -> str:
        """Plan YAML; a partial import starts with the review list as comments."""
        title = f"{self.data.get('number', '?')}/{self.data.get('symbol', '?')}"
        out = [f"# Kế hoạch {title}: imported from {Path(self.source).name} by `cchc plan import`."]
        out.append("# Check it against the signed document before loading it.")
        out += _comment_block(_REVIEW, self.problems) + _comment_block(_NOTES, self.notes)
        out += ["# `policy` is the tool's scheduling policy, not part of the document.", ""]
        body = yaml.safe_dump(self.data, allow_unicode=True, sort_keys=False, width=4096)
        return "\n".join(out) + body


_REVIEW = "REVIEW: not determined from the document; fix here or in the document:"
_NOTES = "NOTES: kept as written:"


def _comment_block(heading: str, found: list[Problem]) -> list[str]:
    if not found:
        return []
    lines = [f"#   line {p.line or '?'}: {p.path or '<plan>'}: {p.message}" for p in found]
    return ["#", f"# {heading}", *lines]


def import_document(
    path: Path, *, directory: UnitDirectory, calendar: WorkingCalendar, previous: Plan | None = None
) -> PlanImport:
    """Read a .txt, .docx or .pdf plan; PlanInvalid only when the file cannot be read."""
    lines = read_source(path)
    if path.suffix.lower() == ".pdf":
        lines = join_wrapped(lines)
    return import_lines(
        lines, source=str(path), directory=directory, calendar=calendar, previous=previous
    )


def import_text(
    text: str,
    *,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    source: str = "<text>",
    previous: Plan | None = None,
) -> PlanImport:
    return import_lines(
        lines_from_text(text),
        source=source,
        directory=directory,
        calendar=calendar,
        previous=previous,
    )


def import_lines(
    lines: list[SourceLine],
    *,
    source: str,
    directory: UnitDirectory,
    calendar: WorkingCalendar,
    previous: Plan | None = None,
) -> PlanImport:
    """Every part of the plan the text gives, checked like a plan file."""
    found = Findings(source)
    layout = split_document(logical_lines(lines))
    data = header(layout.preamble, found)
    resolver = NameResolver(directory)
    data |= _body(layout, data.get("year"), resolver, found, office=directory.office)
    data["recipients"] = sections.recipients(layout.recipients, resolver, found)
    if not data["recipients"]:
        where = layout.recipients_heading or layout.last_line or None
        found.problem("recipients", "no 'Nơi nhận:' list at the end", where)
    _codes(data, previous)
    policy = previous.policy if previous else Policy()
    data["policy"] = policy.model_dump(mode="json", exclude_none=True)
    plan = _validate(data, directory, calendar, found)
    return PlanImport(source, _ordered(data), found.problems, found.notes, plan)


def _sections(layout: Layout, found: Findings) -> dict[Kind, list[SourceLine]]:
    """Each kind of section once; a missing required one is named where it should be."""
    by_kind: dict[Kind, list[SourceLine]] = {}
    for section in layout.sections:
        if section.kind is None or section.kind in by_kind:
            msg = f"section {section.heading.text!r} not recognised or repeated; ignored"
            found.note("", msg, section.heading)
            continue
        by_kind[section.kind] = section.lines
        found.at(_REQUIRED.get(section.kind, section.kind.value), section.heading)
    for kind, field in _REQUIRED.items():
        if kind not in by_kind:
            found.problem(field, _missing(kind), _next_heading(layout, kind))
    return by_kind


def _body(
    layout: Layout, year: int | None, resolver: NameResolver, found: Findings, *, office: str
) -> dict[str, Any]:
    by_kind = _sections(layout, found)
    data: dict[str, Any] = {}
    if Kind.AIMS in by_kind:
        data["purposes"], data["requirements"] = sections.aims(by_kind[Kind.AIMS], found)
        if not data["purposes"]:
            found.problem("purposes", "section I has no purpose (1. Mục đích)")
    if Kind.TOPICS in by_kind:
        data["topics"] = sections.topics(by_kind[Kind.TOPICS], found)
    if Kind.SLOGANS in by_kind:
        data["slogans"] = sections.slogans(by_kind[Kind.SLOGANS], found)
    if Kind.ACTIVITIES in by_kind:
        data["activities"] = _activities(by_kind[Kind.ACTIVITIES], year, resolver, found)
    if Kind.BUDGET in by_kind:
        data["budget"] = " ".join(sections.paragraphs(by_kind[Kind.BUDGET], found, "budget"))
    if Kind.ORGANIZATION in by_kind:
        lines = by_kind[Kind.ORGANIZATION]
        data["organization"] = sections.paragraphs(lines, found, "organization")
        data["reporting"] = sections.reporting(lines, resolver, found, office=office)
    return data


def _missing(kind: Kind) -> str:
    return f"no section '{_ROMAN[kind]}. {HEADINGS_VI[kind]}'"


def _next_heading(layout: Layout, kind: Kind) -> int:
    """Where a missing section should have been: the next section found after it."""
    order = list(Kind)
    for section in layout.sections:
        if section.kind is not None and order.index(section.kind) > order.index(kind):
            return section.heading.no
    return layout.recipients_heading.no if layout.recipients_heading else layout.last_line


def _activities(
    lines: list[SourceLine], year: int | None, resolver: NameResolver, found: Findings
) -> list[dict[str, Any]]:
    listed, notes = activities(lines, year=year)
    for line, message in notes:
        found.note("activities", message, line)
    if not listed:
        found.problem("activities", "no numbered activity or table row in section IV")
    return [
        _activity(item, f"activities[{i}]", year, resolver, found) for i, item in enumerate(listed)
    ]


def _activity(
    item: Found, path: str, year: int | None, resolver: NameResolver, found: Findings
) -> dict[str, Any]:
    found.at(path, item.line)
    entry: dict[str, Any] = {"number": item.number, "title": item.title}
    if not item.title:
        found.problem(f"{path}.title", "no title (the form of propagation)", item.line)
    for attr, label in (("lead", "Đơn vị chủ trì"), ("coordinators", "Đơn vị phối hợp")):
        written: tuple[str, SourceLine] | None = getattr(item, attr)
        if written and written[0]:
            found.at(f"{path}.{attr}", written[1])
            entry[attr] = sections.assignment(written[0], resolver, found, f"{path}.{attr}")
        elif attr == "lead":
            found.problem(f"{path}.lead", f"no lead unit ('{label}: …')", item.line)
    if item.window is None:
        found.problem(f"{path}.window", "no time window ('Thời gian thực hiện: …')", item.line)
        return entry
    found.at(f"{path}.window", item.window[1])
    entry["window"] = item.window[0]
    try:
        parse_window(item.window[0], year=year)
    except PhraseError as exc:
        found.problem(f"{path}.window", str(exc), item.window[1])
    return entry


def _slug(text: str, *, words: int = 6) -> str:
    return "-".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split()[:words])


def _codes(data: dict[str, Any], previous: Plan | None) -> None:
    """Plan and activity codes: an earlier version's where the title is the same (so flows
    and deployments keep their names), otherwise made from the document's words."""
    parts = [str(data.get("year", "")), data.get("issuer", {}).get("abbreviation", "")]
    made = _slug(" ".join([*parts, data.get("place", "")]), words=12) or "imported-plan"
    data["code"] = previous.code if previous else made
    old = {fold(a.title): a.code for a in previous.activities} if previous else {}
    taken: set[str] = set()
    for entry in data.get("activities", []):
        code = old.get(fold(entry["title"])) or _slug(entry["title"]) or "activity"
        if code in taken:
            code = f"{code}-{entry['number']}"
        while code in taken:
            code += "-x"
        taken.add(code)
        entry["code"] = code


def _covered(path: str, found: Findings) -> bool:
    """Already reported: the path, a part or a whole of it, or left empty by a problem."""

    def within(inner: str, outer: str) -> bool:
        return not outer or inner == outer or inner.startswith((f"{outer}.", f"{outer}["))

    paths = [p.path for p in found.problems] + sorted(found.explained)
    return any(within(path, p) or within(p, path) for p in paths)


def _validate(
    data: dict[str, Any], directory: UnitDirectory, calendar: WorkingCalendar, found: Findings
) -> Plan | None:
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if not str(p).startswith("function-"))
            path = format_loc(loc)
            if not _covered(path, found):
                found.problem(path, err["msg"])
        return None
    try:
        checks = check_plan(plan, directory, calendar)
    except CchcError as exc:
        checks = [Problem("", str(exc))]
    for problem in checks:
        if not _covered(problem.path, found):
            found.problem(problem.path, problem.message)
    return plan


_ORDER = [*Plan.model_fields]


def _ordered(data: dict[str, Any]) -> dict[str, Any]:
    """Keys in the order of the plan schema (the order of the hand-written plans)."""
    rank = {key: i for i, key in enumerate(_ORDER)}
    return dict(sorted(data.items(), key=lambda item: rank.get(item[0], len(rank))))
