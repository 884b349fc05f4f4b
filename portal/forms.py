"""What a unit hands in at each stage, read from the posted form."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from domain.errors import InvalidRequest
from domain.numbers import parse_natural
from domain.policy import Stage
from domain.report import RESULT_COUNTS
from domain.vi import form_error, number

COUNTS = RESULT_COUNTS  # the figures a unit reports, as the consolidated report sums them
FILE_SLOTS = ("file_1", "file_2", "file_3")  # evidence files per submission
COUNT_MAX = 9_999_999  # a figure a unit reports (participants, news items …)
_URL = re.compile(r"^https?://\S+$")


class Submission(BaseModel):
    """One stage's answer; text is kept as typed (it is escaped wherever it is shown)."""

    content: str = Field(min_length=1, max_length=20_000)
    responsible: str = Field(default="", max_length=200)
    links: list[str] = Field(default_factory=list, max_length=50)
    topics: list[str] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)
    difficulties: str = Field(default="", max_length=10_000)
    proposals: str = Field(default="", max_length=10_000)
    estimate: str = Field(default="", max_length=10_000)

    @field_validator("links")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _URL.match(v)]
        if bad:
            raise ValueError(f"không phải đường dẫn http(s): {', '.join(bad[:3])}")
        return value


def read_form(stage: Stage, form: dict[str, Any], topic_codes: set[str]) -> Submission:
    """The submission from the posted fields; InvalidRequest in Vietnamese when unusable."""
    counts: dict[str, int] = {}
    if stage in (Stage.EXECUTE, Stage.REPORT):
        for name in COUNTS:
            raw = str(form.get(f"count_{name}", "") or "").strip()
            if raw:
                try:
                    counts[name] = parse_natural(raw, maximum=COUNT_MAX)
                except ValueError:
                    raise InvalidRequest(
                        f"{COUNTS[name]}: cần một số nguyên không âm (tối đa {number(COUNT_MAX)})"
                    ) from None
    topics = [t for t in form.get("topics", []) if t in topic_codes]
    links = [line.strip() for line in str(form.get("links", "")).splitlines() if line.strip()]
    try:
        return Submission(
            content=str(form.get("content", "")).strip(),
            responsible=str(form.get("responsible", "")).strip(),
            links=links,
            topics=topics,
            counts=counts,
            difficulties=str(form.get("difficulties", "")).strip(),
            proposals=str(form.get("proposals", "")).strip(),
            estimate=str(form.get("estimate", "")).strip(),
        )
    except ValidationError as exc:
        raise InvalidRequest(_message(exc)) from None


def _message(exc: ValidationError) -> str:
    """The first error in Vietnamese, naming the field (pydantic writes English)."""
    first = exc.errors(include_url=False)[0]
    ctx = first.get("ctx") or {}
    limit = ctx.get("max_length")
    error = ctx.get("error")
    detail = str(error) if isinstance(error, ValueError) else ""  # our validators' own words
    field = str(first["loc"][0]) if first["loc"] else ""
    return form_error(field, first["type"], limit=limit, detail=detail)
