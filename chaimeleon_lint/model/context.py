"""A read-only view of the build context: only what COPY/ADD and start-up touch is read."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from pathlib import Path

from chaimeleon_lint.files import read_regular, real_path

MAX_READ = 1024 * 1024
_LICENSE_NAMES = re.compile(r"^(licen[cs]e|copying|unlicense)([.-].*)?$", re.I)
_SPDX = re.compile(r"SPDX-License-Identifier:\s*([\w.+-]+)", re.I)
_FREE_SPDX = re.compile(
    r"^(MIT.*|Apache-.*|(L|A)?GPL-.*|BSD-.*|0BSD|MPL-.*|ISC|Unlicense|EUPL-.*|BSL-1\.0|Zlib|"
    r"Artistic-2\.0|CC0-1\.0|CC-BY-4\.0|EPL-.*|PSF-2\.0|Python-2\.0)$", re.I)
_FREE_TEXTS = (
    ("MIT", "permission is hereby granted, free of charge"),
    ("Apache-2.0", "apache license"),
    ("AGPL", "gnu affero general public license"),
    ("LGPL", "gnu lesser general public license"),
    ("LGPL", "gnu library general public license"),
    ("GPL", "gnu general public license"),
    ("BSD", "redistribution and use in source and binary forms"),
    ("MPL-2.0", "mozilla public license"),
    ("ISC", "permission to use, copy, modify, and/or distribute this software"),
    ("Unlicense", "this is free and unencumbered software released into the public domain"),
    ("EUPL", "european union public licence"),
    ("BSL-1.0", "boost software license"),
    ("CC0-1.0", "cc0 1.0 universal"),
    ("EPL", "eclipse public license"),
)


def _ignore_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as Go's filepath.Match plus `**`, anchored at the context root."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            if pattern.startswith("/", i):
                out[-1] = "(.*/)?"
                i += 1
            continue
        c = pattern[i]
        out.append("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) if c != "[" else "[")
        if c == "[":
            end = pattern.find("]", i)
            if end < 0:
                raise re.error("unterminated [")
            out[-1] = "[" + pattern[i + 1:end].replace("!", "^", 1) + "]"
            i = end
        i += 1
    return re.compile("".join(out) + "(/.*)?$")


class Above:
    """What the folders above build contexts hold, asked once per run, not once per Dockerfile:
    a repository's Dockerfiles share the folders up to its root. Folders are real paths as strings."""

    __slots__ = ("repository", "licences", "real")

    def __init__(self, real: set[str] | None = None) -> None:
        self.repository: dict[str, bool] = {}  # folder → it holds `.git`
        self.licences: dict[str, str | None] = {}  # folder → the licence its files state
        self.real: set[str] = set() if real is None else real  # folders that are their own real path

    def is_repository(self, directory: str) -> bool:
        if directory not in self.repository:
            self.repository[directory] = os.path.exists(os.path.join(directory, ".git"))
        return self.repository[directory]

    def licence(self, directory: str) -> str | None:
        if directory not in self.licences:
            self.licences[directory] = _license_in(directory)
        return self.licences[directory]


