"""Report draft lifecycle: draft → approved → sent, or draft → returned (a new version follows)."""

from __future__ import annotations

import pytest

from domain.errors import IllegalTransition
from domain.report_draft import DraftAction, DraftState, allowed, apply

LEGAL = [
    ("draft", "approve", "approved"),
    ("draft", "return", "returned"),
    ("approved", "send", "sent"),
]

ILLEGAL = [
    ("draft", "send"),
    ("approved", "approve"),
    ("approved", "return"),
    ("returned", "approve"),
    ("returned", "return"),
    ("returned", "send"),
    ("sent", "approve"),
    ("sent", "return"),
    ("sent", "send"),
]


@pytest.mark.parametrize(("state", "action", "new"), LEGAL)
def test_a_legal_decision_moves_the_draft(state: str, action: str, new: str) -> None:
    assert allowed(DraftState(state), DraftAction(action))
    assert apply(DraftState(state), DraftAction(action)) == new


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_an_illegal_decision_is_refused(state: str, action: str) -> None:
    assert not allowed(DraftState(state), DraftAction(action))
    with pytest.raises(IllegalTransition, match=f"cannot {action} when {state}"):
        apply(DraftState(state), DraftAction(action))


def test_states_are_stored_as_the_same_strings() -> None:
    assert [s.value for s in DraftState] == ["draft", "approved", "returned", "sent"]
    assert DraftState("approved") is DraftState.APPROVED
    assert f"report.{DraftState.APPROVED}" == "report.approved"
