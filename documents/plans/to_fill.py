"""Fields of a drafted plan that are still to be filled in, marked inside the plan file.

A draft made by `cchc plan next-year` must load like any plan (so `cchc plan validate` runs),
but the plan schema accepts no extra keys, so the marking lives in the text, not the data:

* each field to fill (`number`, `issued_on`, `legal_bases`) holds a placeholder value that
  loads (number 1, 1 January of the year, one placeholder căn cứ) and its key line ends with a
  YAML comment `# ĐIỀN: <what to write>`;
* the placeholder căn cứ itself reads "ĐIỀN: …", so it is caught even without the comment.

A field is filled once no non-comment line under it contains `ĐIỀN:`: write the real value,
delete the `# ĐIỀN: …` comment on its line and, for legal_bases, the placeholder item.
Whole-line comments are ignored, so notes about the marking never count as one.

`unfilled(path)` lists what remains; the publishing command refuses while it is not empty.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MARK = "ĐIỀN:"
TO_FILL = ("number", "issued_on", "legal_bases")
_KEY = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z_][\w-]*)\s*:(?:\s|$)")


def comment(hint: str) -> str:
    """The marking written at the end of a field's line."""
    return f"# {MARK} {hint}"


def placeholder(hint: str) -> str:
    """A placeholder text value (a list item) that is itself marked."""
    return f"{MARK} {hint}"


def unfilled(path: Path | str) -> list[str]:
    """One line per field still to be filled, `FILE:LINE: FIELD: to be filled (what)`, at the
    field's first marked line; empty when everything is filled. Call it before publishing:

        from documents.plans.to_fill import unfilled
        if remaining := unfilled(plan_path): ...refuse, printing each line...
    """
    text = Path(path).read_text(encoding="utf-8")
    return unfilled_in(text, file=str(path))


def unfilled_in(text: str, *, file: str) -> list[str]:
    """`unfilled` for a text already read; `file` names it in the lines."""
    lines = unicodedata.normalize("NFC", text).splitlines()
    found: dict[str, str] = {}
    for i, line in enumerate(lines):
        if MARK not in line or line.lstrip().startswith("#"):
            continue
        field = _field_at(lines, i)
        hint = line.split(MARK, 1)[1].strip().strip("\"'").strip()
        found.setdefault(field, f"{file}:{i + 1}: {field}: to be filled ({hint})")
    return list(found.values())


def _field_at(lines: list[str], index: int) -> str:
    """The dotted key path of the line at `index`, from the keys of the lines it sits under."""
    names: list[str] = []
    bound: int | None = None
    for line in reversed(lines[: index + 1]):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if bound is not None and indent >= bound:
            continue
        bound = indent
        if match := _KEY.match(line):
            names.append(match[2])
        if indent == 0:
            break
    return ".".join(reversed(names)) or "<root>"
