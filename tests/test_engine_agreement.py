"""The model agrees with the engine: build real images and compare, field by field, what the
model predicts (labels, user, workdir, entrypoint, cmd, env; owner, mode and existence of the
mount directories, the home, copied files and the entrypoint's file) with `image inspect` and
one probe container per image.

Inputs: the examples that build offline, every rule example that builds from the local base
image, and generated Dockerfiles (hypothesis strategies over global and stage ARGs with and
without defaults, `${V:-x}`/`${V:+x}`, ENV chains, escapes, `--build-arg` values, multi-stage
FROM of earlier stages, USER/WORKDIR/LABEL/COPY/SHELL combinations): a fixed seed in CI,
`CHL_AGREEMENT_CASES=N` for more. Each disagreement is fixed in the model or is a named entry
of EXCEPTIONS, which has a test of its own proving the engine still behaves so.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from collections.abc import Callable
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from agreement import AGREEMENT_LABEL, Disagreement, build, compare, observe, predict
from chaimeleon_lint import catalogue
from chaimeleon_lint.build.engine import Engine, detect

ROOT = Path(__file__).resolve().parent.parent
ENGINES = [e for e in (detect("docker"), detect("podman")) if e is not None]
needs_engine = pytest.mark.skipif(not ENGINES, reason="no container engine answers (run .ci/engine to start one)")
LOCAL_BASES = ("debian:bookworm", "ubuntu:22.04")  # what .ci/engine imports; nothing else can be pulled
CASES = int(os.environ.get("CHL_AGREEMENT_CASES", "48"))
BREAK_THE_BUILD = frozenset({"CHL801", "CHL901", "CHL902"})  # their bad examples fail to build, by design
UNBUILDABLE_EXAMPLES = {"desktop-app": "installs Ubuntu's firefox; the local ubuntu:22.04 is a Debian stand-in"}


class Case(NamedTuple):
    name: str
    dockerfile: str
    files: dict[str, str]
    build_args: dict[str, str]
    executable: tuple[str, ...] = ()


class Known(NamedTuple):
    """A known difference between the model (which follows BuildKit) and an engine here: it refuses
    to build (`refused`, its error), or builds something else (`differs`, the disagreement)."""

    name: str
    why: str
    engines: tuple[str, ...]
    proof: str  # a Dockerfile that shows it; the exception is needed while the engine still does so
    refused: re.Pattern[str] | None = None
    differs: Callable[[Disagreement], bool] | None = None


def _shell_ignored(d: Disagreement) -> bool:
    """The shell form of CMD/ENTRYPOINT wrapped in /bin/sh although SHELL named another shell."""
    return (d.field in ("cmd", "entrypoint") and isinstance(d.model, list) and isinstance(d.engine, list)
            and d.engine[:2] == ["/bin/sh", "-c"] and d.model[-1:] == d.engine[-1:])


def _workdir_made_later(d: Disagreement) -> bool:
    """A WORKDIR's directory not there at all (nothing wrote into it later), or owned by whoever a later
    COPY --chown says, not by the USER of the WORKDIR."""
    return d.made_by == "WORKDIR" and (d.field.startswith(("uid ", "gid ")) or (
        d.field.startswith("exists ") and d.model is True and d.engine is False))


EXCEPTIONS = (
    Known("substitution-without-colon",
          "`${V-x}` and `${V+x}` (no colon) are refused by docker 20.10's classic builder and buildah 1.28 "
          "(\"missing ':' in substitution\"); BuildKit accepts them, and the model follows BuildKit",
          ("docker", "podman"), 'FROM debian:bookworm\nARG V\nLABEL a="${V-x}" b="${V+y}"\n',
          refused=re.compile(r"(?i)missing ':' in substitution")),
    Known("copy-chmod-classic-builder",
          "`COPY --chmod` needs BuildKit; docker's classic builder refuses it, buildah and BuildKit do it",
          ("docker",), "FROM debian:bookworm\nCOPY --chmod=755 data.txt /opt/data.txt\n",
          refused=re.compile(r"(?i)chmod.*(requires|only supported|BuildKit)|unknown flag: chmod")),
    Known("buildah-ignores-shell-for-cmd",
          "buildah 1.28 wraps a shell-form CMD/ENTRYPOINT in /bin/sh -c even after SHELL [...]; docker and "
          "BuildKit use the SHELL, and so does the model",
          ("podman",), 'FROM debian:bookworm\nSHELL ["/bin/bash", "-c"]\nCMD echo x\n', differs=_shell_ignored),
    Known("buildah-makes-workdir-lazily",
          "buildah 1.28 does not create a WORKDIR's directory at once: a later `COPY --chown` into it creates it, "
          "and its parents, with the chown owner, and without one it is not made at all; docker and BuildKit "
          "create it at the WORKDIR, as the model does",
          ("podman",), "FROM debian:bookworm\nWORKDIR /work/x\nCOPY --chown=1000:1000 data.txt rel/\n",
          differs=_workdir_made_later),
)


def _refusal(engine: Engine, log: str) -> Known | None:
    return next((e for e in EXCEPTIONS if engine.name in e.engines and e.refused and e.refused.search(log)), None)


def _explained(engine: Engine, d: Disagreement) -> Known | None:
    return next((e for e in EXCEPTIONS if engine.name in e.engines and e.differs and e.differs(d)), None)


# -- generated Dockerfiles ----------------------------------------------------------------------
NAMES = ("A", "B", "C")
LITERALS = ("1.0", "x", "a-b", "/opt/app", "two words", "")
CONTEXT = {"app/run.sh": "#!/bin/sh\necho run\n", "app/conf/settings.ini": "[x]\n", "data.txt": "data\n"}
USER_RUN = "RUN groupadd -g 1000 chaimeleon && useradd -m -u 1000 -g 1000 chaimeleon"


def _ref(name: str, form: int) -> str:
    return ("$%s", "${%s}", "${%s:-d}", "${%s:+p}", "\\$%s", "${%s}-z")[form] % name


@st.composite
def _expr(draw, names: tuple[str, ...]) -> str:
    """A double-quoted value of literals and variable references."""
    parts = draw(st.lists(st.one_of(
        st.sampled_from([lit for lit in LITERALS if lit]),
        st.builds(_ref, st.sampled_from(names), st.integers(0, 5))), min_size=1, max_size=3))
    return '"' + "".join(parts) + '"'


@st.composite
def _stage(draw, index: int, has_user: bool, previous: tuple[str, ...]) -> tuple[list[str], bool]:
    names = NAMES + ("E1", "E2")
    lines: list[str] = []
    base = draw(st.sampled_from(("debian:bookworm", "debian:${TAG}") + previous))
    lines.append(f"FROM {base} AS s{index}")
    fresh = base not in previous
    if fresh and draw(st.booleans()):
        lines.append(USER_RUN)
        has_user = True
    elif not fresh and has_user is None:
        has_user = False
    if fresh and draw(st.booleans()):
        lines.append(f"RUN mkdir -p /opt/{draw(st.sampled_from(['$A', '${B:-b}', 'lit', '$E1']))}/m")
    for _ in range(draw(st.integers(1, 7))):
        kind = draw(st.sampled_from(("ARG", "ARG=", "ENV", "LABEL", "USER", "WORKDIR", "COPY", "ENTRYPOINT", "CMD",
                                     "SHELL")))
        name = draw(st.sampled_from(NAMES))
        if kind == "ARG":
            lines.append(f"ARG {name}")
        elif kind == "ARG=":
            lines.append(f"ARG {name}={draw(st.sampled_from(['v', '${A}v', 'w-1']))}")
        elif kind == "ENV":
            lines.append(f"ENV {draw(st.sampled_from(('E1', 'E2', name)))}={draw(_expr(names))}")
        elif kind == "LABEL":
            key = draw(st.sampled_from(("version", "name", "l1")))
            value = draw(st.one_of(_expr(names), st.just("'$A-single'"), st.just("plain\\ escaped")))
            lines.append(f"LABEL {key}={value}")
        elif kind == "USER":
            choices = ["1000", "1000:1000", "root", "0:0", "$A", "nobody"] + (["chaimeleon", "chaimeleon:chaimeleon"]
                                                                             if has_user else [])
            lines.append(f"USER {draw(st.sampled_from(choices))}")
        elif kind == "WORKDIR":
            lines.append(f"WORKDIR {draw(st.sampled_from(['/work/$A', '/work/x', 'sub', '/home/chaimeleon', '${C:-/srv/c}']))}")
        elif kind == "COPY":
            chown = draw(st.sampled_from(("", "--chown=1000:1000 ")))
            source, dest = draw(st.sampled_from((("app", "/opt/"), ("app/", "/opt/x"), ("data.txt", "/srv/d/"),
                                                 ("app", "/"), ("data.txt", "rel/"), ("app", "/home/chaimeleon/"),
                                                 ("data.txt", "/opt/$A"))))
            lines.append(f"COPY {chown}{source} {dest}")
        elif kind == "ENTRYPOINT":
            lines.append(draw(st.sampled_from(('ENTRYPOINT ["/opt/run.sh"]', "ENTRYPOINT echo $E1 ${A}",
                                               'ENTRYPOINT ["/bin/sh", "-c", "echo $A"]'))))
        elif kind == "CMD":
            lines.append(draw(st.sampled_from(('CMD ["-i", "$A"]', "CMD echo ${B:-none}", "CMD run \\\n  --flag"))))
        else:
            lines.append('SHELL ["/bin/bash", "-c"]')
    return lines, has_user


@st.composite
def generated(draw) -> Case:
    lines = []
    for name in draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3)):
        default = draw(st.sampled_from((None, "g", "${A}-g", "1.0")))
        lines.append(f"ARG {name}" if default is None else f"ARG {name}={default}")
    lines.append("ARG TAG=bookworm")
    has_user = False
    previous: tuple[str, ...] = ()
    for index in range(draw(st.integers(1, 2))):
        stage, has_user = draw(_stage(index, has_user, previous))
        lines += stage
        previous += (f"s{index}",)
    args = {n: draw(st.sampled_from(("ba", "b-1", ""))) for n in draw(st.lists(st.sampled_from(NAMES), unique=True,
                                                                                max_size=2))}
    return Case("generated", "\n".join(lines) + "\n", CONTEXT, args, ("app/run.sh",))


# -- inputs from the project ----------------------------------------------------------------------
def _buildable(dockerfile: str) -> bool:
    """Builds from the local base image alone: every FROM is a local base or an earlier stage, and no
    RUN needs the network (package installs) or sudo."""
    stages: list[str] = []
    for line in dockerfile.splitlines():
        words = line.split()
        if words[:1] == ["FROM"]:
            image = next(w for w in words[1:] if not w.startswith("--"))
            if image not in LOCAL_BASES and image not in stages:
                return False
            if "AS" in words or "as" in words:
                stages.append(words[-1])
    network = re.compile(r"apt-get|apt |pip|conda|mamba|poetry|curl|wget|git |npm|sudo|apk |yum|dnf|--mount|<<")
    return not network.search(dockerfile)


def project_cases() -> list[Case]:
    cases = []
    for directory in sorted((ROOT / "examples").iterdir()):
        dockerfile = directory / "Dockerfile"
        if dockerfile.is_file():
            files = {str(p.relative_to(directory)): p.read_text() for p in directory.rglob("*")
                     if p.is_file() and p.name != "Dockerfile"}
            executable = tuple(str(p.relative_to(directory)) for p in directory.rglob("*")
                               if p.is_file() and os.access(p, os.X_OK))
            cases.append(Case(f"example-{directory.name}", dockerfile.read_text(), files, {}, executable))
    for spec in catalogue.load().rules.values():
        for n, example in enumerate(spec.examples):
            breaks_the_build = (spec.id in BREAK_THE_BUILD and example.verdict == "bad") or _account_refused(example.dockerfile)
            if _buildable(example.dockerfile) and not breaks_the_build:
                cases.append(Case(f"{spec.id}-{example.verdict}{n}", example.dockerfile.lstrip("\n"),
                                  dict(example.files), {}))
    return cases


def _account_refused(dockerfile: str) -> bool:
    """The model says a useradd/groupadd stops the build (CHL201's group-missing and id-taken):
    tests/test_engine_facts.py proves those on the engine."""
    from chaimeleon_lint.model.simulate import simulate
    from chaimeleon_lint.source.dockerfile import parse

    return any(stage.account_errors for stage in simulate(parse(dockerfile.lstrip("\n")), None).stages)


def _network_free_examples(cases: list[Case]) -> list[Case]:
    """The examples whose builds reach only Debian and PyPI from a local base; the others need a
    registry (or a real Ubuntu, UNBUILDABLE_EXAMPLES)."""
    return [c for c in cases if not c.name.startswith("example-") or (
        _bases_local(c.dockerfile) and c.name[len("example-"):] not in UNBUILDABLE_EXAMPLES)]


def _bases_local(dockerfile: str) -> bool:
    return all(line.split()[1] in LOCAL_BASES for line in dockerfile.splitlines() if line.startswith("FROM "))


# -- the comparison -----------------------------------------------------------------------------
class Outcome(NamedTuple):
    case: Case
    disagreements: list[Disagreement]
    compared: int
    open_: int
    refused: str | None  # the engine's log when it did not build


def agree(engine: Engine, case: Case, tmp: Path, tag: str) -> Outcome:
    context = tmp / f"{case.name}-{engine.name}"
    context.mkdir(parents=True)
    for name, content in case.files.items():
        target = context / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        target.chmod(0o755 if name in case.executable else 0o644)
    (context / "Dockerfile").write_text(case.dockerfile)
    model, _ = predict(case.dockerfile, context, case.build_args)
    log = build(engine, tag, context, case.build_args)
    if log is not None:
        return Outcome(case, [], 0, 0, log)
    config, probes = observe(engine, tag, sorted(model.paths))
    found, compared, open_ = compare(case.name, model, config, probes)
    return Outcome(case, found, compared, open_, None)


def _run(engine: Engine, cases: list[Case], tmp: Path) -> list[Outcome]:
    """Build in parallel; the images go only when every build is done, since a removed image can be
    the cache parent another build is using."""
    tags = [f"chaimeleon-lint-agreement/{uuid.uuid4().hex[:12]}:test" for _ in cases]
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            return list(pool.map(lambda ct: agree(engine, ct[0], tmp, ct[1]), zip(cases, tags)))
    finally:  # buildah's intermediate images carry the label too: they go with the tagged ones
        subprocess.run(engine.command("rmi", "-f", *tags), capture_output=True)
        subprocess.run(engine.command("image", "prune", "-f", "--filter", f"label={AGREEMENT_LABEL}=1"),
                       capture_output=True)


TALLY: dict[str, list[Outcome]] = {}  # what the generated runs compared, summed up at the end


def _report(engine: Engine, outcomes: list[Outcome]) -> None:
    """Fail on any disagreement and on any build refused for a reason no exception names."""
    problems = [str(d) for o in outcomes for d in o.disagreements if _explained(engine, d) is None]
    for outcome in outcomes:
        if outcome.refused is not None and _refusal(engine, outcome.refused) is None:
            problems.append(f"{outcome.case.name}: the engine refused to build it:\n{outcome.refused[-600:]}\n"
                            f"{outcome.case.dockerfile}")
    compared = sum(o.compared for o in outcomes)
    if len(outcomes) > 1:
        print(f"{engine.name}: {len(outcomes)} Dockerfiles, {compared} facts compared, "
              f"{sum(o.open_ for o in outcomes)} left open by the model, "
              f"{sum(o.refused is not None for o in outcomes)} refused (named exceptions), {len(problems)} problems")
    assert not problems, "\n".join(problems[:80]) + "\n" + next(
        (o.case.dockerfile + f"build args {o.case.build_args}" for o in outcomes if o.disagreements), "")



@needs_engine
@pytest.mark.parametrize("engine", ENGINES, ids=[e.name for e in ENGINES])
def test_project_dockerfiles_agree_with_the_engine(engine: Engine, tmp_path: Path) -> None:
    cases = _network_free_examples(project_cases())
    assert len(cases) > 20
    _report(engine, _run(engine, cases, tmp_path))


@needs_engine
@pytest.mark.parametrize("engine", ENGINES, ids=[e.name for e in ENGINES])
@settings(max_examples=CASES, derandomize=True, database=None, phases=[Phase.generate], deadline=None,
          suppress_health_check=list(HealthCheck))
@given(case=generated())
def test_generated_dockerfiles_agree_with_the_engine(engine: Engine, case: Case, tmp_path_factory) -> None:
    """One Dockerfile per example (hypothesis's first examples are its simplest); not shrunk, since
    every try is a build: the failing Dockerfile is printed whole."""
    outcomes = _run(engine, [case], tmp_path_factory.mktemp(engine.name))
    TALLY.setdefault(engine.name, []).extend(outcomes)
    _report(engine, outcomes)


@needs_engine
@pytest.mark.parametrize("engine", ENGINES, ids=[e.name for e in ENGINES])
@pytest.mark.parametrize("exception", EXCEPTIONS, ids=[e.name for e in EXCEPTIONS])
def test_each_exception_is_still_needed(engine: Engine, exception: Known, tmp_path: Path) -> None:
    """An exception whose engine now does what the model says is no longer needed: remove it."""
    case = Case(exception.name, exception.proof, {"data.txt": "x\n"}, {})
    outcome = _run(engine, [case], tmp_path)[0]
    if engine.name not in exception.engines:
        assert outcome.refused is None and not outcome.disagreements, outcome
    elif exception.refused is not None:
        assert outcome.refused is not None and exception.refused.search(outcome.refused), outcome
    else:
        assert outcome.disagreements and all(_explained(engine, d) is exception for d in outcome.disagreements), outcome


def test_no_agreement_image_is_left_behind() -> None:
    for engine in ENGINES:
        left = subprocess.run(engine.command("images", "-q", "--filter", f"label={AGREEMENT_LABEL}=1"),
                              capture_output=True, text=True).stdout.split()
        assert left == [], f"{engine.name} keeps {len(left)} agreement images"


def test_generated_runs_compared_facts() -> None:
    """The generated Dockerfiles really were compared (the tally of the runs above), and the model
    predicted most of what it was asked."""
    for engine in ENGINES:
        outcomes = TALLY.get(engine.name, [])
        if not outcomes:
            pytest.skip("the generated runs did not run in this session (deselected)")
        compared, open_ = sum(o.compared for o in outcomes), sum(o.open_ for o in outcomes)
        print(f"{engine.name}: generated {len(outcomes)} Dockerfiles, {compared} facts compared, {open_} left open")
        assert len({o.case.dockerfile for o in outcomes}) > len(outcomes) // 2
        assert compared > 5 * len(outcomes) and compared > open_
