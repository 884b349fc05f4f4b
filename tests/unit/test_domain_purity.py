"""domain/ stays pure (DESIGN.md §6): it imports only what an allow-list names (pure standard
library modules, pydantic, holidays, itself), never reads the environment or a file, and never
asks the system clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
# Everything domain/ may import: pure standard-library modules (no file, process, network or
# environment access among them), pydantic, holidays, and domain itself. Anything else —
# os, pathlib, sqlalchemy, prefect, jinja2, httpx … — is an offence.
ALLOWED_MODULES = {
    "__future__",
    "abc",
    "bisect",
    "collections",
    "dataclasses",
    "datetime",
    "decimal",
    "domain",
    "enum",
    "functools",
    "hashlib",
    "holidays",
    "itertools",
    "math",
    "operator",
    "pydantic",
    "re",
    "string",
    "typing",
    "unicodedata",
    "zoneinfo",
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
            found += [a.name for a in node.names if a.name.split(".")[0] not in ALLOWED_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in ALLOWED_MODULES:
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
        "from pathlib import Path",
        "import shutil",
        "import urllib.request",
        "from sqlite3 import connect",
        "import requests",
        "open('plan.yaml')",
    ],
)
def test_the_checker_catches_each_offence(source: str) -> None:
    assert offences(source)


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import date, timedelta",
        "import holidays",
        "from pydantic import BaseModel",
        "from domain.errors import CchcError",
        "from .task import Task",
        "now = clock.now()",
    ],
)
def test_what_the_allow_list_names_passes(source: str) -> None:
    assert offences(source) == []
