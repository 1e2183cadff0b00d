"""ARG/ENV expansion as BuildKit's shell lexer does it, with one difference on purpose.

A variable we cannot know (an ARG with no default, or a plain `$NAME` an unknown base image
might set) expands to an *unknown* value, never to "": a linter that guesses "" reports labels
as missing that a `--build-arg` would fill in. What a name that is in no scope expands to is
the scope's decision (`Scope.undeclared`): the engine gives "" where the base image's
environment is known, and for a global ARG that the stage did not declare again.
"""

import re
from collections.abc import Callable, Mapping

from chaimeleon_lint.records import NamedTuple

_new = tuple.__new__  # a NamedTuple from all its fields, without its generated __new__: tests/test_records.py
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_NESTING = 32  # `${A:-${B:-...}}` deeper than this is unknown: bounded work and stack on any input
_BRACED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])(.*))?", re.S)


class Value(NamedTuple):
    """An expanded string; `known` is False when any part of it came from an unknown variable."""

    text: str
    known: bool = True


UNKNOWN = Value("", known=False)


class Scope(dict[str, Value]):
    """The variables set where an expansion happens, and what a name set nowhere expands to.

    `undeclared(name)` answers for a name that is in no scope: "" where the engine's environment
    is known, unknown where the base image might set it; it may also record the use (CHL903).
    Copies keep it, so a shell script's own assignments shadow the stage's names and nothing else.
    `Scope(values)` is built as a dict is, with no `undeclared` (unknown); `Scope.of` sets one.
    """

    undeclared: Callable[[str], Value] | None = None

    @classmethod
    def of(cls, values: Mapping[str, Value], undeclared: Callable[[str], Value] | None) -> "Scope":
        """A scope with its answer for names set nowhere. Scopes are made for every RUN and copied
        for every script: a Python `__init__` cost three times dict's own construction."""
        scope = cls(values)
        scope.undeclared = undeclared
        return scope

    def copy(self) -> "Scope":
        return Scope.of(self, self.undeclared)


def lookup(scope: Mapping[str, Value], name: str) -> Value:
    """The value of `$name`: set in the scope, else what the scope says an undeclared name is."""
    if name in scope:
        return scope[name]
    undeclared = getattr(scope, "undeclared", None)
    if undeclared is None or not _NAME.fullmatch(name):  # `$1`, `$@`, `$?`: the shell's own
        return UNKNOWN
    return undeclared(name)


def substitute(name: str, op: str | None, word: Value | None, scope: Mapping[str, Value]) -> Value:
    """`$name` or `${name<op>word}` with POSIX meanings of `-`, `:-`, `+`, `:+`, `?`, `:?`."""
    is_set = name in scope
    if not is_set and op is not None and op.endswith("-"):
        return word or Value("")  # set nowhere: the default is what BuildKit will use
    current = lookup(scope, name)
    if op is None or op in ("?", ":?"):
        return current
    if not current.known:
        return UNKNOWN
    usable = is_set and (current.text != "" or not op.startswith(":"))
    word = word or Value("")
    if op.endswith("-"):
        return current if usable else word
    return word if usable else Value("")


def _closing_brace(text: str, start: int) -> int:
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            if depth == 0:
                return j
            depth -= 1
    return -1


def _dollar(text: str, i: int, scope: Mapping[str, Value], escape: str, depth: int) -> tuple[Value, int]:
    """Expand the `$...` at text[i]; return the value and the index after it."""
    if text.startswith("${", i):
        end = _closing_brace(text, i + 2)
        if end < 0:
            return Value(text[i:]), len(text)
        m = _BRACED.fullmatch(text, i + 2, end)
        if not m:  # ${#x}, ${x%y} and other forms we do not evaluate
            return UNKNOWN, end + 1
        if m[2] and depth >= _MAX_NESTING:
            return UNKNOWN, end + 1
        word = _one(_scan(m[3], scope, escape, False, "", depth + 1)) if m[2] else None
        return substitute(m[1], m[2], word, scope), end + 1
    if text.startswith("$(", i):  # a shell command substitution: its output is never known here
        depth, j = 0, i + 1
        while j < len(text):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                return UNKNOWN, j + 1
            j += 1
        return UNKNOWN, len(text)
    m = _NAME.match(text, i + 1)
    if not m:
        return Value("$"), i + 1
    return substitute(m[0], None, None, scope), m.end()


