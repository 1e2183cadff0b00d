"""What checks yield (Hit) and what reporters receive (Finding)."""

import enum
from collections.abc import Mapping
from typing import Any

from chaimeleon_lint.records import NamedTuple


class Severity(enum.IntEnum):
    """Ordered so that thresholds compare with `>=`; OFF disables a rule."""

    OFF = 0
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, name: str) -> "Severity":
        try:
            return cls[name.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {name!r} (use error, warning, info or off)") from None

    @property
    def label(self) -> str:
        return _LABELS[self]  # an enum member's name is a descriptor lookup: reporters ask for each finding


_LABELS = {severity: severity.name.lower() for severity in Severity}


class Span(NamedTuple):
    """1-based, inclusive line range in the file a finding is about."""

    line: int
    end_line: int

    @classmethod
    def at(cls, line: int) -> "Span":
        return cls(line, line)


class Edit(NamedTuple):
    """Replace the text from (line, column) up to (end_line, end_column) of the Dockerfile.

    Lines and columns are 1-based, columns count characters, the end is exclusive: an insertion
    has start == end. The same value feeds `--fix`, `--diff` and SARIF `fixes`.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    text: str


class Hit(NamedTuple):
    """A check's raw result: where (None = the whole image), which message variant, message params.

    `subject` is the model object the hit is about (an Install, say) when an autofix needs it.
    """

    span: Span | None
    params: Mapping[str, Any] = {}  # never changed: the default is shared (a mappingproxy would not pickle)
    variant: str | None = None
    path: str | None = None  # a context file, when the finding is not about the Dockerfile
    via: tuple[tuple[str | None, int], ...] = ()  # how start-up reaches it: (context file or None, line)
    subject: object = None


class Finding(NamedTuple):
    """A rendered result, ready for any reporter."""

    rule: str
    slug: str
    severity: Severity
    path: str
    line: int | None
    end_line: int | None
    message: str
    fix: str
    via: tuple[tuple[str, int], ...] = ()  # (path, line) from the Dockerfile's ENTRYPOINT to the finding
    edits: tuple[Edit, ...] = ()  # the autofix, when the rule has one and it is safe here

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line or 0, len(self.rule), self.rule)  # CHL903 before CHL1001
