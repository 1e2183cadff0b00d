"""How the platform runs an image, as one description: the local smoke run's flags and the
Kubernetes manifests are both made from it, so they cannot drift apart.

A batch job is what jobman writes (`args` = everything after the first `--`, env from `-e`,
a named size) after the admission webhook rewrites it: uid and gid from the profile, an fsGroup
and a per-user supplementary group, each dataset read-only at `<home>/datasets/<id>`, the
datalake read-only whenever a dataset is requested, the persistent folders read-write, the
size's resources. No hardening fields: the platform sets none. Its network blocks the Internet.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Sequence

from chaimeleon_lint.profile import DEFAULT, Profile, load
from chaimeleon_lint.records import NamedTuple

_NAME = re.compile(r"[^a-z0-9-]+")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DATASET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # one folder under <home>/datasets


class RunSpecError(Exception):
    """A request the platform could not run: an unknown size, a malformed variable."""


class Size(NamedTuple):
    name: str
    requests: tuple[tuple[str, str], ...]  # cpu, memory
    limits: tuple[tuple[str, str], ...]
    gpu: int = 0

    def limit(self, key: str) -> str:
        return dict(self.limits)[key]


class Volume(NamedTuple):
    """One mount the webhook adds: `name` is also the volume's name in the pod."""

    name: str
    path: str  # in the container
    read_only: bool
    what: str  # dataset, datalake, persistent-home, persistent-shared-folder
    dataset: str | None = None  # the dataset's id

    def host(self, root: str) -> str:
        """Its host folder under `root`, where the manifests' hostPath and the local run put it:
        datasets/<id>, datalake, persistent-home, persistent-shared-folder."""
        return posixpath.join(root, "datasets", self.dataset) if self.dataset else posixpath.join(root, self.what)


class Service(NamedTuple):
    """A port an interactive application listens on."""

    port: int
    name: str  # the port's name in the chart's Service
    label: str  # how findings name it
    capability: str  # what the model says an image providing it has


SERVICES = (Service(5900, "vnc-gui", "VNC", "vnc"), Service(2222, "sshd", "SSH", "ssh"))


class Settings(NamedTuple):
    """A profile's [run] table."""

    registry: str
    batch_project: str
    apps_project: str
    datalake: str
    user_group: int
    annotations: str
    priority_class: str
    node_selector: str
    default_size: str
    sizes: tuple[Size, ...]

    def size(self, name: str | None) -> Size:
        wanted = name or self.default_size
        for size in self.sizes:
            if size.name == wanted:
                return size
        raise RunSpecError(f"unknown size {wanted!r}: use one of {', '.join(s.name for s in self.sizes)}")


def settings(profile: Profile) -> Settings:
    """The profile's run settings; a user's profile without them runs as the default profile."""
    data = json.loads(profile.run or load(DEFAULT).run)
    sizes = tuple(Size(name, tuple(sorted(s["requests"].items())), tuple(sorted(s["limits"].items())), s.get("gpu", 0))
                  for name, s in data["sizes"].items())
    return Settings(data["registry"], data["batch-project"], data["apps-project"], data["datalake"],
                    data["user-group"], data["annotations"], data["priority-class"], data["node-selector"],
                    data["default-size"], sizes)


class RunSpec(NamedTuple):
    """One run of one image on the platform."""

    profile: Profile
    image: str
    kind: str  # batch or interactive
    args: tuple[str, ...]  # the container's args: jobman's words after the first `--`
    env: tuple[tuple[str, str], ...]
    datasets: tuple[str, ...]
    size: Size
    uid: int
    gid: int
    fs_group: int
    groups: tuple[int, ...]  # supplementary
    volumes: tuple[Volume, ...]
    annotations: tuple[tuple[str, str], ...]
    node_selector: tuple[tuple[str, str], ...]
    priority_class: str
    ports: tuple[tuple[int, str], ...] = ()  # interactive: (port, service name)

    @property
    def app(self) -> str:
        """A Kubernetes name for the application: the image's last path part, without its tag."""
        last = self.image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0].lower()
        return _NAME.sub("-", last).strip("-")[:50] or "app"

    def volume(self, what: str) -> Volume:
        return next(v for v in self.volumes if v.what == what)

    def summary(self) -> str:
        """The settings in one sentence, for findings, notes and the review comment."""
        groups = "".join(f" + group {g}" for g in self.groups)
        parts = [f"uid {self.uid}, gid {self.gid}{groups}"]
        for v in self.volumes:
            parts.append(f"{v.path} {'read-only' if v.read_only else 'writable'}")
        if self.args:
            parts.append(f"args {json.dumps(list(self.args))}")
        if self.env:
            parts.append("env " + " ".join(f"{k}={v}" for k, v in self.env))
        parts.append(f"size {self.size.name}")
        return ", ".join(parts)


