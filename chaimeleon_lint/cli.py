"""The command line. Heavy imports (rich, tree-sitter) happen only on the paths that need them."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import click

from chaimeleon_lint import __version__
from chaimeleon_lint.discovery import discover

if TYPE_CHECKING:  # annotations only: these modules load lazily, when linting starts
    from chaimeleon_lint.config import Config
    from chaimeleon_lint.linter import Options, Result
    from chaimeleon_lint.source.text import Source

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3
FORMATS = ("text", "json", "sarif", "github", "markdown")


def _names(values: Sequence[str]) -> list[str]:
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


def _fail(message: str) -> None:
    click.echo(f"chaimeleon-lint: error: {message}", err=True)


def _profile(name_or_path: str):  # type: ignore[no-untyped-def]
    """The profile --platform names; a wrong one is a usage error (exit 2) naming the key."""
    from chaimeleon_lint.profile import ProfileError, load

    try:
        return load(name_or_path)
    except ProfileError as exc:
        _fail(f"--platform: {exc}")
        sys.exit(EXIT_ERROR)


def _explain(rule: str, words: Callable[[str], str] | None = None) -> str:
    """The rule's record for a reader, in the words of the platform given (default: the guide's)."""
    from chaimeleon_lint import catalogue

    cat = catalogue.load()
    spec = cat.rules[cat.resolve(rule)]  # type: ignore[index]
    if words is not None:
        spec = spec._replace(title=words(spec.title), summary=words(spec.summary), why=words(spec.why),
                             guide=words(spec.guide), fix=words(spec.fix), limits=words(spec.limits),
                             examples=tuple(e._replace(dockerfile=words(e.dockerfile),
                                                       before=words(e.before) if e.before else e.before)
                                            for e in spec.examples))
    parts = [f"{spec.id} {spec.slug} ({spec.severity.label}): {spec.title}", "", spec.summary, "",
             "Why:", spec.why]
    if spec.guide:
        parts += ["", "The guide says:", "  " + spec.guide.strip().replace("\n", "\n  ")]
    parts += ["", "Fix:", spec.fix]
    for example in spec.examples:
        if example.before is not None:
            parts += ["", f"{example.verdict.capitalize()} example, at the ref:",
                      "  " + example.before.strip().replace("\n", "\n  "), "and now:"]
        else:
            parts += ["", f"{example.verdict.capitalize()} example:"]
        parts.append("  " + example.dockerfile.strip().replace("\n", "\n  "))
    if spec.limits:
        parts += ["", "Limits:", spec.limits]
    parts += ["", f"Suppress: # chaimeleon-lint: ignore={spec.id}  (line before the instruction)"]
    return "\n".join(parts) + "\n"


def _list_rules() -> str:
    from chaimeleon_lint import catalogue

    rows = [f"{s.id}  {s.severity.label:<7}  {s.slug:<32}  {s.title}" for s in catalogue.load().rules.values()]
    return "\n".join(rows) + "\n"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True, path_type=str))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("--output", "outputs", multiple=True, metavar="FORMAT=PATH",
              help="Also write this format to a file, from the same run (repeatable).")
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (ids or slugs, comma-separated).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (ids or slugs, comma-separated).")
@click.option("--failure-threshold", type=click.Choice(["error", "warning", "info", "none"]),
              help="Lowest severity that makes the exit code 1 (default: warning).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: nearest .chaimeleon-lint.toml or pyproject.toml).")
@click.option("--context", "context_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Build context directory (default: the Dockerfile's folder).")
@click.option("--kind", type=click.Choice(["batch", "interactive"]), help="Kind of application, if not detected.")
@click.option("--no-color", is_flag=True, help="Plain text even on a terminal (also: NO_COLOR).")
@click.option("-q", "--quiet", is_flag=True, help="Only the findings, one line each.")
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
@click.option("--explain", metavar="RULE", help="Explain a rule (id or slug) and exit.")
@click.option("--since", metavar="GIT_REF",
              help="CHL105: images changed since this ref (or built on a bumped sibling) must bump their version.")
@click.option("--fix", "fix", is_flag=True,
              help="Apply the safe autofixes (CHL203, CHL301, CHL302, CHL501, CHL502, CHL602) in place.")
@click.option("--diff", "diff", is_flag=True, help="Print the autofixes as a unified diff; change nothing.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default="0: one per core",
              help="Lint files in this many processes (used from 4 files on).")
@click.option("--build", is_flag=True, help="Then build the image and test it (CHL8xx); needs docker or podman.")
@click.option("--force-build", is_flag=True, help="Build even when the static phase found errors.")
@click.option("--engine", type=click.Choice(["docker", "podman", "podman-remote"]),
              help="Container engine (default: docker, then podman).")
@click.option("--platform", "platform", metavar="NAME|FILE",
              help="The platform profile: chaimeleon, eucaim, or a profile file (default: detected).")
@click.option("--build-arg", "build_args", multiple=True, metavar="K=V", help="Passed to the engine's build.")
@click.option("--target", metavar="STAGE", help="Build this stage.")
@click.option("--smoke-args", metavar="ARGS",
              help="Arguments jobman would pass after `--`; {dataset} and {output} expand to container paths.")
@click.option("--smoke-timeout", type=click.FloatRange(min=1), default=300, show_default=True, metavar="SECONDS",
              help="Time limit of the smoke run and of waiting for services.")
@click.option("--keep-image", is_flag=True, help="Keep the built image (it is removed by default).")
@click.option("-v", "--verbose", is_flag=True, help="Show the full build log.")
@click.version_option(__version__, prog_name="chaimeleon-lint")
def main(paths: tuple[str, ...], fmt: str, outputs: tuple[str, ...], select: tuple[str, ...], ignore: tuple[str, ...],
         failure_threshold: str | None, config_path: Path | None, context_dir: Path | None, kind: str | None,
         no_color: bool, quiet: bool, list_rules: bool, explain: str | None, since: str | None, fix: bool, diff: bool,
         jobs: int, build: bool, force_build: bool,
         engine: str | None, build_args: tuple[str, ...], target: str | None, smoke_args: str | None,
         smoke_timeout: float, keep_image: bool, verbose: bool, platform: str | None) -> None:
    """Check Dockerfiles against the CHAIMELEON platform's integration rules.

    PATHS are Dockerfiles, directories to search for them, or - for standard input.
    `chaimeleon-lint init [--kind batch|interactive] DIR` writes a new compliant application.
    Exit codes: 0 no findings at or above the threshold, 1 findings, 2 usage, config or input error,
    3 internal error (the file it failed on is named; the others are still reported).
    """
    from chaimeleon_lint import catalogue

    if list_rules:
        click.echo(_list_rules(), nl=False)
        return
    cat = catalogue.load()
    if explain is not None:
        if cat.resolve(explain) is None:
            _fail(f"unknown rule {explain!r}; see --list-rules")
            sys.exit(EXIT_ERROR)
        profile = _profile(platform) if platform else None
        click.echo(_explain(explain, profile.translate if profile else None), nl=False)
        return
    if not paths:
        raise click.UsageError("give at least one Dockerfile, directory, or - for standard input")
    unknown = cat.unknown(_names(select) + _names(ignore))
    if unknown:
        _fail(f"unknown rule(s): {', '.join(unknown)}; see --list-rules")
        sys.exit(EXIT_ERROR)
    extra_outputs = _outputs(outputs)
    if fix and diff:
        raise click.UsageError("--fix and --diff exclude each other")
    if (fix or diff) and (build or force_build):
        raise click.UsageError("--fix/--diff and --build exclude each other: fix first, then build")
    if fix and "-" in paths:
        raise click.UsageError("--fix needs files; with standard input use --diff")
    request = BuildRequest(engine, build_args, target, smoke_args, smoke_timeout, keep_image, verbose,
                           force_build) if build or force_build else None
    sys.exit(_lint(paths, fmt, _names(select), _names(ignore), failure_threshold, config_path, context_dir,
                   kind, no_color, quiet, request, "fix" if fix else "diff" if diff else None, extra_outputs,
                   since, jobs or os.cpu_count() or 1, platform))


@click.command("init", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--kind", type=click.Choice(["batch", "interactive"]), default="batch", show_default=True,
              help="batch: jobman runs it with arguments; interactive: a desktop with VNC and SSH.")
@click.option("--platform", "platform", metavar="NAME|FILE",
              help="The platform profile whose user, home and sentence the files use (default: chaimeleon).")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(kind: str, platform: str | None, directory: Path) -> None:
    """Write a compliant application into DIRECTORY: Dockerfile, application or init script,
    .dockerignore and .chaimeleon-lint.toml. Never overwrites a file."""
    import shlex

    from chaimeleon_lint.profile import DEFAULT
    from chaimeleon_lint.scaffold import ScaffoldError, write

    platform = platform or DEFAULT
    _profile(platform)  # a wrong name or file: one error, exit 2
    try:
        written = write(directory, kind, platform)
    except ScaffoldError as exc:
        _fail(str(exc))
        sys.exit(EXIT_ERROR)
    for path in written:
        click.echo(f"wrote {path}")
    shown = shlex.quote(str(directory))
    click.echo(f"next: edit the files, then `chaimeleon-lint {shown}` and `chaimeleon-lint --build {shown}`")


def entry() -> None:
    """`chaimeleon-lint init ...` scaffolds; anything else lints (a file called init: `./init`)."""
    if sys.argv[1:2] == ["init"]:
        init(args=sys.argv[2:], prog_name="chaimeleon-lint init")
    else:
        main()


def _build_arg_values(given: tuple[str, ...]) -> dict[str, str]:
    """`--build-arg K=V`, and `--build-arg K`, which the engine takes from the environment (unset if absent)."""
    values: dict[str, str] = {}
    for item in given:
        key, eq, value = item.partition("=")
        if eq:
            values[key] = value
        elif key in os.environ:
            values[key] = os.environ[key]
    return values


class BuildRequest(NamedTuple):
    """What the user asked of the build phase on the command line."""

    engine: str | None
    build_args: tuple[str, ...]
    target: str | None
    smoke_args: str | None
    smoke_timeout: float
    keep_image: bool
    verbose: bool
    force: bool


class _Job(NamedTuple):
    """One Dockerfile, read and decoded, with the options its configuration gives."""

    shown: str
    path: Path | None
    data: bytes
    source: Source
    cfg: Config
    options: Options
    ctx: Path | None


def _targets(paths: Sequence[str]) -> tuple[list[tuple[str, Path | None]], int]:
    """(shown name, path or None for stdin) of every Dockerfile named or found below a directory."""
    from chaimeleon_lint.linter import display_path

    status = EXIT_OK
    targets: list[tuple[str, Path | None]] = []
    for raw in paths:
        if raw == "-":
            targets.append(("-", None))
            continue
        path = Path(raw)
        if path.is_dir():
            found = list(discover(path))
            if not found:
                _fail(f"{raw}: no Dockerfile found (looked for Dockerfile, Dockerfile.*, *.Dockerfile)")
                status = EXIT_ERROR
            targets += [(display_path(p), p) for p in found]
        else:
            targets.append((raw, path))
    return targets, status


def _read(shown: str, path: Path | None) -> bytes:
    from chaimeleon_lint.source.text import InputError

    if path is None:
        return sys.stdin.buffer.read()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(shown, "no such file") from None
    except IsADirectoryError:
        raise InputError(shown, "is a directory") from None
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from None


def _lint_job(job: _Job, fixing: bool) -> tuple[str, Result]:
    """The pure part, run in worker processes with --jobs: lint (and fix in memory) one file."""
    from chaimeleon_lint import catalogue
    from chaimeleon_lint.checks import collect
    from chaimeleon_lint.linter import fix_source, lint_source

    cat, checks = catalogue.load(), collect()
    if fixing:
        return fix_source(job.source, job.ctx, job.options, cat, checks, job.path)
    return job.source.text, lint_source(job.source, job.ctx, job.options, cat, checks, job.path)


class _Failed(NamedTuple):
    """The linter itself failed on a file: a bug of ours, to report; the other files go on."""

    reason: str


def _guarded_job(job: _Job, fixing: bool) -> tuple[str, Result] | _Failed:
    """`_lint_job`, with an exception turned into a report naming where it was raised."""
    try:
        return _lint_job(job, fixing)
    except Exception as exc:  # any bug of ours: one file's report, not a traceback that loses the others
        import traceback

        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return _Failed(f"{type(exc).__name__}: {exc} (at {Path(frame.filename).name}:{frame.lineno})")


PARALLEL_FROM = 4
"""Fewer files than this are linted in this process: starting workers would cost more than it saves."""


def _lint_all(jobs: list[_Job], fixing: bool, workers: int) -> list[tuple[str, Result] | _Failed]:
    if workers <= 1 or len(jobs) < PARALLEL_FROM:
        return [_guarded_job(job, fixing) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from functools import partial

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    done: list[tuple[str, Result] | _Failed] = []
    try:
        with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
            done.extend(pool.map(partial(_guarded_job, fixing=fixing), jobs,
                                 chunksize=max(1, len(jobs) // (workers * 8))))
    except BrokenProcessPool:  # a worker died (a crash in native code): find the file, keep the rest
        done.extend(_isolated(job, fixing, context) for job in jobs[len(done):])
    return done


def _isolated(job: _Job, fixing: bool, context: object) -> tuple[str, Result] | _Failed:
    """One file in a process of its own, so that a file which kills its process is the one named."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(1, mp_context=context) as pool:  # type: ignore[arg-type]
        try:
            return pool.submit(_guarded_job, job, fixing).result()
        except BrokenProcessPool:
            return _Failed("the linting process died (a crash in native code, such as the shell parser)")


