"""CHL5xx: image size (caches left in layers)."""

from __future__ import annotations

from collections.abc import Iterator

from chaimeleon_lint.checks import check
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.model.effects.common import under
from chaimeleon_lint.model.image import Image, Install, Run, Stage, home_of

_APT_LISTS = "/var/lib/apt/lists"
_CONDA_INSTALLS = frozenset({"install", "create", "env create", "env update", "update"})


def _words(install: Install) -> list[str] | None:
    """The command's words, or None when one is unknown (it could hold the flag we look for)."""
    argv = install.command.argv
    return None if not all(w.known for w in argv) else [w.text for w in argv]


def _spelled(install: Install) -> str:
    return f"{install.program} {install.action}"


def _assigned(run: Run, install: Install, name: str) -> bool:
    return name in run.env or any(k == name for k, _ in install.command.assigns)


def _pip_cache_mounted(stage: Stage, run: Run) -> bool:
    """A cache or tmpfs mount over pip's cache directory (`~/.cache/pip` of the RUN's user) or a parent."""
    home = home_of(stage.accounts, run.user)
    if home is None:  # the user's home is unknown: any mount of a `.cache/pip` or `.cache` counts
        return any(m.endswith(("/.cache/pip", "/.cache")) for m in run.cache_mounts)
    return any(under(f"{home.rstrip('/')}/.cache/pip", m) for m in run.cache_mounts)


@check("CHL501")
def pip_no_cache_dir(image: Image) -> Iterator[Hit]:
    stage = image.final
    for run in stage.runs:
        if not run.installs or run.pip_no_cache or _pip_cache_mounted(stage, run):
            continue
        for install in run.installs:
            if install.manager != "pip" or install.action != "install" or (words := _words(install)) is None:
                continue
            if "--no-cache-dir" not in words and not _assigned(run, install, "PIP_NO_CACHE_DIR"):
                yield Hit(Span.at(install.command.line), {"command": _spelled(install)}, subject=install)


@check("CHL502")
def apt_no_install_recommends(image: Image) -> Iterator[Hit]:
    for run in image.final.runs:
        if run.apt_no_recommends:
            continue
        for install in run.installs:
            if install.manager != "apt" or install.action != "install" or (words := _words(install)) is None:
                continue
            flags = " ".join(words).lower()
            if "--no-install-recommends" in words or "--without-recommends" in words or "-R" in words[1:2]:
                continue
            if "apt::install-recommends=false" in flags or "apt::install-recommends=0" in flags:
                continue
            yield Hit(Span.at(install.command.line), {"command": _spelled(install)}, subject=install)


@check("CHL503")
def poetry_cache_not_purged(image: Image) -> Iterator[Hit]:
    for run in image.final.runs:
        poetry = [i for i in run.installs if i.manager == "poetry" and i.action == "install"]
        if not poetry:
            continue
        purged = any(i.manager == "pip" and i.action == "cache" and i.packages[:1] == ("purge",)
                     for i in run.installs) or "PIP_NO_CACHE_DIR" in run.env
        removed = any(".cache/pypoetry" in path for path in run.removed) or any(
            i.manager == "poetry" and i.action == "cache" for i in run.installs)
        if not (purged and removed):
            missing = " and ".join(x for x, ok in (("pip cache purge", purged),
                                                    ("rm -rf ~/.cache/pypoetry", removed)) if not ok)
            yield Hit(Span.at(poetry[0].command.line), {"missing": missing})


@check("CHL504")
def apt_lists_not_removed(image: Image) -> Iterator[Hit]:
    for run in image.final.runs:
        updates = [i for i in run.installs if i.manager == "apt" and i.action == "update"]
        if not updates or any(under(_APT_LISTS, m) for m in run.cache_mounts):
            continue
        if not any(under(_APT_LISTS, path.rstrip("*").rstrip("/") or "/") for path in run.removed):
            yield Hit(Span.at(updates[0].command.line))


@check("CHL505")
def conda_cache_not_cleaned(image: Image) -> Iterator[Hit]:
    for run in image.final.runs:
        installs = [i for i in run.installs if i.manager == "conda" and i.action in _CONDA_INSTALLS]
        cleaned = any(i.manager == "conda" and i.action == "clean" for i in run.installs)
        if installs and not cleaned:
            yield Hit(Span.at(installs[0].command.line), {"command": _spelled(installs[0])})
