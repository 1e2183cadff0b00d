"""The Dockerfiles of a file's own repository that it is built FROM, found for every run.

Pre-commit and editors lint one file; a maintainer's child image (`ubuntu-python-pytorch`) is
only right when judged on the parent its repository builds (`ubuntu-python`). So every run
looks, once per repository, at the repository's other Dockerfiles (the repository root is the
nearest folder above holding `.git`) and brings in those its files are built FROM, however far
up the chain: read, linked as parents, never reported. A cheap look at the raw text decides,
so a repository with one Dockerfile, or with unrelated ones, costs one walk of its folders; a
file built only FROM official public images (`ubuntu:22.04`, `python:3.12-slim`: those the
public-bases data lists) or `scratch` costs none, since a repository does not build those.
"""

import os
from collections.abc import Iterable
from pathlib import Path

from chaimeleon_lint.discovery import discover
from chaimeleon_lint import files
from chaimeleon_lint.files import nearest
from chaimeleon_lint.model.siblings import references, repository_name

_MAX_BYTES = 1024 * 1024  # larger files are not Dockerfiles worth a look here


def repository_root(folder: Path, roots: dict[str, str | None]) -> Path | None:
    """The nearest folder at or above `folder` holding `.git`; `roots` keeps every folder's answer."""
    found = nearest(os.path.abspath(folder), _holding_git, roots)
    return Path(found) if found is not None else None


def _holding_git(directory: str) -> str | None:
    return directory if os.path.exists(os.path.join(directory, ".git")) else None


def _text(path: Path) -> str | None:
    try:
        return files.read_regular(path, _MAX_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None


def may_have_parents(text: str) -> bool:
    """A FROM that names neither `scratch` nor an official public image: it may be a sibling's."""
    from chaimeleon_lint.model.bases import public_base

    return any(r.lower() != "scratch" and public_base(r) is None for r in references(text))


def needed(texts: Iterable[str], root: Path, known: set[str]) -> list[Path]:
    """The repository's Dockerfiles that the given texts are built FROM, directly or through
    another of them, other than those `known` (already in the run); in discovery order."""
    wanted = {repository_name(r) for text in texts if may_have_parents(text) for r in references(text)}
    if not wanted:
        return []
    others = [p for p in discover(root) if os.path.realpath(p) not in known]
    if not others:
        return []
    from chaimeleon_lint.chain import label_matcher, names  # here: most runs need no sibling

    labelled: list[tuple[Path, str, list]] = []  # type: ignore[type-arg]
    for path in others:
        text = _text(path)
        if text is not None:
            labelled.append((path, text, [label_matcher(n) for n in names(text)]))
    found: list[Path] = []
    frontier = wanted
    while frontier:
        more: set[str] = set()
        for path, text, matchers in labelled:
            if path not in found and any(m(name) for m in matchers for name in frontier):
                found.append(path)
                more |= {repository_name(r) for r in references(text)}
        frontier = more - wanted
        wanted |= more
    return [p for p in others if p in found]
