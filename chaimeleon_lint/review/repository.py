"""Get the repository a request points at, and find its Dockerfile.

`--checkout DIR` takes a checkout the reviewer already has; otherwise the ref the URL names is
fetched with depth 1 into a temporary folder (a commit id too, which `git clone --branch` cannot
take). git never prompts: a private repository without credentials fails at once, with git's
own message.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from chaimeleon_lint.discovery import discover, is_dockerfile
from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.review.location import Location

CLONE_TIMEOUT = 600


class RepositoryError(Exception):
    """The repository cannot be read: what git said, in one line."""


class Checkout(NamedTuple):
    root: Path
    commit: str | None  # HEAD of the checkout; None when it is not a git checkout
    cloned: bool  # made by us from the URL (else the reviewer's --checkout)


def _git(args: list[str], cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "GCM_INTERACTIVE": "never"}
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, errors="replace",
                              timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise RepositoryError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise RepositoryError(f"git {args[0]} took longer than {timeout:.0f} s") from None


def _said(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"git exited with {proc.returncode}"


def head(root: Path) -> str | None:
    proc = _git(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=root)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def clone(location: Location, into: Path) -> Checkout:
    """The URL's ref (default branch when none) at depth 1; a server that refuses a commit id
    by depth gets a full clone checked out at it."""
    into.mkdir(parents=True, exist_ok=True)
    for args in (["init", "-q"], ["fetch", "-q", "--depth", "1", location.clone, location.ref or "HEAD"]):
        proc = _git(args, cwd=into, timeout=CLONE_TIMEOUT)
        if proc.returncode != 0:
            break
    else:
        proc = _git(["checkout", "-q", "FETCH_HEAD"], cwd=into)
        if proc.returncode == 0:
            return Checkout(into, head(into), True)
    if location.commit is None:
        raise RepositoryError(f"cannot fetch {location.clone}" + (f" at {location.ref}" if location.ref else "")
                              + f": {_said(proc)}")
    full = into.parent / (into.name + "-full")
    proc = _git(["clone", "-q", "--no-checkout", location.clone, str(full)], timeout=CLONE_TIMEOUT)
    if proc.returncode == 0:
        proc = _git(["checkout", "-q", location.commit], cwd=full)
    if proc.returncode != 0:
        raise RepositoryError(f"cannot fetch {location.clone} at {location.ref}: {_said(proc)}")
    return Checkout(full, head(full), True)


def local(directory: Path) -> Checkout:
    """The reviewer's checkout: a git repository (a bare folder cannot say which commit is reviewed)."""
    if not directory.is_dir():
        raise RepositoryError(f"--checkout {directory}: not a directory")
    commit = head(directory)
    if commit is None:
        raise RepositoryError(f"--checkout {directory}: not a git repository with a commit (git clone the "
                              "request's repository, or let the review fetch it)")
    return Checkout(directory, commit, False)


def origin(root: Path) -> str | None:
    """The checkout's `origin` remote URL, if it has one."""
    try:
        proc = _git(["remote", "get-url", "origin"], cwd=root)
    except RepositoryError:
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def resolve(root: Path, ref: str) -> str | None:
    """The commit a branch or tag names in the checkout (its own, or origin's), if it knows it."""
    for name in (f"refs/remotes/origin/{ref}", f"refs/tags/{ref}", f"refs/heads/{ref}", ref):
        try:
            proc = _git(["rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"], cwd=root)
        except RepositoryError:
            return None
        if proc.returncode == 0 and proc.stdout.strip():
            return proc.stdout.strip()
    return None


class Found(NamedTuple):
    dockerfiles: list[Path]  # the images the request's URL leads to, the one to judge it by first
    problem: str | None  # the variant of CHL115, with `detail`
    detail: str = ""


def find_dockerfiles(checkout: Checkout, location: Location, name: str | None) -> Found:
    """The Dockerfile(s) at the URL's path: the file itself, `Dockerfile` in the folder (other
    `Dockerfile.*` beside it are variants), or those below it: the one labelled with the request's
    name, else every one (each an image of the application; CHL115 says which)."""
    target = checkout.root / location.path if location.path else checkout.root
    if not target.exists():
        return Found([], "path", location.path)
    if target.is_file():
        return Found([target], None) if is_dockerfile(target.name) else Found([], "not-dockerfile", location.path)
    if (target / "Dockerfile").is_file():
        return Found([target / "Dockerfile"], None)
    found = list(discover(target))
    if not found:
        chart = (target / "Chart.yaml").is_file()
        return Found([], "chart" if chart else "no-dockerfile", location.path or "the repository's root")
    named = [p for p in found if name is not None and name.lower() in _labelled(p)]
    if len(found) == 1 or named:
        return Found(named[:1] or found, None)
    return Found(found, "several", ", ".join(str(p.relative_to(checkout.root)) for p in found[:6])
                 + (f" and {len(found) - 6} more" if len(found) > 6 else ""))


def _labelled(path: Path) -> set[str]:
    """The `name` values a Dockerfile's text gives (lowercased), without simulating it."""
    from chaimeleon_lint.chain import names

    try:
        return {n.lower() for n in names(path.read_text(encoding="utf-8", errors="replace"))}
    except OSError:
        return set()
