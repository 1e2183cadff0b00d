"""Shell text to simple commands, with tree-sitter-bash (error tolerant, keeps positions).

Commands come out in execution order with their own file lines. We descend where a shell
runs more shell: `sh -c '...'`, `bash <<EOF`, `$(...)`, loops (unrolled over their literal
word lists) and function bodies. Brace expansion is done only under bash: dash, Debian's
/bin/sh, leaves `{a,b}` as it is.
"""

import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.source.variables import UNKNOWN, Scope, Value, expand, lookup

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree

Word = Value
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})
_new = tuple.__new__  # a NamedTuple from all its fields, without its generated __new__: tests/test_records.py
_MAX_LOOP = 64
_MAX_DEPTH = 8
_MAX_CONDITIONS = 64  # of an `&&` chain, the commands before an operand that are kept as its conditions
MAX_NESTING = 64  # compound commands and substitutions inside one another; what is deeper is not walked
_DQ_ESCAPE = re.compile(r"\\([\"\\$`\n])")
_WORD_ESCAPE = re.compile(r"\\(.)", re.S)
_BRACES = re.compile(r"\{([^{}]*,[^{}]*)\}")
_ECHO_OPTIONS = re.compile(r"-[neE]+")
_PRINTF_FORMAT = re.compile(r"%[sbd]")
# tree-sitter-bash 0.25's scanner, looking for a `{1..5}` sequence, calls the C `isdigit` on the
# code point after `{`, `{12` or `{1..2`; past U+00FF that reads outside glibc's table and can
# crash the process (SIGSEGV). Such a code point is masked with as many `x` bytes, so offsets hold.
_ISDIGIT_CRASH = re.compile(rb"(\{[0-9]*(?:\.\.[0-9]*)?)([\xc4-\xf7][\x80-\xbf]*)")


class Redirect(NamedTuple):
    op: str
    target: Word | None


class Command(NamedTuple):
    """One simple command after expansion; `stdin` is the text fed to it when we can tell.

    `conditions` are the commands whose success it runs under (an `if`/`elif`/`while` test, the
    left of `&&`); `function` names the shell function whose body holds it. `spans` locates each
    argv word in the file as (line, byte column, end line, end byte column), for autofixes; it is
    empty for commands inside `sh -c` strings or nested heredocs, whose columns are not the file's,
    and when the caller did not ask for positions (`ShellContext.positions`).
    """

    argv: tuple[Word, ...]
    assigns: tuple[tuple[str, Word], ...]
    redirects: tuple[Redirect, ...]
    line: int
    end_line: int
    name: str  # program(argv), kept: every effect and several checks ask for it
    stdin: Word | None = None
    conditions: "tuple[Command, ...]" = ()
    function: str | None = None
    spans: tuple[tuple[int, int, int, int], ...] = ()

    @classmethod
    def of(cls, argv: tuple[Word, ...], line: int, end_line: int) -> "Command":
        """A command run without a shell (an exec form, a Python call's argv): no assignment, no redirect."""
        return cls(argv, (), (), line, end_line, program(argv))

    @property
    def args(self) -> list[str]:
        return [w.text for w in self.argv[1:]]

    def with_redirects(self, extra: tuple[Redirect, ...], stdin: Word | None) -> "Command":
        return self._replace(redirects=self.redirects + extra,
                             stdin=stdin if stdin is not None else self.stdin)


def program(argv: tuple[Word, ...] | list[Word]) -> str:
    """The base name of the program argv runs (`/usr/bin/sudo` → `sudo`); "" when there is none."""
    return argv[0].text.rsplit("/", 1)[-1] if argv else ""


class ShellContext(NamedTuple):
    """What the shell knows before it starts: variables, the user's home, bash or not, and the
    user it runs as (what `$(whoami)` prints; None when unknown). `positions`: keep where each
    word of a command is in the file (`Command.spans`), which only autofixes read."""

    scope: Mapping[str, Value]
    home: str | None
    bash: bool
    user: str | None = None
    positions: bool = True


@functools.cache
def _parser() -> "Parser":
    """The tree-sitter parser, built once: loading the grammar is the costly part."""
    from tree_sitter import Language, Parser

    return Parser(Language(_bash_language()))


