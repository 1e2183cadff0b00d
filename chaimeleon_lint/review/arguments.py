"""The arguments of a request's `jobman submit` example: where each path points, and the smoke
run's arguments made from them.

jobman runs in the user's desktop, whose shell expands `~`; the job's container has the same
mount directories at the same paths. A path may stand alone, after an option (`-o PATH`), or
as a value (`--out=PATH`, `OUTPUT_DIR=PATH`, the guide's form for environment variables after a
second `--`).
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator

from chaimeleon_lint.profile import Profile
from chaimeleon_lint.records import NamedTuple

_OUTPUT_WORD = re.compile(r"out|result|save|dest|write|export", re.I)
_VALUE = re.compile(r"^(-{0,2}[A-Za-z_][\w.-]*=)(.*)$")
_PLAIN = re.compile(r"[\w@%+=:,./{}-]+")  # needs no quoting, `{dataset}` included


class Place(NamedTuple):
    """Where one path argument points."""

    argument: str  # as written
    path: str  # the container path, `~` expanded
    mount: str | None  # "datasets", "persistent-home", ...: the mount directory it is in; None: none
    output: bool  # an option or variable whose name says output (`-o`, `--output_dir`, `RESULTS=`)


def _expand(path: str, profile: Profile) -> str | None:
    """The container path of a home, absolute or mount-relative path (`datasets/<id>`, which jobs
    resolve from the home, their working directory); None when the argument is no such path."""
    for home in ("~", "$HOME", "${HOME}"):
        if path == home or path.startswith(home + "/"):
            return posixpath.normpath(profile.home + path[len(home):])
    if path.startswith("/"):
        return posixpath.normpath(path)
    if path.split("/", 1)[0] in profile.mount_names:  # relative to the home, where jobs start
        return posixpath.normpath(posixpath.join(profile.home, path))
    return None


def _mount(path: str, profile: Profile) -> str | None:
    for name, directory in zip(profile.mount_names, profile.mount_dirs):
        if path == directory or path.startswith(directory + "/"):
            return name
    return None


def _is_output(option: str) -> bool:
    name = option.lstrip("-").rstrip("=")
    return name == "o" or bool(_OUTPUT_WORD.search(name))


def places(args: tuple[str, ...], profile: Profile) -> Iterator[Place]:
    """Every argument (or value part) that is a home or absolute path."""
    previous = ""
    for arg in args:
        value = _VALUE.match(arg)
        key, text = (value.group(1), value.group(2)) if value else ("", arg)
        path = _expand(text, profile)
        if path is not None:
            output = _is_output(key) if key else previous.startswith("-") and "=" not in previous \
                and _is_output(previous)
            yield Place(arg, path, _mount(path, profile), output)
        previous = arg


class Smoke(NamedTuple):
    """The smoke run's `--smoke-args`, and what differs from the request's example."""

    args: str
    changes: tuple[str, ...]


def smoke_arguments(args: tuple[str, ...], profile: Profile) -> Smoke:
    """A dataset path becomes `{dataset}` (the sample dataset), a persistent-home path `{output}` with
    its sub-path, a `~` anything else the container's home; other arguments pass as written."""
    datasets, persistent = profile.mount_dirs[:2]
    out: list[str] = []
    changes: list[str] = []
    for arg in args:
        value = _VALUE.match(arg)
        key, text = (value.group(1), value.group(2)) if value else ("", arg)
        path = _expand(text, profile)
        if path is None:
            out.append(arg)
            continue
        if path.startswith(datasets + "/"):
            new = "{dataset}"
            if path.count("/") > datasets.count("/") + 1:
                changes.append(f"{text} → the sample dataset (its sub-path is not in the sample)")
        elif path == persistent or path.startswith(persistent + "/"):
            new = "{output}" + path[len(persistent):] + ("/" if text.endswith("/") and path != persistent else "")
        else:
            new = path
        out.append(key + new)
    return Smoke(" ".join(a if _PLAIN.fullmatch(a) else shlex.quote(a) for a in out), tuple(changes))
