"""NamedTuples built on the hot path with `_new = tuple.__new__`.

The generated `__new__` of a NamedTuple costs about twice a plain `tuple.__new__`, and a Dockerfile
builds hundreds of words, commands and file nodes; so the walker and the simulation build those
from a literal tuple of every field. Nothing checks that tuple's length when the program runs: a
field added to the class would leave such a record one short, and only a read of that field would
fail. This test reads the package's source and holds every such construction to its class.
"""

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "chaimeleon_lint"


def _constructions() -> list[tuple[str, int, str, ast.expr]]:
    """(module, line, class name, the values) of every `_new(Class, values)` call in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_new":
                assert len(node.args) == 2 and isinstance(node.args[0], ast.Name), f"{module}:{node.lineno}"
                found.append((module, node.lineno, node.args[0].id, node.args[1]))
    return found


CONSTRUCTIONS = _constructions()


def test_the_hot_records_are_built_this_way() -> None:
    """The test would pass on nothing if the calls were renamed: the ones the walker and the simulation
    make per word, command and file node are here."""
    built = {name for _, _, name, _ in CONSTRUCTIONS}
    assert {"Value", "Command", "Invocation", "Node", "Write", "Instruction", "Run"} <= built


@pytest.mark.parametrize(("module", "line", "name", "values"), CONSTRUCTIONS,
                         ids=[f"{m}:{n}" for m, n, _, _ in CONSTRUCTIONS])
def test_every_field_is_given(module: str, line: int, name: str, values: ast.expr) -> None:
    namespace = importlib.import_module(module)
    assert namespace._new is tuple.__new__
    record = getattr(namespace, name)
    assert issubclass(record, tuple) and hasattr(record, "_fields"), f"{name} is not a NamedTuple"
    assert isinstance(values, ast.Tuple) and not any(isinstance(v, ast.Starred) for v in values.elts), \
        f"{module}:{line}: the values must be written out, so their number can be read"
    assert len(values.elts) == len(record._fields), \
        f"{module}:{line}: {name} has {len(record._fields)} fields {record._fields}, the call gives {len(values.elts)}"
