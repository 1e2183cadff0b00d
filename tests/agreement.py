"""What the model predicts an image to be, what the engine built, and where the two differ.

Used by test_engine_agreement.py. A prediction is only made where the model claims to know:
an unknown value (a name an unknown base image might set) or an unknown mode is no prediction,
and is counted as such, never as agreement.
"""

from __future__ import annotations

import json
import posixpath
import shlex
import subprocess
from pathlib import Path
from typing import NamedTuple

from chaimeleon_lint.build.engine import Engine
from chaimeleon_lint.model.context import Context
from chaimeleon_lint.model.effects.common import rebase
from chaimeleon_lint.model.image import Image, Launch, Stage, TreeCopy
from chaimeleon_lint.model.simulate import simulate
from chaimeleon_lint.source.dockerfile import parse

AGREEMENT_LABEL = "chaimeleon-lint.agreement"
PROBED_PREFIXES = ("/home", "/opt", "/srv", "/work", "/app")
ENGINE_LABELS = frozenset({"io.buildah.version"})  # labels an engine adds of its own


class Probe(NamedTuple):
    """A path as it is in the image: None when absent."""

    is_dir: bool
    uid: int
    gid: int
    mode: int


class Prediction(NamedTuple):
    labels: dict[str, str | None]  # None: the model does not know the value
    user: str | None
    workdir: str | None
    entrypoint: list[str] | None
    cmd: list[str] | None
    env: dict[str, str | None]
    paths: dict[str, tuple[bool, int | None, int | None, int | None] | None]  # None: predicted absent
    made_by: dict[str, str]  # path → the keyword of the instruction that made it


class Disagreement(NamedTuple):
    case: str
    field: str
    model: object
    engine: object
    made_by: str | None = None  # the instruction that made the path, for path facts

    def __str__(self) -> str:
        return f"{self.case}: {self.field}: model {self.model!r}, engine {self.engine!r}"


def _launch(launch: Launch | None) -> list[str] | None:
    if launch is None:
        return None
    return list(launch.argv)


def _paths(stage: Stage, context: Path, mount_dirs: tuple[str, ...]) -> list[str]:
    """The places worth probing: what the Dockerfile made, copied trees' files, the mount directories,
    the user's home, the working directory and the entrypoint's file."""
    found = {p for p in stage.nodes if p.startswith(PROBED_PREFIXES)}
    for event in stage.trees:
        if isinstance(event, TreeCopy):
            source = (context / event.src).resolve()
            for file in source.rglob("*"):
                found.add(rebase("/" + str(file.relative_to(source)), "/", event.dest))
    found.update(mount_dirs)
    home = stage.home()
    if home:
        found.add(home)
    if stage.workdir:
        found.add(stage.workdir)
    entry = stage.entrypoint.exec_form if stage.entrypoint is not None else None
    if entry and entry[0].startswith("/"):
        found.add(posixpath.normpath(entry[0]))
    return sorted(p for p in found if p.startswith(PROBED_PREFIXES) or p in mount_dirs)


def predict(dockerfile: str, context: Path, build_args: dict[str, str]) -> tuple[Prediction, Image]:
    dockerfile_ = parse(dockerfile)
    image = simulate(dockerfile_, Context.open(context), build_args=build_args)
    stage = image.final
    paths: dict[str, tuple[bool, int | None, int | None, int | None] | None] = {}
    keywords = {ins.line: ins.keyword for ins in dockerfile_.instructions}
    made_by: dict[str, str] = {}
    for path in _paths(stage, context, image.platform.mount_dirs):
        node = stage.node(path)
        paths[path] = None if node is None else (node.is_dir, node.uid, node.gid, node.mode)
        if node is not None and node.line is not None:
            made_by[path] = keywords.get(node.line, "")
    user = stage.user.spelled if stage.user.line is not None else ""  # the base image's: none here
    if stage.user.uid is None and "$" in user:
        user = None  # a variable the model does not know: USER keeps the raw text then
    return Prediction(
        labels={k: (v.value.text if v.value.known else None) for k, v in stage.labels.items()},
        user=user,
        workdir=(stage.workdir or None) if stage.workdir_line is not None else "/",
        entrypoint=_launch(stage.entrypoint),
        cmd=_launch(stage.cmd),
        env={k: (v.text if v.known else None) for k, v in stage.env.items()},
        paths=paths,
        made_by=made_by,
    ), image


