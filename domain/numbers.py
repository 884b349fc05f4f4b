"""Numbers typed by a person or carried in a link: ASCII digits only, inside a stated range."""

from __future__ import annotations

# The largest id a row can have on every database cchc runs on (PostgreSQL's INTEGER).
ID_MAX = 2**31 - 1


def parse_natural(raw: str, *, maximum: int, minimum: int = 0) -> int:
    """The whole number `raw` spells in ASCII digits, within [minimum, maximum].

    ValueError otherwise: signs, spaces inside, exponents, other scripts' digits ("²", "٣")
    and numbers too long to be in range are refused before `int()` sees them.
    """
    text = raw.strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        raise ValueError(f"not a whole number from {minimum} to {maximum}: {raw[:20]!r}")
    value = int(text)
    if not minimum <= value <= maximum:
        raise ValueError(f"not a whole number from {minimum} to {maximum}: {raw[:20]!r}")
    return value


def parse_id(raw: str) -> int | None:
    """A row id from a path or a form (1 … ID_MAX), or None when it cannot be one."""
    try:
        return parse_natural(raw, minimum=1, maximum=ID_MAX)
    except ValueError:
        return None