def image_reference(profile: Profile, kind: str, name: str, version: str) -> str:
    """Where the platform pulls an application's image from: its registry and project."""
    run = settings(profile)
    project = run.batch_project if kind == "batch" else run.apps_project
    return f"{run.registry}/{project}/{name}:{version or 'latest'}"


def environment(pairs: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """`NAME=VALUE` words (jobman v2's `-e`) as pairs; anything else is an error naming it."""
    found = []
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not _ENV_NAME.match(name):
            raise RunSpecError(f"{pair!r}: an environment variable is NAME=VALUE")
        found.append((name, value))
    return tuple(found)


def _job_platform(profile: Profile) -> None:
    """A profile whose platform mounts nothing under a home (the EUCAIM toolbox) runs no platform Job."""
    if len(profile.mount_dirs) < 2:
        raise RunSpecError(f"the {profile.title} profile has no platform Job to run (no mount directories): "
                           "a toolbox tool runs through FEM; check it with `chaimeleon-lint toolbox DIR --build`")


def describe(profile: Profile, image: str, kind: str = "batch", args: Sequence[str] = (),
             env: Sequence[tuple[str, str]] = (), datasets: Sequence[str] = (), size: str | None = None,
             ports: Sequence[tuple[int, str]] = ()) -> RunSpec:
    """The run the platform makes of `image` for this request."""
    _job_platform(profile)
    run = settings(profile)
    for dataset in datasets:
        if not _DATASET.match(dataset):
            raise RunSpecError(f"{dataset!r}: a dataset id is one folder name (letters, digits, `.`, `_`, `-`)")
    chosen = run.size(size)
    datasets_dir, persistent_home, *more = profile.mount_dirs  # the guide's order
    shared = more[0] if more else None
    volumes = []
    if datasets:
        volumes.append(Volume("datalake", run.datalake, True, "datalake"))
    for n, dataset in enumerate(datasets):
        volumes.append(Volume(f"dataset-{n + 1}", f"{datasets_dir}/{dataset}", True, "dataset", dataset))
    volumes.append(Volume("home", persistent_home, False, "persistent-home"))
    if shared:
        volumes.append(Volume("shared-folder", shared, False, "persistent-shared-folder"))
    prefix = run.annotations
    annotations = [(f"{prefix}/jobResourcesFlavor", chosen.name)]
    if datasets:
        annotations += [(f"{prefix}/datasetsIDs", ",".join(datasets)), (f"{prefix}/datasetsMountPoint", datasets_dir)]
    annotations += [(f"{prefix}/persistentHomeMountPoint", persistent_home)]
    if shared:
        annotations.append((f"{prefix}/persistentSharedFolderMountPoint", shared))
    return RunSpec(profile, image, kind, tuple(args), tuple(env), tuple(datasets), chosen, profile.uid,
                   profile.gid, profile.gid, (run.user_group,), tuple(volumes), tuple(annotations),
                   ((run.node_selector, chosen.name),), run.priority_class, tuple(ports))


def expand(words: Sequence[str], profile: Profile, dataset: str | None) -> tuple[str, ...]:
    """`{dataset}` is the first dataset's folder, `{output}` the folder `output` of the persistent
    home: the smoke run's and the manifest's placeholders for what a user types after `--`."""
    _job_platform(profile)
    if dataset is None and any("{dataset}" in w for w in words):
        raise RunSpecError("the arguments name {dataset}: give the dataset's id (--dataset ID)")
    folder = f"{profile.datasets_dir}/{dataset}"
    output = f"{profile.mount_dirs[1]}/output"
    return tuple(w.replace("{dataset}", folder).replace("{output}", output) for w in words)


def guide_env_form(words: Sequence[str]) -> str | None:
    """What the guide's `jobman submit -- -- NAME=VALUE` really does, when the words use it."""
    if words[:1] != ["--"] or not any("=" in w for w in words[1:]):
        return None
    return ("the arguments begin with `--`, the guide's `jobman submit -- -- NAME=VALUE` form: no jobman client "
            "sets environment variables this way, the container receives `--` and each NAME=VALUE as arguments "
            "(as this run did); jobman v2 sets variables with `-e NAME=VALUE`")
