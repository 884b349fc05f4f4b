"""Each malformed plan gives exit 1 and a message naming the file, the path and the line."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import PLAN_PATH, UNITS_PATH

Doc = dict[str, Any]
runner = CliRunner()


def _set(path: str, value: Any) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = doc
        for part in parents:
            target = target[part]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value

    return mutate


DELETE = object()


def _duplicate_code(doc: Doc) -> None:
    doc["activities"][1]["code"] = doc["activities"][0]["code"]


CASES: list[tuple[str, Callable[[Doc], None], str, str]] = [
    ("missing lead", _set("activities.0.lead", DELETE), "activities[0].lead", "required"),
    (
        "unknown unit",
        _set("activities.1.lead.units", ["XYZ"]),
        "activities[1].lead.units[0]",
        "unknown unit 'XYZ'",
    ),
    (
        "unknown group",
        _set("activities.2.coordinators.groups", ["khong-co"]),
        "activities[2].coordinators.groups[0]",
        "unknown group",
    ),
    (
        "window outside the plan year",
        _set("activities.3.window", "Quý II/2024"),
        "activities[3].window",
        "outside the plan year",
    ),
    (
        "unreadable window",
        _set("activities.4.window", "sớm nhất có thể"),
        "activities[4].window",
        "not a time window",
    ),
    (
        "window after the cut-off",
        _set("activities.5.window", "tháng 12/2025"),
        "activities[5].window",
        "cut-off",
    ),
    ("duplicate activity code", _duplicate_code, "activities", "duplicate activity code"),
    ("no activities", _set("activities", []), "activities", "at least 1"),
    ("impossible date", _set("issued_on", "2025-02-30"), "issued_on", "date"),
    ("empty title", _set("title", "  "), "title", "at least 1 character"),
    ("unknown field", _set("titel", "x"), "titel", "Extra inputs"),
    (
        "negative stage offset",
        _set("policy.stages.plan.working_days", -3),
        "policy.stages.plan.working_days",
        "greater than or equal to 0",
    ),
    (
        "negative ladder offset",
        _set("policy.ladder.0.days_before", -5),
        "policy.ladder[0].days_before",
        "greater than or equal to 0",
    ),
    (
        "impossible deadline",
        _set("reporting.unit_report.deadline", "trước ngày 31/11/2025"),
        "reporting.unit_report.deadline",
        "impossible date",
    ),
    (
        "final report due before the units'",
        _set("reporting.consolidated_report.deadline", "trước ngày 10/11/2025"),
        "reporting.consolidated_report.deadline",
        "must be due after",
    ),
    (
        "unknown report recipient",
        _set("reporting.consolidated_report.to", "BOGUS"),
        "reporting.consolidated_report.to",
        "unknown unit or recipient",
    ),
    (
        "coordinators are only the lead",
        _set("activities.0.coordinators", {"as_written": "Ban Biên tập", "units": ["BBT"]}),
        "activities[0].coordinators",
        "no unit besides the lead",
    ),
    ("slogan numbered 0", _set("slogans.0.number", 0), "slogans[0].number", "greater than"),
    ("topic with no text", _set("topics.0.paragraphs", []), "topics[0]", "title or at least"),
    ("bad number/symbol", _set("symbol", "kh skhcn"), "symbol", "pattern"),
    ("plan year out of range", _set("year", 1890), "year", "greater than or equal to 2000"),
    (
        "escalation too close to the final deadline",
        _set("policy.year_end.ladder.4.days_after", 12),
        "policy.year_end.ladder[4]",
        "too close to the final deadline",
    ),
]


@pytest.fixture(scope="module")
def seed_doc() -> Doc:
    loaded: Doc = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    return loaded


def _write(tmp_path: Path, doc: Doc, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _validate(path: Path, units: Path = UNITS_PATH) -> Any:
    return runner.invoke(app, ["plan", "validate", str(path), "--units", str(units)])


def test_there_are_at_least_fifteen_cases() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize(
    ("mutate", "where", "what"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_plan_exits_1_naming_file_path_and_line(
    tmp_path: Path, seed_doc: Doc, mutate: Callable[[Doc], None], where: str, what: str
) -> None:
    doc = copy.deepcopy(seed_doc)
    mutate(doc)
    path = _write(tmp_path, doc)
    result = _validate(path)
    assert result.exit_code == 1, result.output
    line = re.search(
        rf"^error: {re.escape(str(path))}:(\d+): {re.escape(where)}: .*{what}",
        result.stderr,
        re.MULTILINE | re.IGNORECASE,
    )
    assert line, result.stderr
    assert result.stdout == ""


def test_the_reported_line_is_where_the_path_is(tmp_path: Path, seed_doc: Doc) -> None:
    doc = copy.deepcopy(seed_doc)
    doc["activities"][1]["lead"]["units"] = ["XYZ"]
    path = _write(tmp_path, doc)
    line = int(re.findall(r":(\d+): activities\[1\]", _validate(path).stderr)[0])
    assert "XYZ" in path.read_text(encoding="utf-8").splitlines()[line - 1]


def test_group_that_resolves_to_no_unit(tmp_path: Path, seed_doc: Doc) -> None:
    units: Doc = yaml.safe_load(UNITS_PATH.read_text(encoding="utf-8"))
    units["groups"].append({"code": "trong", "name": "Nhóm không có đơn vị"})
    units_path = _write(tmp_path, units, "units.yaml")
    doc = copy.deepcopy(seed_doc)
    doc["activities"][0]["coordinators"]["groups"] = ["trong"]
    result = _validate(_write(tmp_path, doc), units_path)
    assert result.exit_code == 1
    assert "activities[0].coordinators.groups[0]: group 'trong' resolves to no unit" in (
        result.stderr
    )


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("code: x\nyear: 2025\nactivities: [\n  - a\n", encoding="utf-8")
    result = _validate(path)
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(str(path))}:\d+: <root>: not valid YAML", result.stderr)


def test_missing_file_is_exit_1(tmp_path: Path) -> None:
    result = _validate(tmp_path / "nope.yaml")
    assert result.exit_code == 1
    assert "nope.yaml" in result.stderr


def test_malformed_unit_directory_names_its_file(tmp_path: Path) -> None:
    units: Doc = yaml.safe_load(UNITS_PATH.read_text(encoding="utf-8"))
    units["units"][2]["contact"]["email"] = "not-an-address"
    units_path = _write(tmp_path, units, "units.yaml")
    result = _validate(PLAN_PATH, units_path)
    assert result.exit_code == 1
    assert f"{units_path}:" in result.stderr
    assert "units[2].contact.email" in result.stderr
