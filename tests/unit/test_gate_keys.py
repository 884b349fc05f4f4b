"""Gate keys: the key a suspended run waits under, written and read back the same."""

from __future__ import annotations

import pytest

from domain.gates import DraftGate, GateKey
from domain.policy import Stage


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("plan-1-0-1", GateKey(Stage.PLAN, 1, 0, 1)),
        ("execute-3-7-2", GateKey(Stage.EXECUTE, 3, 7, 2)),
        ("evidence-1-11-4", GateKey(Stage.EVIDENCE, 1, 11, 4)),
        ("report-1-0-1", GateKey(Stage.REPORT, 1, 0, 1)),  # the year-end collection too
        ("director-1-0-1", GateKey(DraftGate.DIRECTOR, 1, 0, 1)),
        ("revision-2-0-3", GateKey(DraftGate.REVISION, 2, 0, 3)),
    ],
)
def test_each_form_parses_and_writes_back_the_same(text: str, key: GateKey) -> None:
    assert GateKey.parse(text) == key
    assert str(key) == text


def test_a_stage_gate_names_its_stage_and_a_draft_gate_none() -> None:
    assert GateKey.parse("execute-2-5-1").stage is Stage.EXECUTE
    assert GateKey.parse("director-1-0-1").stage is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1",
        "execute-2-5",
        "execute-2-5-1-9",
        "unknown-1-0-1",
        "execute-x-0-1",
        "director--1-0-1",
    ],
)
def test_a_malformed_key_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a gate key"):
        GateKey.parse(text)
