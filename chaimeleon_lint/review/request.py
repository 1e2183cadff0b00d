"""A catalogue request, read leniently: the README of a catalogue entry or an issue body.

The catalogue's templates ("Request for addition of a new application" and "Update an existing
application") are followed loosely by real requests: headings in any order, usage commands in
inline code, fenced blocks or plain text with `\\` continuations, HTML comments with the
template's instructions left in. Every value keeps its line in the request file, for findings.
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

from chaimeleon_lint.records import NamedTuple

if TYPE_CHECKING:
    from pathlib import Path

TEMPLATE_NAME = "my-application"
TEMPLATE_TEXT = {  # the template's example text, per section: left in, the section is not filled in
    "description": ("This is a tool to do something with a dataset",),
    "authors": ("James Gordon",),
    "contact info": ("james@email.com",),
}
TEMPLATE_URL = "https://github.com/chaimeleon-eu/workstation-images/tree/main/ubuntu-python"
TEMPLATE_LICENSE = "https://github.com/chaimeleon-eu/workstation-images/blob/d3277c13805ab8d5998eeaf5623981ab9eff5442/LICENSE"
TEMPLATE_REPOSITORY = "https://github.com/chaimeleon-eu/workstation-images/"
TEMPLATE_OWNER = "ubuntu-python"  # the request whose own values the template's example shows
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_PLACEHOLDER = re.compile(r"<[^<>\s][^<>]*>")
_URL = re.compile(r"(?:https?|git|ssh|file)://[^\s<>()\[\]`'\"]+|git@[\w.-]+:[^\s<>()\[\]`'\"]+")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*[-*]\s*(image name|new version|version|url|license)\s*:\s*(.*)$", re.I)
_VERSION_LINE = re.compile(r"^\s*(?:[-*]\s*)?(?:\*\*)?(?:new )?version(?:\*\*)?\s*:\s*(.+)$", re.I)
_NOT_GIVEN = {"", "none", "no changes", "n/a", "-", "??", "?"}


class Field(NamedTuple):
    """A value of the request and the line it is on (1-based)."""

    value: str
    line: int


class Usage(NamedTuple):
    """One `jobman submit` command of the request."""

    line: int
    text: str  # as written, continuations joined
    image: str | None  # the -i value without its tag
    tag: str | None
    args: tuple[str, ...]  # what follows `--`: appended to the image's ENTRYPOINT
    synopsis: bool  # has <PLACEHOLDER> arguments: it documents the form, it is not an example


class Link(NamedTuple):
    """A URL of the request's URL section with what the line before it says of it
    ("Public helm chart:", "Private* dockerfile repository:")."""

    url: Field
    label: str  # lowercased; "" when nothing precedes it
    private: bool

    @property
    def chart(self) -> bool:
        """Labelled as the helm chart: never the Dockerfile."""
        return "helm" in self.label or "chart" in self.label


class Request(NamedTuple):
    path: str
    update: bool  # the "Update an existing application" form
    name: Field | None
    version: Field | None
    usages: tuple[Usage, ...]
    url: Field | None  # the Dockerfile repository
    private: bool  # the URL section says the repository is private
    license: Field | None  # a URL, or the text given ("None", "under licensing process")
    unfilled: tuple[Field, ...]  # sections that still hold the template's text (value: the section)
    headings: dict[str, int]  # each `## ` section's heading line, by lowercased title
    links: tuple[Link, ...] = ()  # every URL of the URL section, Dockerfile candidates first
    kind: str | None = None  # "batch" or "interactive" when the catalogue folder says so
    left: tuple[tuple[str, int, str], ...] = ()  # CHL116: (section, line, what is wrong with it)

    @property
    def is_request(self) -> bool:
        """A `# NAME` heading, a template section or the update form: something shaped like a request."""
        return bool(self.headings) or self.name is not None or self.update

    @property
    def examples(self) -> tuple[Usage, ...]:
        """The usage commands a reviewer can run as written."""
        return tuple(u for u in self.usages if not u.synopsis)


def _strip_comments(text: str) -> str:
    """HTML comments blanked out, keeping every line where it was."""
    return _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _front_matter_end(lines: list[str]) -> int:
    """The index of the first line after an issue template's `---` header, if the file has one."""
    if lines and lines[0].strip() == "---":
        for i, line in enumerate(lines[1:], 1):
            if line.strip() == "---":
                return i + 1
    return 0


