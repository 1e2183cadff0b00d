"""`chaimeleon-lint image REF...`: audit images that exist in the engine.

Several catalogue applications keep their Dockerfile private: the reviewer has an image, not a
Dockerfile. Each image gets the tests of the build phase (CHL802–CHL809: probe, sudo, size and
caches, the smoke run or the interactive services) and the static rules that its history and
configuration can answer, run on a Dockerfile rebuilt from them (`build.recorded`): labels,
user, working directory, entrypoint form, and the RUN lines for the CHL2xx and CHL5xx rules.
Rules that need the build context or the repository (the licence, COPY sources, start-up
scripts, mount directories the history cannot show) are left to the probe or not run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.runner import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Settings, UsageError, fail, report, threshold

if TYPE_CHECKING:
    from chaimeleon_lint.build.engine import Engine
    from chaimeleon_lint.linter import Result

IMAGE_RULES = frozenset({
    "CHL101", "CHL102", "CHL103", "CHL106",  # labels, from the configuration
    "CHL203", "CHL204", "CHL206", "CHL207",  # the user, and what the RUN lines did as whom
    "CHL304", "CHL401", "CHL501", "CHL502", "CHL503", "CHL504", "CHL505", "CHL601", "CHL602", "CHL604", "CHL605",
})
_LEFT_OUT = "CHL104 (licence), CHL201/CHL3xx (the probe checks the user and the mount directories for real), " \
            "CHL402/CHL403/CHL603 (start-up scripts) and CHL9xx need the Dockerfile and its context"


class AuditSettings(NamedTuple):
    references: tuple[str, ...]
    lint: Settings  # format, rules, threshold, platform, kind, outputs, and `build` for engine and smoke run


class _Missing(Exception):
    """The image is not in the engine and cannot be pulled."""


def audit(settings: AuditSettings) -> int:
    """Audit, report, and return the exit code (as a lint run's)."""
    from chaimeleon_lint.build.engine import detect
    from chaimeleon_lint.runner import profile

    lint = settings.lint
    assert lint.build is not None
    try:  # the arguments first: a Dockerfile given here is the user's mistake whether an engine runs or not
        for reference in settings.references:
            _not_a_file(reference)
        chosen = profile(lint.platform) if lint.platform else None
    except UsageError as exc:
        fail(str(exc))
        return EXIT_ERROR
    engine = detect(lint.build.engine)
    if engine is None:
        fail(f"no container engine answers ({lint.build.engine or 'docker, podman'}); start one, or set "
             "DOCKER_HOST / a docker context for a remote one")
        return EXIT_ERROR
    results: list[Result] = []
    sources: dict[str, list[str]] = {}
    status = EXIT_OK
    for reference in settings.references:
        try:
            result, text = _audit_one(engine, reference, lint, chosen)
        except _Missing as exc:
            fail(f"{reference}: {exc}")
            status = EXIT_ERROR
            continue
        results.append(result)
        sources[reference] = text.split("\n")
    if not results:
        return status
    try:
        report(results, sources, lint.fmt, lint.color, lint.quiet, lint.outputs)
    except OSError as exc:
        fail(f"cannot write report: {exc.strerror or exc}: {exc.filename}")
        return EXIT_ERROR
    failing = any(f.severity >= threshold(lint.threshold) for r in results for f in r.findings)
    return status if status == EXIT_ERROR else EXIT_FINDINGS if failing else EXIT_OK


def _inspected(engine: Engine, reference: str) -> tuple[dict, str]:  # type: ignore[type-arg]
    """The image's inspect record, pulling it first when the engine does not have it."""
    found = engine.run(["image", "inspect", reference], timeout=60)
    pulled = ""
    if found.returncode != 0:
        pull = engine.run(["pull", reference], timeout=1800)
        if pull.returncode != 0:
            said = (pull.stderr or pull.stdout).strip().splitlines()
            raise _Missing(f"no such image in {engine.name}, and it cannot be pulled: {said[-1] if said else 'no reason given'}")
        found = engine.run(["image", "inspect", reference], timeout=60)
        pulled = f"; pulled by {engine.name}, and left there"
    try:
        return json.loads(found.stdout)[0], pulled
    except (ValueError, IndexError):
        raise _Missing(f"{engine.name} describes it in a form not understood") from None


def _audit_one(engine: Engine, reference: str, lint: Settings, chosen) -> tuple[Result, str]:  # type: ignore[no-untyped-def]
    from chaimeleon_lint import catalogue
    from chaimeleon_lint.build.phase import BuildOptions, audit_image
    from chaimeleon_lint.build.recorded import dockerfile
    from chaimeleon_lint.builds import progress
    from chaimeleon_lint.checks import collect
    from chaimeleon_lint.linter import Options, lint_source, with_hits
    from chaimeleon_lint.source.dockerfile import parse
    from chaimeleon_lint.source.text import Source

    record, pulled = _inspected(engine, reference)
    listed = engine.run(["history", "--no-trunc", "--format", "{{json .CreatedBy}}", reference], timeout=120)
    history = [json.loads(line) for line in reversed(listed.stdout.splitlines()) if line.strip()]
    text = dockerfile(reference, history, record.get("Config") or {})
    build = lint.build
    assert build is not None
    if build.verbose:
        print(f"{reference}: the Dockerfile rebuilt from its history and configuration:\n{text}", file=sys.stderr)
    cat = catalogue.load()
    wanted = {cat.resolve(name) for name in lint.select} if lint.select else None
    phase_rules = {spec.id for spec in cat.rules.values() if spec.phase == "build"} - {"CHL801"}
    select = frozenset(r for r in IMAGE_RULES | phase_rules if wanted is None or r in wanted)
    options = Options(select=select, ignore=frozenset(lint.ignore), kind=lint.kind, platform=chosen)
    result = lint_source(Source(reference, text), None, options, cat, collect())
    image_id = str(record.get("Id", "")).removeprefix("sha256:")[:12]
    notes = [f"audited the image {image_id or reference}{pulled}: lines are those of a Dockerfile rebuilt from its "
             "history and configuration (-v prints it)", f"not run on an image: {_LEFT_OUT}"]
    build_options = BuildOptions(
        engine=build.engine, smoke_args=build.smoke_args, smoke_timeout=build.smoke_timeout,
        smoke_env=build.smoke_env, size=build.size, platform_equal=build.platform_equal,
        service_timeout=min(build.smoke_timeout, 120), verbose=build.verbose, platform=result.platform)
    with progress(build.verbose, reference) as said:
        outcome = audit_image(engine, reference, parse(text), result.kind, build_options, said)
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in outcome.timings.items())
    notes += [*outcome.notes, f"tests with {engine.name}: {timings}; {outcome.containers} container(s) started"]
    return with_hits(result, outcome.hits, notes, options, cat, built=True), text


def _not_a_file(reference: str) -> None:
    """A Dockerfile given where an image reference belongs is a mistake worth a word."""
    if Path(reference).is_file():
        raise UsageError(f"{reference} is a file: `chaimeleon-lint image` takes image references "
                         f"(lint a Dockerfile with `chaimeleon-lint {reference}`)")
