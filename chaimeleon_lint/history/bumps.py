"""CHL105: an image that changed since a ref, or is built FROM a sibling image that bumped, must bump.

Every Dockerfile of the repository is a possible sibling: its `name` label (or a config
mapping) ties the `FROM` lines of others to it, which gives the dependency graph of a
repository like the platform's own (ubuntu-python → -tensorflow → -desktop → -jupyter).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from chaimeleon_lint.discovery import is_dockerfile
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.history.git import Repo
from chaimeleon_lint.history.versions import Uncomparable, compare
from chaimeleon_lint.model.context import Context
from chaimeleon_lint.model.siblings import repository_name
from chaimeleon_lint.model.simulate import simulate
from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.source.dockerfile import Dockerfile, parse
from chaimeleon_lint.source.variables import Value, raw_words

RULE = "CHL105"
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+")


class Declared(NamedTuple):
    """What a Dockerfile says about its image: name, version (and its line), and the images it starts FROM."""

    name: str | None
    version: Value | None
    line: int | None
    bases: tuple[str, ...]
    sources: tuple[str, ...] = ()  # what its COPY/ADD read from the build context, as written


class Sibling(NamedTuple):
    path: str  # the Dockerfile, from the repository root
    now: Declared
    then: Declared | None  # None: the Dockerfile did not exist at the ref
    changed: tuple[str, ...]  # files of its context (and the Dockerfile) changed since the ref


def declared(text: str) -> Declared:
    dockerfile = parse(text.replace("\r\n", "\n"))
    image = simulate(dockerfile, None)
    labels = image.final.labels
    name, version = labels.get("name"), labels.get("version")
    bases = tuple(repository_name(s.base.text) for s in image.stages if s.base_stage is None and s.base.known)
    return Declared(name.value.text if name is not None and name.value.known else None,
                    version.value if version is not None else None, version.line if version else None, bases,
                    _sources(dockerfile))


def _sources(dockerfile: Dockerfile) -> tuple[str, ...]:
    """The build-context sources of every COPY/ADD (not those from a stage or an image, nor a
    URL or a heredoc); a variable in a source may be anything, so it is kept as `*`."""
    found: list[str] = []
    for ins in dockerfile.instructions:
        if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is not None:
            continue
        words = list(ins.exec_form) if ins.exec_form else raw_words(ins.rest, dockerfile.escape)
        heredocs = {f"<<{h.name}" for h in ins.heredocs} | {f"<<-{h.name}" for h in ins.heredocs}
        for word in words[:-1]:
            word = word.strip("\"'")
            if "://" in word or word in heredocs or word.startswith("<<"):
                continue
            found.append(posixpath.normpath(_VARIABLE.sub("*", word).lstrip("/")))
    return tuple(found)


def reads(sources: tuple[str, ...], rel: str) -> bool:
    """Whether a COPY/ADD of these sources reads a context path: the path, a folder above it, or a
    wildcard matching either."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    for source in sources:
        if source in (".", "*"):
            return True
        if any(p == source or (any(c in source for c in "*?[") and fnmatch.fnmatchcase(p, source)) for p in prefixes):
            return True
    return False


def version_text(value: Value | None) -> str | None:
    return value.text if value is not None and value.known and value.text.strip() else None


def bumped(sibling: Sibling) -> int | None:
    """compare(now, then), or None when either version is unknown or they cannot be ordered."""
    if sibling.then is None:
        return None
    new, old = version_text(sibling.now.version), version_text(sibling.then.version)
    if new is None or old is None:
        return None
    try:
        return compare(new, old)
    except Uncomparable:
        return None


def siblings(repo: Repo, commit: str, contexts: Mapping[str, Path]) -> dict[str, Sibling]:
    """Every Dockerfile of the repository with its versions now and at `commit`, and what changed."""
    changed = repo.changed(commit)
    found: dict[str, Sibling] = {}
    for path in repo.files():
        if not is_dockerfile(PurePosixPath(path).name):
            continue
        absolute = repo.root / path
        context_dir = contexts.get(path, absolute.parent)
        context = Context.open(context_dir, absolute)
        prefix = repo.relative(context_dir)
        try:
            now = declared(absolute.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        ignores = {f"{path}.dockerignore", ".dockerignore" if prefix == "." else f"{prefix}/.dockerignore"}
        inside = [p for p in sorted(changed) if p == path or p in ignores or (
            (prefix == "." or p.startswith(prefix + "/")) and not context.ignored(rel := (
                p if prefix == "." else p[len(prefix) + 1:])) and reads(now.sources, rel))]
        old = repo.show(commit, path)
        found[path] = Sibling(path, now, declared(old) if old is not None else None, tuple(inside))
    return found


def _upstream(start: Sibling, every: Mapping[str, Sibling], mapping: Mapping[str, str]) -> list[Sibling]:
    """Sibling images `start` is built from, nearest first, each once (cycles end the walk)."""
    by_name: dict[str, list[str]] = {}
    for s in every.values():
        if s.now.name:
            by_name.setdefault(s.now.name.lower(), []).append(s.path)
    for name, path in mapping.items():
        by_name.setdefault(name.lower(), []).append(path)
    order: list[Sibling] = []
    seen = {start.path}
    frontier = [start]
    while frontier:
        following: list[Sibling] = []
        for s in frontier:
            for base in s.now.bases:
                for path in by_name.get(base, []):
                    if path not in seen and path in every:
                        seen.add(path)
                        following.append(every[path])
        order += following
        frontier = following
    return order


def bump_hits(target: str, every: Mapping[str, Sibling], mapping: Mapping[str, str], ref: str) -> list[Hit]:
    """The CHL105 hit of one Dockerfile (path from the repository root), if any."""
    me = every.get(target)
    if me is None or me.then is None or me.now.version is None:
        return []
    new, old = version_text(me.now.version), version_text(me.then.version)
    span = Span.at(me.now.line) if me.now.line else None
    order = bumped(me)
    if order == 1:
        return []
    params = {"ref": ref, "old": old or "(unknown)", "new": new or "(unknown)"}
    upstream = next((s for s in _upstream(me, every, mapping) if bumped(s) == 1), None)
    if not me.changed and upstream is None:
        return []
    if order is None:
        reason = "a value only a build argument gives" if new is None or old is None else "no order between them"
        return [Hit(span, {**params, "reason": reason}, variant="uncomparable")]
    if order < 0:
        return [Hit(span, params, variant="lower")]
    if me.changed:
        more = f" and {len(me.changed) - 1} more" if len(me.changed) > 1 else ""
        return [Hit(span, {**params, "changed": me.changed[0] + more})]
    assert upstream is not None and upstream.then is not None
    return [Hit(span, {**params, "parent": upstream.now.name or upstream.path, "parent_path": upstream.path,
                       "parent_old": version_text(upstream.then.version), "parent_new": version_text(upstream.now.version)},
                variant="upstream")]
