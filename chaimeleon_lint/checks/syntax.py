"""CHL9xx: input problems."""

from __future__ import annotations

from collections.abc import Iterator

from chaimeleon_lint.checks import check
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.model.image import Image, OutOfScope


# Problems whose fix is not "correct this line": the file as a whole lacks its start.
_WHOLE_FILE = {"no instruction at all": "Write the Dockerfile, starting from the guide's template: `FROM <base image>`, "
                                        "the labels, the platform user, the mount directories, the ENTRYPOINT "
                                        "(`chaimeleon-lint init` writes one).",
               "no FROM instruction": "Start the Dockerfile with `FROM <base image>` (only `ARG` may come before it)."}


@check("CHL901")
def dockerfile_syntax(image: Image) -> Iterator[Hit]:
    for line, message in image.problems:
        remedy = next((fix for start, fix in _WHOLE_FILE.items() if message.startswith(start)), None)
        yield Hit(Span.at(line), {"problem": message, **({"remedy": remedy} if remedy else {})})


@check("CHL902")
def copy_source_missing(image: Image) -> Iterator[Hit]:
    for line, message in image.missing_sources:
        yield Hit(Span.at(line), {"problem": message})


def first_uses(uses: tuple[OutOfScope, ...]) -> list[OutOfScope]:
    """One use per name, the first, in the order of the Dockerfile (and of the text within a line)."""
    first: dict[str, OutOfScope] = {}
    for use in uses:
        if use.name not in first or use.line < first[use.name].line:
            first[use.name] = use
    return sorted(first.values(), key=lambda u: u.line)


@check("CHL903")
def arg_out_of_scope(image: Image) -> Iterator[Hit]:
    for stage in image.stages:
        for use in first_uses(stage.out_of_scope):
            yield Hit(Span.at(use.line), {"name": use.name, "arg_line": use.arg_line, "from_line": stage.from_line},
                      variant="empty-workdir" if use.empties_workdir else None, subject=stage)
