"""Comparing image versions as versions: `1.2.10 > 1.2.9`, `0.3.1cuda12 > 0.3.1cuda11`, `1.0rc1 < 1.0`.

Versions are split into numbers and words (separators do not matter, a leading `v` is
dropped, missing numbers count as 0). Pre-release words rank below a release; any other
word must match on both sides, or the two cannot be compared (`cuda` against `rocm`).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\d+|[a-z]+")
_PRE_RELEASE = {"dev": 0, "a": 1, "alpha": 1, "b": 2, "beta": 2, "c": 3, "pre": 3, "preview": 3, "rc": 3}


class Uncomparable(Exception):
    """The two versions are not ordered; the message says where they part."""


def tokens(version: str) -> list[int | str]:
    text = version.strip().lower()
    if re.match(r"v\d", text):
        text = text[1:]
    return [int(t) if t.isdigit() else t for t in _TOKEN.findall(text)]


def _rank(token: int | str | None) -> tuple[int, int]:
    """Order of a token where the versions differ: pre-release words < end or numbers."""
    if isinstance(token, str):
        return (0, _PRE_RELEASE[token])
    return (1, token or 0)


def compare(new: str, old: str) -> int:
    """1 when `new` is the later version, 0 when they are equal, -1 when it is older.

    Raises Uncomparable when no order exists (different words, no digits at all).
    """
    a, b = tokens(new), tokens(old)
    if not a or not b:
        raise Uncomparable(f"{(new if not a else old)!r} has no version number")
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else None
        y = b[i] if i < len(b) else None
        if x == y:
            continue
        for word in (x, y):
            if isinstance(word, str) and word not in _PRE_RELEASE:
                raise Uncomparable(f"{new!r} and {old!r} differ at {word!r}, which is not a pre-release tag")
        rx, ry = _rank(x), _rank(y)
        if rx != ry:
            return 1 if rx > ry else -1
    return 0
