"""`# chaimeleon-lint: ignore=...` before an instruction (or before a line of a start-up script),
`file-ignore=...` anywhere; a reason may follow after another `#`."""

import re
from collections.abc import Sequence

from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.source.dockerfile import Dockerfile

_PRAGMA = re.compile(r"^chaimeleon-lint:\s*(ignore|file-ignore)\s*=\s*([\w\s,-]+?)\s*(?:#.*)?$", re.I)
_MENTION = re.compile(r"^chaimeleon-lint\s*:", re.I)  # a pragma meant, however written


class Suppressions(NamedTuple):
    """Which names are ignored where; names are as written (ids or slugs), resolved by the linter."""

    file: frozenset[str]
    spans: tuple[tuple[int, int, frozenset[str]], ...]  # (line, end_line, names) of an instruction
    mentioned: tuple[tuple[int, str], ...]  # (line, name) of every name in a pragma
    malformed: tuple[tuple[int, str], ...] = ()  # (line, text) of a comment that looks like a pragma and is none


def parse_pragmas(dockerfile: Dockerfile) -> Suppressions:
    by_line: dict[int, tuple[str, list[str]]] = {}
    malformed: list[tuple[int, str]] = []
    for comment in dockerfile.comments:
        m = _PRAGMA.match(comment.text)
        if m:
            names = [n.strip() for n in m[2].split(",") if n.strip()]
            by_line[comment.line] = (m[1].lower(), names)
        elif _MENTION.match(comment.text):
            malformed.append((comment.line, comment.text.strip()))
    comment_lines = {c.line for c in dockerfile.comments}
    file_names = {n for kind, names in by_line.values() if kind == "file-ignore" for n in names}
    spans = []
    for ins in dockerfile.instructions:
        names: set[str] = set()
        line = ins.line - 1
        while line in comment_lines:  # the comment block right above the instruction
            kind, found = by_line.get(line, ("", []))
            if kind == "ignore":
                names.update(found)
            line -= 1
        if names:
            spans.append((ins.line, ins.end_line, frozenset(names)))
    mentioned = tuple((line, n) for line, (_, names) in sorted(by_line.items()) for n in names)
    return Suppressions(frozenset(file_names), tuple(spans), mentioned, tuple(malformed))


def _script_pragma(text: str) -> tuple[str, list[str]] | None:
    """(kind, names) of a `# chaimeleon-lint: ...` comment line of a start-up script."""
    stripped = text.lstrip()
    m = _PRAGMA.match(stripped[1:].strip()) if stripped.startswith("#") else None
    return (m[1].lower(), [x.strip() for x in m[2].split(",") if x.strip()]) if m else None


def file_ignored(lines: Sequence[str]) -> frozenset[str]:
    """The names a start-up script's `file-ignore=` pragmas switch off in all of it."""
    return frozenset(n for text in lines if (p := _script_pragma(text)) and p[0] == "file-ignore" for n in p[1])


def ignored_above(lines: Sequence[str], line: int) -> frozenset[str]:
    """The names an `ignore=` pragma in the comment block right above a line of a start-up script
    (shell or Python: `#` comments) switches off there."""
    names: set[str] = set()
    n = line - 2  # the line above, 0-based
    while 0 <= n < len(lines) and lines[n].lstrip().startswith("#"):
        pragma = _script_pragma(lines[n])
        if pragma and pragma[0] == "ignore":
            names.update(pragma[1])
        n -= 1
    return frozenset(names)
