"""`chaimeleon-lint toolbox DIR`: an operator's whole check of a EUCAIM toolbox submission.

Find the tool folder → lint every task Dockerfile under the `eucaim-toolbox` profile → the
submission rules (layout, FEM metadata, test data) → with `--build`, the integration test (build,
entrypoint contract, the tasks run by cwltool on the test input) → one report in the formats of
`review`, the Markdown one being the pull request's comment.
"""

from __future__ import annotations

from pathlib import Path

from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.runner import (EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Abort, Settings, UsageError, collect, fail,
                                    internal_error, publish, threshold)

PROFILE = "eucaim-toolbox"


class ToolboxSettings(NamedTuple):
    directory: Path
    tool: str | None  # --tool NAME: DIR is a checkout of the toolbox repository
    since: str | None  # --since REF: also check that the change leaves tool_template/ alone
    lint: Settings  # format, rules, threshold, outputs, platform
    build: bool = False
    engine: str | None = None
    cwl_out: Path | None = None  # --cwl-out DIR: write each task's translated CWL and its test job there


class Checked(NamedTuple):
    """Everything the reporters need."""

    tool: str
    results: list  # type: ignore[type-arg]  # each task Dockerfile's Result, then the other files'
    sources: dict[str, list[str]]
    tasks: list[tuple[str, str | None, str | None]]  # (task, its Dockerfile, its FEMTask's image)
    integration: str  # passed, failed, not run
    notes: tuple[str, ...]
    exit_code: int

    @property
    def verdict(self) -> str:
        """Errors block acceptance; warnings and info are for the provider to weigh (the exit code
        follows --failure-threshold)."""
        errors = any(f.severity.label == "error" for r in self.results for f in r.findings)
        return "changes needed" if errors or self.integration == "failed" else "accept"


def toolbox(settings: ToolboxSettings) -> int:
    """Check, report, and return the exit code: 0 accept, 1 changes needed, 2 usage or input error."""
    from chaimeleon_lint.toolbox.submission import SubmissionError

    try:
        done = _check(settings)
    except (SubmissionError, Abort, UsageError) as exc:
        fail(str(exc))
        return EXIT_ERROR
    except Exception as exc:  # a bug of ours: one line naming it, not a traceback
        return internal_error(str(settings.directory), "the submission was not checked", exc)
    if not publish(settings.lint.outputs, settings.lint.fmt, settings.lint.quiet,
                   lambda fmt, quiet: render(done, fmt, quiet)):
        return EXIT_ERROR
    return done.exit_code


def _check(settings: ToolboxSettings) -> Checked:
    from chaimeleon_lint import catalogue
    from chaimeleon_lint.linter import Result, display_path, with_hits
    from chaimeleon_lint.profile import load
    from chaimeleon_lint.model.toolbox import convention
    from chaimeleon_lint.toolbox.submission import check, docker_pull, femtask_of, locate, read_submission

    folder = locate(settings.directory, settings.tool)
    sub = read_submission(folder)
    lint = settings.lint._replace(platform=settings.lint.platform or PROFILE, build=None,
                                  platform_from=settings.lint.platform_from if settings.lint.platform else "toolbox")
    dockerfiles = [t.dockerfile for t in sub.tasks if t.dockerfile is not None]
    collected = collect([display_path(p) for p in dockerfiles], lint) if dockerfiles else None
    results = list(collected.results) if collected is not None else []
    sources = dict(collected.sources) if collected is not None else {}
    cat = catalogue.load()
    profile = load(lint.platform) if "/" not in lint.platform else None  # type: ignore[arg-type]
    contract = convention(profile or load(PROFILE))
    found = list(check(sub, settings.since, contract.registry if contract else ()))
    notes: list[str] = [f"{sub.shown(sub.tool)}: {len(sub.tasks)} task folder(s), {len(sub.fem)} FEM file(s)"]
    if settings.cwl_out is not None:
        notes += _write_cwl(sub, settings.cwl_out)
    integration = "not run"
    if settings.build:
        from chaimeleon_lint.toolbox.integration import integrate

        outcome = integrate(sub, settings.engine, blocked=[f for f in found if f.rule == "CHL1055"])
        found += outcome.found
        notes += outcome.notes
        integration = outcome.verdict
    options, configured = _submission_options(sub.tool, lint, cat)
    by_path: dict[str, list] = {}  # type: ignore[type-arg]
    for item in found:
        shown = item.path or display_path(sub.tool)
        by_path.setdefault(shown, []).append((item.rule, item.hit))
    known = {r.path: n for n, r in enumerate(results)}
    for shown, hits in by_path.items():
        if shown in known:
            results[known[shown]] = with_hits(results[known[shown]], hits, (), options, cat)
        else:
            base = Result(shown, None, (), ())  # not a Dockerfile: no platform line
            results.append(with_hits(base, hits, (), options, cat))
            sources.setdefault(shown, _lines(Path(shown)))
    limit = threshold(lint.threshold, configured)
    worst = EXIT_FINDINGS if any(f.severity >= limit for r in results for f in r.findings) else EXIT_OK
    status = EXIT_ERROR if collected is not None and collected.exit_code == EXIT_ERROR else worst
    tasks = []
    for task in sub.tasks:
        fem = femtask_of(task.name, sub)
        tasks.append((task.name, display_path(task.dockerfile) if task.dockerfile else None,
                      docker_pull(fem) if fem is not None else None))
    return Checked(display_path(sub.tool), results, sources, tasks, integration, tuple(notes), status)


