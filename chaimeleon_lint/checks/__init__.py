"""One module per catalogue family, one pure function per rule: (Image) -> Iterator[Hit]."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import TypeVar

from chaimeleon_lint.findings import Hit
from chaimeleon_lint.model.image import Image

CheckFn = Callable[[Image], Iterator[Hit]]
F = TypeVar("F", bound=CheckFn)
FAMILIES = ("labels", "user", "mounts", "network", "size", "launch", "base", "syntax", "toolbox")


def check(rule_id: str) -> Callable[[F], F]:
    """Tag a function as the check of one catalogue rule; nothing is registered globally."""

    def tag(fn: F) -> F:
        fn.rule_id = rule_id  # type: ignore[attr-defined]
        return fn

    return tag


def collect() -> dict[str, CheckFn]:
    """Every tagged check of the family modules, by rule id."""
    found: dict[str, CheckFn] = {}
    for family in FAMILIES:
        module = importlib.import_module(f"chaimeleon_lint.checks.{family}")
        for value in vars(module).values():
            rule_id = getattr(value, "rule_id", None)
            if rule_id is not None and callable(value):
                if rule_id in found and found[rule_id] is not value:
                    raise RuntimeError(f"two checks for {rule_id}")
                found[rule_id] = value
    return found
