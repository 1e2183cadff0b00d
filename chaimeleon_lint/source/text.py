"""Turning bytes into the text we lint: size limit, binary detection, BOM, CRLF, UTF-8."""

from chaimeleon_lint.records import NamedTuple

MAX_BYTES = 16 * 1024 * 1024
"""Larger inputs are refused: no real Dockerfile comes near this, and it bounds memory and time."""


class InputError(Exception):
    """Input we cannot lint at all; the CLI prints it as one line and exits 2."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class Source(NamedTuple):
    """Decoded text with `\\n` line ends; `notes` says what decoding had to repair."""

    path: str
    text: str
    notes: tuple[str, ...] = ()

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


def decode(data: bytes, path: str) -> Source:
    """Decode like BuildKit reads a Dockerfile: UTF-8, an optional BOM, CRLF as a line end."""
    if len(data) > MAX_BYTES:
        raise InputError(path, f"file is {len(data):,} bytes; the limit is {MAX_BYTES:,}")
    if b"\x00" in data[:8192]:
        raise InputError(path, "binary file (contains NUL bytes), not a Dockerfile")
    notes: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        notes.append(f"not valid UTF-8 (first at line {line}); decoded with replacement characters")
        text = data.decode("utf-8", errors="replace")
    return Source(path, text.replace("\r\n", "\n"), tuple(notes))