def _bash_language() -> object:
    """tree-sitter-bash's grammar from its compiled binding alone: the package's `__init__` also
    imports importlib.resources for a highlighting query we never use, 5 ms of every start. Any
    other layout of the package falls back to importing it."""
    import importlib.machinery
    import importlib.util
    import os

    spec = importlib.util.find_spec("tree_sitter_bash")
    for directory in (spec.submodule_search_locations or []) if spec is not None else []:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = f"{directory}/_binding{suffix}"
            binding = importlib.util.spec_from_file_location("tree_sitter_bash._binding", path)
            if binding is not None and binding.loader is not None and os.path.exists(path):
                module = importlib.util.module_from_spec(binding)
                binding.loader.exec_module(module)
                return module.language()
    import tree_sitter_bash

    return tree_sitter_bash.language()


class Script(list[Command]):
    """The simple commands of a script, in order; `too_deep` is the line where the script nests more
    than MAX_NESTING levels (None when it does not): what lies deeper was not walked."""

    too_deep: int | None = None


def parse_script(text: str, first_line: int, ctx: ShellContext) -> Script:
    """All simple commands a script runs, in order; never raises on bad syntax or deep nesting."""
    script = Script()
    if not text.strip():
        return script
    source = text.encode("utf-8", errors="replace")
    scope = ctx.scope if isinstance(ctx.scope, Scope) else Scope(ctx.scope)
    walker = _Walker(source, first_line, ctx.home, ctx.bash, scope, 0, ctx.user, positions=ctx.positions)
    walker.visit(_parse(source).root_node)
    script.extend(walker.commands)
    script.too_deep = walker.too_deep
    return script


def _parse(source: bytes) -> "Tree":
    """The syntax tree of `source`, parsed with the crash-prone code points masked.

    Node positions are the same in both; node text must be read from `source` (`_Walker.text`).
    """
    if b"{" in source:  # the masked pattern starts with one: most scripts have none
        source = _ISDIGIT_CRASH.sub(lambda m: m[1] + b"x" * len(m[2]), source)
    return _parser().parse(source)


def brace_expand(text: str) -> list[str]:
    """bash brace expansion of comma lists, `a{b,c}d` → `abd acd` (nested via recursion)."""
    m = _BRACES.search(text)
    if not m:
        return [text]
    out: list[str] = []
    for alternative in m[1].split(","):
        out.extend(brace_expand(text[: m.start()] + alternative + text[m.end():]))
    return out


def echo_output(command: Command) -> Word | None:
    """What `echo`/`printf` writes to stdout, when it is plain enough to know."""
    args = list(command.argv[1:])
    name = command.name
    if name == "echo":
        interpret = False
        while args and _ECHO_OPTIONS.fullmatch(args[0].text):
            interpret = interpret or "e" in args[0].text
            args.pop(0)
        text = " ".join([a.text for a in args])
        if interpret:
            text = text.replace("\\n", "\n").replace("\\t", "\t")
        return _new(Word, (text + "\n", all([a.known for a in args])))
    if name == "printf" and args:
        fmt = args[0].text.replace("\\n", "\n").replace("\\t", "\t")
        values = iter(a.text for a in args[1:])
        text = _PRINTF_FORMAT.sub(lambda _: next(values, ""), fmt)
        return Word(text, all(a.known for a in args))
    if name == "cat" and not args:
        return command.stdin
    return None


