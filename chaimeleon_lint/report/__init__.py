"""Reporters: findings in, text out. They never import checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from chaimeleon_lint.linter import Result


def summary(results: Sequence[Result]) -> dict[str, int]:
    counts = Counter(f.severity.label for r in results for f in r.findings)
    return {"error": counts["error"], "warning": counts["warning"], "info": counts["info"]}


def platform_line(result: Result) -> str:
    """`eucaim (detected from base image harbor...)`: which profile judged the file, and why."""
    if result.platform is None:
        return "none"
    why = result.detected_from
    how = "by default" if why == "default" else f"chosen by {why}" if why in ("--platform", "configuration", "toolbox") \
        else f"detected from {why}"
    return f"{result.platform.name} ({how})"


def platform_record(result: Result) -> dict[str, str] | None:
    """The JSON and SARIF form: name and why."""
    if result.platform is None:
        return None
    return {"name": result.platform.name, "detected_from": result.detected_from}


def overall_platform(results: Sequence[Result]) -> dict[str, str] | None:
    """The run's profile: the files' one when they agree; `mixed` when they differ (each file says its own)."""
    records = [r for r in map(platform_record, results) if r is not None]
    if not records:
        return None
    if all(r["name"] == records[0]["name"] for r in records):
        return records[0] if len(records) == 1 or all(r == records[0] for r in records) else \
            {"name": records[0]["name"], "detected_from": "per file"}
    return {"name": "mixed", "detected_from": "per file"}
