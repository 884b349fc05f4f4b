"""The top of a plan document: issuing body, number/symbol, place and date, title, bases."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from documents.plans.import_sections import Findings
from documents.plans.import_text import trim
from documents.plans.sources import SourceLine
from domain.errors import PhraseError
from domain.phrases import parse_date
from domain.units import fold

_NUMBER = re.compile(
    r"\bsố\s*:?\s*(?P<num>\d{1,6})\s*/\s*(?P<symbol>[A-ZĐ]{1,4}(?:\s*-\s*[A-ZĐ0-9&]+)+)",
    re.IGNORECASE,
)
_PLACE_DATE = re.compile(
    r"(?P<place>[^\W\d_][^,0-9]{0,60}?)\s*,\s*ngày\s+"
    r"(?P<date>\d{1,2}\s*(?:/\s*\d{1,2}\s*/\s*\d{4}|tháng\s+\d{1,2}\s+năm\s+\d{4}))",
    re.IGNORECASE,
)
_PLAN_WORD = re.compile(r"^KẾ\s+HOẠCH\b\s*(?P<rest>.*)$")
_OPENER = re.compile(
    r"^(?:thực hiện|căn cứ|triển khai|thi hành|theo|trên cơ sở|nhằm|để|xét)\b", re.IGNORECASE
)
_YEAR = re.compile(r"\bnăm\s+(\d{4})\b", re.IGNORECASE)


def _is_motto(text: str) -> bool:
    return fold(text).startswith(("cong hoa xa hoi", "doc lap"))


def _is_upper(text: str) -> bool:
    return text == text.upper() and any(c.isalpha() for c in text)


def header(preamble: list[SourceLine], found: Findings) -> dict[str, Any]:
    """What the lines before section I give: header block, title, legal bases."""
    start = next((i for i, line in enumerate(preamble) if _PLAN_WORD.match(line.text)), None)
    if start is not None:
        top = preamble[:start]
        title, rest = _title(preamble[start:])
    else:
        opener = next((i for i, line in enumerate(preamble) if _OPENER.match(line.text)), None)
        top, title = preamble[:opener], []
        rest = preamble[opener:] if opener is not None else []
        where = rest[0] if rest else (preamble[-1] if preamble else None)
        found.problem("title", "no 'KẾ HOẠCH' line followed by the plan's title", where)
    data = _block(top, found)
    if title:
        found.at("title", title[0])
        data["title"] = " ".join(line.text for line in title)
    year = _YEAR.search(data.get("title", ""))
    if year or "issued_on" in data:
        data["year"] = int(year[1]) if year else data["issued_on"].year
    else:
        found.problem(
            "year", "no 'năm YYYY' in the title and no date of issue", title[0] if title else None
        )
    data["legal_bases"] = [line.text for line in rest]
    for i, line in enumerate(rest):
        found.at(f"legal_bases[{i}]", line)
    if not rest:
        msg = "no legal basis ('Căn cứ …', 'Thực hiện …') before section I"
        found.problem("legal_bases", msg, preamble[-1] if preamble else None)
    return data


def _title(lines: list[SourceLine]) -> tuple[list[SourceLine], list[SourceLine]]:
    """The title lines after 'KẾ HOẠCH' (the same line may carry its start), and the rest."""
    first = _PLAN_WORD.match(lines[0].text)
    title = [SourceLine(lines[0].no, first["rest"])] if first and first["rest"] else []
    for i, line in enumerate(lines[1:], start=1):
        if _OPENER.match(line.text):
            return title, lines[i:]
        title.append(line)
        if line.text.endswith((";", ":")):
            return title[:-1], lines[i:]
    return title, []


def _block(lines: list[SourceLine], found: Findings) -> dict[str, Any]:
    """Issuing body (the capitalised lines), number/symbol, place and date."""
    data: dict[str, Any] = {}
    # A broken line ("Số: 281" / "/KH-SKHCN") is read together with the next one.
    candidates: list[tuple[tuple[SourceLine, ...], str]]
    candidates = [((line,), line.text) for line in lines]
    candidates += [((line, nxt), f"{line.text} {nxt.text}") for line, nxt in pairwise(lines)]
    number = next((x for x in candidates if _NUMBER.search(x[1])), None)
    if number:
        match = _NUMBER.search(number[1])
        assert match is not None
        symbol = re.sub(r"\s+", "", match["symbol"]).upper()
        data["number"], data["symbol"] = int(match["num"]), symbol
        found.at("number", number[0][0])
        found.at("symbol", number[0][0])
    else:
        msg = "no 'Số: …/KH-…' (number and symbol) in the header"
        found.problem(
            "number", msg, lines[0] if lines else None, explains=("symbol", "issuer.abbreviation")
        )
    _place_date(candidates, data, found)
    _issuer([line for line in lines if not number or line not in number[0]], data, found)
    return data


def _place_date(
    candidates: list[tuple[tuple[SourceLine, ...], str]], data: dict[str, Any], found: Findings
) -> None:
    for (line, *_), text in candidates:
        match = _PLACE_DATE.search(text)
        if not match:
            continue
        try:
            data["issued_on"] = parse_date(match["date"])
        except PhraseError as exc:
            found.problem("issued_on", str(exc), line)
        data["place"] = trim(match["place"])
        found.at("issued_on", line)
        found.at("place", line)
        return
    msg = "no '<địa danh>, ngày … tháng … năm …' (place and date) in the header"
    where = candidates[0][0][0] if candidates else None
    found.problem("issued_on", msg, where, explains=("place",))


def _issuer(lines: list[SourceLine], data: dict[str, Any], found: Findings) -> None:
    names = [line for line in lines if _is_upper(line.text) and not _is_motto(line.text)]
    if len(names) < 2:
        where = names[0] if names else (lines[0] if lines else None)
        msg = "expected the parent body and the issuing body as two capitalised lines"
        found.problem("issuer", msg, where)
        return
    found.at("issuer", names[0])
    issuer = {"parent": names[0].text, "name": " ".join(line.text for line in names[1:])}
    if "symbol" in data:  # KH-SKHCN: the part after the kind of document
        issuer["abbreviation"] = data["symbol"].split("-", 1)[1]
    data["issuer"] = issuer
