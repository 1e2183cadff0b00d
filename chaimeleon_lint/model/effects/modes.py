"""chmod mode arithmetic: octal and symbolic (`u+x`, `a=rX,go-w`)."""

from __future__ import annotations

import re

_CLAUSE = re.compile(r"^([ugoa]*)([-+=])([rwxXst]*)$")
_OCTAL = re.compile(r"[0-7]{1,4}")
_WHO = {"u": 0o4700, "g": 0o2070, "o": 0o1007}
_PERM = {"r": 0o444, "w": 0o222, "x": 0o111, "s": 0o6000, "t": 0o1000}


def apply_mode(mode: int | None, spec: str | None, is_dir: bool) -> int | None:
    """The mode after `chmod spec`; None when the spec or the starting mode cannot be known."""
    if spec is None:
        return mode
    if _OCTAL.fullmatch(spec):
        return int(spec, 8)
    current = mode if mode is not None else (0o755 if is_dir else 0o644)
    for clause in spec.split(","):
        m = _CLAUSE.match(clause)
        if not m:
            return None
        who = m[1].replace("a", "ugo") or "ugo"
        mask = sum(_WHO[w] for w in set(who))
        bits = 0
        for perm in m[3]:
            if perm == "X":
                bits |= 0o111 if is_dir or current & 0o111 else 0
            else:
                bits |= _PERM[perm]
        bits &= mask
        if m[2] == "+":
            current |= bits
        elif m[2] == "-":
            current &= ~bits
        else:
            current = (current & ~mask) | bits
    return current
