"""Argument parsing shared by the effects: getopt-style options and command wrappers."""

import posixpath

from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.source.shell import Command, Word, program

_new = tuple.__new__  # a NamedTuple from all its fields, without its generated __new__: tests/test_records.py
_FLAG = Word("")  # what a flag without a value holds: one shared value, not one per flag

# wrapper → (short options taking a value, long options taking a value)
_WRAPPERS: dict[str, tuple[str, frozenset[str]]] = {
    "sudo": ("ughCprUDRT", frozenset({"user", "group", "prompt", "close-from", "chdir", "role", "type", "other-user"})),
    "env": ("uCS", frozenset({"unset", "chdir", "split-string"})),
    "exec": ("a", frozenset()),
    "nice": ("n", frozenset({"adjustment"})),
    "nohup": ("", frozenset()),
    "time": ("fo", frozenset({"format", "output"})),
    "command": ("", frozenset()),
    "stdbuf": ("ioe", frozenset({"input", "output", "error"})),
    "timeout": ("sk", frozenset({"signal", "kill-after"})),
    "xargs": ("aEIdLlnPs", frozenset({"arg-file", "delimiter", "max-args", "max-procs", "replace"})),
    "tini": ("pe", frozenset()),
    "tini-static": ("pe", frozenset()),
    "dumb-init": ("", frozenset({"rewrite"})),
    "catatonit": ("", frozenset()),
}


class Options(NamedTuple):
    """Parsed options: name (without dashes) → values in order, and the operands."""

    values: dict[str, list[Word]]
    operands: list[Word]

    def has(self, *names: str) -> bool:
        for name in names:  # asked for every option of every command: no generator
            if name in self.values:
                return True
        return False

    def last(self, *names: str) -> Word | None:
        """The last value of the last of the names that has one (`-m` then `--mode`: --mode's)."""
        for name in reversed(names):
            if found := self.values.get(name):
                return found[-1]
        return None

    def all(self, *names: str) -> list[Word]:
        return [v for n in names for v in self.values.get(n, [])]


def getopt(args: list[Word] | tuple[Word, ...], short_values: str = "", long_values: frozenset[str] | set[str] = frozenset()) -> Options:
    """GNU-style parsing: `-abc`, `-uVALUE`, `-u VALUE`, `--long=v`, `--long v`, `--` ends options."""
    values: dict[str, list[Word]] = {}
    operands: list[Word] = []
    i = 0
    while i < len(args):
        text = args[i].text
        if text[:1] != "-" or text == "-":  # an operand: most words (packages, paths)
            operands.append(args[i])
            i += 1
            continue
        if text == "--":
            operands.extend(args[i + 1:])
            break
        if text.startswith("--") and len(text) > 2:
            name, eq, value = text[2:].partition("=")
            if eq:
                values.setdefault(name, []).append(Word(value, args[i].known))
            elif name in long_values and i + 1 < len(args):
                i += 1
                values.setdefault(name, []).append(args[i])
            else:
                values.setdefault(name, []).append(_FLAG)
        elif text.startswith("-") and len(text) > 1 and not text[1].isdigit():
            for j, flag in enumerate(text[1:], start=1):
                if flag in short_values:
                    rest = text[j + 1:]
                    if rest:
                        values.setdefault(flag, []).append(Word(rest, args[i].known))
                    elif i + 1 < len(args):
                        i += 1
                        values.setdefault(flag, []).append(args[i])
                    break
                values.setdefault(flag, []).append(_FLAG)
        else:
            operands.append(args[i])
        i += 1
    return _new(Options, (values, operands))


class Invocation(NamedTuple):
    """The program a command really runs once wrappers are peeled off."""

    argv: tuple[Word, ...]
    sudo: bool  # run through sudo (as root unless -u says otherwise)
    run_as: str | None  # `sudo -u NAME`, `gosu NAME`
    name: str  # the program's base name, "" without one: asked by every effect, so computed once

    @property
    def args(self) -> tuple[Word, ...]:
        return self.argv[1:]


def unwrap(command: Command) -> Invocation:
    """Peel `sudo`, `env`, `exec`, `nice`, `gosu user` ... so `sudo -E apt-get install` is apt-get."""
    argv = command.argv
    name = command.name
    if argv and name not in _WRAPPERS and name not in ("gosu", "su-exec"):  # most: their program is what they run
        return _new(Invocation, (argv, False, None, name))
    sudo, run_as, name = False, None, ""
    for _ in range(8):
        if not argv:
            name = ""
            break
        name = program(argv)
        if name in ("gosu", "su-exec") and len(argv) > 2:
            run_as, argv = argv[1].text, argv[2:]
            continue
        if name not in _WRAPPERS:
            break
        short, long = _WRAPPERS[name]
        rest = list(argv[1:])
        if name == "env":
            while rest and ("=" in rest[0].text and not rest[0].text.startswith("-")):
                rest.pop(0)
        if name == "timeout":
            rest = _drop_first_operand(rest, short, long)
        leading = _leading_options(rest, short, long)
        opts = getopt(leading, short, long)
        consumed = len(leading)
        if name == "env":
            while consumed < len(rest) and "=" in rest[consumed].text:
                consumed += 1
        if name == "sudo":
            sudo = True
            user = opts.last("u", "user")
            run_as = user.text if user is not None else "root"
        argv = tuple(rest[consumed:])
    else:  # eight wrappers deep: the name of what is left
        name = program(argv)
    return _new(Invocation, (tuple(argv), sudo, run_as, name))


def _leading_options(args: list[Word], short: str, long: frozenset[str]) -> list[Word]:
    """The option words before a wrapped command (stop at the first operand)."""
    out: list[Word] = []
    i = 0
    while i < len(args) and args[i].text.startswith("-") and args[i].text != "-":
        out.append(args[i])
        text = args[i].text
        if text == "--":
            break
        takes = (text.startswith("--") and "=" not in text and text[2:] in long) or (
            not text.startswith("--") and len(text) == 2 and text[1] in short)
        if takes and i + 1 < len(args):
            i += 1
            out.append(args[i])
        i += 1
    return out


def _drop_first_operand(args: list[Word], short: str, long: frozenset[str]) -> list[Word]:
    opts = _leading_options(args, short, long)
    return opts + args[len(opts) + 1:]


def absolute(path: str, cwd: str) -> str:
    """A normalised absolute path: relative ones are taken from the working directory."""
    if path[:1] == "/" and "//" not in path and "/." not in path and (path == "/" or path[-1] != "/"):
        return path  # normal already (most paths in a Dockerfile): what normpath would return
    return "/" + posixpath.normpath(posixpath.join(cwd or "/", path)).lstrip("/")  # POSIX keeps a leading `//`


def parent(path: str) -> str:
    """posixpath.dirname of a normalised absolute path (`/a/b` → `/a`, `/a` → `/`), without its
    general-case work: the file system model asks it at every level of every path it writes."""
    cut = path.rfind("/")
    return path[:cut] if cut > 0 else "/"


def numeric(text: str) -> bool:
    """ASCII digits, as the engine and useradd read a number: `²` is a digit to
    str.isdigit but not to int(), and `٣` is a name to them."""
    return text.isascii() and text.isdigit()


def under(path: str, prefix: str) -> bool:
    """True when path is prefix or inside it."""
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def rebase(path: str, old: str, new: str) -> str:
    """`path`, which is under `old`, moved to the same place under `new` (`/etc/x`, `/`, `rootfs`
    → `rootfs/etc/x`): how an image path inside a copied directory maps to its context file."""
    return posixpath.normpath(posixpath.join(new, posixpath.relpath(path, old)))
