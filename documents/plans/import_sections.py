"""Sections I, II, III, V, VI and Nơi nhận of a plan document → plan data, line by line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from documents.plans.import_names import NameResolver
from documents.plans.import_text import BULLET, LETTERED, NUMBERED, items, trim, unbullet
from documents.plans.sources import SourceLine
from domain.errors import Problem
from domain.units import fold
from domain.vi import corrected

_TITLE_COLON = re.compile(r"^(?P<title>[^:,;.]{1,160}?)\s*:\s*(?P<rest>.*)$")
_DEADLINE = re.compile(
    r"(?:trước|đến|chậm nhất(?:\s+là)?)\s+ngày\s+"
    r"\d{1,2}\s*(?:/\s*\d{1,2}\s*/\s*\d{4}|tháng\s+\d{1,2}\s+năm\s+\d{4})",
    re.IGNORECASE,
)
_REPORTS = re.compile(r"\s+(?:báo cáo|gửi|tổng hợp|tham mưu)\b", re.IGNORECASE)
_VIA = re.compile(r"\bqua\s+([^()]+?)\s*(?:\)|,|$)", re.IGNORECASE)
_SEND_TO = re.compile(r"\bgửi(?:\s+về)?\s+(.+)$", re.IGNORECASE)
_ADVISES = re.compile(r"tham mưu\s+(?:cho\s+)?(.+?)\s+(?:ký\s+)?báo cáo", re.IGNORECASE)
_REPORT_TO = re.compile(r".*\bbáo cáo\s+(?:cho\s+|về\s+)?(.+)$", re.IGNORECASE)
_ARCHIVE = re.compile(r"^lưu\s*:\s*", re.IGNORECASE)


@dataclass
class Findings:
    """What the import could not determine (problems) or chose to leave as text (notes),
    and the document line of every plan path it filled in."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)
    explained: set[str] = field(default_factory=set)

    def at(self, path: str, line: SourceLine | None) -> None:
        if line is not None:
            self.lines.setdefault(path, line.no)

    def line_of(self, path: str) -> int | None:
        while path and path not in self.lines:
            path = re.sub(r"(?:\.[^.\[]+|\[\d+\])$|^[^.\[]+$", "", path)
        return self.lines.get(path)

    def problem(
        self,
        path: str,
        message: str,
        line: SourceLine | int | None = None,
        *,
        explains: tuple[str, ...] = (),
    ) -> None:
        """A problem at `path`; `explains`: other paths left empty because of it."""
        self.problems.append(self._make(path, message, line))
        self.explained.update(explains)

    def note(self, path: str, message: str, line: SourceLine | int | None = None) -> None:
        self.notes.append(self._make(path, message, line))

    def _make(self, path: str, message: str, line: SourceLine | int | None) -> Problem:
        no = line.no if isinstance(line, SourceLine) else line
        return Problem(path, message, file=self.file, line=no or self.line_of(path))


def aims(lines: list[SourceLine], found: Findings) -> tuple[list[str], list[str]]:
    """I. purposes (1. Mục đích) and requirements (2. Yêu cầu)."""
    purposes: list[str] = []
    requirements: list[str] = []
    target, name = purposes, "purposes"
    for line in lines:
        text = line.text
        match = NUMBERED.match(text)
        words = fold(match["text"]) if match else ""
        if match and words.startswith(("muc dich", "yeu cau")):
            is_requirements = words.startswith("yeu cau")
            target = requirements if is_requirements else purposes
            name = "requirements" if is_requirements else "purposes"
            head = _TITLE_COLON.match(match["text"])
            text = head["rest"] if head else ""
        if text := unbullet(text):
            found.at(f"{name}[{len(target)}]", line)
            target.append(text)
    return purposes, requirements


def topics(lines: list[SourceLine], found: Findings) -> list[dict[str, Any]]:
    """II. numbered topics; lettered sub-items ('a) Title: text') become subtopics."""
    before, numbered = items(lines)
    for line in before:
        found.note("topics", f"text before the first numbered topic ignored: {line.text!r}", line)
    out = []
    for i, item in enumerate(numbered):
        found.at(f"topics[{i}]", item.line)
        out.append(_topic(item.number, item.text, item.body, found, f"topics[{i}]"))
    return out


def _topic(
    number: int, text: str, body: list[SourceLine], found: Findings, path: str
) -> dict[str, Any]:
    paragraphs: list[str] = []
    subs: list[tuple[str, str, SourceLine, list[str]]] = []
    for line in body:
        if match := LETTERED.match(line.text):
            subs.append((match["letter"], match["text"].strip(), line, []))
        elif subs:
            subs[-1][3].append(unbullet(line.text))
        else:
            paragraphs.append(unbullet(line.text))
    topic: dict[str, Any] = {"code": str(number), "marker": str(number)}
    if not subs:
        topic["paragraphs"] = [p for p in [text, *paragraphs] if p]
        return topic
    topic["title"] = trim(text)
    if paragraphs:
        topic["paragraphs"] = paragraphs
    topic["subtopics"] = []
    for j, (letter, first, line, rest) in enumerate(subs):
        found.at(f"{path}.subtopics[{j}]", line)
        sub: dict[str, Any] = {"code": f"{number}{'dd' if letter == 'đ' else letter}"}
        sub["marker"] = letter
        title = _TITLE_COLON.match(first)
        if title:
            sub["title"], first = title["title"].strip(), title["rest"].strip()
        sub["paragraphs"] = [p for p in [first, *rest] if p]
        topic["subtopics"].append(sub)
    return topic


