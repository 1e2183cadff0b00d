"""A Dockerfile rebuilt from what an image records: its history and its configuration.

`history --no-trunc` keeps every RUN's shell text exactly (the classic builder's
`/bin/sh -c ...` or `|2 A=1 B=2 /bin/sh -c ...`, BuildKit's `RUN /bin/sh -c ... # buildkit`),
and the USER, WORKDIR, EXPOSE and SHELL in force between them. It loses the quotes of LABEL
and ENV values, so those come from the configuration (`image inspect`), which is also the
truth about the final user, working directory, entrypoint and command. COPY and ADD have no
build context to read and are left out. The static rules that such a file can answer run on
it; their findings point at its lines, which the report lists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

_NOP = re.compile(r"^/bin/(?:ba)?sh -c #\(nop\)\s*")
_ARGS = re.compile(r"^\|\d+ (?:\S+=\S* )*")  # the classic builder's build-arg prefix of a RUN
_SHELL_C = re.compile(r"^(/bin/(?:ba)?sh) -c ")
_KEPT = ("USER", "WORKDIR", "EXPOSE", "SHELL")  # from the history; the rest from the configuration
_SHELLS = ("/bin/sh", "/bin/bash", "sh", "bash")


def _quoted(text: str) -> str:
    """A value as a Dockerfile double-quoted string that expands to exactly it."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return '"' + " ".join(escaped.splitlines()) + '"'


def instruction(created_by: str) -> str | None:
    """The instruction a history entry records, when it is one the rebuilt file keeps."""
    text = created_by.strip().removesuffix("# buildkit").strip()
    nop = _NOP.match(text)
    if nop:
        text = text[nop.end():]
    elif text.startswith("RUN "):  # BuildKit
        text = text[4:]
        return "RUN " + _SHELL_C.sub("", _ARGS.sub("", text), count=1) if text else None
    elif _SHELL_C.match(_ARGS.sub("", text)):  # the classic builder's RUN
        return "RUN " + _SHELL_C.sub("", _ARGS.sub("", text), count=1)
    keyword = text.split(" ", 1)[0].upper()
    return text if keyword in _KEPT and " " in text else None


def _launch(keyword: str, argv: Sequence[str]) -> str:
    """ENTRYPOINT/CMD as written: a `["/bin/sh", "-c", "x"]` the engine made of a shell form is one."""
    if len(argv) == 3 and argv[0] in _SHELLS and argv[1] == "-c":
        return f"{keyword} {argv[2]}"
    return f"{keyword} {json.dumps(list(argv))}"


def dockerfile(reference: str, history: Sequence[str], config: Mapping[str, Any]) -> str:
    """The rebuilt Dockerfile: `history` oldest first, `config` the image configuration's `Config`."""
    lines = [f"FROM {reference}"]
    lines += [f"ENV {key}={_quoted(value)}" for key, _, value in
              (item.partition("=") for item in config.get("Env") or []) if key]
    users = 0
    for entry in history:
        found = instruction(entry)
        if found is not None:
            lines.append(found)
            users += found.upper().startswith("USER ")
    lines += [f"LABEL {key}={_quoted(str(value))}" for key, value in sorted((config.get("Labels") or {}).items())]
    user = str(config.get("User") or "")
    if user or users:
        lines.append(f"USER {user or 'root'}")
    if config.get("WorkingDir"):
        lines.append(f"WORKDIR {config['WorkingDir']}")
    if config.get("Entrypoint"):
        lines.append(_launch("ENTRYPOINT", config["Entrypoint"]))
    if config.get("Cmd"):
        lines.append(_launch("CMD", config["Cmd"]))
    return "\n".join(lines) + "\n"
