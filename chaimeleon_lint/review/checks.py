"""CHL111–CHL116: a catalogue request against the repository and the image it points at.

Each check is a small pure function over `Subject`, yielding hits on the request file's lines
(line 1 when the request lacks the thing altogether). What the Dockerfile alone decides (a
missing `name` label, say) is the static lint's finding, not repeated here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.model.context import license_of
from chaimeleon_lint.model.image import Image, Label
from chaimeleon_lint.profile import Profile
from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.review.arguments import places
from chaimeleon_lint.review.location import Location, parse_url
from chaimeleon_lint.review.repository import Checkout
from chaimeleon_lint.review.request import Field, Request, catalogue_folder, copied_licence, given

_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class Subject(NamedTuple):
    """A request and what its URL led to; None where the review did not get that far."""

    request: Request
    profile: Profile
    location: Location | None = None
    checkout: Checkout | None = None
    repository: tuple[str, dict[str, str]] | None = None  # CHL115's variant and params: why there is no Dockerfile
    dockerfile: str | None = None  # as shown in the report
    image: Image | None = None
    kind: str = "batch"
    current_version: str | None = None  # the catalogue's version of the image, for an update


def _at(field: Field | None, fallback: int | None = None) -> Span:
    return Span.at(field.line if field is not None else fallback or 1)


def _label(subject: Subject, key: str) -> Label | None:
    """The final image's label when the model knows its whole value and it is not empty."""
    if subject.image is None or not subject.image.stages:
        return None
    label = subject.image.final.labels.get(key)
    return label if label is not None and label.value.known and label.value.text.strip() else None


def request_name_mismatch(subject: Subject) -> Iterator[Hit]:
    request = subject.request
    if request.name is None or not request.name.value:
        what = "still the template's `my-application`" if any(f.value == "name" for f in request.unfilled) \
            else "missing"
        yield Hit(Span.at(next((f.line for f in request.unfilled if f.value == "name"), 1)), {"what": what},
                  variant="missing")
        return
    name = request.name.value
    if not _NAME.match(name):
        yield Hit(_at(request.name), {"name": name}, variant="format")
    if _kind(subject) == "interactive":
        return  # the heading names the helm chart, not the image
    label = _label(subject, "name")
    if label is not None and label.value.text != name:
        yield Hit(_at(request.name), {"name": name, "label": label.value.text,
                                      "where": f"{subject.dockerfile}:{label.line}"})


def request_version_mismatch(subject: Subject) -> Iterator[Hit]:
    from chaimeleon_lint.history.versions import Uncomparable, compare

    stated = subject.request.version
    label = _label(subject, "version")
    if stated is not None and label is not None and label.value.text != stated.value:
        yield Hit(_at(stated), {"stated": stated.value, "label": label.value.text,
                                "where": f"{subject.dockerfile}:{label.line}"})
    new = stated.value if stated is not None else label.value.text if label is not None else None
    if subject.current_version is not None and new is not None:
        try:
            later = compare(new, subject.current_version) > 0
        except Uncomparable:
            later = False
        if not later:
            yield Hit(_at(stated if stated is not None else subject.request.name),
                      {"version": new, "current": subject.current_version},
                      variant="not-higher")


def _kind(subject: Subject) -> str:
    """What the catalogue folder says the application is, else what its image is."""
    return subject.request.kind or subject.kind


def request_usage(subject: Subject) -> Iterator[Hit]:
    request = subject.request
    if _kind(subject) == "interactive":
        return  # launched from the catalogue of interactive applications, not by jobman
    if not request.usages:
        yield Hit(Span.at(request.headings.get("usage", 1)), variant="missing")
        return
    for usage in request.usages:
        if usage.image is None:
            yield Hit(Span.at(usage.line), {"command": usage.text}, variant="no-image")
        elif request.name is not None and usage.image != request.name.value:
            yield Hit(Span.at(usage.line), {"image": usage.image, "name": request.name.value}, variant="image")
    if not request.examples:
        yield Hit(Span.at(request.usages[0].line), {"command": request.usages[0].text}, variant="no-example")
    datasets, persistent = subject.profile.mount_names[:2]
    for usage in request.examples:
        for place in places(usage.args, subject.profile):
            if place.mount == datasets and place.output:
                yield Hit(Span.at(usage.line), {"argument": place.argument, "path": place.path}, variant="output-read-only")
            elif place.mount is None and (place.output or place.path.startswith(subject.profile.home + "/")
                                          or place.path == subject.profile.home):
                yield Hit(Span.at(usage.line), {"argument": place.argument, "path": place.path,
                                                "persistent": f"~/{persistent}/"})


