"""The key a suspended run waits under: what it waits for, and what it saw when it stopped."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.policy import Stage


class DraftGate(StrEnum):
    """The year-end run's gates on the report draft (the stage gates are named by Stage)."""

    DIRECTOR = "director"  # the Director approves or returns the draft
    REVISION = "revision"  # the Office revises a returned draft
    REGISTRY = "registry"  # the văn thư numbers and dates the approved report


@dataclass(frozen=True)
class GateKey:
    """`{kind}-{number}-{done}-{wait}`: a stage gate's check-in number and how many tasks
    were in, or a draft gate's version (done is 0); the wait number keeps each pass apart."""

    kind: Stage | DraftGate
    number: int
    done: int
    wait: int

    def __str__(self) -> str:
        return f"{self.kind.value}-{self.number}-{self.done}-{self.wait}"

    @classmethod
    def parse(cls, text: str) -> GateKey:
        """The key written as `text`; ValueError if it is not one of ours."""
        try:
            kind, number, done, wait = text.split("-")
            return cls(_kind(kind), int(number), int(done), int(wait))
        except ValueError:
            raise ValueError(f"not a gate key: {text!r}") from None

    @property
    def stage(self) -> Stage | None:
        return self.kind if isinstance(self.kind, Stage) else None


def _kind(text: str) -> Stage | DraftGate:
    try:
        return DraftGate(text)
    except ValueError:
        return Stage(text)
