"""Report draft lifecycle: draft → approved → final (numbered) → sent, or draft → returned /
superseded (a new version follows)."""

from __future__ import annotations

import pytest

from domain.errors import IllegalTransition
from domain.report_draft import DraftAction, DraftState, allowed, apply

LEGAL = [
    ("draft", "approve", "approved"),
    ("draft", "return", "returned"),
    ("draft", "supersede", "superseded"),
    ("approved", "finalize", "final"),
    ("final", "send", "sent"),
]
LEGAL_PAIRS = {(state, action) for state, action, _new in LEGAL}
# Every other pair of state and action: nothing is sent before it is numbered, nothing is
# numbered before it is approved, and a version settled stays so.
ILLEGAL = [
    (state.value, action.value)
    for state in DraftState
    for action in DraftAction
    if (state.value, action.value) not in LEGAL_PAIRS
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
    assert [s.value for s in DraftState] == [
        "draft",
        "approved",
        "returned",
        "superseded",
        "final",
        "sent",
    ]
    assert ("approved", "send") in ILLEGAL
    assert ("draft", "finalize") in ILLEGAL
    assert DraftState("approved") is DraftState.APPROVED
    assert f"report.{DraftState.APPROVED}" == "report.approved"
