"""The static pipeline: text → Dockerfile → Image → hits → findings, suppressed and sorted."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chaimeleon_lint.catalogue import Catalogue
from chaimeleon_lint.checks import CheckFn
from chaimeleon_lint.findings import Edit, Finding, Hit, Severity
from chaimeleon_lint.fix.apply import apply
from chaimeleon_lint.fix.edits import BUILDERS
from chaimeleon_lint.model.context import Context
from chaimeleon_lint.model.simulate import DEFAULT_KNOWN_BASES, simulate
from chaimeleon_lint.source.dockerfile import parse
from chaimeleon_lint.source.pragmas import parse_pragmas
from chaimeleon_lint.source.text import Source

SYNTAX_RULE = "CHL901"


@dataclass(frozen=True, slots=True)
class Options:
    """What the user chose; names may be ids or slugs until `resolve` checks them."""

    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    known_base_images: tuple[str, ...] = DEFAULT_KNOWN_BASES
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class Result:
    path: str
    context: str | None
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]
    kind: str = "batch"  # batch or interactive, as detected or configured
    built: bool = False  # the build phase built and tested the image (its CHL8xx rules ran)


def display_path(path: Path) -> str:
    """Relative to the working directory when below it, as users typed it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def lint_source(source: Source, context_dir: Path | None, options: Options, catalogue: Catalogue,
                checks: Mapping[str, CheckFn], dockerfile_path: Path | None = None) -> Result:
    """Lint one decoded Dockerfile; context_dir None means no build context (stdin)."""
    dockerfile = parse(source.text)
    context = Context.open(context_dir, dockerfile_path) if context_dir is not None else None
    image = simulate(dockerfile, context, options.known_base_images, options.kind)
    pragmas = parse_pragmas(dockerfile)
    findings: list[Finding] = []

    def shown(rel: str | None) -> str:
        """A context file as the user can open it; None is the Dockerfile."""
        return display_path(context.root / rel) if rel is not None and context is not None else source.path

    def emit(rule: str, severity: Severity, message: str, path: str, line: int | None, end: int | None,
             via: tuple[tuple[str, int], ...] = (), edits: tuple[Edit, ...] = ()) -> None:
        spec = catalogue.rules[rule]
        findings.append(Finding(rule, spec.slug, severity, path, line, end, message, spec.fix, via, edits))

    file_ignored = {catalogue.resolve(n) for n in pragmas.file}
    for line, name in pragmas.mentioned:
        if catalogue.resolve(name) is None:
            sev, msg = catalogue.rules[SYNTAX_RULE].render(None, {"problem": f"unknown rule {name!r} in a pragma"})
            emit(SYNTAX_RULE, sev, msg, source.path, line, line)
    selected = {catalogue.resolve(n) for n in options.select}
    ignored = {catalogue.resolve(n) for n in options.ignore} | file_ignored
    for rule, check in checks.items():
        if (selected and rule not in selected) or rule in ignored:
            continue
        for hit in check(image):
            rendered = _rendered(rule, hit, catalogue, options)
            if rendered is None:
                continue
            severity, message = rendered
            line = hit.span.line if hit.span else None
            if hit.path is None and line is not None and any(
                    start <= line <= end and any(catalogue.resolve(n) == rule for n in names)
                    for start, end, names in pragmas.spans):
                continue
            builder = BUILDERS.get(rule) if hit.path is None else None
            emit(rule, severity, message, shown(hit.path), line, hit.span.end_line if hit.span else None,
                 tuple((shown(p), n) for p, n in hit.via),
                 builder(rule, hit, image, dockerfile) if builder is not None else ())
    notes = source.notes + (context.problems if context else ())
    return Result(source.path, display_path(context_dir) if context_dir else None,
                  tuple(sorted(findings, key=Finding.sort_key)), notes, image.kind)


def fix_source(source: Source, context_dir: Path | None, options: Options, catalogue: Catalogue,
               checks: Mapping[str, CheckFn], dockerfile_path: Path | None = None,
               max_rounds: int = 8) -> tuple[str, Result]:
    """Apply the findings' fixes and lint again until none is left: one fix may enable another
    (CHL203 adds the USER switch that CHL301's mkdir goes after). A finding that comes back after
    its fix was applied is not fixed twice. Returns the fixed text and the result of linting it."""
    text = source.text
    result = lint_source(source, context_dir, options, catalogue, checks, dockerfile_path)
    applied: set[tuple[str, str]] = set()
    for _ in range(max_rounds):
        fixable = [f for f in result.findings if f.edits and (f.rule, f.message) not in applied]
        fixed = apply(text, [e for f in fixable for e in f.edits])
        if fixed == text:
            break
        applied.update((f.rule, f.message) for f in fixable)
        text = fixed
        result = lint_source(Source(source.path, text, source.notes), context_dir, options, catalogue, checks,
                             dockerfile_path)
    return text, result



def _rendered(rule: str, hit: Hit, catalogue: Catalogue, options: Options) -> tuple[Severity, str] | None:
    """Severity (after the user's overrides) and message of one hit; None when the rule is off."""
    severity, message = catalogue.rules[rule].render(hit.variant, hit.params)
    severity = options.severity.get(rule, severity)
    return None if severity is Severity.OFF else (severity, message)


def with_build(result: Result, hits: Sequence[tuple[str, Hit]], notes: Sequence[str], options: Options,
               catalogue: Catalogue, built: bool = False) -> Result:
    """The static result joined by the build phase's findings, selected and re-ranked like the others."""
    selected = {catalogue.resolve(n) for n in options.select}
    ignored = {catalogue.resolve(n) for n in options.ignore}
    findings = list(result.findings)
    for rule, hit in hits:
        if (selected and rule not in selected) or rule in ignored:
            continue
        rendered = _rendered(rule, hit, catalogue, options)
        if rendered is None:
            continue
        severity, message = rendered
        spec = catalogue.rules[rule]
        findings.append(Finding(rule, spec.slug, severity, result.path, hit.span.line if hit.span else None,
                                hit.span.end_line if hit.span else None, message, spec.fix))
    return Result(result.path, result.context, tuple(sorted(findings, key=Finding.sort_key)),
                  result.notes + tuple(notes), result.kind, built)
