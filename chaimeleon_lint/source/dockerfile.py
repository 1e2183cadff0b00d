"""Dockerfile syntax with exact line spans, following BuildKit's parser where others drift.

Closes the gaps of line-regex parsers: `# escape=`, comment and blank lines inside
continuations, heredocs (`RUN <<EOF`, `COPY <<EOF dst`), JSON versus shell form (invalid
JSON is shell form, as Docker does), and flags such as `--chown` or `--mount`.
"""

import json
import re

from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.source.shell import SHELLS

KEYWORDS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD "
    "RUN SHELL STOPSIGNAL USER VOLUME WORKDIR".split()
)
HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
FLAG_KEYWORDS = frozenset({"RUN", "COPY", "ADD", "FROM", "HEALTHCHECK"})
EXEC_KEYWORDS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL"})
SHELL_SCRIPT_KEYWORDS = frozenset({"RUN", "CMD", "ENTRYPOINT"})

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9_]*)\s*=\s*(\S*)\s*$")
_HEREDOC_NAME = re.compile(r"(-?)\s*(?:\"([^\"\s]+)\"|'([^'\s]+)'|([A-Za-z_][A-Za-z0-9_]*))")
_TOKEN = re.compile(r"(\S+)\s*")
_new = tuple.__new__  # a NamedTuple from all its fields, without its generated __new__: tests/test_records.py
_BLANKS = re.compile(r"(?:[ \t\n]|\\\n)*")  # blanks, and escaped line ends, between a keyword and its flags
_KEYWORD = re.compile(_BLANKS.pattern + r"[^ \t\n\\]*")  # the blanks before a keyword, and it
_FLAG_TEXT = re.compile(r"[^ \t\n]*")
_LONE_HEREDOCS = re.compile(r"\s*(<<-?\s*\S+\s*)+")  # `RUN <<EOF`: the heredoc is the script


class Heredoc(NamedTuple):
    """A here-document; `line` is its first body line, `end_line` its terminator's line."""

    name: str
    body: str
    line: int
    end_line: int
    strip_tabs: bool
    expands: bool


class Instruction(NamedTuple):
    keyword: str
    line: int
    end_line: int
    args: str
    flags: tuple[tuple[str, str | None], ...]
    rest: str
    exec_form: tuple[str, ...] | None
    heredocs: tuple[Heredoc, ...]
    shell_text: str
    shell_line: int

    def flag(self, name: str) -> str | None:
        """Value of `--name=value` (last one wins, as in BuildKit); None when absent."""
        found = None
        for key, value in self.flags:
            if key == name:
                found = value if value is not None else ""
        return found


class Comment(NamedTuple):
    line: int
    text: str


class Problem(NamedTuple):
    line: int
    message: str


class Dockerfile(NamedTuple):
    instructions: tuple[Instruction, ...]
    comments: tuple[Comment, ...]
    problems: tuple[Problem, ...]
    escape: str
    lines: tuple[str, ...]


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _continues(line: str, escape: str) -> tuple[str, bool]:
    """The line without its trailing escape character, and whether it continues."""
    trimmed = line.rstrip(" \t")
    if trimmed.endswith(escape):
        return trimmed[: -len(escape)], True
    return line, False


def heredoc_markers(text: str) -> list[tuple[str, bool, bool]]:
    """(name, strip_tabs, expands) for each `<<NAME` outside quotes, in order."""
    found: list[tuple[str, bool, bool]] = []
    if "<<" not in text:  # most instructions: no walk over the characters
        return found
    i, quote = 0, ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"':
                i += 1
        elif ch in "'\"":
            quote = ch
        elif ch == "\\":
            i += 1
        elif text.startswith("<<", i) and not text.startswith("<<<", i):
            m = _HEREDOC_NAME.match(text, i + 2)
            if m:
                name = m[2] or m[3] or m[4]
                found.append((name, m[1] == "-", m[4] is not None))
                i = m.end()
                continue
        i += 1
    return found


