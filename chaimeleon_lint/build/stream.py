"""Reading what an engine command prints, in bounded memory and by a deadline.

A stranger's image may print without pause, or one line of gigabytes, for as long as it runs.
Every stream is read as it comes, in chunks: the whole output is kept only up to `keep` bytes
(what we parse, such as `inspect` or the probe, is far smaller), lines are cut at `LINE_WIDTH`
characters, and only the last `TAIL_LINES` lines are kept for a finding. The deadline is checked
between chunks, so it holds while output keeps coming; at the deadline the command is killed.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from collections import deque
from collections.abc import Callable, Sequence

from chaimeleon_lint.records import NamedTuple

TAIL_LINES = 40
LINE_WIDTH = 300
KEEP = 4 * 1024 * 1024
_CHUNK = 64 * 1024
_PARTIAL = 64 * 1024  # of a line still without its end, what is kept (the rest is dropped)


class Tail:
    """The last lines of a stream, each cut at a width, and how much was left out."""

    def __init__(self, lines: int = TAIL_LINES, width: int = LINE_WIDTH) -> None:
        self.lines: deque[str] = deque(maxlen=lines)
        self.width = width
        self.seen = 0
        self.cut = 0

    def add(self, line: str) -> None:
        self.seen += 1
        if len(line) > self.width:
            line = line[:self.width] + "…"
            self.cut += 1
        self.lines.append(line)

    def render(self) -> str:
        """The tail as a finding shows it, saying what was left out."""
        body = "\n".join(self.lines).strip() or "(no output)"
        left_out = []
        if self.seen > len(self.lines):
            left_out.append(f"{self.seen - len(self.lines):,} earlier lines not shown")
        if self.cut:
            left_out.append(f"{self.cut:,} lines cut at {self.width} characters")
        return body + (f"\n({'; '.join(left_out)})" if left_out else "")


class _Lines:
    """Splits a byte stream into text lines; of a line longer than _PARTIAL, the start is kept."""

    def __init__(self) -> None:
        self.partial = bytearray()

    def feed(self, chunk: bytes) -> list[str]:
        *complete, rest = chunk.split(b"\n")
        lines: list[str] = []
        for piece in complete:
            self.partial += piece[:max(0, _PARTIAL - len(self.partial))]
            lines.append(self.partial.decode(errors="replace").rstrip("\r"))
            self.partial = bytearray()
        self.partial += rest[:max(0, _PARTIAL - len(self.partial))]
        return lines

    def close(self) -> list[str]:
        return [self.partial.decode(errors="replace")] if self.partial else []


class Captured(NamedTuple):
    returncode: int  # -1: the deadline passed and the command was killed
    stdout: str  # the first `keep` bytes
    stderr: str
    tail: Tail  # the last lines of both streams, in the order they came


def run_bounded(argv: Sequence[str], timeout: float, *, stdin: str | None = None, keep: int = KEEP,
                on_line: Callable[[str], None] | None = None, in_tail: Callable[[str], bool] | None = None,
                merge: bool = False) -> Captured:
    """Run a command to its end or its deadline, whatever it prints. `on_line` sees every line as it
    comes (for -v, or to pick out marked lines); `in_tail` says which lines the tail keeps."""
    tail = Tail()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merge else subprocess.PIPE)
    streams = [s for s in (proc.stdout, proc.stderr) if s is not None]
    out_fd = streams[0].fileno()
    err_fd = streams[1].fileno() if len(streams) > 1 else None
    kept = {s.fileno(): bytearray() for s in streams}
    splitters = {s.fileno(): _Lines() for s in streams}
    deadline = time.monotonic() + timeout
    timed_out = False

    def take(lines: list[str]) -> None:
        for line in lines:
            if on_line is not None:
                on_line(line)
            if in_tail is None or in_tail(line):
                tail.add(line)

    try:
        if stdin is not None and proc.stdin is not None:
            try:
                proc.stdin.write(stdin.encode())
            except BrokenPipeError:
                pass
            proc.stdin.close()
        with selectors.DefaultSelector() as selector:
            for stream in streams:
                selector.register(stream, selectors.EVENT_READ)
            while selector.get_map():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                for key, _ in selector.select(min(remaining, 1.0)):
                    chunk = os.read(key.fd, _CHUNK)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        take(splitters[key.fd].close())
                        continue
                    buffer = kept[key.fd]
                    buffer += chunk[:max(0, keep - len(buffer))]
                    take(splitters[key.fd].feed(chunk))
        if not timed_out:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                timed_out = True
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in streams:
            stream.close()
    out = kept[out_fd].decode(errors="replace")
    err = kept[err_fd].decode(errors="replace") if err_fd is not None else ""
    return Captured(-1 if timed_out else proc.returncode, out, err, tail)
