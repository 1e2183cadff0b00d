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
        scope = _out_of_scope(image, label.line)
        yield Hit(Span.at(label.line), scope, variant="out-of-scope") if scope else \
            Hit(Span.at(label.line), variant="empty")


def _out_of_scope(image: Image, line: int) -> dict[str, str]:
    """What the global ARGs a label's line uses out of scope are, and the `ARG` lines that fix it;
    empty when it uses none."""
    uses = first_uses(tuple(u for u in image.final.out_of_scope if u.line == line))
    if not uses:
        return {}
    names = " and ".join(u.name for u in uses)
    lines = ", ".join(str(u.arg_line) for u in uses)
    declared = (f"{names} is declared only before the first FROM (line {lines})" if len(uses) == 1
                else f"{names} are declared only before the first FROM (lines {lines})")
    return {"declared": declared, "fix_args": "; ".join(f"ARG {u.name}" for u in uses),
            "from_line": str(image.final.from_line)}


def _name_problem(name: str) -> str:
    """What keeps a name from being lowercase words joined by single hyphens, in the user's terms."""
    said = []
    if any(c.isupper() for c in name):
        said.append("capital letters")
    others = sorted({c for c in name.lower() if not (c.isascii() and (c.isalnum() or c == "-"))})
    if others:
        said.append("`" + "`, `".join(others) + "`")
    if "--" in name:
        said.append("an empty part (`--`)")
    if name.startswith("-") or name.endswith("-"):
        said.append("a hyphen at an end")
    return " and ".join(said) or "no letters"


def slugified(name: str) -> str:
    """`Lung Segmentation_v2` → `lung-segmentation-v2`: what the name becomes in the catalogue's form."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "my-tool"


def _malformed(image: Image, key: str, shape: re.Pattern[str]) -> Iterator[Hit]:
    """A present, non-empty label whose text does not have the shape; a partly unknown one is judged
    on its literal parts (each unknown part stands in as a value that breaks no format)."""
    label = image.final.labels.get(key)
    if label is None or (label.value.known and not label.value.text.strip()):
        return  # missing or empty: CHL101/CHL103
    judged = label.value.text if label.value.known else label.pattern.replace(UNKNOWN_PART, _STAND_IN)
    if shape.match(judged):
        return
    params = {key: label.pattern.replace(UNKNOWN_PART, "…")}
    if key == "name":
        scope = _out_of_scope(image, label.line)
        if scope and "--" in judged:  # the empty part is an ARG out of scope: declaring it is the fix
            yield Hit(Span.at(label.line), {**params, **scope}, variant="out-of-scope")
            return
        params |= {"problem": _name_problem(judged), "slug": slugified(judged)}
    yield Hit(Span.at(label.line), params, variant=None if label.value.known else "partly-unknown")


@check("CHL101")
def label_name_missing(image: Image) -> Iterator[Hit]:
    for hit in _required(image, "name"):
        context = image.final.context
        if hit.variant is None and context is not None:  # suggest the application's folder, in the catalogue's form
            hit = hit._replace(params={"suggested": slugified(context.root.resolve().name)})
        yield hit


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
