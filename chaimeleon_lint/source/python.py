"""Python source to imports and calls, with `ast`: call names are resolved through import aliases.

`import requests as r; r.get(u)` gives the call `requests.get`; `from urllib.request import
urlopen as get; get(u)` gives `urllib.request.urlopen`. Arguments are kept when they are
literals (strings, numbers, booleans, lists of strings), otherwise they are OPAQUE.
"""

import ast
from typing import Union

from chaimeleon_lint.records import NamedTuple


class _Opaque:
    """An argument that is not a literal: the value is only known when the program runs."""

    def __repr__(self) -> str:
        return "OPAQUE"


OPAQUE = _Opaque()
Literal = Union[str, int, float, bool, None, tuple[Union[str, _Opaque], ...], _Opaque]

# names whose value is known well enough to stand in an argv: `[sys.executable, "-m", "pip"]`
_KNOWN_NAMES = {"sys.executable": "python3"}


class PyImport(NamedTuple):
    """`import a.b` (names empty) or `from ..a import x, y` (level 2)."""

    module: str
    level: int
    names: tuple[str, ...]
    line: int


class PyCall(NamedTuple):
    name: str  # dotted, through aliases: "transformers.AutoModel.from_pretrained"
    line: int
    args: tuple[Literal, ...]
    keywords: tuple[tuple[str, Literal], ...]

    def keyword(self, name: str, default: Literal = None) -> Literal:
        return next((value for key, value in self.keywords if key == name), default)

    def argument(self, index: int, name: str) -> Literal:
        """A parameter given by position or by keyword; None when absent."""
        if index < len(self.args):
            return self.args[index]
        return self.keyword(name)


class PyModule(NamedTuple):
    imports: tuple[PyImport, ...]
    calls: tuple[PyCall, ...]


def parse_python(text: str) -> PyModule | None:
    """Imports and calls of a module; None when it is not valid Python."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    aliases: dict[str, str] = {}
    imports: list[PyImport] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imports.append(PyImport(alias.name, 0, (), node.lineno))
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    aliases[root] = root
        elif isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names)
            imports.append(PyImport(node.module or "", node.level, names, node.lineno))
            prefix = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{prefix}.{alias.name}" if prefix else alias.name
    calls = [PyCall(name, node.lineno, tuple(_literal(a, aliases) for a in node.args),
                    tuple((k.arg, _literal(k.value, aliases)) for k in node.keywords if k.arg))
             for node in ast.walk(tree) if isinstance(node, ast.Call)
             if (name := _dotted(node.func, aliases)) is not None]
    calls.sort(key=lambda c: c.line)
    return PyModule(tuple(imports), tuple(calls))


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """`r.get` → `requests.get`; `Model.from_pretrained` stays as it is when Model is local."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call):  # `requests.Session().get`: the session's methods
        inner = _dotted(node.func, aliases)
        if inner is None:
            return None
        return ".".join([inner + "()", *reversed(parts)])
    if not isinstance(node, ast.Name):
        return ".".join(["?", *reversed(parts)]) if parts else None
    root = aliases.get(node.id, node.id)
    return ".".join([root, *reversed(parts)])


def _literal(node: ast.expr, aliases: dict[str, str]) -> Literal:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool, type(None))):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal(e, aliases) for e in node.elts]
        return tuple(i if isinstance(i, str) else OPAQUE for i in items)
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = _dotted(node, aliases)
        if name in _KNOWN_NAMES:
            return _KNOWN_NAMES[name]
    return OPAQUE
