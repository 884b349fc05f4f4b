"""Domain exceptions; entry points translate them (CLI: message + exit 1, portal: 4xx page).

CchcError
 ├── PlanInvalid            a plan or unit directory breaks the schema or its own rules
 ├── PhraseError            a Vietnamese date, deadline or time-window phrase cannot be read
 ├── CalendarError          the working-day calendar cannot answer (e.g. a year out of range)
 ├── IllegalTransition      a task or report draft asked to move where its lifecycle forbids
 ├── NotFound               a plan, unit or task that does not exist
 ├── InvalidRequest         a request that cannot be carried out as asked
 │    └── ReportRefused     the final report's step refused (English and Vietnamese text)
 └── PlanChoice             no plan named and none implied (the CLI exits 2)
"""

from __future__ import annotations

from dataclasses import dataclass


class CchcError(Exception):
    """Base of every error the domain raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file: where (file, path inside it, line) and what."""

    path: str
    message: str
    file: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or "<plan>"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.path or '<root>'}: {self.message}"


class PlanInvalid(CchcError):
    """A plan or unit directory is invalid; `problems` lists every finding."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class PhraseError(CchcError, ValueError):
    """A Vietnamese date/deadline/window phrase that cannot be understood."""


class CalendarError(CchcError):
    """The working-day calendar cannot answer the question asked."""


class IllegalTransition(CchcError):
    """A task or report draft transition that its state machine does not allow."""


class NotFound(CchcError, LookupError):
    """A plan, unit or task that does not exist."""


class InvalidRequest(CchcError, ValueError):
    """A request that cannot be carried out as asked (a missing reason, a closed task)."""


class ReportRefused(InvalidRequest):
    """A step of the final report refused (numbering, uploading, signing): str() for the CLI,
    `vi` for the portal's page."""

    def __init__(self, message: str, vi: str) -> None:
        self.vi = vi
        super().__init__(message)


class PlanChoice(CchcError):
    """No plan was named and no single one is implied (CLI: exit 2 naming `candidates`)."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        self.candidates = candidates
        super().__init__(message)
