"""Stage labels: the execute stage names its period, the others their name alone."""

from __future__ import annotations

from domain.policy import Stage, stage_label


def test_the_execute_stage_shows_its_period_in_parentheses() -> None:
    assert stage_label(Stage.EXECUTE, 1) == "Thực hiện (kỳ 1)"
    assert stage_label(Stage.EXECUTE, 2) == "Thực hiện (kỳ 2)"


def test_other_stages_show_their_name_alone() -> None:
    assert stage_label(Stage.PLAN, 1) == "Lập kế hoạch"
    assert stage_label(Stage.EVIDENCE, 1) == "Minh chứng"
    assert stage_label(Stage.REPORT, 1) == "Báo cáo"


def test_a_headline_shows_the_period_inline_in_lower_case() -> None:
    assert stage_label(Stage.EXECUTE, 3, inline=True) == "thực hiện kỳ 3"
    assert stage_label(Stage.PLAN, 1, inline=True) == "lập kế hoạch"


def test_numbered_decides_whether_the_period_shows() -> None:
    assert stage_label(Stage.EXECUTE, 1, numbered=False) == "Thực hiện"
    assert stage_label(Stage.EVIDENCE, 2, numbered=True) == "Minh chứng (kỳ 2)"
