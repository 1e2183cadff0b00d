"""The engine's own rules for users and `.dockerignore`, proven on real builds.

Each case says what the model predicts (the build fails at a line, or an account's ids, or which
copied files exist) and the test builds it on every engine that answers and compares. An
`ubuntu:24.04` that ships `ubuntu` 1000:1000 is made locally from the test base image, since no
registry is reachable here.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import NamedTuple

import pytest

from agreement import AGREEMENT_LABEL, build, compare, observe, predict
from chaimeleon_lint import catalogue
from chaimeleon_lint.build.engine import Engine, detect
from chaimeleon_lint.checks import collect
from chaimeleon_lint.linter import Options, lint_source
from chaimeleon_lint.source.text import decode

ENGINES = [e for e in (detect("docker"), detect("podman")) if e is not None]
needs_engine = pytest.mark.skipif(not ENGINES, reason="no container engine answers (run .ci/engine to start one)")
UBUNTU_24 = "FROM debian:bookworm\nRUN groupadd -g 1000 ubuntu && useradd -m -s /bin/bash -u 1000 -g 1000 ubuntu\n"
ALLOW = "FROM debian:bookworm\nCOPY . /app\n"


class Fact(NamedTuple):
    name: str
    dockerfile: str
    files: dict[str, str]
    fails_at: int | None  # the line the model says the build stops at (CHL201's variants, CHL902)
    ids: tuple[str, int, int] | None = None  # (user, uid, gid) the model says the image has
    present: tuple[str, ...] = ()  # paths the model says the image has
    absent: tuple[str, ...] = ()  # and has not


FACTS = [
    Fact("dockerignore-allow-list", ALLOW, {".dockerignore": "*\n!main.py\n!run.sh\n", "main.py": "print()\n",
                                            "run.sh": "#!/bin/sh\n", "notes.txt": "x\n"}, None,
         present=("/app/main.py", "/app/run.sh"), absent=("/app/notes.txt",)),
    Fact("dockerignore-exception-inside-an-excluded-folder", "FROM debian:bookworm\nCOPY src /app\n",
         {".dockerignore": "src\n!src/keep.py\n", "src/keep.py": "x\n", "src/drop.py": "x\n"}, None,
         present=("/app/keep.py",), absent=("/app/drop.py",)),
    Fact("dockerignore-double-star-and-leading-slash", ALLOW,
         {".dockerignore": "**/*.log\n/secret\n", "a/b/c.log": "x\n", "a/b/keep.txt": "x\n", "secret": "x\n"}, None,
         present=("/app/a/b/keep.txt",), absent=("/app/a/b/c.log", "/app/secret")),
    Fact("dockerignore-excluded-source", "FROM debian:bookworm\nCOPY a.env /app/\n",
         {".dockerignore": "*.env\n", "a.env": "x\n"}, 2),
    Fact("useradd-U-after-the-uid", "FROM debian:bookworm\nRUN useradd -m -u 1000 -U chaimeleon\n", {}, None,
         ids=("chaimeleon", 1000, 1000)),
    Fact("useradd-mU-combined", "FROM debian:bookworm\nRUN useradd -mU -u 1000 chaimeleon\n", {}, None,
         ids=("chaimeleon", 1000, 1000)),
    Fact("useradd-group-missing", "FROM debian:bookworm\nRUN useradd -u 1000 -g 1000 chaimeleon\n", {}, 2),
    Fact("groupadd-id-taken", "FROM ubuntu:24.04\nRUN groupadd -g 1000 chaimeleon\n", {}, 2),
    Fact("useradd-id-taken", "FROM ubuntu:24.04\nRUN useradd -m -u 1000 -U chaimeleon\n", {}, 2),
    Fact("id-freed-with-userdel", "FROM ubuntu:24.04\nRUN userdel -r ubuntu && groupadd -g 1000 chaimeleon "
         "&& useradd -m -u 1000 -g 1000 chaimeleon\n", {}, None, ids=("chaimeleon", 1000, 1000)),
    Fact("id-renamed", "FROM ubuntu:24.04\nRUN usermod -l chaimeleon -d /home/chaimeleon -m ubuntu "
         "&& groupmod -n chaimeleon ubuntu\n", {}, None, ids=("chaimeleon", 1000, 1000)),
]


def _write(context: Path, fact: Fact) -> None:
    context.mkdir(parents=True)
    for name, content in fact.files.items():
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        (context / name).write_text(content)
    (context / "Dockerfile").write_text(fact.dockerfile)


def _model_stop(context: Path) -> int | None:
    """The first line at which the model says the build fails."""
    path = context / "Dockerfile"
    result = lint_source(decode(path.read_bytes(), "Dockerfile"), context, Options(), catalogue.load(), collect(),
                         path)
    failing = [f.line for f in result.findings if f.rule == "CHL902" or (
        f.rule == "CHL201" and ("does not exist" in f.message or "not unique" in f.message))]
    return min(failing, default=None)  # type: ignore[type-var]


@pytest.mark.parametrize("fact", FACTS, ids=[f.name for f in FACTS])
def test_the_model_predicts_each_fact(fact: Fact, tmp_path: Path) -> None:
    """Without an engine too: what the model says, so the engine test below compares that."""
    context = tmp_path / "ctx"
    _write(context, fact)
    assert _model_stop(context) == fact.fails_at
    model, image = predict(fact.dockerfile, context, {})
    for path in fact.present:
        assert model.paths.get(path) is not None or image.final.node(path) is not None, path
    for path in fact.absent:
        assert image.final.node(path) is None, path
    if fact.ids is not None:
        account = image.final.account(fact.ids[0])
        assert account is not None and (account.name, account.uid, account.gid) == fact.ids


@pytest.fixture(scope="module")
def local_ubuntu_24(tmp_path_factory):  # type: ignore[no-untyped-def]
    """`ubuntu:24.04` as the real one ships its accounts, on every engine; removed afterwards."""
    made = []
    for engine in ENGINES:
        context = tmp_path_factory.mktemp(f"ubuntu24-{engine.name}")
        (context / "Dockerfile").write_text(UBUNTU_24)
        tag = "ubuntu:24.04" if engine.name == "docker" else "docker.io/library/ubuntu:24.04"
        exists = subprocess.run(engine.command("image", "inspect", tag), capture_output=True).returncode == 0
        if not exists:
            log = build(engine, tag, context, {})
            assert log is None, log
            made.append((engine, tag))
    yield
    for engine, tag in made:
        subprocess.run(engine.command("rmi", "-f", tag), capture_output=True)


@needs_engine
@pytest.mark.parametrize("engine", ENGINES, ids=[e.name for e in ENGINES])
@pytest.mark.parametrize("fact", FACTS, ids=[f.name for f in FACTS])
def test_the_engine_agrees(engine: Engine, fact: Fact, tmp_path: Path, local_ubuntu_24) -> None:  # type: ignore[no-untyped-def]
    context = tmp_path / "ctx"
    _write(context, fact)
    tag = f"chaimeleon-lint-agreement/{uuid.uuid4().hex[:12]}:facts"
    try:
        log = build(engine, tag, context, {})
        if fact.fails_at is not None:
            assert log is not None, f"the model says the build fails at line {fact.fails_at}; {engine.name} built it"
            return
        assert log is None, log
        model, _ = predict(fact.dockerfile, context, {})
        wanted = sorted({*model.paths, *fact.present, *fact.absent})
        config, probes = observe(engine, tag, wanted)
        disagreements, _, _ = compare(fact.name, model, config, probes)
        assert not disagreements, "\n".join(map(str, disagreements))
        assert all(probes.get(p) is not None for p in fact.present), probes
        assert all(probes.get(p) is None for p in fact.absent), probes
        if fact.ids is not None:
            user = fact.ids[0]
            out = subprocess.run(engine.command("run", "--rm", "--network", "none", "--user", "0", "--entrypoint",
                                                "/bin/sh", tag, "-c", f"id -u {user}; id -g {user}"),
                                 capture_output=True, text=True, timeout=120).stdout.split()
            assert out == [str(fact.ids[1]), str(fact.ids[2])]
    finally:
        subprocess.run(engine.command("rmi", "-f", tag), capture_output=True)
        subprocess.run(engine.command("image", "prune", "-f", "--filter", f"label={AGREEMENT_LABEL}=1"),
                       capture_output=True)
