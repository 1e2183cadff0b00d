"""Reading a file that may be anything: a named pipe blocks a plain `open` until someone writes,
and a device never ends. Only regular files are read; the rest are refused before any read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


class NotRegularFile(OSError):
    """The path is a FIFO, device, socket or directory; `kind` says which."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"{path}: is {kind}, not a regular file")
        self.kind = kind


def read_regular(path: Path, limit: int = -1) -> bytes:
    """The bytes of a regular file (at most `limit`); NotRegularFile for anything else, without
    blocking: the file is opened non-blocking and checked before it is read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, next((kind for test, kind in _KINDS if test(mode)), "not a regular file"))
        os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        return handle.read(limit)
