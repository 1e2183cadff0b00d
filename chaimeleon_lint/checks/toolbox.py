"""CHL10xx: a EUCAIM toolbox task image (root image, the platform's entrypoint.sh, the app as CMD)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from chaimeleon_lint.checks import check
from chaimeleon_lint.checks.base import image_tag
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.model.image import Image, Stage, TreeCopy
from chaimeleon_lint.model.toolbox import behaviour, convention, differences, digest, entrypoint
from chaimeleon_lint.source.shell import Command

ENTRYPOINT_NAME = "entrypoint.sh"
LABELS = ("image.source", "image.revision", "image.version", "version", "description", "maintainer")
PLACEHOLDERS = frozenset({"commit-sha", "tag-or-version", "your.email@example.com"})
_ENTRYPOINT_TOOLS = (("bash", "bash"), ("shadow", "useradd/usermod/groupadd/groupmod"))
_INTERPRETERS = re.compile(r"^(python[0-9.]*|Rscript|R|bash|sh|node|julia|perl|ruby|java)$")
_SCRIPT = re.compile(r"\.(py|sh|R|r|jl|js|pl|rb|jar)$")
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
_CHECKSUM_TOOLS = frozenset({"sha256sum", "sha512sum", "sha1sum", "md5sum", "shasum", "gpg", "cosign"})


@check("CHL1001")
def toolbox_entrypoint(image: Image) -> Iterator[Hit]:
    entry = image.final.entrypoint
    found = entrypoint(image)
    if found is not None and posixpath.normpath(found.context_path) == ENTRYPOINT_NAME:
        return
    if entry is None:
        yield Hit(None, {"found": "no ENTRYPOINT"})
    else:
        yield Hit(Span(entry.line, entry.end_line), {"found": f"ENTRYPOINT {entry.text.strip()}"})


@check("CHL1002")
def toolbox_entrypoint_modified(image: Image) -> Iterator[Hit]:
    found = entrypoint(image)
    contract = convention(image.platform)
    if found is None or contract is None or digest(found.text) in dict(contract.entrypoints).values():
        return
    said = differences(behaviour(found.script.commands, contract.host_variables), contract)
    how = "; it " + "; it ".join(said) if said else " (the same behaviour, in other words)"
    versions = " or ".join(name for name, _ in contract.entrypoints)
    yield Hit(Span.at(1), {"versions": versions, "differences": how}, path=found.context_path)


@check("CHL1003")
def toolbox_user_not_root(image: Image) -> Iterator[Hit]:
    user = image.final.user
    if user.line is not None and user.uid != 0 and user.spelled.split(":")[0] not in ("root", "0"):
        yield Hit(Span.at(user.line), {"user": user.spelled})


def _installed(stage: Stage, package: str) -> bool:
    """Installed in the stage, or in a stage it is built FROM (a stage inherits their records)."""
    return any(package in (p.split("=")[0] for p in install.packages) for install in stage.installs)


@check("CHL1004")
def toolbox_gosu_missing(image: Image) -> Iterator[Hit]:
    stage = image.final
    if _installed(stage, "gosu") or any(posixpath.basename(p) == "gosu" for p in stage.nodes) \
            or any(posixpath.basename(w.path) == "gosu" for w in stage.writes):
        return
    yield Hit(None)


@check("CHL1005")
def toolbox_base_lacks_tools(image: Image) -> Iterator[Hit]:
    root = image.final
    while root.base_stage is not None:  # the image the stages are built on
        root = image.stages[root.base_stage]
    name = root.base.text.lower().rsplit("/", 1)[-1]
    if "distroless" in root.base.text.lower():
        yield Hit(Span.at(root.from_line), {"base": root.base.text, "missing": "a shell and shadow's tools"})
        return
    if not name.startswith(("alpine", "busybox")):
        return
    missing = [what for package, what in _ENTRYPOINT_TOOLS if not _installed(image.final, package)]
    if missing:
        yield Hit(Span.at(root.from_line), {"base": root.base.text, "missing": " and ".join(missing)})


@check("CHL1006")
def toolbox_cmd(image: Image) -> Iterator[Hit]:
    cmd = image.final.cmd
    if cmd is None:
        yield Hit(None, {"problem": "no CMD"})
    elif cmd.exec_form is None:
        yield Hit(Span(cmd.line, cmd.end_line), {"problem": f"a shell-form CMD ({cmd.text.strip()})"})


def relative_script(argv: tuple[str, ...] | list[str]) -> str | None:
    """The script a command runs by a relative path (`python main.py`, `./run.sh`), or None.
    Shared with the FEMTask `baseCommand` check."""
    if not argv:
        return None
    first = argv[0]
    if "/" in first and not first.startswith("/"):
        return first
    if _INTERPRETERS.match(posixpath.basename(first)):
        for word in argv[1:]:
            if word.startswith("-"):
                if word in ("-m", "-c", "-e"):  # a module or inline code: no file
                    return None
                continue
            return word if _SCRIPT.search(word) and not word.startswith("/") else None
    return None


@check("CHL1007")
def toolbox_relative_command(image: Image) -> Iterator[Hit]:
    cmd = image.final.cmd
    if cmd is not None and cmd.exec_form:
        script = relative_script(cmd.exec_form)
        if script is not None:
            yield Hit(Span(cmd.line, cmd.end_line), {"script": script, "where": "CMD"})


@check("CHL1008")
def toolbox_host_ids_fixed(image: Image) -> Iterator[Hit]:
    contract = convention(image.platform)
    fixed: dict[int, list[str]] = {}  # ENV line → the host variables it sets
    for name in contract.host_variables if contract is not None else ():
        if name in image.final.env_lines:
            fixed.setdefault(image.final.env_lines[name], []).append(name)
    for line, names in sorted(fixed.items()):
        yield Hit(Span.at(line), {"name": "/".join(names)})


@check("CHL1009")
def toolbox_labels(image: Image) -> Iterator[Hit]:
    labels = image.final.labels
    for name in LABELS:
        label = labels.get(name)
        if label is None or (label.value.known and not label.value.text.strip()):
            yield Hit(None, {"label": name, "problem": "missing"})
        elif label.value.text.strip() in PLACEHOLDERS:
            yield Hit(Span.at(label.line), {"label": name, "problem": f"still the template's {label.value.text!r}"})


@check("CHL1010")
def toolbox_app_ownership(image: Image) -> Iterator[Hit]:
    stage = image.final
    for event in stage.trees:
        if isinstance(event, TreeCopy) and event.line is not None and posixpath.normpath(event.src) == "app":
            node = image.final.node(event.dest)
            uid = node.uid if node is not None else event.uid
            if uid not in (None, 0):
                yield Hit(Span.at(event.line), {"what": f"{event.dest} belongs to uid {uid}, not root"})
    found = entrypoint(image)
    if found is not None:
        node = stage.node(found.image_path)
        if node is not None and node.mode is not None and not node.mode & 0o111:
            where = node.line or stage.entrypoint.line  # type: ignore[union-attr]
            yield Hit(Span.at(where), {"what": f"{found.image_path} is not executable (mode {node.mode:o})"})


def _downloads(commands: tuple[Command, ...]) -> Iterator[tuple[Command, str]]:
    verified = any(c.name in _CHECKSUM_TOOLS for c in commands)
    pinned_checkout = any(c.name == "git" and any(w.text in ("checkout", "reset") for w in c.argv[1:])
                          and any(_COMMIT.match(w.text) for w in c.argv[2:]) for c in commands)
    for command in commands:
        words = [w.text for w in command.argv]
        if command.name in ("curl", "wget") and not verified \
                and any(w.startswith(("http://", "https://", "ftp://")) for w in words[1:]):
            yield command, f"{command.name} without a checksum check"
        elif command.name == "git" and words[1:2] == ["clone"] and not pinned_checkout:
            yield command, "git clone without checking out a commit"
        elif command.name.startswith("pip") or (command.name.startswith("python") and "pip" in words[1:3]):
            for word in words:
                ref = word.split("git+", 1)[1] if "git+" in word else None
                if ref is not None and not _COMMIT.match(ref.rsplit("@", 1)[-1].split("#")[0] if "@" in ref else ""):
                    yield command, f"pip install {word} without @<commit>"


@check("CHL1011")
def toolbox_unpinned_fetch(image: Image) -> Iterator[Hit]:
    """Every stage's build steps, each once: a stage holds the RUNs and copies of those it is built FROM."""
    runs = {run.line: run for stage in image.stages for run in stage.runs}
    for line in sorted(runs):
        for command, what in _downloads(runs[line].commands):
            yield Hit(Span(command.line, command.end_line), {"what": what})
    for line, reference in sorted({copy for stage in image.stages for copy in stage.image_copies}):
        if "@" not in reference and image_tag(reference) in (None, "latest"):
            yield Hit(Span.at(line), {"what": f"COPY --from={reference} (no pinned tag)"})
