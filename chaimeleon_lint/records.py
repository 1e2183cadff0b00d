"""`NamedTuple` as `typing` spells it, without `typing`'s cost at import.

`typing.NamedTuple` checks every field's annotation; under `from __future__ import annotations`
each is a string, which it compiles into a `ForwardRef`. That is 120 µs of a class's 200, and a
one-file run defines 65 of these classes before it lints anything (8 ms, a tenth of the run).
Here the annotations stay the strings they are, and the class is made as `collections.namedtuple`
makes it (the same slots, field accessors, methods and defaults, so pickling, `_replace` and
equality are unchanged) except that its `__new__` is compiled once per number of fields, not once
per class (40 µs of namedtuple's 80). Type checkers see `typing.NamedTuple` itself.
"""

from __future__ import annotations

import functools
import types
from _collections import _tuplegetter  # type: ignore[import-not-found]  # what collections.namedtuple uses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    _PROHIBITED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults",
                             "_make", "_replace", "_asdict", "_source"})
    _SPECIAL = frozenset({"__module__", "__name__", "__annotations__", "__qualname__"})

    @functools.cache
    def _constructor(arity: int) -> Any:
        """`lambda _cls, a0, a1: tuple.__new__(_cls, (a0, a1))`, compiled once per number of fields:
        each class renames the parameters (collections.namedtuple compiles one per class, 40 µs)."""
        names = ", ".join(f"a{i}" for i in range(arity))
        return eval(f"lambda _cls{', ' if names else ''}{names}: _tuple_new(_cls, ({names}{',' if arity == 1 else ''}))",
                    {"_tuple_new": tuple.__new__, "__builtins__": {}})

    @classmethod  # type: ignore[misc]
    def _make(cls: Any, iterable: Any) -> Any:
        result = tuple.__new__(cls, iterable)
        if len(result) != len(cls._fields):
            raise TypeError(f"Expected {len(cls._fields)} arguments, got {len(result)}")
        return result

    def _replace(self: Any, /, **changes: Any) -> Any:
        result = self._make(map(changes.pop, self._fields, self))
        if changes:
            raise ValueError(f"Got unexpected field names: {list(changes)!r}")
        return result

    def __repr__(self: Any) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={v!r}' for n, v in zip(self._fields, self))})"

    def _asdict(self: Any) -> dict[str, Any]:
        return dict(zip(self._fields, self))

    def __getnewargs__(self: Any) -> tuple[Any, ...]:
        return tuple(self)

    class _Meta(type):
        def __new__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
            fields = tuple(namespace.get("__annotations__", {}))
            defaulted = [field for field in fields if field in namespace]
            if defaulted and list(fields[-len(defaulted):]) != defaulted:
                raise TypeError(f"{name}: a field without a default follows one with a default")
            template = _constructor(len(fields))
            new = types.FunctionType(template.__code__.replace(co_varnames=("_cls", *fields)), template.__globals__,
                                     "__new__", tuple(namespace[f] for f in defaulted) or None)
            body = {"__doc__": f"{name}({', '.join(fields)})", "__slots__": (), "_fields": fields,
                    "_field_defaults": {f: namespace[f] for f in defaulted}, "__new__": new, "_make": _make,
                    "_replace": _replace, "__repr__": __repr__, "_asdict": _asdict, "__getnewargs__": __getnewargs__,
                    "__match_args__": fields, "__annotations__": dict(namespace.get("__annotations__", {})),
                    "__module__": namespace["__module__"], "__qualname__": namespace.get("__qualname__", name)}
            for index, field in enumerate(fields):
                body[field] = _tuplegetter(index, f"Alias for field number {index}")
            for key, value in namespace.items():
                if key in _PROHIBITED:
                    raise AttributeError(f"{name}: cannot overwrite NamedTuple attribute {key}")
                if key not in _SPECIAL and key not in fields:
                    body[key] = value
            return type(name, (tuple,), body)

    _Base = type.__new__(_Meta, "NamedTuple", (), {})

    def NamedTuple(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - the name typing gives it
        raise TypeError("use the class syntax: class Name(NamedTuple): field: type")

    NamedTuple.__mro_entries__ = lambda bases: (_Base,)
