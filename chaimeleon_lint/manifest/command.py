"""`chaimeleon-lint manifest`: the YAML that would run an application on the platform.

The target is a Dockerfile (or a folder holding one), whose labels, kind and profile the linter's
model gives, or an image reference, taken as it is. Bad input is a `ManifestError` with one
sentence; nothing is written but the YAML on standard output.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from chaimeleon_lint.manifest.objects import VOLUMES, manifests
from chaimeleon_lint.profile import DEFAULT, Profile, ProfileError, load
from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.runspec import (SERVICES, RunSpec, RunSpecError, describe, environment, expand,
                                     image_reference)

PORTS = tuple(sorted((s.port, s.name) for s in SERVICES))  # what an interactive app's Service exposes
_TAG = re.compile(r"[\w][\w.-]{0,127}")  # the engines' rule for a tag
_REPOSITORY = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")  # one path component of an image name  # what an interactive app's Service exposes, where it listens


class ManifestError(Exception):
    """Input the manifest cannot be made from."""


class ManifestRequest(NamedTuple):
    target: str  # a Dockerfile, a folder holding one, or an image reference
    args: str | None = None  # what the user types after jobman's `--`
    datasets: tuple[str, ...] = ()
    size: str | None = None
    env: tuple[str, ...] = ()
    platform: str | None = None
    kind: str | None = None
    image: str | None = None  # the reference to run, instead of the one the labels give
    form: str = "admitted"
    volumes: str = VOLUMES


def spec_of(request: ManifestRequest) -> tuple[RunSpec, list[str]]:
    """The run the request describes, and what was assumed on the way (for standard error)."""
    try:
        chosen = load(request.platform) if request.platform else None
    except ProfileError as exc:
        raise ManifestError(str(exc)) from None
    path = Path(request.target)
    if path.is_dir():
        path = path / "Dockerfile"
        if not path.is_file():
            raise ManifestError(f"{request.target}: no Dockerfile in this folder")
    notes: list[str] = []
    if path.is_file():
        profile, kind, image, ports = _from_dockerfile(path, chosen, request, notes)
    elif request.target.startswith(("/", "./", "../", "~")) or path.name.startswith(("Dockerfile", "Containerfile")):
        raise ManifestError(f"{request.target}: no such file or folder")
    else:
        profile, kind, image = chosen or load(DEFAULT), request.kind or "batch", request.target
        ports = PORTS if kind == "interactive" else ()
    try:
        words = shlex.split(request.args or "")
    except ValueError as exc:
        raise ManifestError(f"--args: {exc}") from None
    if kind == "interactive" and words:
        raise ManifestError("an interactive application takes no arguments: its chart starts it")
    try:
        spec = describe(profile, request.image or image, kind,
                        expand(words, profile, request.datasets[0] if request.datasets else None),
                        environment(request.env), request.datasets, request.size, ports)
    except RunSpecError as exc:
        raise ManifestError(str(exc)) from None
    return spec, notes


def _from_dockerfile(path: Path, chosen: Profile | None, request: ManifestRequest,
                     notes: list[str]) -> tuple[Profile, str, str, tuple[tuple[int, str], ...]]:
    from chaimeleon_lint.linter import Options, model
    from chaimeleon_lint.source.text import InputError, decode

    try:
        source = decode(path.read_bytes(), str(path))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read it: {exc.strerror}") from None
    except InputError as exc:
        raise ManifestError(str(exc)) from None
    _, _, image = model(source, path.parent, Options(platform=chosen, kind=request.kind), path)
    final = image.final
    labels = {name: label.value for name, label in final.labels.items()}
    name = labels.get("name")
    version = labels.get("version")
    if name is None or not name.known or not name.text:
        name_text = path.resolve().parent.name.lower()
        notes.append(f"{path}: no literal `name` label: the image is called {name_text!r} (give --image REF)")
    else:
        name_text = name.text
    tag = version.text if version is not None and version.known else ""
    if not tag:
        notes.append(f"{path}: no literal `version` label: the tag is `latest` (give --image REF)")
    elif not _TAG.fullmatch(tag):
        notes.append(f"{path}: the `version` label {tag!r} is no image tag: the tag is `latest` (give --image REF)")
        tag = ""
    if not _REPOSITORY.fullmatch(name_text):
        notes.append(f"{path}: the `name` label {name_text!r} is no image name: called {_slug(name_text)!r} "
                     "(give --image REF)")
        name_text = _slug(name_text)
    ports = tuple(sorted((s.port, s.name) for s in SERVICES if s.capability in final.capabilities
                         or any(port == s.port for port, _ in final.exposes))) if image.kind == "interactive" else ()
    reference = image_reference(image.platform, image.kind, name_text, tag)
    return image.platform, image.kind, reference, ports


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "app"


def render(request: ManifestRequest) -> tuple[str, list[str]]:
    """The YAML stream, and the notes for standard error."""
    from chaimeleon_lint.manifest.yaml import dump

    spec, notes = spec_of(request)
    if not request.volumes.startswith("/"):
        raise ManifestError(f"--volumes {request.volumes}: give an absolute folder (hostPath needs one)")
    return dump(manifests(spec, request.form, request.volumes.rstrip("/") or "/")), notes
