"""`chaimeleon_lint.records.NamedTuple` behaves as `typing.NamedTuple` does for every use we make of it."""

from __future__ import annotations

import inspect
import pickle
import typing

import pytest

from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.records import NamedTuple


class Point(NamedTuple):
    """A point, for the tests."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = ()

    @property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)

    def moved(self, dx: int) -> "Point":
        return self._replace(x=self.x + dx)


class Typed(typing.NamedTuple):
    """A point, for the tests."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


def test_same_behaviour_as_typing_namedtuple() -> None:
    ours, theirs = Point(1), Typed(1)
    assert tuple(ours) == tuple(theirs) == (1, 0, ()) and ours == theirs
    assert Point._fields == Typed._fields and Point._field_defaults == Typed._field_defaults
    assert Point.__doc__ == Typed.__doc__ and Point.__module__ == Typed.__module__ == __name__
    assert Point.__qualname__ == "Point" and list(Point.__annotations__) == ["x", "y", "tags"]
    assert ours.moved(2).norm == 3 and isinstance(ours, tuple) and hash(ours) == hash(theirs)
    assert repr(ours) == "Point(x=1, y=0, tags=())" and ours._asdict() == theirs._asdict()
    assert Point(x=2, tags=("a",)) == Typed(x=2, tags=("a",)) == (2, 0, ("a",))
    assert [(q.name, q.default) for q in inspect.signature(Point).parameters.values()] == \
        [(q.name, q.default) for q in inspect.signature(Typed).parameters.values()]
    assert Point._make([1, 2, ()]) == (1, 2, ()) and Point.__match_args__ == ("x", "y", "tags")
    with pytest.raises(TypeError):
        Point()
    with pytest.raises(TypeError):
        Point._make([1])
    with pytest.raises(ValueError, match="z"):
        ours._replace(z=1)
    with pytest.raises(AttributeError):
        ours.x = 5  # type: ignore[misc]


class Empty(NamedTuple):
    pass


class Single(NamedTuple):
    only: int


def test_no_field_and_one_field() -> None:
    assert Empty() == () and Single(3) == (3,) and Single(only=4).only == 4 and repr(Single(1)) == "Single(only=1)"


def test_pickles_as_the_forked_workers_need() -> None:
    hit = Hit(Span.at(3), {"a": 1}, variant="v")
    assert pickle.loads(pickle.dumps(hit)) == hit and pickle.loads(pickle.dumps(Point(4, 5))) == Point(4, 5)


def test_mistakes_typing_refuses_are_refused() -> None:
    with pytest.raises(TypeError, match="without a default follows"):
        class _Wrong(NamedTuple):
            a: int = 0
            b: int
    with pytest.raises(AttributeError, match="_replace"):
        class _Clash(NamedTuple):
            a: int

            def _replace(self) -> None: ...
    with pytest.raises(TypeError, match="class syntax"):
        NamedTuple("X", [("a", int)])
