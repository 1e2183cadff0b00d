"""The build phase of a run: every Dockerfile's image built and tested after its static phase.

Images of the run built FROM one another (`chain.Chains`) are built parents first. A parent is
tagged under exactly the references its children's FROM lines resolve to and held until they
are built; a parent that does not build, or is not built, skips its descendants with the
reason. The end is a summary table on standard error, one row per image (and variant).
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from chaimeleon_lint.interrupt import Interrupted, deferred
from chaimeleon_lint.records import NamedTuple

if TYPE_CHECKING:
    from chaimeleon_lint.build.engine import Engine
    from chaimeleon_lint.catalogue import Catalogue
    from chaimeleon_lint.chain import Chains
    from chaimeleon_lint.linter import Result
    from chaimeleon_lint.runner import BuildRequest, Job
    from chaimeleon_lint.source.text import Source


_UNCHANGED = "not built: neither it nor an image it is built on changed since the ref"


class NoEngine(Exception):
    """--build was asked for and no engine answers."""


class Row(NamedTuple):
    """One image of the summary table."""

    image: str
    variant: str
    state: str  # built, did not build, skipped: why
    size: int | None
    verdict: str  # the CHL8xx findings, or what stopped the tests
    seconds: float


def build_all(jobs: list[Job], done: Mapping[int, tuple[Result, Source]], chains: Chains, request: BuildRequest,
              cat: Catalogue, selected: set[int] | None = None, variant: str = "") -> tuple[dict[int, Result], list[Row]]:
    """Each job's result with its build phase, in chain order; `selected` (from --since) limits the
    builds to those jobs, everything built on them, and the parents they need."""
    from chaimeleon_lint.build.engine import detect
    from chaimeleon_lint.build.phase import release
    from chaimeleon_lint.linter import with_hits

    engine = detect(request.engine)
    if engine is None:
        raise NoEngine(f"--build: no container engine answers ({request.engine or 'docker, podman'}); "
                       "start one, or set DOCKER_HOST / a docker context for a remote one")
    wanted = set(done) if selected is None else chains.ancestors(chains.descendants(selected)) & set(done)
    waiting = {parent: {child for child, parents in chains.parents.items() if parent in parents and child in wanted}
               for parent in wanted}
    if chains.linked:
        _plan(jobs, chains, [n for n in chains.order if n in wanted], variant)
    results = {n: result for n, (result, _) in done.items()}
    rows: list[Row] = []
    held: dict[int, tuple[str, tuple[str, ...]]] = {}
    stopped: dict[int, str] = {}  # parent → why its children cannot be built
    try:
        for n in (n for n in chains.order if n in done):
            job, (result, source) = jobs[n], done[n]
            if n not in wanted:
                results[n] = with_hits(result, [], [_UNCHANGED], job.options, cat)
                continue
            blocked = next((p for p in chains.parents.get(n, ()) if p in stopped), None)
            if blocked is not None:
                why = f"its parent {jobs[blocked].shown} {stopped[blocked]}"
                results[n] = with_hits(result, [], [f"build skipped: {why}"], job.options, cat)
                rows.append(Row(job.shown, variant, f"skipped: {why}", None, "–", 0.0))
                stopped[n] = "was skipped"
                continue
            aliases = tuple(dict.fromkeys(reference for child in sorted(waiting.get(n, ()))
                                          for reference in chains.references.get(child, {}).get(n, ())))
            if chains.linked:
                _stderr()(f"building {job.shown}{f' ({variant})' if variant else ''}"
                          + (f", tagged {', '.join(aliases)}" if aliases else ""))
            started = time.monotonic()
            results[n], outcome = _one(engine, result, request, job, source, cat, aliases)
            row = _row(job.shown, variant, results[n], outcome, time.monotonic() - started)
            rows.append(row)
            if outcome is None or not outcome.built:
                stopped[n] = "was not built (the static phase found errors)" if outcome is None else "did not build"
            elif outcome.held is not None:
                held[n] = (outcome.held, aliases)
            for parent in chains.parents.get(n, ()):  # a parent whose children are all built goes
                waiting.get(parent, set()).discard(n)
                if parent in held and not waiting.get(parent):
                    release(engine, *held.pop(parent), request.keep_image)
    except Interrupted as exc:
        exc.cleaned += [f"removed {tag}, held for the images built on it" for tag in _released(engine, held, request)]
        raise
    finally:
        _released(engine, held, request)
    return results, rows


def _released(engine: Engine, held: dict[int, tuple[str, tuple[str, ...]]], request: BuildRequest) -> list[str]:
    """Release every image still held for its children (a signal waits until it is done)."""
    from chaimeleon_lint.build.phase import release

    tags = [tag for tag, _ in held.values()]
    with deferred():
        for tag, aliases in held.values():
            release(engine, tag, aliases, request.keep_image)
    held.clear()
    return tags


def _one(engine: Engine, result: Result, request: BuildRequest, job: Job, source: Source, cat: Catalogue,
         aliases: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """One image's build phase, unless the static phase found errors (or --force-build): the result,
    and the phase's outcome (None when it did not run)."""
    from chaimeleon_lint.build.phase import BuildOptions, run_phase
    from chaimeleon_lint.findings import Severity
    from chaimeleon_lint.linter import with_hits
    from chaimeleon_lint.source.dockerfile import parse

    if job.path is None or job.ctx is None:
        return with_hits(result, [], ["build skipped: standard input has no build context"], job.options, cat), None
    if not request.force and any(f.severity is Severity.ERROR for f in result.findings):
        return with_hits(result, [], ["build skipped: the static phase found errors (--force-build builds anyway)"],
                         job.options, cat), None
    cfg = job.cfg
    build_options = BuildOptions(
        engine=request.engine, build_args=request.build_args, target=request.target,
        smoke_args=request.smoke_args if request.smoke_args is not None else cfg.smoke_args,
        smoke_env=request.smoke_env or cfg.smoke_env, size=request.size, platform_equal=request.platform_equal,
        smoke_timeout=request.smoke_timeout, service_timeout=min(request.smoke_timeout, 120),
        size_budget=(cfg.size_budget_mb or 10240) * 1024 * 1024, keep_image=request.keep_image,
        verbose=request.verbose, platform=result.platform, aliases=aliases)
    with progress(request.verbose, job.shown) as report:
        outcome = run_phase(engine, job.path, job.ctx, parse(source.text), result.kind, build_options, report)
    notes = list(outcome.notes)
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in outcome.timings.items())
    notes.append(f"build phase with {engine.name}: {timings}; {outcome.containers} container(s) started"
                 + (f"; image kept as {outcome.image}" if outcome.image else "")
                 + (f"; tagged {', '.join(aliases)} for the images built on it" if aliases and outcome.built else ""))
    return with_hits(result, outcome.hits, notes, job.options, cat, built=True), outcome