def _split_flags(keyword: str, args: str) -> tuple[tuple[tuple[str, str | None], ...], str]:
    if keyword not in FLAG_KEYWORDS:
        return (), args
    flags: list[tuple[str, str | None]] = []
    rest = args.lstrip()
    while rest.startswith("--"):
        token = _TOKEN.match(rest)
        assert token is not None  # rest starts with "--", so one token always matches
        name, eq, value = token[1][2:].partition("=")
        flags.append((name.lower(), value.strip("\"'") if eq else None))
        rest = rest[token.end():]
    return tuple(flags), rest


def _end(pattern: re.Pattern[str], text: str, start: int) -> int:
    """Where `pattern`, which also matches nothing (so always matches), stops matching from `start`."""
    found = pattern.match(text, start)
    return found.end() if found is not None else start


def _blank_prefix(physical: str, has_flags: bool) -> str:
    """Replace the keyword and its flags with blanks, keeping every row and byte column where it was."""
    i = _end(_KEYWORD, physical, 0)
    if has_flags:
        while True:
            j = _end(_BLANKS, physical, i)
            if not physical.startswith("--", j):
                break
            i = _end(_FLAG_TEXT, physical, j)
    i = _end(_BLANKS, physical, i) if physical[i:i + 1] == "\\" else i
    # One blank per UTF-8 byte: tree-sitter's columns then are the file's byte columns.
    prefix = physical[:i]
    if prefix.isascii() and "\n" not in prefix:  # `RUN ` and its flags on one line: most instructions
        return " " * i + physical[i:]
    return "".join(c if c == "\n" else " " * len(c.encode("utf-8", errors="replace")) for c in prefix) \
        + physical[i:]


def _exec_form(keyword: str, rest: str, line: int, problems: list[Problem]) -> tuple[str, ...] | None:
    if keyword not in EXEC_KEYWORDS or not rest.lstrip().startswith("["):
        if keyword == "SHELL":
            problems.append(Problem(line, "SHELL requires the JSON form, e.g. SHELL [\"/bin/bash\", \"-c\"]"))
        return None
    try:
        value = json.loads(rest)
    except ValueError:
        value = None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    problems.append(
        Problem(line, f"{keyword} looks like a JSON array but is not valid JSON "
                      "(double quotes only); Docker runs it in shell form")
    )
    return None


def interpreter(script: str) -> str | None:
    """The program a shebang names (`#!/usr/bin/env python3` → python3); None without one."""
    if not script.startswith("#!"):
        return None
    words = script.split("\n", 1)[0][2:].split()
    program = words[0].rsplit("/", 1)[-1] if words else "sh"
    if program == "env":
        program = next((w for w in words[1:] if not w.startswith("-") and "=" not in w), "sh")
    return program


def runs_in_shell(script: str) -> bool:
    """True unless a shebang names another interpreter (`#!/usr/bin/env python3`)."""
    program = interpreter(script)
    return program is None or program in SHELLS


def _shell_script(keyword: str, rest: str, rows: list[str], heredocs: list[Heredoc],
                  heredoc_rows: list[str], line: int, has_flags: bool) -> tuple[str, int]:
    """The text a shell runs for this instruction, and the file line of its first row; `rows`
    are its physical lines (joined here, for the instructions a shell runs)."""
    if keyword not in SHELL_SCRIPT_KEYWORDS:
        return "", line
    if heredocs and keyword == "RUN" and _LONE_HEREDOCS.fullmatch(rest):
        # BuildKit runs a lone heredoc as the script itself; a shebang picks the interpreter.
        body = heredocs[0].body
        return (body if runs_in_shell(body) else ""), heredocs[0].line
    text = _blank_prefix("\n".join(rows), has_flags)
    if heredoc_rows:
        text += "\n" + "\n".join(heredoc_rows)
    return text, line


