"""Applying edits to text, showing them as a diff, and writing the result without risk to the original."""

from __future__ import annotations

import contextlib
import difflib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from chaimeleon_lint.findings import Edit


class FixError(Exception):
    """The fixed text could not be written; the original file is unchanged."""


def _offsets(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def apply(text: str, edits: Iterable[Edit]) -> tuple[str, frozenset[Edit]]:
    """Apply non-overlapping edits; returns the text and the edits that were applied.

    Duplicates apply once. An edit that overlaps an earlier one, or inserts at the same point
    as one, is left out: its finding is fixed in a later round, on positions computed anew.
    """
    starts = _offsets(text)

    def offset(line: int, column: int) -> int:
        if line > len(starts):
            return len(text)
        return min(starts[line - 1] + column - 1, len(text))

    chosen: list[tuple[int, int, Edit]] = []
    for edit in sorted(set(edits)):
        start, end = offset(edit.line, edit.column), offset(edit.end_line, edit.end_column)
        if chosen and (start < chosen[-1][1] or start == chosen[-1][0] == chosen[-1][1] == end):
            continue
        chosen.append((start, end, edit))
    for start, end, edit in reversed(chosen):
        text = text[:start] + edit.text + text[end:]
    return text, frozenset(edit for _, _, edit in chosen)


def unified_diff(path: str, before: str, after: str, crlf: bool = False) -> str:
    """A patch `git apply` takes; a CRLF file's lines keep their CRLF in it (the headers are git's LF)."""
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    out = []
    for n, line in enumerate(lines):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        elif crlf and n >= 2 and line[:1] in " +-":  # the file's lines, not the two headers or an @@
            line = line[:-1] + "\r\n"
        out.append(line)
    return "".join(out)


def encode_like(original: bytes, text: str) -> bytes:
    """The fixed text with the original's byte-order mark and line ends (CRLF stays CRLF)."""
    bom = b"\xef\xbb\xbf" if original.startswith(b"\xef\xbb\xbf") else b""
    if b"\r\n" in original:
        text = text.replace("\n", "\r\n")
    return bom + text.encode("utf-8")


def write_atomically(path: Path, original: bytes, new: bytes) -> None:
    """Replace `path` with `new` only if it still holds `original`; a temp file and rename, never a partial file."""
    try:
        if path.read_bytes() != original:
            raise FixError(f"{path}: changed since it was read; not fixed (run again)")
        mode = path.stat().st_mode & 0o7777
        if not os.access(path, os.W_OK):
            raise FixError(f"{path}: not writable; not fixed")
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".fix", dir=path.parent)
    except OSError as exc:
        raise FixError(f"{path}: cannot fix: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(new)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise FixError(f"{path}: cannot fix: {exc.strerror or exc}; the original is unchanged") from None

