"""The EUCAIM toolbox's entrypoint.sh as the model sees it: which published version it is (by the
hash of its normalised text), and what it does (the variables it reads, whether it creates the
user, what it chowns, whether it ends in `exec gosu`).

The published text is never part of the project: a copy is recognised by hash, and a modified one
is described by behaviour, from its commands as the shell parser reads them.
"""

import json
import posixpath

from chaimeleon_lint.model.image import Image, Script
from chaimeleon_lint.profile import Profile
from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.source.shell import Command

_ACCOUNT_TOOLS = frozenset({"useradd", "adduser", "usermod", "groupadd", "groupmod", "addgroup"})


class Convention(NamedTuple):
    """A profile's [toolbox] table."""

    entrypoints: tuple[tuple[str, str], ...]  # (version name, sha256 of the normalised text)
    registry: tuple[str, ...]  # host/project a FEMTask image may live in
    host_variables: tuple[str, ...]
    chowns: str


def convention(profile: Profile) -> Convention | None:
    """The profile's toolbox convention, or None for a profile without one."""
    if not profile.toolbox:
        return None
    data = json.loads(profile.toolbox)
    return Convention(tuple(sorted(data["entrypoints"].items())), tuple(data["registry"]),
                      tuple(data["host-variables"]), data["chowns"])


def normalised(text: str) -> str:
    """CRLF as LF, blank and comment lines dropped (a first-line `#!` kept), trailing blanks
    stripped: what two copies that differ only in layout or comments share."""
    kept = []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n")):
        line = line.rstrip()
        stripped = line.lstrip()
        if not stripped or (stripped.startswith("#") and not (number == 0 and line.startswith("#!"))):
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def digest(text: str) -> str:
    import hashlib  # OpenSSL's 5 ms: only when a toolbox image's entrypoint is compared

    return hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()


class Behaviour(NamedTuple):
    """What an entrypoint script does, as far as the contract goes."""

    reads: frozenset[str]  # the host variables it sets (from the environment, with defaults)
    creates_user: bool  # calls useradd/usermod/groupadd/...
    chowns: tuple[str, ...]  # the folders its chown calls name
    hands_over: str  # the program its last command runs (`exec` peeled off): "gosu" in the contract


def behaviour(commands: tuple[Command, ...] | list[Command], variables: tuple[str, ...]) -> Behaviour:
    reads = frozenset(name for c in commands for name, _ in c.assigns if name in variables)
    creates = any(c.name in _ACCOUNT_TOOLS for c in commands)
    chowns = tuple(sorted({w.text for c in commands if c.name == "chown" for w in c.argv[1:]
                           if w.text.startswith("/")}))
    last = next((c for c in reversed(commands) if c.argv), None)
    words = [w.text for w in last.argv] if last is not None else []
    if words[:1] == ["exec"]:
        words = words[1:]
    return Behaviour(reads, creates, chowns, posixpath.basename(words[0]) if words else "")


def differences(found: Behaviour, contract: Convention) -> list[str]:
    """The published behaviour this script lacks, in words."""
    said = []
    missing = [v for v in contract.host_variables if v not in found.reads]
    if missing:
        said.append(f"does not read {', '.join(missing)}")
    if not found.creates_user:
        said.append("does not create the runtime user")
    if contract.chowns not in found.chowns:
        said.append(f"does not chown {contract.chowns}")
    extra = [p for p in found.chowns if p != contract.chowns]
    if extra:
        said.append(f"also chowns {', '.join(extra)}")
    if found.hands_over != "gosu":
        said.append("does not hand over with `exec gosu`" + (f" (it ends with {found.hands_over})" if found.hands_over else ""))
    return said


class Entrypoint(NamedTuple):
    """The final stage's ENTRYPOINT script of the context, read."""

    image_path: str
    context_path: str
    text: str
    script: Script


def entrypoint(image: Image) -> Entrypoint | None:
    """The context file the final stage's exec-form ENTRYPOINT runs, when it is one."""
    stage = image.final
    entry = stage.entrypoint
    if entry is None or not entry.exec_form or stage.context is None:
        return None
    first = entry.exec_form[0]
    script = next((s for s in image.startup.scripts if s.image_path == first and s.language == "shell"), None)
    if script is None:
        return None
    text = stage.context.read_text(script.context_path)
    return Entrypoint(first, script.context_path, text, script) if text is not None else None


def script_facts(image: Image) -> tuple[str, frozenset[str], str] | None:
    """(file name, variables it sets, program it ends with) of the ENTRYPOINT script, for detection."""
    found = entrypoint(image)
    if found is None:
        return None
    commands = found.script.commands
    sets = frozenset(name for c in commands for name, _ in c.assigns)
    return posixpath.basename(found.image_path), sets, behaviour(commands, ()).hands_over
