"""CHL7xx: base image."""

from __future__ import annotations

from collections.abc import Iterator

from chaimeleon_lint.checks import check
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.model.image import Image


def image_tag(reference: str) -> str | None:
    """The tag of `registry:5000/repo/name:tag` (a digest after it set aside); a port is not a tag;
    None when there is none."""
    name = reference.split("@")[0].rsplit("/", 1)[-1]
    return name.rsplit(":", 1)[1] if ":" in name else None


@check("CHL701")
def base_image_unpinned(image: Image) -> Iterator[Hit]:
    for stage in image.stages:
        base = stage.base
        if stage.base_stage is not None or not base.known or base.text.lower() == "scratch" or "@" in base.text:
            continue
        tag = image_tag(base.text)
        if tag is None or tag == "latest":
            yield Hit(Span.at(stage.from_line), {"image": base.text})