def _lint(paths: tuple[str, ...], fmt: str, select: list[str], ignore: list[str], threshold_name: str | None,
          config_path: Path | None, context_dir: Path | None, kind: str | None, no_color: bool,
          quiet: bool, request: BuildRequest | None = None, fixing: str | None = None,
          outputs: Sequence[tuple[str, Path]] = (), since: str | None = None, workers: int = 1,
          platform: str | None = None) -> int:
    from chaimeleon_lint import catalogue, config
    from chaimeleon_lint.linter import Options
    from chaimeleon_lint.profile import ProfileError, load
    from chaimeleon_lint.source.text import InputError, Source, decode

    cat = catalogue.load()
    chosen = _profile(platform) if platform else None
    targets, status = _targets(paths)
    try:
        fixed_config = config.load(config_path) if config_path else None
    except config.ConfigError as exc:
        _fail(str(exc))
        return EXIT_ERROR
    jobs: list[_Job] = []
    for shown, path in targets:
        try:
            data = _read(shown, path)
            source = decode(data, shown)
            cfg = fixed_config or _discovered(config, path)
        except (InputError, config.ConfigError) as exc:
            _fail(str(exc))
            status = EXIT_ERROR
            continue
        bad = cat.unknown(list(cfg.ignore) + [rule for rule, _ in cfg.severity])
        if bad:
            _fail(f"{cfg.path}: unknown rule(s) {', '.join(bad)} in ignore/severity")
            status = EXIT_ERROR
            continue
        if fixing is not None and source.notes:
            _fail(f"{shown}: not fixed: {source.notes[0]}, and writing it back would change those bytes")
            status = EXIT_ERROR
            continue
        try:
            profile = chosen or (load(cfg.platform) if cfg.platform else None)
        except ProfileError as exc:
            _fail(f"{cfg.path}: platform: {exc}")
            status = EXIT_ERROR
            continue
        options = Options(
            select=frozenset(select), ignore=frozenset(ignore) | frozenset(cfg.ignore),
            severity={cat.resolve(r): s for r, s in cfg.severity},  # type: ignore[misc]
            known_base_images=cfg.known_base_images or (),
            kind=kind or cfg.kind,
            build_args=_build_arg_values(request.build_args) if request is not None else None,
            platform=profile, platform_from="--platform" if chosen else "configuration",
        )
        ctx = context_dir if context_dir is not None else (path.parent if path is not None else None)
        jobs.append(_Job(shown, path, data, source, cfg, options, ctx))

    results: list[Result] = []
    sources: dict[str, list[str]] = {}
    diffs: list[str] = []
    histories: dict[Path, tuple] = {}  # type: ignore[type-arg]
    worst, internal = 0, False
    for job, outcome in zip(jobs, _lint_all(jobs, fixing is not None, workers)):
        if isinstance(outcome, _Failed):
            _fail(f"{job.shown}: internal error, the file was not linted: {outcome.reason}. "
                  "This is a bug in chaimeleon-lint; please report it with this file.")
            internal = True
            continue
        text, result = outcome
        source = job.source
        if text != source.text:
            from chaimeleon_lint.fix.apply import FixError, encode_like, unified_diff, write_atomically

            if fixing == "diff":
                diffs.append(unified_diff(job.shown, source.text, text))
            elif job.path is not None:
                try:
                    write_atomically(job.path, job.data, encode_like(job.data, text))
                except FixError as exc:
                    _fail(str(exc))
                    status = EXIT_ERROR
                    continue
                click.echo(f"chaimeleon-lint: fixed {job.shown}", err=True)
            source = Source(source.path, text, source.notes)
        if since is not None:
            try:
                result = _history(result, since, job.path, context_dir, job.cfg, job.options, cat, histories)
            except _NoHistory as exc:
                _fail(str(exc))
                return EXIT_ERROR
        if request is not None:
            try:
                result = _build_phase(result, request, job.cfg, job.path, job.ctx, source, job.options, cat)
            except _NoEngine as exc:
                _fail(str(exc))
                return EXIT_ERROR
        results.append(result)
        sources[job.shown] = source.lines
        threshold = (config.threshold_severity(threshold_name) if threshold_name
                     else job.cfg.failure_threshold if job.cfg.failure_threshold is not None else 2)
        if any(f.severity >= threshold for f in result.findings):
            worst = EXIT_FINDINGS

    if fixing == "diff":
        click.echo("".join(diffs), nl=False)
        return (EXIT_INTERNAL if internal else status if status == EXIT_ERROR
                else EXIT_FINDINGS if diffs else EXIT_OK)
    if not results and (status == EXIT_ERROR or internal):
        # every input failed, each with its message: an empty report would only mislead
        return EXIT_INTERNAL if internal else status
    try:
        _report(results, sources, fmt, no_color, quiet, outputs)
    except OSError as exc:
        _fail(f"cannot write report: {exc.strerror or exc}: {exc.filename}")
        return EXIT_ERROR
    return EXIT_INTERNAL if internal else status if status == EXIT_ERROR else worst


