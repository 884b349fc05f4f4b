"""Numbers from people and links, and the rules that end an Office session: pure domain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.numbers import ID_MAX, parse_id, parse_natural
from domain.sessions import OfficeSession, SessionEnd


@pytest.mark.parametrize("raw", ["0", "7", " 42 ", "9999999"])
def test_ascii_digits_within_range_are_numbers(raw: str) -> None:
    assert parse_natural(raw, maximum=9_999_999) == int(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " ",
        "-1",
        "+1",
        "1e3",
        "1.0",
        "1_000",
        "0x1f",
        "1 2",
        "²",
        "٣",
        "१",
        "１",
        "𝟗",
        "Ⅻ",
        "10000000",
    ],
)
def test_anything_else_is_refused_before_int_sees_it(raw: str) -> None:
    with pytest.raises(ValueError, match="not a whole number"):
        parse_natural(raw, maximum=9_999_999)


def test_ids_stay_within_the_database_s_integer() -> None:
    assert parse_id(str(ID_MAX)) == ID_MAX
    assert parse_id(str(ID_MAX + 1)) is None
    assert parse_id("9" * 20) is None
    assert parse_id("0") is None
    assert parse_id("1") == 1


AT = datetime(2025, 11, 17, 1, 0, tzinfo=UTC)
SESSION = OfficeSession(
    account="vanphong", role="office", credential="c1", created_at=AT, last_seen_at=AT
)
LIMITS = {"idle": timedelta(minutes=60), "lifetime": timedelta(hours=8)}


def test_a_session_in_use_lives() -> None:
    assert SESSION.end_reason(AT + timedelta(minutes=59), credential="c1", **LIMITS) is None


@pytest.mark.parametrize(
    ("later", "credential", "reason"),
    [
        (timedelta(minutes=61), "c1", SessionEnd.IDLE),
        (timedelta(minutes=1), "c2", SessionEnd.CREDENTIAL_CHANGED),
        (timedelta(minutes=1), None, SessionEnd.ACCOUNT_REMOVED),
    ],
)
def test_a_session_ends_when_idle_or_its_account_changed(
    later: timedelta, credential: str | None, reason: SessionEnd
) -> None:
    assert SESSION.end_reason(AT + later, credential=credential, **LIMITS) is reason


def test_a_session_in_constant_use_still_ends_after_its_lifetime() -> None:
    busy = OfficeSession(
        account="vanphong",
        role="office",
        credential="c1",
        created_at=AT,
        last_seen_at=AT + timedelta(hours=8, minutes=30),
    )
    assert busy.end_reason(AT + timedelta(hours=8, minutes=31), credential="c1", **LIMITS) is (
        SessionEnd.EXPIRED
    )
