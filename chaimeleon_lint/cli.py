"""The command line. Heavy imports (rich, tree-sitter) happen only on the paths that need them."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from chaimeleon_lint import __version__
from chaimeleon_lint.runner import EXIT_ERROR, FORMATS, UsageError, fail, profile


# Options that several commands share.
_OUTPUT = click.option("--output", "outputs", multiple=True, metavar="FORMAT=PATH",
              help="Also write this format to a file, from the same run (repeatable).")
_SELECT = click.option("--select", multiple=True, metavar="RULES", help="Only these rules (ids or slugs, comma-separated).")
_IGNORE = click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (ids or slugs, comma-separated).")
_ENGINE = click.option("--engine", type=click.Choice(["docker", "podman", "podman-remote"]),
              help="Container engine (default: docker, then podman).")
_SMOKE_TIMEOUT = click.option("--smoke-timeout", type=click.FloatRange(min=1), default=300, show_default=True, metavar="SECONDS",
              help="Time limit of the smoke run and of waiting for services.")
_NO_COLOR = click.option("--no-color", is_flag=True, help="Plain text even on a terminal (--color never; also: NO_COLOR).")
_COLOR = click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
                      help="Colour the text and --diff: on a terminal (auto; FORCE_COLOR forces it, NO_COLOR stops it), always, never.")
_QUIET = click.option("-q", "--quiet", is_flag=True, help="Only the findings, one line each.")
_KIND = click.option("--kind", type=click.Choice(["batch", "interactive"]), help="Kind of application, if not detected.")
_SMOKE_ARGS = click.option(
    "--smoke-args", metavar="ARGS", help="Arguments jobman would pass after `--`; {dataset} and {output} expand to "
    "container paths; a leading `--` is passed on, as jobman does (variables: --smoke-env).")

_SMOKE_ENV = click.option("--smoke-env", "smoke_env", multiple=True, metavar="NAME=VALUE",
                          help="An environment variable of the smoke run, as jobman v2's `-e` sets it (repeatable).")
_SIZE = click.option("--size", metavar="NAME", help="The platform's size of the run (its CPU and memory; default: the profile's).")
_PLATFORM_EQUAL = click.option("--platform-equal", is_flag=True,
                               help="Run the image with the platform's own settings only: without --cap-drop ALL, "
                                    "no-new-privileges and --pids-limit (the network stays off).")


def _run_settings(smoke_env: Sequence[str], size: str | None, platform: str | None) -> tuple[tuple[str, str], ...]:
    """The smoke run's variables, and the size checked against the profile: a usage error (exit 2) names what is wrong."""
    from chaimeleon_lint.profile import DEFAULT
    from chaimeleon_lint.runspec import RunSpecError, environment, settings

    try:
        if size is not None:
            settings(_profile(platform or DEFAULT)).size(size)
        return environment(smoke_env)
    except RunSpecError as exc:
        fail(str(exc))
        sys.exit(EXIT_ERROR)


def _names(values: Sequence[str]) -> list[str]:
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


def _profile(name_or_path: str):  # type: ignore[no-untyped-def]
    """The profile --platform names; a wrong one is a usage error (exit 2) naming the key."""
    try:
        return profile(name_or_path)
    except UsageError as exc:
        fail(str(exc))
        sys.exit(EXIT_ERROR)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True, path_type=str))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format.")
@_OUTPUT
@_SELECT
@_IGNORE
@click.option("--failure-threshold", type=click.Choice(["error", "warning", "info", "none"]),
              help="Lowest severity that makes the exit code 1 (default: warning).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file (default: nearest .chaimeleon-lint.toml or pyproject.toml).")
@click.option("--context", "context_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Build context directory (default: the Dockerfile's folder).")
@_KIND
@_NO_COLOR
@_COLOR
@_QUIET
@click.option("--list-rules", "list_rules_flag", is_flag=True, help="List the rules and exit.")
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
@_ENGINE
@click.option("--platform", "platform", metavar="NAME|FILE",
              help="The platform profile: chaimeleon, eucaim, or a profile file (default: detected).")
@click.option("--build-arg", "build_args", multiple=True, metavar="K=V", help="Passed to the engine's build.")
@click.option("--target", metavar="STAGE", help="Build this stage.")
@click.option("--matrix", "matrix", multiple=True, metavar="KEY=V1,V2",
              help="With --build: build every combination of these build-arg values as its own variant (repeatable).")