class _NoEngine(Exception):
    """--build was asked for and no engine answers."""


class _NoHistory(Exception):
    """--since was asked for and git cannot answer (no repository, unknown ref)."""


def _history(result, since: str, path: Path | None, context_dir: Path | None, cfg, options, cat,  # type: ignore[no-untyped-def]
             histories: dict):  # type: ignore[type-arg]
    """CHL105 for one Dockerfile; the repository's siblings are read once per repository."""
    from chaimeleon_lint.history.bumps import RULE, bump_hits, siblings
    from chaimeleon_lint.history.git import GitError, Repo
    from chaimeleon_lint.linter import with_hits

    if path is None:
        return with_hits(result, [], ["--since skipped: standard input has no git history"], options, cat)
    try:
        repo = Repo.around(path)
        if repo.root not in histories:
            commit = repo.commit(since)
            contexts = {repo.relative(path): context_dir} if context_dir is not None else {}
            histories[repo.root] = (repo, siblings(repo, commit, contexts))
        repo, every = histories[repo.root]
        mapping = {name: repo.relative(target) for name, target in cfg.sibling_images}
        hits = bump_hits(repo.relative(path), every, mapping, since)
    except (GitError, ValueError) as exc:
        raise _NoHistory(f"--since {since}: {exc}") from None
    return with_hits(result, [(RULE, hit) for hit in hits], [], options, cat)


