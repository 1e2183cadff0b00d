"""`# chaimeleon-lint: ignore=...` before an instruction, `file-ignore=...` anywhere."""

import re
from typing import NamedTuple

from chaimeleon_lint.source.dockerfile import Dockerfile

_PRAGMA = re.compile(r"^chaimeleon-lint:\s*(ignore|file-ignore)\s*=\s*([\w\s,-]+?)\s*$", re.I)


class Suppressions(NamedTuple):
    """Which names are ignored where; names are as written (ids or slugs), resolved by the linter."""

    file: frozenset[str]
    spans: tuple[tuple[int, int, frozenset[str]], ...]  # (line, end_line, names) of an instruction
    mentioned: tuple[tuple[int, str], ...]  # (line, name) of every name in a pragma


def parse_pragmas(dockerfile: Dockerfile) -> Suppressions:
    by_line: dict[int, tuple[str, list[str]]] = {}
    for comment in dockerfile.comments:
        m = _PRAGMA.match(comment.text)
        if m:
            names = [n.strip() for n in m[2].split(",") if n.strip()]
            by_line[comment.line] = (m[1].lower(), names)
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
    return Suppressions(frozenset(file_names), tuple(spans), mentioned)
