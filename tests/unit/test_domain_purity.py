"""domain/ stays pure (DESIGN.md §6): no I/O libraries, no environment, no system clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
FORBIDDEN_MODULES = {
    "sqlalchemy",
    "prefect",
    "jinja2",
    "aiosmtplib",
    "fastapi",
    "starlette",
    "yaml",
    "os",
    "subprocess",
    "socket",
    "requests",
    "httpx",
}
FORBIDDEN_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("date", "today"),
    ("datetime", "today"),
    ("time", "time"),
}


def offences(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FORBIDDEN_MODULES:
                found.append(node.module)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if (name, node.func.attr) in FORBIDDEN_CALLS:
                found.append(f"{name}.{node.func.attr}()")
        elif isinstance(node, ast.Name) and node.id == "open":
            found.append("open")
    return found


@pytest.mark.parametrize("path", sorted(DOMAIN.rglob("*.py")), ids=lambda p: p.name)
def test_domain_module_is_pure(path: Path) -> None:
    assert offences(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "import sqlalchemy",
        "from prefect import flow",
        "from jinja2 import Template",
        "import aiosmtplib",
        "from fastapi import FastAPI",
        "datetime.now()",
        "x = datetime.datetime.now(tz)",
        "date.today()",
        "import os.path",
    ],
)
def test_the_checker_catches_each_offence(source: str) -> None:
    assert offences(source)
