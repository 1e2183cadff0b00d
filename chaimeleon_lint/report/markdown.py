"""`--format markdown`: the review a platform reviewer pastes into a catalogue request.

A verdict first (errors block acceptance; warnings and info are for the author to weigh), then
a table by rule group, then each finding with its fix and the integration guide's own words,
and the build-and-test results when `--build` ran.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from chaimeleon_lint.catalogue import Catalogue
from chaimeleon_lint.findings import Finding, Severity
from chaimeleon_lint.linter import Result
from chaimeleon_lint.report import platform_line, summary
from chaimeleon_lint.report.text import chain

_MARK = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def verdict(results: Sequence[Result]) -> str:
    counts = summary(results)
    files = plural(len(results), "Dockerfile")
    if counts["error"]:
        return (f"**Verdict: changes needed**: {plural(counts['error'], 'error')}, "
                f"{plural(counts['warning'], 'warning')}, {counts['info']} info in {files}.")
    extra = f", with {plural(counts['warning'], 'warning')} to consider" if counts["warning"] else ""
    return f"**Verdict: accept**{extra} ({counts['info']} info in {files})."


def group_rows(results: Sequence[Result], catalogue: Catalogue) -> list[str]:
    counts: Counter[tuple[str, str]] = Counter()
    for f in (f for r in results for f in r.findings):
        counts[(catalogue.group(f.rule)[0], f.severity.label)] += 1
    build_only = {s.id[:-2] for s in catalogue.rules.values()} - {
        s.id[:-2] for s in catalogue.rules.values() if s.phase != "build"}
    built = any(r.built for r in results)
    rows = ["| group | | errors | warnings | info |", "|---|---|---:|---:|---:|"]
    for prefix in catalogue.groups:
        group, title = catalogue.group(prefix + "00")
        if prefix in build_only and not built:
            rows.append(f"| – {group} | {cell(title)} | not run | not run | not run |")
            continue
        e, w, i = (counts[(group, s)] for s in ("error", "warning", "info"))
        status = "❌" if e else "⚠️" if w else "✅"
        rows.append(f"| {status} {group} | {cell(title)} | {e} | {w} | {i} |")
    return rows


Link = Callable[[str, "int | None"], "str | None"]
"""A place's web address (the file at the reviewed commit, at its line), when there is one."""


def place(f: Finding, link: Link | None = None) -> str:
    where = f"`{f.path}:{f.line}`" if f.line else f"`{f.path}` (whole image)"
    url = link(f.path, f.line) if link is not None else None
    return f"[{where}]({url})" if url else where


def finding_lines(f: Finding, catalogue: Catalogue, quote: bool, link: Link | None = None,
                  more: Sequence[Finding] = ()) -> list[str]:
    """One finding, or several of one rule with one fix (`more`: listed with their places); the
    guide's words only with the first finding of its rule (`quote`)."""
    spec = catalogue.rules[f.rule]
    if not more:
        out = [f"#### {_MARK[f.severity]} {f.severity.label} {f.rule} `{f.slug}` at {place(f, link)}", "", f.message, ""]
        if f.via:
            out += [f"Reached at start-up through {chain(f.via)}.", ""]
    else:
        out = [f"#### {_MARK[f.severity]} {f.severity.label} {f.rule} `{f.slug}`, {1 + len(more)} places", ""]
        out += [f"- {place(g, link)}: {g.message}" + (f" (reached through {chain(g.via)})" if g.via else "")
                for g in (f, *more)] + [""]
    out += [f"**Fix:** {f.fix}" + (" (`chaimeleon-lint --fix` does this)" if f.edits else ""), ""]
    if spec.guide and quote:
        out += ["The integration guide says:" if not spec.profiles else "The convention asks that", ""] + [f"> {line}" for line in spec.guide.strip().splitlines()] + [""]
    return out


def build_rows(result: Result, catalogue: Catalogue) -> list[str]:
    found = Counter(f.rule for f in result.findings if f.rule.startswith("CHL8"))
    failed = "CHL801" in found
    rows = ["| rule | | result |", "|---|---|---|"]
    for spec in (s for s in catalogue.rules.values() if s.phase == "build"):
        if found[spec.id]:
            outcome = f"❌ {plural(found[spec.id], 'finding')}"
        elif failed:
            outcome = "not run (the build failed)"
        else:
            outcome = "✅ passed"
        rows.append(f"| {spec.id} `{spec.slug}` | {cell(spec.title)} | {outcome} |")
    return rows


def result_lines(result: Result, catalogue: Catalogue, link: Link | None = None) -> list[str]:
    """One file's notes and findings, the guide's words quoted once per rule; findings of one rule
    with one fix (three missing mount directories) are one block listing their places."""
    out = [f"- note: {note}" for note in result.notes] + ([""] if result.notes else [])
    if not result.findings:
        out += ["No findings.", ""]
    blocks: dict[tuple[str, str, Severity], list[Finding]] = {}
    for f in result.findings:
        blocks.setdefault((f.rule, f.fix, f.severity), []).append(f)
    quoted: set[str] = set()
    for first, *more in blocks.values():
        out += finding_lines(first, catalogue, first.rule not in quoted, link, more)
        quoted.add(first.rule)
    return out


def render(results: Sequence[Result], catalogue: Catalogue) -> str:
    out = ["## chaimeleon-lint review", "", verdict(results), "", *group_rows(results, catalogue), ""]
    for result in results:
        out += [f"### `{result.path}`" + (f" ({result.variant})" if result.variant else ""), "", f"Kind of application: {result.kind}. Platform: {platform_line(result)}.",
                ""]
        out += result_lines(result, catalogue)
        if result.built:
            out += ["#### Build and test", "", *build_rows(result, catalogue), ""]
    return "\n".join(out)