def slogans(lines: list[SourceLine], found: Findings) -> list[dict[str, Any]]:
    """III. numbered (or bulleted) slogans, as written; where a known misspelling is in
    one, its `display` form corrects it."""
    out: list[dict[str, Any]] = []
    for line in lines:
        match = NUMBERED.match(line.text)
        number = int(match["num"]) if match else len(out) + 1
        text = match["text"].strip() if match else unbullet(line.text)
        found.at(f"slogans[{len(out)}]", line)
        shown = corrected(text)
        out.append(
            {"number": number, "text": text, **({"display": shown} if shown != text else {})}
        )
    return out


def paragraphs(lines: list[SourceLine], found: Findings, path: str) -> list[str]:
    """V. and VI.: each paragraph as written, its number or bullet taken off."""
    out: list[str] = []
    for line in lines:
        match = NUMBERED.match(line.text) or BULLET.match(line.text)
        found.at(f"{path}[{len(out)}]", line)
        out.append(match["text"].strip() if match else line.text)
    return [p for p in out if p]


def recipients(
    lines: list[SourceLine], resolver: NameResolver, found: Findings
) -> list[dict[str, Any]]:
    """Nơi nhận: the bulleted lines, each with the codes its names stand for."""
    out: list[dict[str, Any]] = []
    for line in lines:
        if not BULLET.match(line.text) and out:
            break  # the signature block follows the list
        text = trim(unbullet(line.text))
        if not text:
            continue
        path = f"recipients[{len(out)}]"
        found.at(path, line)
        names = resolver.resolve(_ARCHIVE.sub("", text), people=True)
        entry: dict[str, Any] = {"text": text}
        if names.codes:
            entry["units"] = names.codes
        if names.groups:
            entry["groups"] = names.groups
        for name in names.unmatched:
            found.note(path, f"{name!r} matches no unit or recipient; kept as text", line)
        out.append(entry)
    return out


def reporting(
    lines: list[SourceLine], resolver: NameResolver, found: Findings, *, office: str
) -> dict[str, Any]:
    """VI.: the units' report to the Office and the Office's report upwards, by deadline."""
    hits = [(line, m) for line in lines for m in _DEADLINE.finditer(line.text)]
    out: dict[str, Any] = {}
    if not hits:
        found.problem("reporting.unit_report.deadline", "no 'trước ngày …' reporting deadline")
    else:
        out["unit_report"], office_as_written = _unit_report(*hits[0], resolver, found, office)
    if len(hits) == 1:
        msg = "only one reporting deadline: none left for the report to the upper level"
        found.problem("reporting.consolidated_report.deadline", msg, hits[0][0])
    elif hits:
        office_rule = {"as_written": office_as_written, "units": [out["unit_report"]["to"]]}
        out["consolidated_report"] = _upper_report(hits[0], hits[1], office_rule, resolver, found)
    return out


def _clause(line: SourceLine, start: int, end: int) -> str:
    text = line.text[start:end]
    if start > 0:
        return text
    match = NUMBERED.match(text) or BULLET.match(text)
    return match["text"] if match else text


def assignment(text: str, resolver: NameResolver, found: Findings, path: str) -> dict[str, Any]:
    names = resolver.resolve(text)
    for name in names.unmatched:
        found.problem(path, f"no unit or group in the directory matches {name!r}")
    entry: dict[str, Any] = {"as_written": trim(text)}
    if names.units:
        entry["units"] = names.units
    if names.groups:
        entry["groups"] = names.groups
    return entry


def _person(text: str, resolver: NameResolver, found: Findings, path: str) -> str | None:
    match = resolver.lookup(trim(text), people=True)
    if match is None or match[0] == "group":
        found.problem(path, f"no unit or recipient in the directory matches {trim(text)!r}")
        return None
    return match[1]


def _unit_report(
    line: SourceLine, deadline: re.Match[str], resolver: NameResolver, found: Findings, office: str
) -> tuple[dict[str, Any], str]:
    """The rule, and the Office's name as written ('… (qua Văn phòng Sở)')."""
    path = "reporting.unit_report"
    found.at(path, line)
    clause = _clause(line, 0, deadline.start())
    rule: dict[str, Any] = {
        "from": assignment(_REPORTS.split(clause, 1)[0], resolver, found, f"{path}.from")
    }
    via = _VIA.search(clause) or _SEND_TO.search(clause)
    name = trim(via[1]) if via else ""
    if name and (code := resolver.lookup(name, people=True)) and code[0] != "group":
        rule["to"] = code[1]
    else:
        # "gửi về Sở": the directory says which unit acts as the Office.
        rule["to"], unit = office, resolver.directory.unit(office)
        name = unit.name if unit else office
    rule["deadline"] = deadline.group(0)
    return rule, name


def _upper_report(
    first: tuple[SourceLine, re.Match[str]],
    second: tuple[SourceLine, re.Match[str]],
    office: dict[str, Any],
    resolver: NameResolver,
    found: Findings,
) -> dict[str, Any]:
    path = "reporting.consolidated_report"
    line, deadline = second
    found.at(path, line)
    start = first[1].end() if first[0] is line else 0
    clause = _clause(line, start, deadline.start())
    subject = re.sub(r"^[\W_]*(?:để\b)?", "", _REPORTS.split(clause, 1)[0]).strip()
    rule: dict[str, Any] = {"from": office}
    if subject:
        rule["from"] = assignment(subject, resolver, found, f"{path}.from")
    if to := _REPORT_TO.match(clause):
        rule["to"] = _person(to[1], resolver, found, f"{path}.to")
    else:
        found.problem(f"{path}.to", "no 'báo cáo <cơ quan>' before the deadline", line)
    if advises := _ADVISES.search(clause):
        rule["signed_by"] = _person(advises[1], resolver, found, f"{path}.signed_by")
    rule["deadline"] = deadline.group(0)
    return {k: v for k, v in rule.items() if v is not None}