def parse(text: str) -> Dockerfile:
    """Split text into instructions, comments and syntax problems; never raises."""
    lines = text.split("\n")
    n = len(lines)
    escape = "\\"
    comments: list[Comment] = []
    problems: list[Problem] = []
    instructions: list[Instruction] = []

    i = 0
    while i < n:
        m = _DIRECTIVE.match(lines[i].strip())
        if not m:
            break
        if m[1].lower() == "escape":
            if m[2] in ("\\", "`"):
                escape = m[2]
            else:
                problems.append(Problem(i + 1, f"invalid escape directive {m[2]!r}: use \\ or `"))
        comments.append(Comment(i + 1, lines[i].strip()[1:].strip()))
        i += 1

    while i < n:
        stripped = lines[i].strip()
        if not stripped:
            i += 1
            continue
        if stripped.startswith("#"):
            comments.append(Comment(i + 1, stripped[1:].strip()))
            i += 1
            continue
        start = i
        parts: list[str] = []
        rows: list[str] = []
        while i < n:
            content, cont = _continues(lines[i], escape)
            parts.append(content)
            rows.append(content + "\\" if cont else content)
            i += 1
            if not cont:
                break
            while i < n and (not lines[i].strip() or _is_comment(lines[i])):
                rows.append("\\")
                i += 1
        logical = "".join(parts)
        head = logical.lstrip()
        word = head.split(None, 1)
        if not word:  # only continuation characters, blank once joined
            continue
        keyword = word[0].upper()
        args = word[1].strip() if len(word) > 1 else ""
        line = start + 1
        if keyword not in KEYWORDS:
            hint = ""
            if instructions and instructions[-1].end_line == start:
                hint = " (is a '\\' missing at the end of the previous line?)"
            problems.append(Problem(line, f"unknown instruction {word[0]!r}{hint}"))
            continue
        if not args:
            problems.append(Problem(line, f"{keyword} needs arguments"))
            continue

        heredocs: list[Heredoc] = []
        heredoc_rows: list[str] = []
        if keyword in HEREDOC_KEYWORDS:
            for name, strip_tabs, expands in heredoc_markers(args):
                body_start = i
                while i < n:
                    candidate = lines[i].lstrip("\t") if strip_tabs else lines[i]
                    if candidate.rstrip() == name:
                        break
                    i += 1
                body_lines = lines[body_start:i]
                heredoc_rows.extend(body_lines)
                if i >= n:
                    problems.append(Problem(line, f"heredoc <<{name} is never terminated (no line '{name}')"))
                    end = n
                else:
                    heredoc_rows.append(lines[i])
                    end = i + 1
                    i += 1
                body = "\n".join(x.lstrip("\t") if strip_tabs else x for x in body_lines)
                heredocs.append(Heredoc(name, body + "\n" if body_lines else "",
                                        body_start + 1, end, strip_tabs, expands))
        flags, rest = _split_flags(keyword, args)
        exec_form = None if heredocs else _exec_form(keyword, rest, line, problems)
        shell_text, shell_line = ("", line) if exec_form is not None else _shell_script(
            keyword, rest, rows, heredocs, heredoc_rows, line, bool(flags))
        instructions.append(_new(Instruction, (keyword, line, max(i, line), args, flags, rest, exec_form,
                                               tuple(heredocs), shell_text, shell_line)))
    if not any(ins.keyword == "FROM" for ins in instructions) and instructions:
        problems.append(Problem(instructions[0].line, "no FROM instruction: a Dockerfile must start from a base image"))
    elif instructions and instructions[0].keyword not in ("FROM", "ARG"):
        problems.append(Problem(instructions[0].line, f"{instructions[0].keyword} before the first FROM"))
    elif not instructions and not problems:
        problems.append(Problem(1, "no instruction at all (the file is empty or only comments): Docker refuses it"))
    return Dockerfile(tuple(instructions), tuple(comments), tuple(problems), escape, tuple(lines))
