"""The flows read their settings once per process and again when a CCHC_ variable changes."""

from __future__ import annotations

import pytest

from flows.common import settings


def test_settings_are_read_once_while_the_environment_stays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CCHC_ACTOR", "van-phong")
    first = settings()
    assert first.actor == "van-phong"
    assert settings() is first


def test_a_changed_variable_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCHC_ACTOR", "van-phong")
    before = settings()
    monkeypatch.setenv("CCHC_ACTOR", "giam-doc")
    after = settings()
    assert after is not before
    assert after.actor == "giam-doc"
    monkeypatch.delenv("CCHC_ACTOR")
    assert settings().actor == "cli"
