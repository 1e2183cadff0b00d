"""`chaimeleon-lint prune`: remove what earlier runs left in the engine when they were killed
with SIGKILL (or their machine went down), before their own clean-up could run.

Everything the build phase makes carries the session label and the owner label (host:pid of
the run). A container or `:build` image whose run is still going on this host is left alone;
kept images (`--keep-image`, tagged `:kept`) are never touched.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

from chaimeleon_lint.build.engine import LABEL, OWNER, Engine
from chaimeleon_lint.model.effects.common import numeric
from chaimeleon_lint.records import NamedTuple


class Leftover(NamedTuple):
    kind: str  # "container" or "image"
    ref: str  # what `rm`/`rmi` takes: the container's id, the image's tag
    shown: str  # container name or image tag
    owner: str  # host:pid, or "" when it has no owner label

    @property
    def live(self) -> bool:
        """Its run is still going on this host (a pid of a chaimeleon-lint process)."""
        host, _, pid = self.owner.rpartition(":")
        if host != socket.gethostname() or not numeric(pid):
            return False
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False
        return (b"chaimeleon-lint" in command or b"chaimeleon_lint" in command) and int(pid) != os.getpid()


def _labels(engine: Engine, kind: str, refs: list[str]) -> list[tuple[str, str]]:
    """(name, owner label) of each ref."""
    template = ("{{.Name}}" if kind == "container" else "{{.Id}}") + f'|{{{{index .Config.Labels "{OWNER}"}}}}'
    done = engine.run([kind, "inspect", "--format", template, *refs], timeout=120)
    rows = [line.partition("|") for line in done.stdout.splitlines() if "|" in line]
    return [(name.lstrip("/"), owner if owner != "<no value>" else "") for name, _, owner in rows]


def leftovers(engine: Engine) -> Iterator[Leftover]:
    ids = engine.run(["ps", "-aq", "--filter", f"label={LABEL}"], timeout=60).stdout.split()
    if ids:
        for ref, (name, owner) in zip(ids, _labels(engine, "container", ids)):
            yield Leftover("container", ref, name, owner)
    tags = engine.run(["images", "--filter", f"label={LABEL}", "--format", "{{.Repository}}:{{.Tag}}"],
                      timeout=60).stdout.split()
    tags = sorted({t.removeprefix("localhost/") for t in tags if t.endswith(":build")
                   and t.removeprefix("localhost/").startswith("chaimeleon-lint/")})
    if tags:
        for tag, (_, owner) in zip(tags, _labels(engine, "image", tags)):
            yield Leftover("image", tag, tag, owner)
    yield from _toolbox_images(engine)


def _toolbox_images(engine: Engine) -> Iterator[Leftover]:
    """`toolbox --build` tags each task image as its FEMTask's dockerPull (a registry's name, not
    ours): its images are told by their session label instead, and removed by id."""
    template = f'{{{{.Id}}}}|{{{{index .Config.Labels "{LABEL}"}}}}|{{{{index .Config.Labels "{OWNER}"}}}}|{{{{.RepoTags}}}}'
    ids = engine.run(["images", "-q", "--no-trunc", "--filter", f"label={LABEL}"], timeout=60).stdout.split()
    if not ids:
        return
    done = engine.run(["image", "inspect", "--format", template, *sorted(set(ids))], timeout=120)
    for line in done.stdout.splitlines():
        ident, session, owner, tags = (line.split("|") + ["", "", ""])[:4]
        if session.startswith("toolbox-"):
            shown = tags.strip("[]").split(" ")[0] or ident.removeprefix("sha256:")[:12]
            yield Leftover("image", ident, shown, owner if owner != "<no value>" else "")


def prune(engine: Engine, dry_run: bool) -> Iterator[tuple[Leftover, str]]:
    """Each leftover with what was done: removed, would be removed, or kept (its run is live)."""
    for item in leftovers(engine):
        if item.live:
            yield item, f"kept: its run ({item.owner}) is still going"
        elif dry_run:
            yield item, "would be removed"
        else:
            done = engine.run(["rm", "-f", item.ref] if item.kind == "container" else ["rmi", "-f", item.ref],
                              timeout=120)
            yield item, "removed" if done.returncode == 0 else f"not removed: {done.stderr.strip()[-200:]}"