class _Walker:
    """Walks one syntax tree; local state only (its scope and the commands found)."""

    def __init__(self, source: bytes, first_line: int, home: str | None, bash: bool, scope: Scope, depth: int,
                 user: str | None, conditions: tuple[Command, ...] = (), function: str | None = None,
                 level: int = 0, positions: bool = False) -> None:
        self.source = source
        self.ascii = source.decode("ascii") if source.isascii() else None  # byte offsets are its indexes
        self.first_line = first_line
        self.home = home
        self.bash = bash
        self.scope = scope  # the caller's until the script sets a variable (`assignable`)
        self.own_scope = False
        self.depth = depth
        self.user = user
        self.commands: list[Command] = []
        self.conditions = conditions
        self.function = function
        self.level = level  # how deeply the node being walked is nested
        self.positions = positions and depth == 0  # nested scripts' columns are not the file's
        self.too_deep: int | None = None  # the first line where nesting passed MAX_NESTING

    def assignable(self) -> Scope:
        """The scope to set a variable in: the walker's own, copied from the caller's at the script's
        first assignment (most scripts set none, and a RUN's scope holds the stage's whole ENV)."""
        if not self.own_scope:
            self.scope, self.own_scope = self.scope.copy(), True
        return self.scope

    def text(self, node: "Node") -> str:
        """The node's text in the script as written (the parsed bytes may be masked)."""
        if self.ascii is not None:
            return self.ascii[node.start_byte:node.end_byte]
        return self.source[node.start_byte:node.end_byte].decode(errors="replace")

    def line(self, node: "Node") -> int:
        return self.first_line + node.start_point[0]

    def end_line(self, node: "Node") -> int:
        return self.first_line + node.end_point[0]

    # -- statements ---------------------------------------------------------------
    def visit(self, node: "Node") -> None:
        """One statement; nesting is bounded, so a hostile script costs a finding, not the stack."""
        if self.level >= MAX_NESTING:
            if self.too_deep is None:
                self.too_deep = self.line(node)
            return
        self.level += 1
        kind = node.type
        if kind == "command":  # the kinds in the order they are most often met
            self.command(node, (), None)
        elif kind == "list":
            self.and_or(node)
        elif kind == "redirected_statement":
            self.redirected(node)
        elif kind == "pipeline":
            self.pipeline(node)
        elif kind == "variable_assignment":
            self.assign(node)
        elif kind == "declaration_command":
            for child in node.named_children:
                if child.type == "variable_assignment":
                    self.assign(child)
                elif child.type == "variable_name" and self.text(node).startswith(("local", "declare", "typeset")):
                    self.assignable()[self.text(child)] = Value("")  # `local V`: set, and empty
        elif kind == "for_statement":
            self.for_loop(node)
        elif kind in ("if_statement", "elif_clause", "while_statement"):
            self.conditional(node)
        elif kind == "test_command":
            self.test(node)
        elif kind == "function_definition":
            self.function_body(node)
        else:
            for child in node.named_children:
                self.visit(child)
        self.level -= 1

    def emit(self, argv: tuple[Word, ...], assigns: tuple[tuple[str, Word], ...],
             redirects: tuple[Redirect, ...], node: "Node", stdin: Word | None = None,
             word_nodes: "tuple[Node, ...]" = ()) -> Command:
        first = self.first_line
        spans = () if not self.positions else tuple(
            (first + start[0], start[1], first + end[0], end[1])
            for start, end in ((n.start_point, n.end_point) for n in word_nodes))
        command = _new(Command, (argv, assigns, redirects, first + node.start_point[0], first + node.end_point[0],
                                 program(argv), stdin, self.conditions, self.function, spans))
        self.commands.append(command)
        return command

    def test(self, node: "Node") -> None:
        """`[ ... ]` / `[[ ... ]]`: the commands its substitutions run, then the test itself as a
        command `[` whose words are the test's text as written (none known), so that what a
        branch runs under can be read (`[ "$(id -u)" -eq 0 ]`: only root gets there)."""
        for child in node.named_children:
            self.visit(child)
        inner = self.text(node).strip().removeprefix("[[").removeprefix("[").removesuffix("]]").removesuffix("]")
        self.emit((Value("[", True), *(Value(w, False) for w in inner.split())), (), (), node)

    def tests(self, nodes: "list[Node]") -> tuple[Command, ...]:
        """Visit condition nodes and return the commands they ran."""
        before = len(self.commands)
        for node in nodes:
            self.visit(node)
        return tuple(self.commands[before:])

    def conditional(self, node: "Node") -> None:
        """`if`/`elif`/`while`: the body runs under the test; `else` and `elif` do not."""
        outer = self.conditions
        if node.type == "while_statement":
            tested = self.tests(node.children_by_field_name("condition"))
            body = node.child_by_field_name("body")
            self.conditions = outer + tested
            if body is not None:
                self.visit(body)
            self.conditions = outer
            return
        test_nodes: list["Node"] = []
        tested: tuple[Command, ...] | None = None
        for child in node.children:
            if child.type == "then":
                tested = self.tests(test_nodes)
            elif not child.is_named:
                continue
            elif child.type in ("elif_clause", "else_clause"):
                self.conditions = outer
                self.visit(child)
            elif tested is None:
                test_nodes.append(child)
            else:
                self.conditions = outer + tested
                self.visit(child)
        self.conditions = outer

    def and_or(self, node: "Node") -> None:
        """`a && b`: b runs only when what came before it in the chain succeeded (the last
        _MAX_CONDITIONS commands of it are kept); `a || b` adds no condition to b. The chain nests to the left (`(a && b) && c`); it is walked flat, so
        10,000 `&&` cost no depth."""
        outer = self.conditions
        start = len(self.commands)
        for child in _chain(node):
            if child.type == "&&":  # the nearest commands of the chain: linear time on 10,000 `&&`
                self.conditions = outer + tuple(self.commands[max(start, len(self.commands) - _MAX_CONDITIONS):])
            elif child.type == "||":
                self.conditions = outer
            elif child.is_named:
                self.visit(child)
        self.conditions = outer

    def function_body(self, node: "Node") -> None:
        name, body = node.child_by_field_name("name"), node.child_by_field_name("body")
        if name is None or body is None:
            return
        outer = self.function
        self.function = self.text(name)
        self.visit(body)
        self.function = outer

    def assign(self, node: "Node") -> None:
        """`X=1` or `export X=1`: an assignment-only command, kept so checks see the variable."""
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is not None:
            word = self.word(value) if value is not None else Value("")
            self.assignable()[self.text(name)] = word
            self.emit((), ((self.text(name), word),), (), node)

    def for_loop(self, node: "Node") -> None:
        var = node.child_by_field_name("variable")
        body = node.child_by_field_name("body")
        values = [w for child in node.children_by_field_name("value") for w in self.words(child)]
        if var is None or body is None:
            return
        name = self.text(var)
        for value in values[:_MAX_LOOP] if values else [UNKNOWN]:
            self.assignable()[name] = value
            self.visit(body)

    def pipeline(self, node: "Node") -> None:
        piped: Word | None = None
        for child in node.named_children:
            before = len(self.commands)
            if child.type == "command":
                self.command(child, (), piped)
            else:  # `| (passwd user)`: the subshell's first command reads the pipe
                self.visit(child)
                if piped is not None and len(self.commands) > before and self.commands[before].stdin is None:
                    self.commands[before] = self.commands[before].with_redirects((), piped)
            emitted = self.commands[before:]
            piped = echo_output(emitted[-1]) if emitted else None

    def redirected(self, node: "Node") -> None:
        """Redirects belong to the last command of the body (tree-sitter may wrap a list)."""
        body = node.child_by_field_name("body")
        redirects: list[Redirect] = []
        stdin: Word | None = None
        scripts: list[tuple[str, int]] = []
        for child in node.named_children:
            if child == body:
                continue
            if child.type == "heredoc_redirect":
                stdin = self.heredoc_text(child)
                body_node = next((c for c in child.named_children if c.type == "heredoc_body"), None)
                if body_node is not None:
                    scripts.append((stdin.text, self.line(body_node)))
                redirects.extend(self.redirect(c) for c in child.named_children if c.type == "file_redirect")
            elif child.type == "herestring_redirect":
                target = child.named_children[-1] if child.named_children else None
                stdin = self.word(target) if target is not None else UNKNOWN
            elif child.type == "file_redirect":
                redirects.append(self.redirect(child))
        if body is None:
            return
        before = len(self.commands)
        if body.type == "command":
            self.command(body, tuple(redirects), stdin)
        else:
            self.visit(body)
            if len(self.commands) > before:
                self.commands[-1] = self.commands[-1].with_redirects(tuple(redirects), stdin)
        runs_stdin = len(self.commands) > before and self.commands[before].name in SHELLS
        if runs_stdin and len(self.commands[before].argv) == 1:
            for script, line in scripts:  # `bash <<EOF`: the heredoc is the script
                self.nested(script, line, self.commands[before].name == "bash")

    def redirect(self, node: "Node") -> Redirect:
        op = next((c.type for c in node.children if not c.is_named), ">")
        dest = node.child_by_field_name("destination")
        if dest is None and node.named_children:
            dest = node.named_children[-1]
        return _new(Redirect, (op, self.word(dest) if dest is not None and dest.type != "file_descriptor" else None))

    def heredoc_text(self, node: "Node") -> Word:
        start = next((c for c in node.named_children if c.type == "heredoc_start"), None)
        body = next((c for c in node.named_children if c.type == "heredoc_body"), None)
        if body is None:
            return Value("")
        quoted = start is not None and self.text(start)[:1] in ("'", '"', "\\")
        if quoted:
            return Value(self.text(body))
        return self.join(body, body.named_children, keep_text=True)

    def command(self, node: "Node", redirects: tuple[Redirect, ...], stdin: Word | None) -> None:
        assigns: list[tuple[str, Word]] = []
        argv: list[Word] = []
        argv_nodes: list["Node"] = []
        extra: list[Redirect] = list(redirects)
        ascii, bash = self.ascii, self.bash
        for child in node.named_children:
            kind = child.type
            if kind == "command_name" and (named := child.named_children):
                child = named[0]
                kind = child.type
            if kind == "word" and ascii is not None:  # most words: literal, with no escape or `~`
                text = ascii[child.start_byte:child.end_byte]  # (brace lists are concatenations)
                if "\\" not in text and text[:1] != "~":
                    argv.append(_new(Value, (text, True)))
                    argv_nodes.append(child)
                    continue
            if kind == "variable_assignment":
                name = child.child_by_field_name("name")
                value = child.child_by_field_name("value")
                if name is not None:
                    assigns.append((self.text(name), self.word(value) if value is not None else Value("")))
            elif kind == "file_redirect":
                extra.append(self.redirect(child))
            elif kind == "herestring_redirect":
                target = child.named_children[-1] if child.named_children else None
                stdin = self.word(target) if target is not None else UNKNOWN
            elif kind == "heredoc_redirect":
                stdin = self.heredoc_text(child)
            else:
                for word in self.words(child) if bash else (self.word(child),):  # braces: bash only
                    argv.append(word)
                    argv_nodes.append(child)
        if not argv:
            self.assignable().update(assigns)
        elif argv[0].text == "read":
            self.assignable().update((name, UNKNOWN) for name in _read_names(argv))
        command = self.emit(tuple(argv), tuple(assigns), tuple(extra), node, stdin, tuple(argv_nodes))
        if command.name in SHELLS:
            self.shell_c(command, argv_nodes)

    def shell_c(self, command: Command, nodes: "list[Node]") -> None:
        """`sh -c 'script'` and `bash -lc "script"` (a command whose program is a shell): the string is shell too."""
        for i, word in enumerate(command.argv[1:], start=1):
            if not word.text.startswith("-"):
                return
            if "c" in word.text[1:] and not word.text.startswith("--") and i + 1 < len(command.argv):
                self.nested(command.argv[i + 1].text, self.line(nodes[i + 1]), command.name == "bash")
                return

    def nested(self, script: str, line: int, bash: bool) -> None:
        if self.depth >= _MAX_DEPTH or not script.strip():
            return
        source = script.encode("utf-8", errors="replace")
        inner = _Walker(source, line, self.home, bash, self.scope, self.depth + 1, self.user,
                        conditions=self.conditions, function=self.function, level=self.level)
        inner.visit(_parse(source).root_node)
        self.commands.extend(inner.commands)
        self.too_deep = self.too_deep or inner.too_deep

    # -- words --------------------------------------------------------------------
    def words(self, node: "Node") -> list[Word]:
        """One node may become several words (brace expansion under bash)."""
        word = self.word(node)
        if self.bash and word.known and node.type in ("concatenation", "word") and "{" in self.text(node):
            return [Value(t) for t in brace_expand(word.text)]
        return [word]

    def word(self, node: "Node") -> Word:
        kind = node.type
        text = self.ascii[node.start_byte:node.end_byte] if self.ascii is not None else self.text(node)
        if kind in ("word", "number"):
            value = _new(Value, (_WORD_ESCAPE.sub(r"\1", text) if "\\" in text else text, True))
            return self.tilde(value, text) if text[:1] == "~" else value
        if kind == "raw_string":
            return _new(Value, (text[1:-1], True))
        if kind == "ansi_c_string":
            return Value(text[2:-1].encode().decode("unicode_escape", errors="replace"))
        if kind == "string":
            return self.join(node, node.named_children, keep_text=False)
        if kind == "concatenation":
            parts = [self.word(c) for c in node.named_children]
            joined = Value("".join(p.text for p in parts), all(p.known for p in parts))
            first = node.named_children[0] if node.named_children else None
            return self.tilde(joined, self.text(first) if first is not None and first.type == "word" else "")
        if kind == "simple_expansion":
            return lookup(self.scope, text[1:])
        if kind == "expansion":
            return expand(text, self.scope)
        if kind in ("command_substitution", "process_substitution"):
            before = len(self.commands)
            for child in node.named_children:
                self.visit(child)
            return self.user_name(self.commands[before:]) if kind == "command_substitution" else UNKNOWN
        if kind == "command_name":
            return self.word(node.named_children[0]) if node.named_children else Value(text)
        return UNKNOWN

    def user_name(self, ran: list[Command]) -> Word:
        """`$(whoami)` and `$(id -un)` print the name of the user the shell runs as."""
        if len(ran) == 1 and self.user is not None and (
                ran[0].args == [] and ran[0].name == "whoami"
                or ran[0].name == "id" and sorted("".join(a.lstrip("-") for a in ran[0].args)) == ["n", "u"]):
            return Value(self.user)
        return UNKNOWN

    def tilde(self, value: Word, raw: str) -> Word:
        """`~` and `~/x` at the start of an unquoted word: the current user's home."""
        if raw == "~" or raw.startswith("~/"):
            if self.home is None:
                return Value(value.text, known=False)
            return Value(self.home + value.text[1:], value.known)
        return value

    def join(self, node: "Node", parts: "list[Node]", keep_text: bool) -> Word:
        """A double-quoted string or heredoc body: literal text between expansions."""
        source = self.source
        pieces: list[str] = []
        known = True
        pos = node.start_byte
        end = node.end_byte
        if not keep_text:  # skip the surrounding double quotes
            pos += 1
            end -= 1
        for part in parts:
            if part.type in ("simple_expansion", "expansion", "command_substitution", "arithmetic_expansion"):
                pieces.append(_unescaped(source[pos:part.start_byte].decode(errors="replace")))
                value = self.word(part)
                pieces.append(value.text)
                known = known and value.known
                pos = part.end_byte
        pieces.append(_unescaped(source[pos:end].decode(errors="replace")))
        return Value("".join(pieces), known)


def _chain(node: "Node") -> "list[Node]":
    """The operands and operators of an `&&`/`||` list in order, its left nesting undone without recursion."""
    parts: list[list["Node"]] = []
    while True:
        children = list(node.children)
        if children and children[0].type == "list":
            parts.append(children[1:])
            node = children[0]
        else:
            parts.append(children)
            return [child for part in reversed(parts) for child in part]


def _read_names(argv: list[Word]) -> list[str]:
    """The variables `read [-r] [-p prompt] NAME...` sets (options that take a value skip it)."""
    names: list[str] = []
    words = iter(argv[1:])
    for word in words:
        if word.text.startswith("-"):
            if word.text[-1:] in "adinNptu" and len(word.text) == 2:
                next(words, None)
        else:
            names.append(word.text)
    return names


def _unescape(m: re.Match[str]) -> str:
    return "" if m[1] == "\n" else m[1]


def _unescaped(text: str) -> str:
    """Double-quoted text with its backslash escapes undone (most text has none: no regex then)."""
    return _DQ_ESCAPE.sub(_unescape, text) if "\\" in text else text

