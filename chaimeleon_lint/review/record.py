"""What a review found, as data: the request's fields against the image's, row by row, for the
Markdown comment's table and the JSON report's `review` (one source for both)."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.review.checks import licence_file
from chaimeleon_lint.review.request import given

if TYPE_CHECKING:
    from chaimeleon_lint.model.image import Image
    from chaimeleon_lint.review.run import Review


class Row(NamedTuple):
    """One field: the request's value (None: not given) and line; the image's value (None: not
    known) and where it comes from (a `file:line`, or a word such as the licence's)."""

    field: str
    request: str | None
    line: int | None
    image: str | None
    where: str | None = None


def _label(image: Image | None, key: str, dockerfile: str | None) -> tuple[str | None, str | None]:
    if image is None or not image.stages:
        return None, None
    label = image.final.labels.get(key)
    if label is None:
        return "no label", None
    value = label.value.text if label.value.known else label.pattern.replace("\x00", "…")
    return value, f"{dockerfile}:{label.line}"


def _entrypoint(image: Image | None) -> tuple[str | None, str | None]:
    if image is None or not image.stages:
        return None, None
    stage = image.final
    launch = stage.entrypoint or stage.cmd
    if launch is None:
        return "none", None
    shown = shlex.join(launch.exec_form) if launch.exec_form is not None else launch.text
    return shown, "ENTRYPOINT" if stage.entrypoint is not None else "CMD"


def rows(done: Review) -> list[Row]:
    request, subject = done.request, done.subject
    image, dockerfile = subject.image, subject.dockerfile
    usage = request.examples[0] if request.examples else (request.usages[0] if request.usages else None)
    licence = request.license if given(request.license) else None
    authorization = None if image is None or not image.stages else "authorization label" \
        if "authorization" in image.final.labels else "no authorization label"
    checkout = subject.checkout
    commit = checkout.commit if checkout is not None else None
    field = lambda f: (f.value, f.line) if f is not None else (None, None)  # noqa: E731
    return [
        Row("name", *field(request.name), *_label(image, "name", dockerfile)),
        Row("version", *field(request.version), *_label(image, "version", dockerfile)),
        Row("usage", usage.text if usage else None, usage.line if usage else None, *_entrypoint(image)),
        Row("license", licence.value if licence else "None", licence.line if licence else None,
            licence_file(subject) or authorization),
        Row("repository", request.url.value if request.url else None, request.url.line if request.url else None,
            commit, ", ".join(r.path for r in done.results[1:]) or None),
    ]


def record(done: Review) -> dict[str, Any]:
    """The JSON report's `review`, as schemas/report.schema.json describes it."""
    subject = done.subject
    repository = None
    if subject.location is not None:
        repository = {"url": subject.location.url,
                      "commit": subject.checkout.commit if subject.checkout is not None else None,
                      "dockerfiles": [r.path for r in done.results[1:]], "unread": done.unread}
    return {"verdict": done.verdict, "repository": repository,
            "request": [{"field": r.field, "request": r.request, "line": r.line, "image": r.image} for r in rows(done)],
            "notes": list(done.notes)}
