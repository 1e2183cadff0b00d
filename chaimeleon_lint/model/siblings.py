"""Images of one repository built FROM one another (ubuntu-python → -tensorflow → -desktop).

A `FROM harbor.example/lib/ubuntu-python:${BASE_VERSION}` names a sibling when its repository
name is the `name` label of another Dockerfile of the run (or the configuration's
`[sibling-images]` maps it). The child's stage then starts from what the sibling's simulated
image holds, as a real build on the sibling just built does.
"""

import re

from chaimeleon_lint.model.image import Stage
from chaimeleon_lint.records import NamedTuple


class SiblingBase(NamedTuple):
    """The final stage of a sibling's simulated image, and the profile it was judged by."""

    path: str  # the sibling's Dockerfile, as shown
    stage: Stage
    platform: str | None


# Searched in "\n" + text (`references`): a line start spelled as a newline, not `^` with re.M,
# lets the search jump from newline to newline, three times faster, with the same matches.
_FROM = re.compile(r"\n\s*FROM\s+(?:--\S+\s+)*(\S+)", re.I)


def references(text: str) -> list[str]:
    """The image references of the text's FROM lines, as written (any case, flags skipped)."""
    return _FROM.findall("\n" + text)


def repository_name(reference: str) -> str:
    """`harbor.example/lib/ubuntu-python:1.0@sha256:...` → `ubuntu-python`; a tag only a build
    argument gives (`ubuntu-python:${BASE_VERSION}`) does not matter."""
    last = reference.split("@", 1)[0].rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()
