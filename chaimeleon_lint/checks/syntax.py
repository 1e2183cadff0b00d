"""CHL9xx: input problems."""

from __future__ import annotations

from collections.abc import Iterator

from chaimeleon_lint.checks import check
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.model.image import Image


@check("CHL901")
def dockerfile_syntax(image: Image) -> Iterator[Hit]:
    for line, message in image.problems:
        yield Hit(Span.at(line), {"problem": message})
