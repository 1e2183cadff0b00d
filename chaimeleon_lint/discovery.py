"""Which files are Dockerfiles, and finding them below a directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox"})


def is_dockerfile(name: str) -> bool:
    if name.endswith(".dockerignore"):
        return False
    return (name == "Dockerfile" or name.startswith(("Dockerfile.", "Dockerfile-"))
            or name.endswith((".Dockerfile", ".dockerfile")))


def discover(path: Path) -> Iterator[Path]:
    """Regular Dockerfiles below a directory, in a stable order, skipping VCS and virtualenv folders."""
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if is_dockerfile(name) and os.path.isfile(os.path.join(root, name)):  # a FIFO would block
                yield Path(root) / name


def looks_like_dockerfile(path: Path) -> bool:
    """A file named as a Dockerfile, or whose first instruction is FROM (or ARG, which may come
    before it): a Dockerfile of any name (`-f build.df`) is still linted as one."""
    if is_dockerfile(path.name) or path.name in ("Containerfile", "containerfile"):
        return True
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return True  # the read step says why it cannot be linted
    for line in head.splitlines():
        word = line.strip().split(maxsplit=1)[0].upper() if line.strip() else ""
        if word and not word.startswith("#"):
            return word in ("FROM", "ARG")
    return False


def contexts_holding(path: Path, stop: Path | None) -> list[Path]:
    """The Dockerfiles whose build context (their folder) holds a file, nearest first: those in the
    file's folder and every folder above it up to `stop` (the repository's root), where
    `.dockerignore` does not leave the file out."""
    from chaimeleon_lint.model.context import Context

    found: list[Path] = []
    folder = path.resolve().parent
    target = path.resolve()
    limit = stop.resolve() if stop is not None else None
    while True:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            names = []
        for name in names:
            candidate = folder / name
            if is_dockerfile(name) and candidate.is_file():
                rel = target.relative_to(folder).as_posix()
                if not Context.open(folder, candidate).ignored(rel):
                    found.append(candidate)
        if limit is None or folder == limit or folder.parent == folder:
            break
        folder = folder.parent
    return found
