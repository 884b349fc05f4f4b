"""The consolidated report draft's lifecycle as an explicit state machine."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from domain.errors import IllegalTransition


class DraftState(StrEnum):
    DRAFT = "draft"  # waiting for the Director
    APPROVED = "approved"  # waiting for the văn thư's number and date
    RETURNED = "returned"  # the Office revises it; the next version is a new draft
    SUPERSEDED = "superseded"  # the Office uploaded the next version before a decision
    FINAL = "final"  # numbered and dated: the final .docx and PDF are made
    SENT = "sent"


class DraftAction(StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    SUPERSEDE = "supersede"
    FINALIZE = "finalize"
    SEND = "send"


class DraftSource(StrEnum):
    GENERATED = "generated"  # written by cchc from the database
    UPLOADED = "uploaded"  # the Office's edited .docx


# (state, action) → next state; everything else is illegal. Returned, superseded and sent
# are final for their version: a revision comes back as the next version. Only a version
# the Director approved is numbered, and only a numbered one is sent.
TRANSITIONS: dict[tuple[DraftState, DraftAction], DraftState] = {
    (DraftState.DRAFT, DraftAction.APPROVE): DraftState.APPROVED,
    (DraftState.DRAFT, DraftAction.RETURN): DraftState.RETURNED,
    (DraftState.DRAFT, DraftAction.SUPERSEDE): DraftState.SUPERSEDED,
    (DraftState.APPROVED, DraftAction.FINALIZE): DraftState.FINAL,
    (DraftState.FINAL, DraftAction.SEND): DraftState.SENT,
}

# No new version after these: the Director has approved.
SETTLED_STATES = frozenset({DraftState.APPROVED, DraftState.FINAL, DraftState.SENT})


def allowed(state: DraftState, action: DraftAction) -> bool:
    return (state, action) in TRANSITIONS


def apply(state: DraftState, action: DraftAction) -> DraftState:
    """The draft's state after `action`; IllegalTransition if not allowed."""
    new = TRANSITIONS.get((state, action))
    if new is None:
        raise IllegalTransition(f"report draft: cannot {action.value} when {state.value}")
    return new


@dataclass(frozen=True)
class ReportDraft:
    """One version of the consolidated report, and the Director's decision on it."""

    plan: str
    version: int
    state: DraftState
    created_at: datetime
    content_hash: str = ""
    markdown: str = ""
    html: str = ""
    docx_path: str = ""
    comments: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None
    source: DraftSource = DraftSource.GENERATED
    number_symbol: str = ""  # given by the văn thư: "312/BC-SKHCN"
    issued_on: date | None = None  # the date the văn thư gives it (the signing date)
    final_docx_path: str = ""
    final_pdf_path: str = ""
    signed_by: str = ""  # the signing certificate's holder; "" when the PDF is unsigned

    def apply(self, action: DraftAction) -> ReportDraft:
        """The draft after `action`; IllegalTransition if not allowed."""
        return replace(self, state=apply(self.state, action))

    def decided(self, *, comments: str, by: str, at: datetime) -> ReportDraft:
        """The draft with the Director's comments, name and time of decision."""
        return replace(self, comments=comments, decided_by=by, decided_at=at)