@_SMOKE_ARGS
@_SMOKE_ENV
@_SIZE
@_PLATFORM_EQUAL
@_SMOKE_TIMEOUT
@click.option("--keep-image", is_flag=True, help="Keep the built image (it is removed by default).")
@click.option("-v", "--verbose", is_flag=True, help="Show the full build log.")
@click.version_option(__version__, prog_name="chaimeleon-lint")
def main(paths: tuple[str, ...], fmt: str, outputs: tuple[str, ...], select: tuple[str, ...], ignore: tuple[str, ...],
         failure_threshold: str | None, config_path: Path | None, context_dir: Path | None, kind: str | None,
         no_color: bool, color: str, quiet: bool, list_rules_flag: bool, explain: str | None, since: str | None, fix: bool, diff: bool,
         jobs: int, build: bool, force_build: bool,
         engine: str | None, build_args: tuple[str, ...], target: str | None, smoke_args: str | None,
         smoke_timeout: float, keep_image: bool, verbose: bool, platform: str | None,
         matrix: tuple[str, ...], smoke_env: tuple[str, ...], size: str | None, platform_equal: bool) -> None:
    """Check Dockerfiles against the CHAIMELEON platform's integration rules.

    PATHS are Dockerfiles, directories to search for them, or - for standard input (default: .).
    `chaimeleon-lint init [--kind batch|interactive] DIR` writes a new compliant application.
    `chaimeleon-lint review REQUEST [--build]` reviews a request to the Application Catalogue.
    `chaimeleon-lint image REF...` audits built images; `chaimeleon-lint manifest PATH|IMAGE` prints
    the Kubernetes YAML that runs it as the platform does; `chaimeleon-lint prune` removes what runs
    killed by SIGKILL left in the engine.
    Exit codes: 0 no findings at or above the threshold, 1 findings, 2 usage, config or input error,
    3 internal error (the file it failed on is named; the others are still reported),
    130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP (after removing what the run made).
    """
    from chaimeleon_lint import catalogue
    from chaimeleon_lint.explain import explain_rule, list_rules

    if list_rules_flag:
        click.echo(list_rules(), nl=False)
        return
    cat = catalogue.load()
    if explain is not None:
        if cat.resolve(explain) is None:
            fail(f"unknown rule {explain!r}; see --list-rules")
            sys.exit(EXIT_ERROR)
        profile = _profile(platform) if platform else None
        click.echo(explain_rule(explain, profile.translate if profile else None), nl=False)
        return
    paths = paths or (".",)  # as linters do: the current folder's Dockerfiles
    unknown = cat.unknown(_names(select) + _names(ignore))
    if unknown:
        fail(f"unknown rule(s): {', '.join(unknown)}; see --list-rules")
        sys.exit(EXIT_ERROR)
    extra_outputs = _outputs(outputs)
    if fix and diff:
        raise click.UsageError("--fix and --diff exclude each other")
    if (fix or diff) and (build or force_build):
        raise click.UsageError("--fix/--diff and --build exclude each other: fix first, then build")
    if fix and "-" in paths:
        raise click.UsageError("--fix needs files; with standard input use --diff")
    from chaimeleon_lint.runner import BuildRequest, Settings, run

    request = BuildRequest(engine, build_args, target, smoke_args, smoke_timeout, keep_image, verbose, force_build,
                           _run_settings(smoke_env, size, platform), size, platform_equal) \
        if build or force_build else None
    sys.exit(run(paths, Settings(
        fmt=fmt, select=tuple(_names(select)), ignore=tuple(_names(ignore)), threshold=failure_threshold,
        config_path=config_path, context_dir=context_dir, kind=kind, color="never" if no_color else color, quiet=quiet,
        build=request,
        fixing="fix" if fix else "diff" if diff else None, outputs=tuple(extra_outputs), since=since,
        workers=jobs or os.cpu_count() or 1, platform=platform, matrix=_matrix(matrix, request is not None))))


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
        fail(str(exc))
        sys.exit(EXIT_ERROR)
    for path in written:
        click.echo(f"wrote {path}")
    shown = shlex.quote(str(directory))
    click.echo(f"next: edit the files, then `chaimeleon-lint {shown}` and `chaimeleon-lint --build {shown}`")


