"""CHL1xx: image identity and labels."""

from __future__ import annotations

import re
from collections.abc import Iterator

from chaimeleon_lint.checks import check
from chaimeleon_lint.checks.syntax import first_uses
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.model.image import UNKNOWN_PART, Image

_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")  # what an image reference accepts as a tag
_STAND_IN = "x"  # what an unknown part of a label is judged as: a value that breaks no format


def _required(image: Image, key: str) -> Iterator[Hit]:
    """Missing or empty; a value only a build arg can give is present, not missing. Empty because
    its ARGs are out of scope says which, since that is the fix."""
    label = image.final.labels.get(key)
    if label is None:
        yield Hit(None)
    elif label.value.known and not label.value.text.strip():
        uses = first_uses(tuple(u for u in image.final.out_of_scope if u.line == label.line))
        if uses:
            names = " and ".join(u.name for u in uses)
            lines = ", ".join(str(u.arg_line) for u in uses)
            declared = (f"{names} is declared only before the first FROM (line {lines})" if len(uses) == 1
                        else f"{names} are declared only before the first FROM (lines {lines})")
            yield Hit(Span.at(label.line), {"declared": declared,
                                            "fix_args": "; ".join(f"ARG {u.name}" for u in uses)},
                      variant="out-of-scope")
        else:
            yield Hit(Span.at(label.line), variant="empty")


def _malformed(image: Image, key: str, shape: re.Pattern[str]) -> Iterator[Hit]:
    """A present, non-empty label whose text does not have the shape; a partly unknown one is judged
    on its literal parts (each unknown part stands in as a value that breaks no format)."""
    label = image.final.labels.get(key)
    if label is None or (label.value.known and not label.value.text.strip()):
        return  # missing or empty: CHL101/CHL103
    judged = label.value.text if label.value.known else label.pattern.replace(UNKNOWN_PART, _STAND_IN)
    if not shape.match(judged):
        yield Hit(Span.at(label.line), {key: label.pattern.replace(UNKNOWN_PART, "…")},
                  variant=None if label.value.known else "partly-unknown")


@check("CHL101")
def label_name_missing(image: Image) -> Iterator[Hit]:
    yield from _required(image, "name")


@check("CHL102")
def label_name_format(image: Image) -> Iterator[Hit]:
    yield from _malformed(image, "name", _NAME)


@check("CHL103")
def label_version_missing(image: Image) -> Iterator[Hit]:
    yield from _required(image, "version")


@check("CHL106")
def label_version_format(image: Image) -> Iterator[Hit]:
    yield from _malformed(image, "version", _TAG)


@check("CHL104")
def label_authorization_missing(image: Image) -> Iterator[Hit]:
    if image.license is not None:
        return
    label = image.final.labels.get("authorization")
    if label is None or (label.value.known and not label.value.text.strip()):
        yield Hit(Span.at(label.line) if label else None)
    elif label.value.known and " ".join(label.value.text.split()).casefold() != image.platform.authorization.casefold():
        yield Hit(Span.at(label.line), variant="differs")