def _build_phase(result, request: BuildRequest, cfg, path: Path | None, ctx: Path | None, source,  # type: ignore[no-untyped-def]
                 options, cat):
    """Build and test the image after the static phase, unless that found errors (or --force-build)."""
    from chaimeleon_lint.build.engine import detect
    from chaimeleon_lint.build.phase import BuildOptions, run_phase
    from chaimeleon_lint.findings import Severity
    from chaimeleon_lint.linter import with_hits
    from chaimeleon_lint.source.dockerfile import parse

    if path is None or ctx is None:
        return with_hits(result, [], ["build skipped: standard input has no build context"], options, cat)
    if not request.force and any(f.severity is Severity.ERROR for f in result.findings):
        return with_hits(result, [], ["build skipped: the static phase found errors (--force-build builds anyway)"],
                          options, cat)
    engine = detect(request.engine)
    if engine is None:
        raise _NoEngine(f"--build: no container engine answers ({request.engine or 'docker, podman'}); "
                        "start one, or set DOCKER_HOST / a docker context for a remote one")
    build_options = BuildOptions(
        engine=request.engine, build_args=request.build_args, target=request.target,
        smoke_args=request.smoke_args if request.smoke_args is not None else cfg.smoke_args,
        smoke_timeout=request.smoke_timeout, service_timeout=min(request.smoke_timeout, 120),
        size_budget=(cfg.size_budget_mb or 10240) * 1024 * 1024, keep_image=request.keep_image,
        verbose=request.verbose, platform=result.platform)
    with _progress(request.verbose) as progress:
        outcome = run_phase(engine, path, ctx, parse(source.text), result.kind, build_options, progress)
    notes = list(outcome.notes)
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in outcome.timings.items())
    notes.append(f"build phase with {engine.name}: {timings}; {outcome.containers} container(s) started"
                 + (f"; image kept as {outcome.image}" if outcome.image else ""))
    return with_hits(result, outcome.hits, notes, options, cat, built=True)


