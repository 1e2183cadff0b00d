"""One lint run, shared by `chaimeleon-lint PATHS` and `chaimeleon-lint review`: read the files,
lint them (in worker processes from a few files on), join the history and build phases, report.

The command line only parses arguments and calls `run`; `review` calls `collect` and renders the
results its own way. Messages for the user go to standard error, one line each.
"""

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from chaimeleon_lint.discovery import contexts_holding, discover, looks_like_dockerfile
from chaimeleon_lint.records import NamedTuple

if TYPE_CHECKING:  # annotations only: these modules load lazily, when linting starts
    from chaimeleon_lint.config import Config
    from chaimeleon_lint.catalogue import Catalogue
    from chaimeleon_lint.checks import CheckFn
    from chaimeleon_lint.linter import Options, Result
    from chaimeleon_lint.model.context import Above
    from chaimeleon_lint.profile import Profile
    from chaimeleon_lint.source.text import Source

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3
FORMATS = ("text", "json", "sarif", "github", "markdown")
SHOW_EDITS = frozenset({"json", "sarif", "markdown"})  # the formats that say what --fix would change


def fail(message: str) -> None:
    """One line for the user on standard error."""
    print(f"chaimeleon-lint: error: {message}", file=sys.stderr, flush=True)


class UsageError(Exception):
    """A wrong --platform or the like: the caller reports it and exits 2."""


def profile(name_or_path: str) -> "Profile":
    """The profile --platform names; a wrong one is a usage error naming the key."""
    from chaimeleon_lint.profile import ProfileError, load

    try:
        return load(name_or_path)
    except ProfileError as exc:
        raise UsageError(f"--platform: {exc}") from None


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
    smoke_env: tuple[tuple[str, str], ...] = ()  # jobman v2's `-e NAME=VALUE`
    size: str | None = None  # the platform's size of the smoke run
    platform_equal: bool = False  # the smoke run without this run's extra restrictions


class Job(NamedTuple):
    """One Dockerfile, read and decoded, with the options its configuration gives."""

    shown: str
    path: Path | None
    data: bytes
    source: "Source"
    cfg: "Config"
    options: "Options"
    ctx: Path | None
    hidden: bool = False  # a sibling the run's files are built FROM: read and linked, not reported


def _targets(paths: Sequence[str]) -> tuple[list[tuple[str, Path | None]], int]:
    """(shown name, path or None for stdin) of every Dockerfile named or found below a directory."""
    from chaimeleon_lint.linter import display_path

    status = EXIT_OK
    targets: list[tuple[str, Path | None]] = []
    outside: list[str] = []  # files of no build context
    for raw in paths:
        if raw == "-":
            targets.append(("-", None))
            continue
        path = Path(raw)
        if path.is_dir():
            found = list(discover(path))
            if not found:
                fail(f"{raw}: no Dockerfile found (looked for Dockerfile, Dockerfile.*, Dockerfile-*, *.Dockerfile)")
                status = EXIT_ERROR
            targets += [(display_path(p), p) for p in found]
        elif path.is_file() and not looks_like_dockerfile(path):
            held = _holding(raw, path)
            targets += held
            if not held:
                outside.append(raw)
        else:
            targets.append((raw, path))
    if not targets and outside:  # pre-commit, say, passed only files that no image is built from
        print(f"chaimeleon-lint: {', '.join(outside[:3])}{' ...' if len(outside) > 3 else ''}: in no Dockerfile's "
              "build context: nothing to lint", file=sys.stderr)
    unique: dict[str, tuple[str, Path | None]] = {}  # a Dockerfile and files of its context: linted once
    for shown, path in targets:  # realpath, which a symlink loop does not stop: reading it says why it fails
        unique.setdefault(os.path.realpath(path) if path is not None else shown, (shown, path))
    return list(unique.values()), status


def _holding(raw: str, path: Path) -> list[tuple[str, Path | None]]:
    """A file of a build context (a start-up script, say, as pre-commit passes it): the Dockerfiles
    whose context holds it, up to the repository's root, each said on standard error."""
    from chaimeleon_lint.linter import display_path
    from chaimeleon_lint.relatives import repository_root

    root = repository_root(path.resolve().parent, {})
    found = contexts_holding(path, root or Path.cwd())
    for dockerfile in found:
        print(f"chaimeleon-lint: {raw} is in the build context of {display_path(dockerfile)}: linting that",
              file=sys.stderr)
    return [(display_path(p), p) for p in found]