def _row(shown: str, variant: str, result: Result, outcome, seconds: float) -> Row:  # type: ignore[no-untyped-def]
    if outcome is None:
        return Row(shown, variant, "not built: static errors", None, "–", seconds)
    found = [f for f in result.findings if f.rule.startswith("CHL8")]
    if not outcome.built:
        return Row(shown, variant, "did not build", None, "CHL801", seconds)
    verdict = ", ".join(sorted({f.rule for f in found})) if found else "passed"
    return Row(shown, variant, "built", outcome.size, verdict, seconds)


def _plan(jobs: list[Job], chains: Chains, order: list[int], variant: str) -> None:
    say = _stderr()
    say(f"build plan{f' ({variant})' if variant else ''}: {len(order)} image(s), parents first")
    for step, n in enumerate(order, 1):
        parents = chains.parents.get(n, ())
        on = f" on {', '.join(jobs[p].shown for p in parents)}" if parents else ""
        say(f"  {step}. {jobs[n].shown}{on}")


def summary(rows: list[Row]) -> str:
    """The table printed after the builds."""
    header = ("image", "variant", "result", "size", "CHL8xx", "time")
    table = [header] + [(r.image, r.variant or "–", r.state, _size(r.size), r.verdict, f"{r.seconds:.0f} s")
                        for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]]) + "\n"


def _size(size: int | None) -> str:
    if size is None:
        return "–"
    return f"{size / 1024**2:.0f} MB" if size < 1024**3 else f"{size / 1024**3:.1f} GB"


def _stderr() -> Callable[[str], None]:
    return lambda text: print(text, file=sys.stderr, flush=True)


@contextlib.contextmanager
def progress(verbose: bool, shown: str):  # type: ignore[no-untyped-def]
    """A status line on a terminal (rich, imported only here); the raw log lines with --verbose."""
    if sys.stderr.isatty() and not verbose:
        from rich.console import Console

        started = time.monotonic()
        with Console(stderr=True).status(f"building {shown}") as status:
            yield lambda text: status.update(f"{shown}: {text} [{time.monotonic() - started:.0f} s]")
        return
    yield _stderr() if verbose else (lambda text: None)
