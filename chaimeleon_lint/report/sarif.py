"""`--format sarif`: SARIF 2.1.0 for code-scanning tools, with every rule's metadata from rules/."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from chaimeleon_lint import __version__
from chaimeleon_lint.catalogue import Catalogue, RuleSpec
from chaimeleon_lint.findings import Edit, Finding, Severity
from chaimeleon_lint.linter import Result
from chaimeleon_lint.report import overall_platform, platform_record

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_ROOT = "SRCROOT"


def docs_url() -> str | None:
    """The rule documentation's address, from the package metadata (pyproject's [project.urls])."""
    from importlib import metadata

    try:
        urls = metadata.metadata("chaimeleon-lint").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    found = dict(u.split(", ", 1) for u in urls if ", " in u)
    return found.get("Rules")


def anchor(spec: RuleSpec) -> str:
    """The heading anchor of a rule in docs/rules.md (GitHub's slugging of `CHL501 pip-no-cache-dir`)."""
    return f"{spec.id.lower()}-{spec.slug}"


def _descriptor(spec: RuleSpec, catalogue: Catalogue, docs: str | None) -> dict:
    group, title = catalogue.group(spec.id)
    descriptor = {
        "id": spec.id,
        "name": spec.slug,
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": spec.summary},
        "help": {"text": f"{spec.why}\n\nFix: {spec.fix}",
                 "markdown": f"{spec.why}\n\n**Fix:** {spec.fix}"
                             + (f"\n\n> {spec.guide.strip()}" if spec.guide else "")},
        "defaultConfiguration": {"level": _LEVEL[spec.severity]},
        "properties": {"tags": [group, title, spec.phase]},
    }
    if docs:
        descriptor["helpUri"] = f"{docs}#{anchor(spec)}"
    return descriptor


def _location(path: str, line: int, end_line: int | None) -> dict:
    return {"physicalLocation": {"artifactLocation": {"uri": Path(path).as_posix(), "uriBaseId": _ROOT},
                                 "region": {"startLine": line, "endLine": end_line or line}}}


def _replacement(edit: Edit) -> dict:
    return {"deletedRegion": {"startLine": edit.line, "startColumn": edit.column,
                              "endLine": edit.end_line, "endColumn": edit.end_column},
            "insertedContent": {"text": edit.text}}


def _result(finding: Finding, index: int, anchor: int | None) -> dict:
    """A finding about the whole image points at the final FROM (line 1 without one): code scanning
    needs a region to show a result (GitHub's SARIF rule GH1003), and that line begins the image."""
    whole = finding.line is None
    result = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": _LEVEL[finding.severity],
        "message": {"text": f"{finding.message}. Fix: {finding.fix}"},
        "locations": [_location(finding.path, anchor or 1, None) if whole
                      else _location(finding.path, finding.line, finding.end_line)],
    }
    if whole:
        result["properties"] = {"wholeImage": True}
    if finding.via:
        result["relatedLocations"] = [
            {"id": n, "message": {"text": "started from here" if n == 0 else "which runs"}, **_location(p, line, line)}
            for n, (p, line) in enumerate(finding.via)]
    if finding.edits:
        result["fixes"] = [{"description": {"text": finding.fix}, "artifactChanges": [
            {"artifactLocation": {"uri": Path(finding.path).as_posix(), "uriBaseId": _ROOT},
             "replacements": [_replacement(e) for e in finding.edits]}]}]
    return result


def render(results: Sequence[Result], catalogue: Catalogue, root: Path | None = None) -> str:
    """One run listing every rule (so viewers can show rules that found nothing) and every finding."""
    docs = docs_url()
    index = {rule: n for n, rule in enumerate(catalogue.rules)}
    notes = [{"level": "note", "message": {"text": f"{r.path}: {note}"}} for r in results for note in r.notes]
    driver = {"name": "chaimeleon-lint", "version": __version__, "semanticVersion": __version__,
              "rules": [_descriptor(spec, catalogue, docs) for spec in catalogue.rules.values()]}
    if docs:
        driver["informationUri"] = docs
    run = {
        "tool": {"driver": driver},
        "properties": {"platform": overall_platform(results),
                       "files": [{"path": r.path, "platform": platform_record(r)} for r in results]},
        "originalUriBaseIds": {_ROOT: {"uri": (root or Path.cwd()).resolve().as_uri() + "/"}},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notes}],
        "results": [_result(f, index[f.rule], r.anchor if f.path == r.path else None)
                    for r in results for f in r.findings],
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
