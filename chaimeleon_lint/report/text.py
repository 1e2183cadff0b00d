"""`--format text`: grouped per file, with the offending line and a fix; rich only on a colour terminal."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chaimeleon_lint.findings import Finding
from chaimeleon_lint.linter import Result
from chaimeleon_lint.report import platform_line, summary

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _source_line(lines_of: Callable[[str], Sequence[str]], path: str, line: int | None) -> str | None:
    if line is None:
        return None
    lines = lines_of(path)
    return lines[line - 1].rstrip() if 0 < line <= len(lines) else None


def chain(via: Sequence[tuple[str, int]]) -> str:
    """`Dockerfile:12 → run.sh:5 → helper.sh:3`: how start-up reaches a finding."""
    return " → ".join(f"{path}:{line}" for path, line in via)


def shown(result: Result) -> str:
    """The file, and with --matrix the variant it was built as."""
    return f"{result.path} [{result.variant}]" if result.variant else result.path


# An out-of-scope ARG (CHL903) on the line of the label it empties is that label's finding's cause:
# one block, under the label's fix, which names the ARG.
_CAUSED = {"CHL903": ("CHL101", "CHL102", "CHL103")}


def blocks(findings: Sequence[Finding]) -> list[list[Finding]]:
    """Findings that share one fix, in order: those of a rule with the same fix and place kind (three
    missing mount directories), and a CHL903 with the label finding of its line. The first of a
    block carries the fix; JSON and SARIF keep every finding on its own."""
    out: list[list[Finding]] = []
    for f in findings:
        last = out[-1] if out else None
        head = last[0] if last else None
        if head is not None and head.path == f.path and head.rule == f.rule and head.fix == f.fix and \
                not head.via and not f.via and (head.line is None) == (f.line is None):
            last.append(f)  # type: ignore[union-attr]
        elif head is not None and head.path == f.path and head.line == f.line and f.line is not None and \
                head.rule in _CAUSED.get(f.rule, ()) + tuple(k for k, v in _CAUSED.items() if f.rule in v):
            last.append(f)  # type: ignore[union-attr]
            last.sort(key=lambda g: g.rule in _CAUSED)  # type: ignore[union-attr]  # the label's finding first
        else:
            out.append([f])
    return out


def render_plain(results: Sequence[Result], lines_of: Callable[[str], Sequence[str]], quiet: bool) -> str:
    out: list[str] = []
    for result in results:
        if not quiet and result.platform is not None:  # a submission's other files were judged by no profile
            out.append(f"{shown(result)}: platform {platform_line(result)}")
        for note in result.notes:
            out.append(f"{result.path}: note: {note}")
        for block in ([f] for f in result.findings) if quiet else blocks(result.findings):
            for f in block:
                where = f"{f.path}:{f.line}" if f.line else f.path
                out.append(f"{where}: {f.severity.label} {f.rule} {f.slug}: {f.message}")
            if quiet:
                continue
            f = block[0]
            code = _source_line(lines_of, f.path, f.line) if len({g.line for g in block}) == 1 else None
            if code is not None:
                out.append(f"    | {code.strip()}")
            if f.via:
                out.append(f"    via: {chain(f.via)}")
            out.append(f"    fix: {f.fix}")
    if not quiet:
        counts = summary(results)
        out.append(f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info "
                   f"in {len(results)} file(s)")
    return "\n".join(out) + ("\n" if out else "")


def render_rich(results: Sequence[Result], lines_of: Callable[[str], Sequence[str]], quiet: bool,
                force: bool = False) -> None:
    """Colour output for a terminal (or `--color always`); imported only then. Long lines are left to
    the terminal to wrap (soft_wrap): a copied command or source line stays one line."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True, force_terminal=True if force else None)
    for result in results:
        platform = f" [dim]platform {escape(platform_line(result))}[/]" if result.platform is not None else ""
        console.print(f"[bold underline]{escape(shown(result))}[/]{platform}")
        for note in result.notes:
            console.print(f"  [dim]note: {escape(note)}[/]")
        if not result.findings:
            console.print("  [green]no findings[/]")
        for block in ([f] for f in result.findings) if quiet else blocks(result.findings):
            for f in block:
                style = _STYLE[f.severity.label]
                where = f"{f.path}:{f.line}:" if f.line else f"{f.path}:"  # the finding's own file: clickable
                console.print(f"  {escape(where)} [{style}]{f.severity.label}[/] [bold]{f.rule}[/] "
                              f"[dim]{f.slug}[/]  {escape(f.message)}")
            if quiet:
                continue
            f = block[0]
            code = _source_line(lines_of, f.path, f.line) if len({g.line for g in block}) == 1 else None
            if code is not None:
                console.print(f"       [dim]│[/] {escape(code.strip())}")
            if f.via:
                console.print(f"       [dim]via:[/] {escape(chain(f.via))}")
            console.print(f"       [green]fix:[/] {escape(f.fix)}")
    if not quiet:
        counts = summary(results)
        console.print(f"[bold]{counts['error']}[/] error(s), [bold]{counts['warning']}[/] warning(s), "
                      f"[bold]{counts['info']}[/] info in {len(results)} file(s)")
