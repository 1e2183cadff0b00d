"""`NamedTuple` as `typing` spells it, without `typing`'s cost at import.

`typing.NamedTuple` checks every field's annotation; under `from __future__ import annotations`
each is a string, which it compiles into a `ForwardRef`. That is 120 µs of a class's 200, and a
one-file run defines 65 of these classes before it lints anything (8 ms, a tenth of the run).
Here the annotations stay the strings they are; the class is the same `collections.namedtuple`
with the same methods, docstring and defaults, so pickling, `_replace` and equality are
unchanged. Type checkers see `typing.NamedTuple` itself.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    _PROHIBITED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults",
                             "_make", "_replace", "_asdict", "_source"})
    _SPECIAL = frozenset({"__module__", "__name__", "__annotations__", "__qualname__"})

    class _Meta(type):
        def __new__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
            annotations = namespace.get("__annotations__", {})
            defaulted = [field for field in annotations if field in namespace]
            if defaulted and list(annotations)[-len(defaulted):] != defaulted:
                raise TypeError(f"{name}: a field without a default follows one with a default")
            made = collections.namedtuple(name, list(annotations), defaults=[namespace[f] for f in defaulted],
                                          module=namespace["__module__"])
            made.__annotations__ = dict(annotations)
            made.__qualname__ = namespace.get("__qualname__", name)
            for key, value in namespace.items():
                if key in _PROHIBITED:
                    raise AttributeError(f"{name}: cannot overwrite NamedTuple attribute {key}")
                if key not in _SPECIAL and key not in made._fields:
                    setattr(made, key, value)
            return made

    _Base = type.__new__(_Meta, "NamedTuple", (), {})

    def NamedTuple(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - the name typing gives it
        raise TypeError("use the class syntax: class Name(NamedTuple): field: type")

    NamedTuple.__mro_entries__ = lambda bases: (_Base,)
