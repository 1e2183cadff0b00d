"""The repository URL of a request: which repository to clone, at which ref, and which path in it.

GitHub's `.../tree/REF/PATH` and `.../blob/REF/PATH`, GitLab's `.../-/tree/REF/PATH`, and plain
git URLs (`https://host/x/y.git`, `git@host:x/y.git`, `file:///srv/y`). A query or fragment
(`?tab=readme-ov-file#license`) is dropped. A ref with a slash in it cannot be told from a path
in these URLs; the first segment is taken as the ref, as GitHub's own links usually mean.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from chaimeleon_lint.records import NamedTuple

_SHA = re.compile(r"^[0-9a-f]{7,40}$")


class Location(NamedTuple):
    url: str  # as the request wrote it
    clone: str  # what `git clone` takes
    ref: str | None  # branch, tag or commit; None: the default branch
    path: str  # inside the repository; "" for its root
    blob: bool  # the URL names a file (`/blob/`), not a folder
    key: str  # host/owner/name, lowercased: two URLs name the same repository when their keys match

    @property
    def commit(self) -> str | None:
        """The ref when it is a commit id, the only ref that pins what a reviewer builds."""
        return self.ref if self.ref is not None and _SHA.match(self.ref) else None


def parse_url(url: str) -> Location | None:
    """The location a URL names; None when it is not a repository URL."""
    url = url.strip().rstrip("/")
    if url.startswith("git@"):
        host, _, rest = url[4:].partition(":")
        name = rest.removesuffix(".git")
        return Location(url, url, None, "", False, f"{host}/{name}".lower()) if host and name else None
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Location(url, f"file://{parts.path}", None, "", False, f"file{parts.path}".lower())
    if parts.scheme not in ("http", "https", "ssh", "git") or not parts.netloc:
        return None
    segments = [s for s in parts.path.split("/") if s]
    base = f"{parts.scheme}://{parts.netloc}"
    for marker in ("tree", "blob"):
        for at in range(2, len(segments) - 1):
            if segments[at] != marker:
                continue
            repo = segments[:at - 1] if segments[at - 1] == "-" else segments[:at]  # GitLab: /-/tree/
            name = "/".join(repo).removesuffix(".git")
            return Location(url, f"{base}/{name}.git" if "github" in parts.netloc else f"{base}/{name}",
                            segments[at + 1], "/".join(segments[at + 2:]), marker == "blob",
                            f"{parts.netloc}/{name}".lower())
    if len(segments) < 2:
        return None
    name = "/".join(segments).removesuffix(".git")
    return Location(url, f"{base}/{'/'.join(segments)}", None, "", False, f"{parts.netloc}/{name}".lower())
