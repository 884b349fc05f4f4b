"""The shape of a plan's text: logical lines, sections I–VI, numbered items, Nơi nhận."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from documents.plans.sources import SourceLine
from domain.units import fold

HEADING = re.compile(r"^(?P<num>[IVX]{1,4})\s*[.:)/-]\s*(?P<title>[^\W\d_].*)$")
NUMBERED = re.compile(r"^(?P<num>\d{1,2})\s*[.)]\s*(?P<text>.*)$")
LETTERED = re.compile(r"^(?P<letter>[a-zđ])\s*\)\s*(?P<text>.*)$")
BULLET = re.compile(r"^[-–—•+*]\s*(?P<text>.*)$")
_ENDS_SENTENCE = re.compile(r"[.;:!?|]$")
_ONLY_PUNCTUATION = re.compile(r"^[\W_]*$")
_RECIPIENTS = re.compile(r"^nơi nhận\s*:?\s*(?P<rest>.*)$", re.IGNORECASE)


class Kind(StrEnum):
    """What a section of the plan holds, recognised by the words of its heading."""

    AIMS = "aims"  # I. MỤC ĐÍCH, YÊU CẦU
    TOPICS = "topics"  # II. NỘI DUNG TUYÊN TRUYỀN
    SLOGANS = "slogans"  # III. KHẨU HIỆU TUYÊN TRUYỀN
    ACTIVITIES = "activities"  # IV. HÌNH THỨC TUYÊN TRUYỀN
    BUDGET = "budget"  # V. KINH PHÍ THỰC HIỆN
    ORGANIZATION = "organization"  # VI. TỔ CHỨC THỰC HIỆN


# Checked in order: "NỘI DUNG" alone means topics, but "TỔ CHỨC THỰC HIỆN" wins over it.
_KIND_WORDS = (
    (Kind.ORGANIZATION, ("to chuc thuc hien", "trach nhiem")),
    (Kind.BUDGET, ("kinh phi",)),
    (Kind.SLOGANS, ("khau hieu",)),
    (Kind.ACTIVITIES, ("hinh thuc", "nhiem vu", "hoat dong")),
    (Kind.AIMS, ("muc dich", "yeu cau")),
    (Kind.TOPICS, ("noi dung",)),
)
HEADINGS_VI = {
    Kind.AIMS: "MỤC ĐÍCH, YÊU CẦU",
    Kind.TOPICS: "NỘI DUNG TUYÊN TRUYỀN",
    Kind.SLOGANS: "KHẨU HIỆU TUYÊN TRUYỀN",
    Kind.ACTIVITIES: "HÌNH THỨC TUYÊN TRUYỀN",
    Kind.BUDGET: "KINH PHÍ THỰC HIỆN",
    Kind.ORGANIZATION: "TỔ CHỨC THỰC HIỆN",
}


@dataclass
class Section:
    kind: Kind | None
    heading: SourceLine
    lines: list[SourceLine] = field(default_factory=list)


@dataclass
class Layout:
    """The document cut at its section headings and at Nơi nhận."""

    preamble: list[SourceLine]
    sections: list[Section]
    recipients: list[SourceLine]
    recipients_heading: SourceLine | None
    last_line: int


@dataclass
class Item:
    """A numbered paragraph and the lines under it up to the next number."""

    number: int
    text: str
    line: SourceLine
    body: list[SourceLine] = field(default_factory=list)


@dataclass
class Found:
    """One activity as the document writes it, each field with the line it came from."""

    number: int
    title: str
    line: SourceLine
    lead: tuple[str, SourceLine] | None = None
    coordinators: tuple[str, SourceLine] | None = None
    window: tuple[str, SourceLine] | None = None


def _continues(previous: SourceLine, line: SourceLine) -> bool:
    """A line wrapped inside a paragraph (PDF text, broken header lines): the line before
    does not end a sentence and this one goes on in lower case."""
    text = line.text
    if line.no != previous.no + 1 or "|" in text or "|" in previous.text:
        return False
    if _ENDS_SENTENCE.search(previous.text) or LETTERED.match(text) or not text[0].islower():
        return False
    return not previous.text.lower().startswith("nơi nhận")


def logical_lines(lines: list[SourceLine]) -> list[SourceLine]:
    """Non-blank lines with wrapped ones joined; each keeps the number of its first line."""
    out: list[SourceLine] = []
    last: SourceLine | None = None
    for line in lines:
        if _ONLY_PUNCTUATION.match(line.text):
            last = None
            continue
        if out and last is not None and _continues(last, line):
            out[-1] = SourceLine(out[-1].no, f"{out[-1].text} {line.text}")
        else:
            out.append(line)
        last = line
    return out


def _starts_paragraph(text: str) -> bool:
    return bool(
        NUMBERED.match(text)
        or LETTERED.match(text)
        or BULLET.match(text)
        or HEADING.match(text)
        or _RECIPIENTS.match(text)
        or "|" in text
    )


def join_wrapped(lines: list[SourceLine]) -> list[SourceLine]:
    """PDF text: a line that runs (nearly) to the right margin goes on in the next one,
    whatever its first letter, unless that one starts a numbered item or a heading."""
    lengths = sorted(len(line.text) for line in lines if line.text)
    if not lengths:
        return lines
    full = 0.8 * lengths[int(0.9 * (len(lengths) - 1))]
    out: list[SourceLine] = []
    for line in lines:
        previous = out[-1] if out else None
        if (
            previous is not None
            and line.text
            and len(previous.text.rsplit("\n", 1)[-1]) >= full
            and not _starts_paragraph(line.text)
        ):
            out[-1] = SourceLine(previous.no, f"{previous.text}\n{line.text}")
        else:
            out.append(line)
    return [SourceLine(line.no, line.text.replace("\n", " ")) for line in out]


def section_kind(title: str) -> Kind | None:
    folded = fold(title)
    for kind, words in _KIND_WORDS:
        if any(w in folded for w in words):
            return kind
    return None


def split_document(lines: list[SourceLine]) -> Layout:
    """Preamble (header, title, bases), the roman-numbered sections, then Nơi nhận."""
    preamble: list[SourceLine] = []
    sections: list[Section] = []
    recipients: list[SourceLine] = []
    heading: SourceLine | None = None
    for line in lines:
        found = _RECIPIENTS.match(line.text)
        if heading is None and found:
            heading = line
            if found["rest"]:
                recipients.append(SourceLine(line.no, found["rest"]))
        elif heading is not None:
            recipients.append(line)
        elif match := HEADING.match(line.text):
            sections.append(Section(section_kind(match["title"]), line))
        elif sections:
            sections[-1].lines.append(line)
        else:
            preamble.append(line)
    last = lines[-1].no if lines else 0
    return Layout(preamble, sections, recipients, heading, last)


def items(lines: list[SourceLine]) -> tuple[list[SourceLine], list[Item]]:
    """Lines before the first numbered item, and the numbered items with their bodies."""
    before: list[SourceLine] = []
    found: list[Item] = []
    for line in lines:
        match = NUMBERED.match(line.text)
        if match and "|" not in line.text:
            found.append(Item(int(match["num"]), match["text"].strip(), line))
        elif found:
            found[-1].body.append(line)
        else:
            before.append(line)
    return before, found


def unbullet(text: str) -> str:
    match = BULLET.match(text)
    return match["text"].strip() if match else text


def trim(text: str) -> str:
    """A value as written without the punctuation that ends its line."""
    return re.sub(r"[\s.;,:]+$", "", text).strip()
