"""Reporters: findings in, text out. They never import checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from chaimeleon_lint.linter import Result


def summary(results: Sequence[Result]) -> dict[str, int]:
    counts = Counter(f.severity.label for r in results for f in r.findings)
    return {"error": counts["error"], "warning": counts["warning"], "info": counts["info"]}