def build(engine: Engine, tag: str, context: Path, build_args: dict[str, str], timeout: float = 600) -> str | None:
    """Build; None on success, else the tail of the engine's output."""
    args = ["build", "-q", "-t", tag, "--label", f"{AGREEMENT_LABEL}=1", "-f", str(context / "Dockerfile")]
    for key, value in build_args.items():
        args += ["--build-arg", f"{key}={value}"]
    proc = subprocess.run(engine.command(*args, str(context)), capture_output=True, text=True, timeout=timeout)
    return None if proc.returncode == 0 else (proc.stdout + proc.stderr)[-2000:]


def observe(engine: Engine, tag: str, paths: list[str]) -> tuple[dict, dict[str, Probe | None]]:
    """The image's config, and each path's type, owner and mode from one container run as root."""
    config = json.loads(subprocess.run(engine.command("image", "inspect", tag), capture_output=True, text=True,
                                       check=True).stdout)[0]["Config"]
    script = "; ".join(f"echo {shlex.quote('@@ ' + p)}; stat -c '%u %g %a %F' {shlex.quote(p)} 2>/dev/null || echo absent"
                       for p in paths) or "true"
    out = subprocess.run(engine.command("run", "--rm", "--network", "none", "--user", "0", "--entrypoint", "/bin/sh",
                                        tag, "-c", script), capture_output=True, text=True, timeout=120).stdout
    probes: dict[str, Probe | None] = {}
    lines = out.splitlines()
    for head, fact in zip(lines[::2], lines[1::2]):
        path = head[3:]
        if fact == "absent":
            probes[path] = None
        else:
            uid, gid, mode, kind = fact.split(" ", 3)
            probes[path] = Probe(kind == "directory", int(uid), int(gid), int(mode, 8))
    return config, probes


def compare(case: str, model: Prediction, config: dict, probes: dict[str, Probe | None]) -> tuple[
        list[Disagreement], int, int]:
    """Disagreements, and how many facts were compared and how many the model left open."""
    found: list[Disagreement] = []
    compared = open_ = 0

    def check(field: str, predicted: object, actual: object, path: str | None = None) -> None:
        nonlocal compared, open_
        if predicted is None and field.startswith(("label", "env", "user", "workdir")):
            open_ += 1
            return
        compared += 1
        if predicted != actual:
            found.append(Disagreement(case, field, predicted, actual, model.made_by.get(path or "")))

    labels = {k: v for k, v in (config.get("Labels") or {}).items() if k not in ENGINE_LABELS | {AGREEMENT_LABEL}}
    for key in sorted(set(labels) | set(model.labels)):
        check(f"label {key}", model.labels.get(key, "<absent>"), labels.get(key, "<absent>"))
    env = dict(item.partition("=")[::2] for item in config.get("Env") or [])
    for key, value in sorted(model.env.items()):
        check(f"env {key}", value, env.get(key, "<absent>"))
    check("user", model.user, config.get("User") or "")
    # the engine keeps the text as written (`/work/`), the model the directory it names
    check("workdir", model.workdir, posixpath.normpath(config.get("WorkingDir") or "/"))
    check("entrypoint", model.entrypoint, config.get("Entrypoint"))
    check("cmd", model.cmd, config.get("Cmd"))
    for path, predicted in sorted(model.paths.items()):
        actual = probes.get(path, "<not probed>")
        if predicted is None or actual is None or isinstance(actual, str):
            check(f"exists {path}", predicted is not None, actual is not None and not isinstance(actual, str), path)
            continue
        is_dir, uid, gid, mode = predicted
        check(f"type {path}", "dir" if is_dir else "file", "dir" if actual.is_dir else "file", path)
        for field, value, real in (("uid", uid, actual.uid), ("gid", gid, actual.gid), ("mode", mode, actual.mode)):
            if value is None:
                open_ += 1
            else:
                check(f"{field} {path}", value if field != "mode" else oct(value), real if field != "mode" else oct(real),
                      path)
    return found, compared, open_