def _submission_options(tool: Path, lint: Settings, cat) -> "tuple[Options, int | None]":  # type: ignore[no-untyped-def]
    """--select/--ignore, and the tool's configuration (its ignore list and severities, its failure
    threshold), as for its Dockerfiles."""
    from chaimeleon_lint import config
    from chaimeleon_lint.linter import Options

    found = config.find(tool)
    try:
        cfg = config.load(lint.config_path or found) if (lint.config_path or found) else config.Config()
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from None
    options = Options(select=frozenset(lint.select), ignore=frozenset(lint.ignore) | frozenset(cfg.ignore),
                      severity={cat.resolve(r): s for r, s in cfg.severity})
    return options, cfg.failure_threshold


def _write_cwl(sub, folder: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """Each FEMTask as `<id>.cwl` and, with test input, `<id>.job.json`: to run a task by hand."""
    import json

    from chaimeleon_lint.toolbox.translate import command_line_tool, job_of

    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for fem in sub.classes("FEMTask"):
            name = str(fem.data.get("id") or fem.path.stem)
            (folder / f"{name}.cwl").write_text(json.dumps(command_line_tool(fem.data), indent=1) + "\n", encoding="utf-8")
            written.append(f"{name}.cwl")
            if sub.input_dir is not None:
                job = job_of(fem.data, sub.input_dir, {})
                (folder / f"{name}.job.json").write_text(json.dumps(job, indent=1) + "\n", encoding="utf-8")
                written.append(f"{name}.job.json")
    except OSError as exc:
        raise UsageError(f"--cwl-out {folder}: cannot write: {exc.strerror or exc}") from None
    return [f"wrote {', '.join(written)} to {folder}" if written else f"no FEMTask to write to {folder}"]


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines() if path.is_file() else []
    except OSError:
        return []


def render(done: Checked, fmt: str, quiet: bool = False) -> str:
    if fmt == "markdown":
        from chaimeleon_lint.toolbox.comment import comment

        return comment(done)
    if fmt == "json":
        from chaimeleon_lint.report import json as json_report

        record = {"verdict": done.verdict, "tool": done.tool, "integration": done.integration,
                  "tasks": [{"name": n, "dockerfile": d, "image": i} for n, d, i in done.tasks],
                  "notes": list(done.notes)}
        return json_report.render(done.results, {"toolbox": record})
    if fmt == "text":
        from chaimeleon_lint.report import text

        report = text.render_plain(done.results, lambda path: done.sources.get(path, []), quiet)
        if quiet:
            return report
        said = [f"{done.tool}: note: {note}" for note in done.notes[1:]]
        said.append(f"{done.tool}: verdict {done.verdict}; integration test {done.integration}")
        return report + "\n".join(said) + "\n"
    from chaimeleon_lint.runner import rendered

    return rendered(done.results, fmt, lambda path: done.sources.get(path, []))