def _sections(lines: list[str], start: int) -> tuple[Field | None, dict[str, list[tuple[int, str]]]]:
    """The first `# ` heading (the image name) and each `## ` section's lines, outside code fences."""
    title: Field | None = None
    sections: dict[str, list[tuple[int, str]]] = {}
    current: list[tuple[int, str]] | None = None
    fenced = False
    for n, line in enumerate(lines[start:], start + 1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        if heading and len(heading.group(1)) == 1 and title is None:
            title = Field(heading.group(2).strip().strip("`"), n)
            current = None
            continue
        if heading and len(heading.group(1)) == 2:
            current = sections.setdefault(heading.group(2).strip().strip(":").lower(), [(n, "")])
            continue
        if current is not None:
            current.append((n, line))
    return title, sections


def _first_text(body: list[tuple[int, str]]) -> Field | None:
    for n, line in body[1:]:
        if line.strip():
            return Field(line.strip(), n)
    return None


def _first_url(body: list[tuple[int, str]]) -> Field | None:
    for n, line in body:
        found = _URL.search(line)
        if found:
            return Field(found.group(0).rstrip(".,;:*"), n)
    return None


def _commands(lines: list[str], start: int, end: int) -> list[tuple[int, str]]:
    """Every `jobman submit ...` between two lines, with `\\` continuations joined and an inline
    code span cut at its closing backtick."""
    found: list[tuple[int, str]] = []
    i = start
    while i < end:
        line = lines[i]
        at = line.find("jobman submit")
        if at < 0:
            i += 1
            continue
        first, text = i + 1, line[at:]
        inline = line[:at].endswith("`") and not line[:at].endswith("```")
        if inline and "`" in text:
            text = text[:text.index("`")]
        while text.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            text = text.rstrip()[:-1] + " " + lines[i].strip()
        words = text.replace("`", " ").split()
        if len(words) > 2:  # not a mention in prose ("the `jobman submit` command")
            found.append((first, " ".join(words)))
        i += 1
    return found


def parse_usage(line: int, text: str) -> Usage:
    """A `jobman submit` command's image and arguments; a quote left open splits on blanks."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    image: str | None = None
    i = 2
    while i < len(words) and words[i] != "--":
        if words[i] in ("-i", "--image") and i + 1 < len(words):
            image = words[i + 1]
            i += 1
        elif words[i].startswith("--image="):
            image = words[i].split("=", 1)[1]
        i += 1
    args = tuple(words[i + 1:]) if i < len(words) else ()
    name, _, tag = (image or "").partition(":")
    return Usage(line, text, name or None, tag or None, args,
                 any(_PLACEHOLDER.search(a) for a in args) or bool(image and _PLACEHOLDER.search(image)))


def parse(text: str, path: str) -> Request:
    """The request's fields; what a request leaves out is None (the checks say what that means)."""
    lines = _strip_comments(text).replace("\r\n", "\n").split("\n")
    start = _front_matter_end(lines)
    title, sections = _sections(lines, start)
    items: dict[str, Field] = {}
    for n, line in enumerate(lines[start:], start + 1):
        item = _ITEM.match(line)
        if item and item.group(1).lower() not in items:
            value = item.group(2).strip()
            if not value and n < len(lines):  # `- URL:` with the value on the next line
                value = lines[n].strip()
            items[item.group(1).lower()] = Field(value, n)
    update = "image name" in items and title is None
    name = items.get("image name") if update else title

    version = _version(lines, start, sections, items)
    usage_body = sections.get("usage")
    if usage_body:
        first = usage_body[0][0] - 1
        following = [b[0][0] for b in sections.values() if b[0][0] > usage_body[0][0]]
        commands = _commands(lines, first, min(following, default=len(lines) + 1) - 1)
    else:
        commands = _commands(lines, start, len(lines))
    usages = tuple(parse_usage(n, c) for n, c in commands)

    url_body = sections.get("url") or (
        [(items["url"].line, ""), (items["url"].line, items["url"].value)] if "url" in items else [])
    links = _links(url_body)
    chosen = next((link for link in links if not link.chart), None)
    url = chosen.url if chosen is not None else None if links else next(
        (Field(line.strip(), n) for n, line in url_body[1:]  # not a URL: CHL115 says so
         if given(Field(line.strip(), n)) and not line.strip().endswith(":")), None)
    private = chosen.private if chosen is not None else any("private" in line.lower() for _, line in url_body)
    license_body = sections.get("license")
    if license_body is None and "license" in items:
        license_body = [(items["license"].line, ""), (items["license"].line, items["license"].value)]
    license = (_first_url(license_body) or _first_text(license_body)) if license_body else None

    unfilled = [Field(section, body[0][0]) for section, needles in TEMPLATE_TEXT.items()
                if (body := sections.get(section)) and any(needle in line for _, line in body for needle in needles)]
    owner = name is not None and name.value == TEMPLATE_OWNER
    if name is not None and (name.value == TEMPLATE_NAME or _PLACEHOLDER.fullmatch(name.value)):
        unfilled.append(Field("name", name.line))
        name = None
    if url is not None and url.value == TEMPLATE_URL and not owner:
        unfilled.append(Field("url", url.line))
        url = None
    if license is not None and license.value == TEMPLATE_LICENSE and not owner and \
            not (url is not None and url.value.startswith(TEMPLATE_REPOSITORY)):  # the base images' own requests
        unfilled.append(Field("license", license.line))
        license = None
    if any(u.image == TEMPLATE_NAME for u in usages) and (name is None or name.value != TEMPLATE_NAME):
        unfilled.append(Field("usage", min(u.line for u in usages if u.image == TEMPLATE_NAME)))
    return Request(path, update, name, version, usages, url, private, license,
                   tuple(sorted(unfilled, key=lambda f: f.line)), {title: body[0][0] for title, body in sections.items()},
                   links, _kind(path), () if update else _left(sections))


def _kind(path: str) -> str | None:
    """A request in a catalogue checkout says its kind by its folder."""
    parts = path.replace("\\", "/").split("/")
    return "interactive" if "interactive-applications" in parts else "batch" if "batch-applications" in parts \
        else None


def _links(body: list[tuple[int, str]]) -> tuple[Link, ...]:
    """The URL section's URLs, each with the text line before it; the Dockerfile's (labelled so, or
    not a chart) first, in the order written."""
    found: list[Link] = []
    label = ""
    section_private = any("private" in line.lower() for _, line in body)
    for n, line in body[1:]:
        url = _URL.search(line)
        if url is None:
            if line.strip():
                label = line.strip().lower()
            continue
        said = (line[:url.start()].strip().lower() or label)
        private = "private" in said or (section_private and "public" not in said)
        found.append(Link(Field(url.group(0).rstrip(".,;:*"), n), said, private))
    return tuple(sorted(found, key=lambda link: (link.chart, "dockerfile" not in link.label)))


REQUIRED = ("description", "usage", "authors", "contact info", "url", "license")
"""The sections both catalogues' templates have always had, besides the `# name` heading (whose
absence is CHL111's): CHL116 wants each filled in."""
_EXAMPLES = ("James Gordon", "james@email.com", "This is a tool to do something with a dataset")
_UNFILLED = {"??", "?", "tbd", "todo", "..."}


def _left(sections: dict[str, list[tuple[int, str]]]) -> tuple[tuple[str, int, str], ...]:
    """(section, line, what) for each required section that is missing, empty, `??`/`TBD`, or still
    the template's example."""
    found: list[tuple[str, int, str]] = []
    for section in REQUIRED:
        body = sections.get(section)
        if body is None:
            found.append((section, 1, "missing"))
            continue
        text = [(n, line.strip()) for n, line in body[1:] if line.strip()]
        if not text:
            found.append((section, body[0][0], "empty"))
        elif all(line.lower().strip("*_ ") in _UNFILLED for _, line in text):
            found.append((section, text[0][0], f"`{text[0][1]}`"))
        elif (example := next(((n, e) for n, line in text for e in _EXAMPLES if e in line), None)) is not None:
            found.append((section, example[0], f"the template's example `{example[1]}`"))
    return tuple(found)


def _version(lines: list[str], start: int, sections: dict[str, list[tuple[int, str]]],
             items: dict[str, Field]) -> Field | None:
    """A stated version: a Version section, or a `New version:`/`Version:` line; "None" states none."""
    found = items.get("new version") or items.get("version")
    if found is None and "version" in sections:
        found = _first_text(sections["version"])
    if found is None:
        for n, line in enumerate(lines[start:], start + 1):
            match = _VERSION_LINE.match(line)
            if match:
                found = Field(match.group(1).strip(), n)
                break
    if found is None:
        return None
    value = found.value.strip().strip("`*").strip()
    return None if value.lower() in _NOT_GIVEN else Field(value, found.line)


def given(field: Field | None) -> bool:
    """The request says something here (not "None", "??" or nothing)."""
    return field is not None and field.value.strip().strip(".").lower() not in _NOT_GIVEN


class Folder(NamedTuple):
    """A request's folder in a checkout of the catalogue."""

    root: "Path"  # the catalogue checkout
    rel: str  # `batch-applications/NAME`


def catalogue_folder(path: str) -> Folder | None:
    """Where the request sits, when it is a catalogue folder's README
    (`batch-applications/NAME/README.md` in a checkout of the catalogue)."""
    from pathlib import Path

    request = Path(path)
    if request.parent.parent.name not in ("batch-applications", "interactive-applications"):
        return None
    return Folder(request.parent.parent.parent, f"{request.parent.parent.name}/{request.parent.name}")


def copied_licence(path: str) -> str | None:
    """A licence file copied into the request's catalogue folder (`LICENSE*`, as the template says
    is done for private repositories): its name."""
    import os

    folder = catalogue_folder(path)
    if folder is None:
        return None
    try:
        names = os.listdir(folder.root / folder.rel)
    except OSError:
        return None
    return next((n for n in sorted(names) if n.upper().startswith(("LICENSE", "LICENCE", "COPYING"))), None)


def _catalogue_page(path: str) -> str | None:
    """The catalogue's own README, when the request is a catalogue folder's."""
    folder = catalogue_folder(path)
    if folder is None:
        return None
    try:
        return (folder.root / "README.md").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def catalogue_platform(path: str) -> str | None:
    """The profile the request's catalogue implies: EUCAIM's node catalogue ("UPV Node Application
    Catalogue ... EUCAIM") is `eucaim`; the CHAIMELEON one, and a lone request, say nothing."""
    page = _catalogue_page(path)
    title = next((line for line in (page or "").splitlines() if line.startswith("# ")), "")
    return "eucaim" if "node" in title.lower() or "eucaim" in title.lower() else None


def table_private(path: str) -> bool | None:
    """What the catalogue's own table says of the request's repository, when the request is a
    catalogue folder's README: its row's "Private"/"Public"; None when there is no such row."""
    from pathlib import Path

    table = _catalogue_page(path)
    if table is None:
        return None
    request = Path(path)
    entry = f"{request.parent.parent.name}/{request.parent.name}/"
    row = next((line for line in table.splitlines() if line.lstrip().startswith("|") and entry in line), None)
    if row is None:
        return None
    cells = [c.strip().lower() for c in row.strip().strip("|").split("|")]
    return True if "private" in cells[-1] else False if "public" in cells[-1] else None
