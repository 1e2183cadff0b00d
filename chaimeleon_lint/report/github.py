"""`--format github`: GitHub Actions workflow commands, so findings show inline on a pull request."""

from __future__ import annotations

from collections.abc import Sequence

from chaimeleon_lint.findings import Severity
from chaimeleon_lint.linter import Result

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """The message part: GitHub decodes %25, %0D and %0A."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: also `:` and `,`, which would end it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(results: Sequence[Result]) -> str:
    out: list[str] = []
    for result in results:
        for note in result.notes:
            out.append(f"::notice file={escape_property(result.path)},title=chaimeleon-lint::{escape_data(note)}")
        for f in result.findings:
            props = [f"file={escape_property(f.path)}"]
            # a whole-image finding (no version label) at the final FROM, as SARIF anchors it: an
            # annotation without a line shows on no line of the pull request's diff
            line = f.line or (result.anchor if f.path == result.path else None)
            if line:
                props += [f"line={line}", f"endLine={f.end_line or line}"]
            props.append(f"title={escape_property(f'{f.rule} {f.slug}')}")
            out.append(f"::{_COMMAND[f.severity]} {','.join(props)}::{escape_data(f'{f.message}. Fix: {f.fix}')}")
    return "\n".join(out) + ("\n" if out else "")
