"""`--format json`, documented by schemas/report.schema.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from chaimeleon_lint import __version__
from chaimeleon_lint.linter import Result
from chaimeleon_lint.report import overall_platform, platform_record, summary


def render(results: Sequence[Result], extra: dict[str, Any] | None = None) -> str:
    """The report; `extra` adds top-level members the schema describes (a review's `review`)."""
    document = {
        "version": 1,
        "tool": {"name": "chaimeleon-lint", "version": __version__},
        "platform": overall_platform(results),
        "files": [{"path": r.path, "context": r.context, "platform": platform_record(r),
                   **({"variant": r.variant} if r.variant else {})} for r in results],
        "findings": [
            {"rule": f.rule, "slug": f.slug, "severity": f.severity.label, "path": f.path, "line": f.line,
             "end_line": f.end_line, "message": f.message, "fix": f.fix,
             **({"variant": r.variant} if r.variant else {}),
             "via": [{"path": path, "line": line} for path, line in f.via],
             "edits": [e._asdict() for e in f.edits]}
            for r in results for f in r.findings
        ],
        "summary": summary(results),
        **(extra or {}),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