def _scan(text: str, scope: Mapping[str, Value], escape: str, split: bool, unknown_as: str = "",
          depth: int = 0) -> list[Value]:
    """Quote removal and expansion; with `split`, words end at unquoted white space.

    An unknown expansion contributes `unknown_as` to the text (a marker lets a check judge the
    literal parts of a partly unknown value)."""
    if _plain(text, escape) and "$" not in text:  # most values: nothing to remove or expand
        return [_new(Value, (word, True)) for word in _blank_split(text)] if split else [Value(text)] if text else []
    return _scan_characters(text, scope, escape, split, unknown_as, depth)


def _plain(text: str, escape: str) -> bool:
    return escape not in text and "'" not in text and '"' not in text


def _blank_split(text: str) -> list[str]:
    """Words between spaces, tabs and newlines (what the engine splits on; str.split takes more)."""
    return [word for word in text.replace("\t", " ").replace("\n", " ").split(" ") if word]


def _scan_characters(text: str, scope: Mapping[str, Value], escape: str, split: bool, unknown_as: str,
                     depth: int) -> list[Value]:
    words: list[Value] = []
    buf: list[str] = []
    known, started = True, False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if split and c in " \t\n":
            if started:
                words.append(Value("".join(buf), known))
                buf, known, started = [], True, False
            i += 1
            continue
        started = True
        if c == escape:
            buf.append(text[i + 1] if i + 1 < n else "")
            i += 2
        elif c == "'":
            end = text.find("'", i + 1)
            end = n if end < 0 else end
            buf.append(text[i + 1:end])
            i = end + 1
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                if text[i] == escape and i + 1 < n and text[i + 1] in ('"', "$", escape):
                    buf.append(text[i + 1])
                    i += 2
                elif text[i] == "$":
                    value, i = _dollar(text, i, scope, escape, depth)
                    buf.append(unknown_as if unknown_as and not value.known else value.text)
                    known = known and value.known
                else:
                    buf.append(text[i])
                    i += 1
            i += 1
        elif c == "$":
            value, i = _dollar(text, i, scope, escape, depth)
            buf.append(unknown_as if unknown_as and not value.known else value.text)
            known = known and value.known
        else:
            buf.append(c)
            i += 1
    if started:
        words.append(Value("".join(buf), known))
    return words


def expand(text: str, scope: Mapping[str, Value], escape: str = "\\", unknown_as: str = "") -> Value:
    """One word: quotes removed, variables expanded (USER, WORKDIR, FROM, label values)."""
    return _one(_scan(text, scope, escape, split=False, unknown_as=unknown_as))


def _one(words: list[Value]) -> Value:
    return words[0] if words else Value("")


def split_words(text: str, scope: Mapping[str, Value], escape: str = "\\") -> list[Value]:
    """Several words, as COPY/ADD/EXPOSE/VOLUME arguments are split."""
    return _scan(text, scope, escape, split=True)


def pairs(text: str, scope: Mapping[str, Value], escape: str = "\\") -> list[tuple[str, str, Value]]:
    """`k=v k2="v 2"` pairs of ENV/LABEL/ARG as (key, value as written, value expanded); also the
    legacy `ENV key the value` form."""
    words = raw_words(text, escape)
    if words and "=" not in words[0]:
        key = words[0]
        value = text.lstrip()[len(key):].strip()
        return [(key, value, expand(value, scope, escape))] if value else [(key, "", UNKNOWN)]
    result = []
    for word in words:
        key, eq, value = word.partition("=")
        result.append((expand(key, {}, escape).text, value, expand(value, scope, escape) if eq else UNKNOWN))
    return result


def raw_words(text: str, escape: str) -> list[str]:
    """Split on unquoted white space, keeping quotes and `$` so each word can be expanded later."""
    if _plain(text, escape):
        return _blank_split(text)
    words: list[str] = []
    start: int | None = None
    quote = ""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
            elif c == escape and quote == '"':
                i += 1
        elif c in " \t\n":
            if start is not None:
                words.append(text[start:i])
                start = None
        else:
            if start is None:
                start = i
            if c in "'\"":
                quote = c
            elif c == escape:
                i += 1
        i += 1
    if start is not None:
        words.append(text[start:])
    return words
