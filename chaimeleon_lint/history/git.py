"""The git repository, through the git command line only."""

from __future__ import annotations

import subprocess
from pathlib import Path

from chaimeleon_lint.records import NamedTuple

_TIMEOUT = 60


class GitError(Exception):
    """git is missing, the path is not in a repository, or the ref does not exist."""


def _git(cwd: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=_TIMEOUT,
                              errors="replace")
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {_TIMEOUT} s") from None
    if proc.returncode != 0:
        raise GitError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"git {args[0]} failed")
    return proc.stdout


class Repo(NamedTuple):
    root: Path

    @classmethod
    def around(cls, path: Path) -> "Repo":
        """The repository that holds `path` (a file or a directory)."""
        start = path if path.is_dir() else path.parent
        try:
            top = _git(start.resolve(), "rev-parse", "--show-toplevel").strip()
        except GitError as exc:
            raise GitError(f"{path}: not in a git repository ({exc})") from None
        return cls(Path(top))

    def commit(self, ref: str) -> str:
        try:
            return _git(self.root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").strip()
        except GitError:
            raise GitError(f"{ref!r} is not a commit of {self.root}") from None

    def changed(self, commit: str) -> frozenset[str]:
        """Paths (from the root) that differ between `commit` and the working tree, untracked ones too."""
        tracked = _git(self.root, "diff", "--name-only", "--no-renames", "-z", commit, "--")
        untracked = _git(self.root, "ls-files", "--others", "--exclude-standard", "-z")
        return frozenset(p for p in (tracked + untracked).split("\0") if p)

    def files(self) -> list[str]:
        """Every file of the working tree that git does not ignore, from the root."""
        listed = _git(self.root, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
        return sorted({p for p in listed.split("\0") if p and (self.root / p).is_file()})

    def show(self, commit: str, path: str) -> str | None:
        """A file's text at `commit`; None when it did not exist there."""
        try:
            return _git(self.root, "show", f"{commit}:{path}")
        except GitError:
            return None

    def relative(self, path: Path) -> str:
        """`path` as git names it: relative to the root, with slashes."""
        return path.resolve().relative_to(self.root.resolve()).as_posix()
