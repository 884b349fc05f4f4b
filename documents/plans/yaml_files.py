"""Reads the YAML data files (plans, unit directory, calendar overrides) with line-aware errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from domain.errors import PlanInvalid, Problem

M = TypeVar("M", bound=BaseModel)
# libyaml's loaders when PyYAML was built with it (a directory of a thousand units parses in
# a tenth of the time); the pure-Python ones otherwise. Same safe schema either way.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_LAST_PART = re.compile(r"(?:\.[^.\[]+|\[\d+\])$|^[^.\[]+$")


def format_loc(loc: tuple[int | str, ...]) -> str:
    """('activities', 2, 'lead') → 'activities[2].lead'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _lines(node: yaml.Node, prefix: tuple[int | str, ...], out: dict[str, int]) -> None:
    out.setdefault(format_loc(prefix), node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.value)
            # A mapping entry is reported at its key's line, where a reader looks for it.
            out[format_loc((*prefix, name))] = key.start_mark.line + 1
            _lines(value, (*prefix, name), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*prefix, i), out)


class YamlDocument:
    """A parsed YAML file that remembers the line of every path inside it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PlanInvalid([Problem("", f"cannot read: {exc}", file=str(path))]) from None
        try:
            self.data: Any = yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = getattr(exc, "problem", None) or str(exc)
            raise PlanInvalid(
                [Problem("", f"not valid YAML: {problem}", str(path), line)]
            ) from None
        self._text = text
        self._lines: dict[str, int] | None = None  # read when a problem is to be located

    def line_of(self, path: str) -> int | None:
        """The line of `path`, or of its nearest ancestor the file has."""
        if self._lines is None:
            self._lines = {}
            node = yaml.compose(self._text, Loader=_LOADER)
            if node is not None:
                _lines(node, (), self._lines)
        while path not in self._lines and path:
            path = _LAST_PART.sub("", path)
        return self._lines.get(path)

    def problem(self, path: str, message: str) -> Problem:
        return Problem(path, message, file=str(self.path), line=self.line_of(path))

    def validate(self, model: type[M]) -> M:
        """The file as `model`, or PlanInvalid listing every error with file, path and line."""
        if not isinstance(self.data, dict):
            raise PlanInvalid([self.problem("", "expected a mapping at the top of the file")])
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            problems = []
            for err in exc.errors(include_url=False):
                loc = tuple(p for p in err["loc"] if not str(p).startswith("function-"))
                problems.append(self.problem(format_loc(loc), err["msg"]))
            raise PlanInvalid(problems) from None