@contextlib.contextmanager
def _progress(verbose: bool):  # type: ignore[no-untyped-def]
    """A status line on a terminal (rich, imported only here); the raw log lines with --verbose."""
    if sys.stderr.isatty() and not verbose:
        from rich.console import Console

        started = time.monotonic()
        with Console(stderr=True).status("building") as status:
            yield lambda text: status.update(f"{text} [{time.monotonic() - started:.0f} s]")
        return
    yield (lambda text: click.echo(text, err=True)) if verbose else (lambda text: None)


def _discovered(config_module, path: Path | None):  # type: ignore[no-untyped-def]
    found = config_module.find(path.parent if path is not None else Path.cwd())
    return config_module.load(found) if found else config_module.Config()


def _outputs(values: Sequence[str]) -> list[tuple[str, Path]]:
    """`--output sarif=report.sarif`: more formats from the same run, each to a file."""
    found: list[tuple[str, Path]] = []
    for value in values:
        fmt, eq, target = value.partition("=")
        if not eq or fmt not in FORMATS or not target:
            raise click.BadParameter(f"{value!r}: use FORMAT=PATH with FORMAT one of {', '.join(FORMATS)}",
                                     param_hint="--output")
        found.append((fmt, Path(target)))
    return found


def _rendered(results: list, fmt: str, lines_of) -> str:  # type: ignore[no-untyped-def, type-arg]
    """A machine or plain-text format as a string (each reporter imported only when chosen)."""
    if fmt == "json":
        from chaimeleon_lint.report import json as json_report

        return json_report.render(results)
    if fmt == "github":
        from chaimeleon_lint.report import github

        return github.render(results)
    if fmt in ("sarif", "markdown"):
        from chaimeleon_lint import catalogue
        from chaimeleon_lint.report import markdown, sarif

        return (sarif if fmt == "sarif" else markdown).render(results, catalogue.load())
    from chaimeleon_lint.report import text

    return text.render_plain(results, lines_of, quiet=False)


def _report(results: list, sources: dict[str, list[str]], fmt: str, no_color: bool, quiet: bool,  # type: ignore[type-arg]
            outputs: Sequence[tuple[str, Path]] = ()) -> None:
    def lines_of(path: str) -> list[str]:
        if path not in sources:
            try:
                sources[path] = Path(path).read_text(encoding="utf-8", errors="replace").split("\n")
            except OSError:
                sources[path] = []
        return sources[path]

    for extra, target in outputs:
        target.write_text(_rendered(results, extra, lines_of), encoding="utf-8")
    if fmt != "text":
        click.echo(_rendered(results, fmt, lines_of), nl=False)
        return
    from chaimeleon_lint.report import text

    colour = not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()
    if colour:
        text.render_rich(results, lines_of, quiet)
    else:
        click.echo(text.render_plain(results, lines_of, quiet), nl=False)
