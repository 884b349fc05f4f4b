"""The layers as an allow-list: what each top-level package may import of the others, where
Prefect may be imported, and that SQLAlchemy sessions stay inside storage/.

Every import statement of the product code is read (inside functions too), so a late import
counts as much as one at the top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Package → the first-party packages it may import (itself always). Dependencies point
# inward: entry points (flows, portal, cli, replay, deploy) → services → adapters
# (storage, notifications, documents) → domain.
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "storage": {"domain"},
    "notifications": {"domain"},
    "documents": {"domain"},
    "services": {"domain", "storage", "notifications", "documents"},
    "flows": {"domain", "services", "notifications"},
    "portal": {"domain", "services", "notifications"},
    "deploy": {"domain", "services", "storage"},
    "replay": {"domain", "services", "storage", "notifications", "flows", "portal"},
    # the command launches the other entry points (the portal's server, the replay), and
    # no entry point imports it
    "cli": {
        "domain",
        "services",
        "storage",
        "documents",
        "notifications",
        "deploy",
        "portal",
        "replay",
    },
}
FIRST_PARTY = set(ALLOWED)
PREFECT_ADAPTER = "services/prefect_adapter/"
# Outside storage/ only SQLAlchemy's exceptions and URL parsing may be named: no ORM, no
# session, no engine of one's own (deploy/ administers the rehearsal databases' URLs only).
SQLALCHEMY_OUTSIDE_STORAGE = {"sqlalchemy.exc", "sqlalchemy.engine.url", "sqlalchemy.engine"}
SQLALCHEMY_NAMES_OUTSIDE_STORAGE = {"make_url", "URL"}


def product_modules() -> Iterator[Path]:
    for package in sorted(ALLOWED):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def imports(path: Path) -> Iterator[tuple[str, list[str], int]]:
    """(module, names imported from it, line) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [a.name for a in node.names], node.lineno


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def layer_breaches(path: Path) -> list[str]:
    package = relative(path).split("/")[0]
    found = []
    for module, _names, line in imports(path):
        top = module.split(".")[0]
        if top in FIRST_PARTY and top != package and top not in ALLOWED[package]:
            found.append(f"{relative(path)}:{line} imports {module}")
    return found


def prefect_breaches(path: Path) -> list[str]:
    name = relative(path)
    if name.startswith(("flows/", PREFECT_ADAPTER)):
        return []
    return [
        f"{name}:{line} imports {module}"
        for module, _names, line in imports(path)
        if module.split(".")[0] == "prefect"
    ]


def session_breaches(path: Path) -> list[str]:
    name = relative(path)
    if name.startswith("storage/"):
        return []
    found = []
    for module, names, line in imports(path):
        if module.split(".")[0] != "sqlalchemy":
            continue
        if module in SQLALCHEMY_OUTSIDE_STORAGE and (
            module != "sqlalchemy.engine" or set(names) <= SQLALCHEMY_NAMES_OUTSIDE_STORAGE
        ):
            continue
        found.append(f"{name}:{line} imports {module} {names}")
    source = path.read_text(encoding="utf-8")
    found += [
        f"{name}: reaches a unit of work's session"
        for marker in ("uow.session", "session_of(")
        if marker in source
    ]
    return found


@pytest.mark.parametrize(
    "check", [layer_breaches, prefect_breaches, session_breaches], ids=lambda c: c.__name__
)
def test_the_product_keeps_its_layers(check: object) -> None:
    assert callable(check)
    breaches = [b for path in product_modules() for b in check(path)]
    assert breaches == []


def test_the_checks_see_a_breach(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each check reports a file written to break it (so a check cannot pass by reading
    nothing)."""
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "domain").mkdir()
    bad = tmp_path / "domain" / "bad.py"
    bad.write_text(
        "def f():\n"
        "    from services.tasks import submit\n"
        "    from prefect import flow\n"
        "    from sqlalchemy.orm import Session\n"
        "    return uow.session\n",
        encoding="utf-8",
    )
    assert layer_breaches(bad) == ["domain/bad.py:2 imports services.tasks"]
    assert prefect_breaches(bad) == ["domain/bad.py:3 imports prefect"]
    assert session_breaches(bad) == [
        "domain/bad.py:4 imports sqlalchemy.orm ['Session']",
        "domain/bad.py: reaches a unit of work's session",
    ]
    assert len(list(product_modules())) == 1