def read_input(shown: str, path: Path | None) -> bytes:
    """A named file or standard input, at most one byte over the size limit (decoding refuses more);
    a FIFO, device or socket is refused without reading it."""
    from chaimeleon_lint.files import NotRegularFile, read_regular
    from chaimeleon_lint.source.text import MAX_BYTES, InputError

    try:
        data = sys.stdin.buffer.read(MAX_BYTES + 1) if path is None else read_regular(path, MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            size = f"{path.stat().st_size:,} bytes" if path is not None else f"more than {MAX_BYTES:,} bytes"
            raise InputError(shown, f"file is {size}; the limit is {MAX_BYTES:,}")
        return data
    except FileNotFoundError:
        raise InputError(shown, "no such file") from None
    except NotRegularFile as exc:
        raise InputError(shown, f"is {exc.kind}, not a regular file: not read") from None
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from None


class _Shared(NamedTuple):
    """What the files of one share use alike, looked up once for them all."""

    catalogue: "Catalogue"
    checks: "Mapping[str, CheckFn]"
    above: "Above"  # what the share learned of the folders above its build contexts


def _lint_job(job: Job, fixing: bool, shared: _Shared) -> "tuple[str | None, Result]":
    """The pure part, run in worker processes with --jobs: lint (and fix in memory) one file. The
    text comes back only when fixing: a lint alone leaves it as the job holds it."""
    from chaimeleon_lint.linter import fix_source, lint_source

    cat, checks, above = shared
    if fixing:
        return fix_source(job.source, job.ctx, job.options, cat, checks, job.path, above)
    return None, lint_source(job.source, job.ctx, job.options, cat, checks, job.path, above)


class _Failed(NamedTuple):
    """The linter itself failed on a file: a bug of ours, to report; the other files go on."""

    reason: str


def _guarded_job(job: Job, fixing: bool, shared: _Shared) -> "tuple[str | None, Result] | _Failed":
    """`_lint_job`, with an exception turned into a report naming where it was raised."""
    try:
        return _lint_job(job, fixing, shared)
    except Exception as exc:  # any bug of ours: one file's report, not a traceback that loses the others
        import traceback

        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return _Failed(f"{type(exc).__name__}: {exc} (at {Path(frame.filename).name}:{frame.lineno})")


def _guarded_jobs(jobs: list[Job], fixing: bool, above: "Above") -> "list[tuple[str | None, Result] | _Failed]":
    """A share of the run's files: the catalogue and the checks are shared, and `above` is the
    run's (a forked worker's copy keeps what its earlier shares learned)."""
    from chaimeleon_lint import catalogue
    from chaimeleon_lint.checks import collect

    shared = _Shared(catalogue.load(), collect(), above)
    return [_guarded_job(job, fixing, shared) for job in jobs]


PARALLEL_FROM = 4
"""Fewer files than this are linted in this process: starting workers would cost more than it saves."""
SHARE_DIVISOR = 4
"""Each share is the files left divided by this many shares per worker (guided self-scheduling):
large shares first, single files last, so the workers finish close together."""
DIED = "the linting process died (a crash in native code, such as the shell parser)"


def _lint_all(jobs: list[Job], fixing: bool, workers: int,
              real: set[str] | None = None) -> "list[tuple[str | None, Result] | _Failed]":
    """Every job's outcome, in order: in forked workers from PARALLEL_FROM files on (where the
    system can fork). A share whose worker died is linted again a file per share, which finds the
    file that kills its process; that one is reported, the others are linted. `real` holds the
    folders the configuration look found to be their own real path: the licence look needs no
    second look at them."""
    from chaimeleon_lint.model.context import Above

    above = Above(real)  # the folders above the contexts: looked at once per run (per worker with --jobs)
    if workers <= 1 or len(jobs) < PARALLEL_FROM or not hasattr(os, "fork"):
        return _guarded_jobs(jobs, fixing, above)
    from functools import partial

    from chaimeleon_lint.forked import run_shares

    work = partial(_guarded_jobs, fixing=fixing, above=above)
    shares: list[list[Job]] = []
    start = 0
    while start < len(jobs):
        size = max(1, (len(jobs) - start) // (workers * SHARE_DIVISOR))
        shares.append(jobs[start:start + size])
        start += size
    try:
        results = run_shares(work, shares, workers)
    except OSError:  # the system cannot start a process now: this one does the work
        return _guarded_jobs(jobs, fixing, above)
    done: list[tuple[str | None, Result] | _Failed] = []
    for share, outcomes in zip(shares, results):
        if outcomes is None:  # find the file: alone, each kills at most its own process
            alone = run_shares(work, [[job] for job in share], workers)
            outcomes = [single[0] if single is not None else _Failed(DIED) for single in alone]
        done.extend(outcomes)
    return done


class Settings(NamedTuple):
    """What the user asked of one run, as parsed from the command line."""

    fmt: str = "text"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    threshold: str | None = None  # --failure-threshold; None: the configuration's, else warning
    config_path: Path | None = None
    context_dir: Path | None = None
    kind: str | None = None
    color: str = "auto"  # auto (a terminal, unless NO_COLOR; FORCE_COLOR forces it), always, never
    quiet: bool = False
    build: BuildRequest | None = None
    fixing: str | None = None  # "fix", "diff" or None
    outputs: tuple[tuple[str, Path], ...] = ()
    since: str | None = None
    workers: int = 1
    platform: str | None = None  # --platform NAME|FILE
    platform_from: str = "--platform"  # what chose it, as reports say (a review: the catalogue it is in)
    matrix: tuple[tuple[str, tuple[str, ...]], ...] = ()  # --matrix KEY=v1,v2: build every combination
    variant: str = ""  # the combination of build arguments this collection builds (K=v, ...)
    inherited: bool = False  # report a sibling parent's start-up findings on the child too (review)


class Collected(NamedTuple):
    """The results of a run before reporting, and how it went."""

    results: "list[Result]"
    sources: dict[str, list[str]]  # shown path → lines, for the reporters' excerpts
    status: int  # EXIT_OK, or EXIT_ERROR when an input could not be read
    internal: bool  # the linter failed on a file (a bug of ours)
    worst: int  # EXIT_FINDINGS when a finding is at or above its file's threshold
    diffs: list[str]
    rows: tuple = ()  # type: ignore[type-arg]  # builds.Row of each image built: the summary table
    unbuilt: str | None = None  # why --build built nothing (no engine): said after the static report

    def joined(self, other: "Collected") -> "Collected":
        """Two variants' collections as one run."""
        return Collected(self.results + other.results, {**self.sources, **other.sources}, max(self.status, other.status),
                         self.internal or other.internal, max(self.worst, other.worst), self.diffs + other.diffs,
                         self.rows + other.rows, self.unbuilt or other.unbuilt)

    @property
    def exit_code(self) -> int:
        if self.internal:
            return EXIT_INTERNAL
        return EXIT_ERROR if self.status == EXIT_ERROR or self.unbuilt is not None else self.worst


class Abort(Exception):
    """The run cannot go on (no engine for --build, no git history for --since): exit 2."""


def variants(settings: Settings) -> list[Settings]:
    """One run per combination of the --matrix values, each with its build arguments added."""
    import itertools

    if not settings.matrix or settings.build is None:
        return [settings]
    keys = [key for key, _ in settings.matrix]
    found = []
    for values in itertools.product(*(values for _, values in settings.matrix)):
        pairs = [f"{key}={value}" for key, value in zip(keys, values)]
        found.append(settings._replace(build=settings.build._replace(build_args=settings.build.build_args + tuple(pairs)),
                                       variant=", ".join(pairs)))
    return found


def run(paths: Sequence[str], settings: Settings) -> int:
    """Lint (once per --matrix variant), report, and return the exit code."""
    try:
        done: Collected | None = None
        for variant in variants(settings):
            collected = collect(paths, variant)
            done = collected if done is None else done.joined(collected)
    except (Abort, UsageError) as exc:
        fail(str(exc))
        return EXIT_ERROR
    assert done is not None
    if settings.fixing == "diff":
        sys.stdout.write(coloured_diff("".join(done.diffs)) if colour(settings.color) else "".join(done.diffs))
        return done.exit_code if done.exit_code != EXIT_OK else EXIT_FINDINGS if done.diffs else EXIT_OK
    if not done.results and done.exit_code in (EXIT_ERROR, EXIT_INTERNAL):
        return done.exit_code  # every input failed, each with its message: an empty report would only mislead
    try:
        report(done.results, done.sources, settings.fmt, settings.color, settings.quiet, settings.outputs)
    except OSError as exc:
        fail(f"cannot write report: {exc.strerror or exc}: {exc.filename}")
        return EXIT_ERROR
    if len(done.rows) > 1:  # several images built: the table per image and variant comes last
        from chaimeleon_lint.builds import summary

        sys.stdout.flush()
        print(summary(list(done.rows)), file=sys.stderr, end="", flush=True)
    if done.unbuilt is not None:
        sys.stdout.flush()
        fail(f"nothing was built: {done.unbuilt}")
    return done.exit_code


def collect(paths: Sequence[str], settings: Settings) -> Collected:
    """Every file's result, with --fix/--diff, --since and --build applied; inputs that cannot be read
    are named on standard error and make the status EXIT_ERROR."""
    from chaimeleon_lint import catalogue, config
    from chaimeleon_lint.linter import Options
    from chaimeleon_lint.profile import ProfileError, load
    from chaimeleon_lint.source.text import InputError, Source, decode

    cat = catalogue.load()
    chosen = profile(settings.platform) if settings.platform else None
    targets, status = _targets(paths)
    try:
        fixed_config = config.load(settings.config_path) if settings.config_path else None
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from None
    request, fixing = settings.build, settings.fixing
    edits = fixing is not None or bool(SHOW_EDITS.intersection([settings.fmt, *(fmt for fmt, _ in settings.outputs)]))
    jobs: list[Job] = []
    configs = _Configs(config)

    def job(shown: str, path: Path | None, hidden: bool = False) -> Job | str:
        """The file read, with the options its configuration gives; or why it cannot be linted."""
        try:
            data = read_input(shown, path)
            source = decode(data, shown)
            cfg = fixed_config or configs.of(path.parent if path is not None else Path.cwd())
        except (InputError, config.ConfigError) as exc:
            return str(exc)
        bad = cat.unknown(list(cfg.ignore) + [rule for rule, _ in cfg.severity])
        if bad:
            return f"{cfg.path}: unknown rule(s) {', '.join(bad)} in ignore/severity"
        if fixing is not None and source.notes and not hidden:
            return f"{shown}: not fixed: {source.notes[0]}, and writing it back would change those bytes"
        try:
            chosen_here = chosen or (load(cfg.platform) if cfg.platform else None)
        except ProfileError as exc:
            return f"{cfg.path}: platform: {exc}"
        options = Options(
            select=frozenset(settings.select), ignore=frozenset(settings.ignore) | frozenset(cfg.ignore),
            severity={cat.resolve(r): s for r, s in cfg.severity},  # type: ignore[misc]
            known_base_images=cfg.known_base_images or (),
            kind=settings.kind or cfg.kind,
            build_args=_build_arg_values(request.build_args) if request is not None else None,
            platform=chosen_here, platform_from=settings.platform_from if chosen else "configuration", edits=edits,
            inherited=settings.inherited, entrypoints=cfg.toolbox_entrypoints,
        )
        context_dir = None if hidden else settings.context_dir
        ctx = context_dir if context_dir is not None else (path.parent if path is not None else None)
        return Job(shown, path, data, source, cfg, options, ctx, hidden)

    for shown, path in targets:
        made = job(shown, path)
        if isinstance(made, str):
            fail(made)
            status = EXIT_ERROR
        else:
            jobs.append(made)
    from chaimeleon_lint.linter import display_path

    for path in _relatives(jobs):  # a parent that cannot be read is no input of the user's: left out
        made = job(display_path(path), path, hidden=True)
        if not isinstance(made, str):
            jobs.append(made)

    rows: list = []  # type: ignore[type-arg]
    chains = None
    if len(jobs) > 1 or request is not None:  # one file linted alone has no chain: the module stays unloaded
        from chaimeleon_lint.chain import link

        jobs, chains = link(jobs)
        for note in chains.notes:
            fail(note)
    linted = [n for n, each in enumerate(jobs) if not each.hidden or request is not None]  # --build builds parents
    done: dict[int, tuple[Result, Source]] = {}
    sources: dict[str, list[str]] = {}
    diffs: list[str] = []
    histories: dict[Path, tuple] = {}  # type: ignore[type-arg]
    changed: set[int] = set()
    worst, internal = EXIT_OK, False
    for n, outcome in zip(linted, _lint_all([jobs[n] for n in linted], fixing is not None, settings.workers,
                                            configs.real)):
        job = jobs[n]
        if job.hidden:
            if not isinstance(outcome, _Failed):
                done[n] = (outcome[1], job.source)
            continue
        if isinstance(outcome, _Failed):
            fail(f"{job.shown}: internal error, the file was not linted: {outcome.reason}. "
                 "This is a bug in chaimeleon-lint; please report it with this file.")
            internal = True
            continue
        text, result = outcome
        source = job.source
        if text is not None and text != source.text:
            from chaimeleon_lint.fix.apply import FixError, encode_like, unified_diff, write_atomically

            if fixing == "diff":
                diffs.append(unified_diff(job.shown, source.text, text, crlf=b"\r\n" in job.data))
            elif job.path is not None:
                try:
                    write_atomically(job.path, job.data, encode_like(job.data, text))
                except FixError as exc:
                    fail(str(exc))
                    status = EXIT_ERROR
                    continue
                print(f"chaimeleon-lint: fixed {job.shown}", file=sys.stderr)
            source = Source(source.path, text, source.notes)
        if settings.since is not None:
            result, moved = _history(result, settings.since, job.path, settings.context_dir, job.cfg, job.options,
                                     cat, histories)
            if moved:
                changed.add(n)
        done[n] = (result, source)
        sources[job.shown] = source.lines
    results = {n: result for n, (result, _) in done.items()}
    unbuilt = None
    if request is not None:
        from chaimeleon_lint.builds import NoEngine, build_all

        assert chains is not None  # linked whenever a build is asked for
        try:
            results, rows = build_all(jobs, done, chains, request, cat,
                                      changed if settings.since is not None else None, settings.variant)
        except NoEngine as exc:  # the static report still stands: it is printed, then why nothing was built
            unbuilt = str(exc)
    results = {n: result for n, result in results.items() if not jobs[n].hidden}
    if settings.variant:
        results = {n: result._replace(variant=settings.variant) for n, result in results.items()}
    for n, result in results.items():
        if any(f.severity >= threshold(settings.threshold, jobs[n].cfg.failure_threshold) for f in result.findings):
            worst = EXIT_FINDINGS
    ordered = [results[n] for n in sorted(results)]
    return Collected(ordered, sources, status, internal, worst, diffs, tuple(rows), unbuilt)


def _relatives(jobs: list[Job]) -> list[Path]:
    """The Dockerfiles of the jobs' repositories that they are built FROM and that the run does
    not hold already (see `relatives`); each repository is looked at once."""
    from chaimeleon_lint.relatives import needed, repository_root

    roots: dict[str, str | None] = {}
    by_root: dict[Path, list[Job]] = {}
    for each in jobs:
        root = repository_root(each.path.parent, roots) if each.path is not None else None
        if root is not None:
            by_root.setdefault(root, []).append(each)
    known = {os.path.realpath(each.path) for each in jobs if each.path is not None}
    found: list[Path] = []
    for root, members in by_root.items():
        found += needed([m.source.text for m in members], root, known)
    return found


def threshold(name: str | None, configured: int | None = None) -> int:
    """The lowest severity that fails the run: --failure-threshold, else the configuration's, else warning."""
    from chaimeleon_lint import config

    return config.threshold_severity(name) if name else configured if configured is not None else 2


def _history(result, since: str, path: Path | None, context_dir: Path | None, cfg, options, cat,  # type: ignore[no-untyped-def]
             histories: dict):  # type: ignore[type-arg]
    """CHL105 for one Dockerfile, and whether it (or its context) changed since the ref; the
    repository's siblings are read once per repository."""
    from chaimeleon_lint.history.bumps import RULE, bump_hits, siblings
    from chaimeleon_lint.history.git import GitError, Repo
    from chaimeleon_lint.linter import with_hits

    if path is None:
        return with_hits(result, [], ["--since skipped: standard input has no git history"], options, cat), False
    try:
        repo = Repo.around(path)
        if repo.root not in histories:
            commit = repo.commit(since)
            contexts = {repo.relative(path): context_dir} if context_dir is not None else {}
            histories[repo.root] = (repo, siblings(repo, commit, contexts))
        repo, every = histories[repo.root]
        mapping = {name: repo.relative(target) for name, target in cfg.sibling_images}
        hits = bump_hits(repo.relative(path), every, mapping, since)
        me = every.get(repo.relative(path))
    except (GitError, ValueError) as exc:
        raise Abort(f"--since {since}: {exc}") from None
    moved = me is None or me.then is None or bool(me.changed)
    return with_hits(result, [(RULE, hit) for hit in hits], [], options, cat), moved


class _Configs:
    """The configuration of each folder in one run: every folder above the files is looked at once,
    and the files of a repository share one configuration, parsed once."""

    def __init__(self, config_module) -> None:  # type: ignore[no-untyped-def]
        self.config = config_module
        self.nearest: dict[str, str | None] = {}  # folder → the configuration file at or above it
        self.real: set[str] = set()  # folders that are their own real path
        self.parsed: dict[Path | None, "Config"] = {None: config_module.Config()}
        self.by_folder: dict[Path, "Config"] = {}

    def of(self, folder: Path) -> "Config":
        if folder not in self.by_folder:
            path = self.config.find(folder, self.nearest, self.real)
            if path not in self.parsed:
                self.parsed[path] = self.config.load(path)
            self.by_folder[folder] = self.parsed[path]
        return self.by_folder[folder]


def rendered(results: list, fmt: str, lines_of) -> str:  # type: ignore[no-untyped-def, type-arg]
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


def publish(outputs: Sequence[tuple[str, Path]], fmt: str, quiet: bool, render: Callable[[str, bool], str]) -> bool:
    """A command's report: each --output file, then the chosen format on standard output; False (and
    the file named on standard error) when a file cannot be written."""
    try:
        for extra, target in outputs:
            target.write_text(render(extra, False), encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write report: {exc.strerror or exc}: {exc.filename}")
        return False
    sys.stdout.write(render(fmt, quiet))
    return True


def internal_error(subject: str, undone: str, exc: BaseException) -> int:
    """A bug of ours: one line naming it and where, not a traceback (exit 3)."""
    import traceback

    frame = traceback.extract_tb(exc.__traceback__)[-1]
    fail(f"{subject}: internal error, {undone}: {type(exc).__name__}: {exc} "
         f"(at {Path(frame.filename).name}:{frame.lineno}). This is a bug in chaimeleon-lint; please report it.")
    return EXIT_INTERNAL


def colour(choice: str) -> bool:
    """Whether to colour standard output: `--color always|never`, else FORCE_COLOR, NO_COLOR (any
    non-empty value), then whether it is a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("FORCE_COLOR"):
        return True
    return not os.environ.get("NO_COLOR") and sys.stdout.isatty()


_DIFF_COLOURS = (("+++", "\033[1m"), ("---", "\033[1m"), ("@@", "\033[36m"), ("+", "\033[32m"), ("-", "\033[31m"))


def coloured_diff(diff: str) -> str:
    """The patch as `git diff` colours it: additions green, removals red, hunk headers cyan."""
    out = []
    for line in diff.splitlines(keepends=True):
        code = next((c for prefix, c in _DIFF_COLOURS if line.startswith(prefix)), None)
        body = line.rstrip("\r\n")
        out.append(f"{code}{body}\033[0m{line[len(body):]}" if code else line)
    return "".join(out)


def report(results: list, sources: dict[str, list[str]], fmt: str, color: str, quiet: bool,  # type: ignore[type-arg]
            outputs: Sequence[tuple[str, Path]] = ()) -> None:
    def lines_of(path: str) -> list[str]:
        if path not in sources:
            try:
                sources[path] = Path(path).read_text(encoding="utf-8", errors="replace").split("\n")
            except OSError:
                sources[path] = []
        return sources[path]

    for extra, target in outputs:
        target.write_text(rendered(results, extra, lines_of), encoding="utf-8")
    if fmt != "text":
        sys.stdout.write(rendered(results, fmt, lines_of))
        return
    from chaimeleon_lint.report import text

    if colour(color):
        text.render_rich(results, lines_of, quiet, force=color == "always" or bool(os.environ.get("FORCE_COLOR")))
    else:
        sys.stdout.write(text.render_plain(results, lines_of, quiet))
