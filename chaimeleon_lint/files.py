"""Reading a file that may be anything: a named pipe blocks a plain `open` until someone writes,
and a device never ends. Only regular files are read; the rest are refused before any read.
Also the real path of a folder, with what a run already knows of the folders above it."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


class NotRegularFile(OSError):
    """The path is a FIFO, device, socket or directory; `kind` says which."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"{path}: is {kind}, not a regular file")
        self.kind = kind


def read_regular(path: Path | str, limit: int = -1) -> bytes:
    """The bytes of a regular file (at most `limit`); NotRegularFile for anything else, without
    blocking: the file is opened non-blocking and checked before it is read. Read with os.read
    in the file's size: a buffered reader asked for up to `limit` bytes allocates that much
    first, which made reading a small Dockerfile five times slower."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFile(Path(path), next((kind for test, kind in _KINDS if test(status.st_mode)),
                                                  "not a regular file"))
        os.set_blocking(fd, True)
        wanted = limit if limit >= 0 else sys.maxsize
        chunks: list[bytes] = []
        got = 0
        while got < wanted:  # the size is a hint: the file may grow or shrink while it is read
            chunk = os.read(fd, min(wanted - got, max(status.st_size + 1 - got, 1 << 16)))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def real_path(path: str, real: set[str]) -> str:
    """os.path.realpath(path), where `real` holds the folders already found to be their own real
    path: a run's Dockerfiles share the folders above them, and realpath looks at every folder of a
    path on every call, where this looks once per run at each (one lstat). A path with `..`, or a
    symbolic link on the way, takes realpath itself."""
    if ".." in path.split("/"):  # `link/..` is the link's target's parent: not a lexical question
        return os.path.realpath(path)
    full = os.path.abspath(path)  # the working directory is real, and without `..` lexical is exact
    if full.startswith("//"):  # POSIX leaves a leading `//` to the system; realpath makes it `/`
        return os.path.realpath(path)
    pending: list[str] = []
    folder = full
    while folder not in real and folder != "/":
        pending.append(folder)
        folder = os.path.dirname(folder)
    for folder in reversed(pending):
        if os.path.islink(folder):
            return os.path.realpath(path)
        real.add(folder)
    return full


def nearest(directory: str, look: "Callable[[str], str | None]", memo: dict[str, str | None]) -> str | None:
    """The first answer `look` gives at `directory` or a folder above it (None: none does); `memo`
    keeps each folder's answer, so the files of one tree look at each folder above them once."""
    walked: list[str] = []
    found: str | None = None
    while True:
        if directory in memo:
            found = memo[directory]
            break
        walked.append(directory)
        found = look(directory)
        parent = os.path.dirname(directory)
        if found is not None or parent == directory:
            break
        directory = parent
    for folder in walked:
        memo[folder] = found
    return found
