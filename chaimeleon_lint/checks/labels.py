"""CHL1xx: image identity and labels."""

from __future__ import annotations

import re
from collections.abc import Iterator

from chaimeleon_lint.checks import check
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.model.image import Image

GUIDE_AUTHORIZATION = ("This Dockerfile is intended to build a container image that will be publicly "
                       "accessible in the CHAIMELEON images repository.")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _required(image: Image, key: str) -> Iterator[Hit]:
    """Missing or empty; a value only a build arg can give is present, not missing."""
    label = image.final.labels.get(key)
    if label is None:
        yield Hit(None)
    elif label.value.known and not label.value.text.strip():
        yield Hit(Span.at(label.line), variant="empty")


@check("CHL101")
def label_name_missing(image: Image) -> Iterator[Hit]:
    yield from _required(image, "name")


@check("CHL102")
def label_name_format(image: Image) -> Iterator[Hit]:
    label = image.final.labels.get("name")
    if label is not None and label.value.known and label.value.text.strip() and not _NAME.match(label.value.text):
        yield Hit(Span.at(label.line), {"name": label.value.text})


@check("CHL103")
def label_version_missing(image: Image) -> Iterator[Hit]:
    yield from _required(image, "version")


@check("CHL104")
def label_authorization_missing(image: Image) -> Iterator[Hit]:
    if image.license is not None:
        return
    label = image.final.labels.get("authorization")
    if label is None or (label.value.known and not label.value.text.strip()):
        yield Hit(Span.at(label.line) if label else None)
    elif label.value.known and " ".join(label.value.text.split()).casefold() != GUIDE_AUTHORIZATION.casefold():
        yield Hit(Span.at(label.line), variant="differs")
