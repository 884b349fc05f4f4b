"""The consolidated report draft's lifecycle as an explicit state machine."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from domain.errors import IllegalTransition


class DraftState(StrEnum):
    DRAFT = "draft"  # waiting for the Director
    APPROVED = "approved"
    RETURNED = "returned"  # the Office revises it; the next version is a new draft
    SENT = "sent"


class DraftAction(StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    SEND = "send"


# (state, action) → next state; everything else is illegal. Returned and sent are final
# for their version: a revision comes back as the next version.
TRANSITIONS: dict[tuple[DraftState, DraftAction], DraftState] = {
    (DraftState.DRAFT, DraftAction.APPROVE): DraftState.APPROVED,
    (DraftState.DRAFT, DraftAction.RETURN): DraftState.RETURNED,
    (DraftState.APPROVED, DraftAction.SEND): DraftState.SENT,
}

SETTLED_STATES = frozenset({DraftState.APPROVED, DraftState.SENT})  # no new version after


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

    def apply(self, action: DraftAction) -> ReportDraft:
        """The draft after `action`; IllegalTransition if not allowed."""
        return replace(self, state=apply(self.state, action))

    def decided(self, *, comments: str, by: str, at: datetime) -> ReportDraft:
        """The draft with the Director's comments, name and time of decision."""
        return replace(self, comments=comments, decided_by=by, decided_at=at)