@click.command("review", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("request", type=click.Path(allow_dash=True, path_type=str))
@click.option("--checkout", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A checkout of the request's repository (default: clone its URL into a temporary folder).")
@click.option("--checkouts", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="With a catalogue folder: where the repositories' checkouts are (named OWNER+NAME or NAME).")
@click.option("--format", "fmt", type=click.Choice(("markdown", "json", "sarif", "text", "github")),
              default="markdown", show_default=True, help="markdown: the comment to post on the request.")
@_QUIET
@_NO_COLOR
@_COLOR
@_KIND
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file instead of the repository's own .chaimeleon-lint.toml.")
@_OUTPUT
@_SELECT
@_IGNORE
@click.option("--failure-threshold", type=click.Choice(["error", "warning", "info", "none"]), default="error",
              show_default=True, help="Lowest severity that makes the verdict \"changes needed\" (exit 1).")
@click.option("--platform", "platform", metavar="NAME|FILE", help="The platform profile (default: detected).")
@click.option("--current-version", metavar="VERSION",
              help="The catalogue's current version of the image: an update must be higher (CHL112).")
@click.option("--build", is_flag=True, help="Build the image and run the request's usage example (CHL8xx).")
@click.option("--force-build", is_flag=True, help="Build even when the static phase found errors.")
@_ENGINE
@click.option("--build-arg", "build_args", multiple=True, metavar="K=V", help="Passed to the engine's build.")
@click.option("--smoke-args", metavar="ARGS", help="Instead of the arguments of the request's usage example.")
@_SMOKE_ENV
@_SIZE
@_PLATFORM_EQUAL
@_SMOKE_TIMEOUT
@click.option("--keep-image", is_flag=True, help="Keep the built image (it is removed by default).")
@click.option("-v", "--verbose", is_flag=True, help="Show the full build log.")
def review(request: str, checkout: Path | None, checkouts: Path | None, fmt: str, quiet: bool, no_color: bool,
           color: str,
           kind: str | None, config_path: Path | None, outputs: tuple[str, ...], select: tuple[str, ...],
           ignore: tuple[str, ...], failure_threshold: str, platform: str | None, current_version: str | None,
           build: bool, force_build: bool, engine: str | None, build_args: tuple[str, ...], smoke_args: str | None,
           smoke_timeout: float, keep_image: bool, verbose: bool, smoke_env: tuple[str, ...], size: str | None,
           platform_equal: bool) -> None:
    """Review a request to add or update an application in the catalogue.

    REQUEST is the request: a catalogue entry's README or an issue body saved to a file (- reads
    standard input). Its repository is cloned (or --checkout used), its Dockerfile found and linted,
    and with --build built and run with the usage example's arguments. A catalogue checkout's folder
    reviews every request in it and ends with one table (--checkouts: the repositories' checkouts).
    Exit codes: 0 accept, 1 changes needed, 2 usage or input error (a repository that could not be
    read), 3 internal error, 4 needs access (a private repository).
    """
    from chaimeleon_lint import catalogue
    from chaimeleon_lint.review.run import ReviewSettings, review as run_review
    from chaimeleon_lint.runner import BuildRequest, Settings

    unknown = catalogue.load().unknown(_names(select) + _names(ignore))
    if unknown:
        fail(f"unknown rule(s): {', '.join(unknown)}; see --list-rules")
        sys.exit(EXIT_ERROR)
    extra = tuple(_outputs(outputs, ("markdown", "json", "sarif", "text")))
    build_request = BuildRequest(engine, build_args, None, smoke_args, smoke_timeout, keep_image, verbose, force_build,
                                 _run_settings(smoke_env, size, platform), size, platform_equal) \
        if build or force_build else None
    settings = Settings(fmt=fmt, select=tuple(_names(select)), ignore=tuple(_names(ignore)),
                        threshold=failure_threshold, build=build_request, outputs=extra, platform=platform,
                        quiet=quiet, color="never" if no_color else color, kind=kind, config_path=config_path,
                        inherited=True)  # a review judges the image users get, a parent's start-up included
    sys.exit(run_review(ReviewSettings(request, checkout, settings, current_version, checkouts)))


@click.command("prune", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@_ENGINE
def prune(dry_run: bool, engine: str | None) -> None:
    """Remove the containers and images that earlier runs left in the engine when they were killed
    before their clean-up (SIGKILL, a machine gone down). A run still going keeps its own; images
    kept with --keep-image are not touched. Exit codes: 0 done, 2 no engine."""
    from chaimeleon_lint.build.engine import detect
    from chaimeleon_lint.build.prune import prune as leftovers

    found = detect(engine)
    if found is None:
        fail(f"no container engine answers ({engine or 'docker, podman'})")
        sys.exit(EXIT_ERROR)
    count = 0
    for item, outcome in leftovers(found, dry_run):
        click.echo(f"{item.kind} {item.shown}: {outcome}")
        count += 1
    if not count:
        click.echo(f"nothing left by earlier runs in {found.name}")


@click.command("image", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("references", nargs=-1, required=True, metavar="REF...")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@_OUTPUT
@_SELECT
@_IGNORE
@click.option("--failure-threshold", type=click.Choice(["error", "warning", "info", "none"]),
              help="Lowest severity that makes the exit code 1 (default: warning).")
@_KIND
@click.option("--platform", "platform", metavar="NAME|FILE", help="The platform profile (default: detected).")
@_ENGINE
@_SMOKE_ARGS
@_SMOKE_ENV
@_SIZE
@_PLATFORM_EQUAL
@_SMOKE_TIMEOUT
@_NO_COLOR
@_COLOR
@_QUIET
@click.option("-v", "--verbose", is_flag=True, help="Print the Dockerfile rebuilt from each image, and the runs live.")
def image(references: tuple[str, ...], fmt: str, outputs: tuple[str, ...], select: tuple[str, ...],
          ignore: tuple[str, ...], failure_threshold: str | None, kind: str | None, platform: str | None,
          engine: str | None, smoke_args: str | None, smoke_timeout: float, no_color: bool, color: str, quiet: bool,
          verbose: bool, smoke_env: tuple[str, ...], size: str | None, platform_equal: bool) -> None:
    """Audit images that exist in the engine (pulled when it can): the build phase's tests, and the
    rules that an image's history and configuration can answer, for an application whose
    Dockerfile you do not have. Exit codes as for linting."""
    from chaimeleon_lint import catalogue
    from chaimeleon_lint.audit import AuditSettings, audit
    from chaimeleon_lint.runner import BuildRequest, Settings

    unknown = catalogue.load().unknown(_names(select) + _names(ignore))
    if unknown:
        fail(f"unknown rule(s): {', '.join(unknown)}; see --list-rules")
        sys.exit(EXIT_ERROR)
    request = BuildRequest(engine, (), None, smoke_args, smoke_timeout, False, verbose, True,
                           _run_settings(smoke_env, size, platform), size, platform_equal)
    settings = Settings(fmt=fmt, select=tuple(_names(select)), ignore=tuple(_names(ignore)),
                        threshold=failure_threshold, kind=kind, color="never" if no_color else color, quiet=quiet,
                        build=request,
                        outputs=tuple(_outputs(outputs)), platform=platform)
    sys.exit(audit(AuditSettings(references, settings)))


@click.command("manifest", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("target", metavar="PATH|IMAGE")
@click.option("--smoke-args", "args", metavar="ARGS",
              help="What the user types after jobman's `--`: the container's args ({dataset} and {output} expand).")
@click.option("--dataset", "datasets", multiple=True, metavar="ID", help="A dataset to mount read-only (repeatable).")
@click.option("--size", metavar="NAME", help="The platform's size: its resources and node selector (default: the profile's).")
@click.option("--env", "env", multiple=True, metavar="NAME=VALUE", help="An environment variable, as jobman v2's -e (repeatable).")
@click.option("--platform", "platform", metavar="NAME|FILE", help="The platform profile (default: detected, else chaimeleon).")
@_KIND
@click.option("--image", metavar="REF", help="The image to run (default: the profile's registry, the name and version labels).")
@click.option("--form", type=click.Choice(["admitted", "jobman", "pod"]), default="admitted", show_default=True,
              help="admitted: what runs, after the admission webhook; jobman: what jobman submits, for the platform's "
                   "own cluster; pod: the admitted pod as a Pod, for `podman kube play`.")
@click.option("--volumes", default="/srv/chaimeleon-lint", show_default=True, metavar="DIR",
              help="The host folder under which the admitted forms' hostPath volumes are (datasets/ID, datalake, ...).")
def manifest(target: str, args: str | None, datasets: tuple[str, ...], size: str | None, env: tuple[str, ...],
             platform: str | None, kind: str | None, image: str | None, form: str, volumes: str) -> None:
    """Print the Kubernetes YAML that runs an application as the platform does: a batch image's Job
    (jobman's, after the platform's admission webhook), an interactive image's Secret, Deployment
    and Service. PATH is a Dockerfile or its folder; anything else is an image reference.
    Exit codes: 0 printed, 2 usage or input error."""
    from chaimeleon_lint.manifest.command import ManifestError, ManifestRequest, render

    try:
        text, notes = render(ManifestRequest(target, args, datasets, size, env, platform, kind, image, form, volumes))
    except ManifestError as exc:
        fail(str(exc))
        sys.exit(EXIT_ERROR)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(text, nl=False)


@click.command("toolbox", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--tool", metavar="NAME", help="DIRECTORY is a checkout of the toolbox repository: check toolbox/NAME.")
@click.option("--since", metavar="GIT_REF", help="Also check that the change since GIT_REF leaves tool_template/ alone (CHL1051).")
@click.option("--format", "fmt", type=click.Choice(("markdown", "json", "sarif", "text", "github")),
              default="text", show_default=True, help="markdown: the comment to post on the pull request.")
@_QUIET
@_NO_COLOR
@_COLOR
@_OUTPUT
@_SELECT
@_IGNORE
@click.option("--failure-threshold", type=click.Choice(["error", "warning", "info", "none"]), default=None,
              help="Lowest severity that fails the run (exit 1) [default: warning].")
@click.option("--platform", "platform", metavar="NAME|FILE", help="The profile the task images are judged by "
              "(default: eucaim-toolbox).")
@click.option("--build", is_flag=True, help="The integration test: build each task image, check the entrypoint "
              "contract, run the tasks with cwltool on the test input (CHL108x; needs chaimeleon-lint[toolbox]).")
@_ENGINE
@click.option("--cwl-out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Write each FEMTask translated to a CWL CommandLineTool, and its job on the test input, into DIR.")
def toolbox(directory: Path, tool: str | None, since: str | None, fmt: str, quiet: bool, no_color: bool, color: str,
            outputs: tuple[str, ...], select: tuple[str, ...], ignore: tuple[str, ...], failure_threshold: str | None,
            platform: str | None, build: bool, engine: str | None, cwl_out: Path | None) -> None:
    """Check a EUCAIM toolbox submission: DIRECTORY is toolbox/<tool>/ (or a checkout with --tool).

    Every task Dockerfile is linted under the eucaim-toolbox profile, the submission's layout, FEM
    metadata and test data are checked (CHL105x), and with --build the integration test runs.
    Exit codes: 0 nothing at or above the threshold, 1 findings at or above it, 2 usage or input
    error (not a submission, no engine or no cwltool with --build), 3 internal error.
    """
    from chaimeleon_lint import catalogue
    from chaimeleon_lint.runner import Settings
    from chaimeleon_lint.toolbox.command import ToolboxSettings, toolbox as run_toolbox

    unknown = catalogue.load().unknown(_names(select) + _names(ignore))
    if unknown:
        fail(f"unknown rule(s): {', '.join(unknown)}; see --list-rules")
        sys.exit(EXIT_ERROR)
    extra = tuple(_outputs(outputs, ("markdown", "json", "sarif", "text")))
    settings = Settings(fmt=fmt, select=tuple(_names(select)), ignore=tuple(_names(ignore)),
                        threshold=failure_threshold, outputs=extra, platform=platform, quiet=quiet,
                        color="never" if no_color else color)
    sys.exit(run_toolbox(ToolboxSettings(directory, tool, since, settings, build, engine, cwl_out)))


COMMANDS = {"init": init, "review": review, "prune": prune, "image": image, "manifest": manifest, "toolbox": toolbox}


def entry() -> None:
    """`chaimeleon-lint init ...` scaffolds, `chaimeleon-lint review ...` reviews a catalogue request;
    anything else lints (a file called init or review: `./init`)."""
    from chaimeleon_lint.interrupt import Interrupted, handled

    command = COMMANDS.get(sys.argv[1]) if len(sys.argv) > 1 else None
    try:
        with handled():
            if command is not None:
                command(args=sys.argv[2:], prog_name=f"chaimeleon-lint {sys.argv[1]}")
            else:
                main()
    except Interrupted as exc:  # the clean-ups ran on the way out; say what they did
        print(exc.message(), file=sys.stderr, flush=True)
        sys.exit(exc.exit_code)


def _matrix(values: Sequence[str], building: bool) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`--matrix CUDA_VERSION=,cuda11`: a key and its values (an empty one too)."""
    if values and not building:
        raise click.UsageError("--matrix needs --build: it builds each combination")
    found = []
    for value in values:
        key, eq, listed = value.partition("=")
        if not eq or not key or "," not in listed and not listed:
            raise click.BadParameter(f"{value!r}: use KEY=V1,V2 (an empty value is allowed: KEY=,V2)",
                                     param_hint="--matrix")
        found.append((key, tuple(listed.split(","))))
    return tuple(found)


def _outputs(values: Sequence[str], formats: Sequence[str] = FORMATS) -> list[tuple[str, Path]]:
    """`--output sarif=report.sarif`: more formats from the same run, each to a file."""
    found: list[tuple[str, Path]] = []
    for value in values:
        fmt, eq, target = value.partition("=")
        if not eq or fmt not in formats or not target:
            raise click.BadParameter(f"{value!r}: use FORMAT=PATH with FORMAT one of {', '.join(formats)}",
                                     param_hint="--output")
        found.append((fmt, Path(target)))
    return found
