"""P2's comparison with the same benchmark at an earlier commit: the flag is computed from the
goal and from both runs having done the same work."""

from __future__ import annotations

from bench.province_scale import GOAL_SIZE, Runs, compared


def runs(now: float, before: float, *, mails: int = 51_241) -> Runs:
    found = Runs(baseline=70.0)
    size = str(GOAL_SIZE)
    found.seconds[size], found.tasks[size], found.mails[size] = now, 19_191, 51_241
    found.before = {"commit": "0" * 40, "seconds": before, "tasks": 19_191, "mails": mails}
    return found


def test_half_the_time_of_the_same_work_is_met() -> None:
    found = compared(runs(250.0, 555.0))
    assert found["before_ratio"] == 0.45
    assert found["before_same_work"]
    assert found["before_met"]


def test_more_than_half_is_not_met() -> None:
    assert not compared(runs(300.0, 555.0))["before_met"]


def test_different_work_is_not_compared_as_met() -> None:
    found = compared(runs(250.0, 555.0, mails=40_000))
    assert not found["before_same_work"]
    assert not found["before_met"]


def test_without_a_run_before_nothing_is_compared() -> None:
    found = Runs(baseline=70.0)
    found.seconds[str(GOAL_SIZE)] = 250.0
    assert compared(found) == {"before": None}