def _authorized(subject: Subject) -> bool:
    return _label(subject, "authorization") is not None or (
        subject.image is not None and subject.image.stages
        and "authorization" in subject.image.final.labels
        and not subject.image.final.labels["authorization"].value.known)


def request_license(subject: Subject) -> Iterator[Hit]:
    request = subject.request
    named = request.license if given(request.license) else None
    location = parse_url(named.value) if named is not None and "://" in named.value else None
    copied = copied_licence(request.path)
    at = _at(request.license, request.headings.get("license", 1))
    if named is None or request.private:  # "None", or a private repository: the authorization must say it
        if subject.image is not None and not _authorized(subject) and copied is None:
            said = "is private" if request.private else "names no license"
            yield Hit(at, {"said": said}, variant="none")
        if named is None:
            return
    if location is None:  # free text: a reviewer reads it; a licence file it can mean settles it
        held = subject.checkout is not None and _root_licence(subject.checkout.root) is not None
        if not held and copied is None and not request.private:
            yield Hit(at, {"text": named.value}, variant="text")
        return
    folder = catalogue_folder(request.path)
    if folder is not None and location.path.startswith(folder.rel + "/"):  # a copy in the catalogue folder
        if not exists_exactly(folder.root, location.path):
            yield Hit(_at(named), {"url": named.value, "path": location.path})
        return
    if subject.checkout is None or subject.location is None or location.key != subject.location.key:
        return  # another repository: not readable offline; the report says so
    if not location.path or not location.blob:  # the repository's page or README: it needs a licence file
        if _root_licence(subject.checkout.root) is None:
            yield Hit(_at(named), {"url": named.value}, variant="no-file")
        return
    if not exists_exactly(subject.checkout.root, location.path):
        yield Hit(_at(named), {"url": named.value, "path": location.path})


def exists_exactly(root: Path, rel: str) -> bool:
    """A file at `rel` below `root`, every name compared exactly (`LICENSE.md` is not
    `License.md`, even on a file system that folds case)."""
    current = root
    for name in [p for p in rel.split("/") if p]:
        try:
            if name not in os.listdir(current):
                return False
        except OSError:
            return False
        current = current / name
    return current.is_file()


def _root_licence(root: Path) -> str | None:
    """The redistributable licence of the repository's root folder."""
    from chaimeleon_lint.model.context import Context

    return Context(root).license()


def request_repository(subject: Subject) -> Iterator[Hit]:
    request = subject.request
    if request.url is None:
        unfilled = any(f.value == "url" for f in request.unfilled)
        yield Hit(Span.at(next((f.line for f in request.unfilled if f.value == "url"), request.headings.get("url", 1))),
                  {"what": "still the template's example" if unfilled else "missing"}, variant="missing")
    elif subject.repository is not None:
        variant, params = subject.repository
        yield Hit(_at(request.url), {"url": request.url.value, **params}, variant=variant)


def request_template_unfilled(subject: Subject) -> Iterator[Hit]:
    for section, line, what in subject.request.left:
        yield Hit(Span.at(line), {"section": section.title() if section != "url" else "URL", "what": what})


CHECKS: dict[str, Callable[[Subject], Iterator[Hit]]] = {
    "CHL111": request_name_mismatch,
    "CHL112": request_version_mismatch,
    "CHL113": request_usage,
    "CHL114": request_license,
    "CHL115": request_repository,
    "CHL116": request_template_unfilled,
}


def licence_file(subject: Subject) -> str | None:
    """The licence the request's URL names, as recognised from the file (for the report's table)."""
    request = subject.request
    location = parse_url(request.license.value) if given(request.license) else None  # type: ignore[union-attr]
    if location is None or subject.checkout is None or subject.location is None or location.key != subject.location.key:
        return None
    root = subject.checkout.root
    return license_of(root / location.path) if location.blob and location.path else _root_licence(root)