class Context:
    """The build context directory; every read is bounded and never raises."""

    __slots__ = ("root", "ignore", "exceptions", "problems", "above", "_cache", "_stats", "_base")

    def __init__(self, root: Path, ignore: tuple[tuple[bool, re.Pattern[str]], ...] = (),
                 problems: tuple[str, ...] = (), above: Above | None = None,
                 exceptions: tuple[str, ...] = ()) -> None:
        self.root = root
        self.ignore = ignore  # (negated, pattern) for each .dockerignore line, in order
        self.exceptions = exceptions  # the `!` patterns as written (cleaned): folders they reach stay
        self.problems = problems
        self.above = above if above is not None else Above()
        self._cache: dict[str, str | None] = {}
        self._stats: dict[str, os.stat_result | None] = {}  # a COPY source is asked about three times
        self._base = os.fspath(root)  # stat by string: a Path per look costs more than the system call

    @classmethod
    def open(cls, root: Path, dockerfile: Path | None = None, above: Above | None = None) -> "Context":
        """Read `.dockerignore` (or BuildKit's `<Dockerfile>.dockerignore` beside the Dockerfile)."""
        candidates = [os.path.join(root, ".dockerignore")]
        if dockerfile is not None:
            candidates.insert(0, f"{os.fspath(dockerfile)}.dockerignore")
        rules: list[tuple[bool, re.Pattern[str]]] = []
        exceptions: list[str] = []
        problems: list[str] = []
        for path in candidates:
            try:
                text = read_regular(path, MAX_READ).decode("utf-8", errors="replace")
            except OSError:
                continue
            for number, raw in enumerate(text.splitlines(), 1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                negate = line.startswith("!")
                pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
                try:
                    rules.append((negate, _ignore_regex(pattern)))
                    if negate:
                        exceptions.append(pattern)
                except re.error as exc:
                    problems.append(f"{os.path.basename(path)}:{number}: invalid pattern {line!r} ({exc}); ignored")
            break
        return cls(root, tuple(rules), tuple(problems), above, tuple(exceptions))

    def ignored(self, rel: str) -> bool:
        """Whether BuildKit leaves `rel` out of the context: the last pattern that matches it (or a
        folder above it) decides. The context's root is never left out (`*` then `!main.py` and
        `COPY . /app` copies main.py), nor is an excluded folder that an exception reaches into,
        since the files the exception keeps need it."""
        if rel in (".", ""):
            return False
        excluded = False
        for negate, regex in self.ignore:
            if regex.match(rel):
                excluded = not negate
        if excluded and self.exceptions and any(_may_hold(p, rel) for p in self.exceptions):
            return not os.path.isdir(os.path.join(self._base, rel))
        return excluded

    def _path(self, rel: str) -> Path | None:
        """The real path of a context-relative one, or None when it escapes the context."""
        clean = _inside(rel)
        return None if clean is None else self.root if clean == "." else self.root / clean

    def _stat(self, rel: str) -> os.stat_result | None:
        if rel in self._stats:
            return self._stats[rel]
        clean = _inside(rel)
        found = None
        if clean is not None and not self.ignored(clean):
            try:
                found = os.stat(self._base if clean == "." else os.path.join(self._base, clean))
            except (OSError, ValueError):
                pass
        self._stats[rel] = found
        return found

    def is_file(self, rel: str) -> bool:
        st = self._stat(rel)
        return st is not None and stat.S_ISREG(st.st_mode)

    def is_dir(self, rel: str) -> bool:
        st = self._stat(rel)
        return st is not None and stat.S_ISDIR(st.st_mode)

    def mode(self, rel: str) -> int | None:
        st = self._stat(rel)
        return None if st is None else stat.S_IMODE(st.st_mode)

    def glob(self, pattern: str) -> list[str]:
        """Context paths matching a COPY source with wildcards (one directory level at a time)."""
        clean = os.path.normpath(pattern.lstrip("/"))
        parent, _, leaf = clean.rpartition("/")
        base = self._path(parent or ".")
        if base is None:
            return []
        try:
            names = sorted(os.listdir(base))
        except OSError:
            return []
        found = [f"{parent}/{n}" if parent else n for n in names if fnmatch.fnmatchcase(n, leaf)]
        return [p for p in found if not self.ignored(p)]

    def read_text(self, rel: str) -> str | None:
        """Text of a context file (first MiB), None when absent, ignored, binary or unreadable."""
        key = os.path.normpath(rel.lstrip("/"))
        if key in self._cache:
            return self._cache[key]
        text: str | None = None
        if self.is_file(key):
            path = self._path(key)
            try:
                data = read_regular(path, MAX_READ)  # type: ignore[arg-type]
                text = None if b"\x00" in data[:8192] else data.decode("utf-8", errors="replace")
            except OSError:
                text = None
        self._cache[key] = text
        return text

    def license(self) -> str | None:
        """The redistributable licence of the context or of a folder above it up to the repository
        root (the nearest folder holding `.git`); the context alone when it is in no repository."""
        folder = real_path(self._base, self.above.real)
        chain = [folder]
        while not self.above.is_repository(folder) and os.path.dirname(folder) != folder:
            folder = os.path.dirname(folder)
            chain.append(folder)
        if not self.above.is_repository(folder):  # in no repository: the context alone
            chain = chain[:1]
        return next((found for d in chain if (found := self.above.licence(d))), None)


def _may_hold(pattern: str, folder: str) -> bool:
    """Whether a .dockerignore pattern can match a path inside `folder`: each of the folder's names
    matches the pattern's name at its depth, and the pattern goes deeper (`**` matches any depth)."""
    parts = pattern.split("/")
    names = folder.split("/")
    for depth, name in enumerate(names):
        if depth >= len(parts):
            return False
        if "**" in parts[depth]:
            return True
        if not fnmatch.fnmatchcase(name, parts[depth]):
            return False
    return len(parts) > len(names)


def _inside(rel: str) -> str | None:
    """A context-relative path normalised, or None when it leads out of the context."""
    clean = os.path.normpath(rel.lstrip("/"))
    return None if clean == ".." or clean.startswith("../") else clean


def _license_in(directory: str) -> str | None:
    try:
        names = sorted(n for n in os.listdir(directory) if _LICENSE_NAMES.match(n))
    except OSError:
        return None
    return next((found for name in names if (found := license_of(Path(directory, name)))), None)


def license_of(path: Path) -> str | None:
    """The redistributable licence a file states (an SPDX id, or the licence recognised from its
    text); None when it states none, or cannot be read."""
    try:
        text = read_regular(path, MAX_READ).decode("utf-8", errors="replace")
    except OSError:
        return None
    spdx = _SPDX.search(text)
    if spdx and _FREE_SPDX.match(spdx[1]):
        return spdx[1]
    flat = " ".join(text.lower().split())
    for spdx_id, marker in _FREE_TEXTS:
        if marker in flat:
            return spdx_id
    if _FREE_SPDX.match(text.strip()):
        return text.strip()
    return None
