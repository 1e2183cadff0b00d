"""CHL6xx: entrypoint and kind of application."""

from __future__ import annotations

import json
from collections.abc import Iterator

from chaimeleon_lint.checks import check
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.model.effects.common import absolute
from chaimeleon_lint.model.image import Image
from chaimeleon_lint.model.software import HTTP_PORTS

_COMPONENTS = (("supervisor", "supervisor"), ("vnc", "a VNC server"), ("ssh", "an SSH server"))


@check("CHL601")
def batch_entrypoint_missing(image: Image) -> Iterator[Hit]:
    stage = image.final
    if image.kind == "batch" and stage.entrypoint is None:
        suggested = _entrypoint_for(image)
        yield Hit(None, {"suggested": json.dumps(suggested, ensure_ascii=False)} if suggested else {})


def _entrypoint_for(image: Image) -> list[str] | None:
    """The user's own program as an exec-form ENTRYPOINT: the CMD's, else the one script the
    Dockerfile copies (a Python file run by python3); None when there is no telling."""
    stage = image.final
    if stage.cmd is not None and stage.cmd.exec_form:
        return list(stage.cmd.exec_form)
    scripts = sorted(p for p, n in stage.nodes.items() if n.copied and n.origin and not n.is_dir
                     and p.endswith((".py", ".sh")) and n.line is not None)
    if len(scripts) != 1:
        return None
    return ["python3", scripts[0]] if scripts[0].endswith(".py") else [scripts[0]]


@check("CHL602")
def entrypoint_shell_form(image: Image) -> Iterator[Hit]:
    entry = image.final.entrypoint
    if entry is not None and entry.exec_form is None:
        params = {"text": entry.text.strip()}
        command = entry.commands[0] if len(entry.commands) == 1 else None
        if command is not None and not (command.assigns or command.redirects or command.conditions) \
                and all(w.known for w in command.argv):  # one plain command: its own JSON form is the fix
            argv = [w.text for w in command.argv]
            params["json"] = json.dumps(argv[1:] if argv[:1] == ["exec"] and len(argv) > 1 else argv,
                                        ensure_ascii=False)
        yield Hit(Span(entry.line, entry.end_line), params)


@check("CHL603")
def init_script_not_executable(image: Image) -> Iterator[Hit]:
    stage = image.final
    entry = stage.entrypoint
    if entry is None:
        return
    program = entry.exec_form[0] if entry.exec_form else (
        entry.commands[0].argv[0].text if entry.commands and entry.commands[0].argv else "")
    if not program.startswith(("/", "./")) or not stage.workdir and not program.startswith("/"):
        return  # a bare name is looked up in PATH: not a file we copied
    path = stage.node(absolute(program, stage.workdir))
    if path is not None and path.copied and not path.is_dir and path.mode is not None and not path.mode & 0o111:
        yield Hit(Span(entry.line, entry.end_line), {"path": path.path, "source": path.origin or path.path})


@check("CHL604")
def desktop_component_missing(image: Image) -> Iterator[Hit]:
    if image.kind != "interactive":
        return
    for capability, spelled in _COMPONENTS:
        if capability not in image.final.capabilities:
            yield Hit(None, {"component": spelled})


@check("CHL605")
def web_ui_without_browser(image: Image) -> Iterator[Hit]:
    stage = image.final
    if image.kind != "interactive" or "browser" in stage.capabilities:
        return
    if "webui" in stage.capabilities:
        line = stage.capabilities["webui"]
        yield Hit(Span.at(line) if line else None, {"what": "a web UI is installed"})
        return
    for port, line in stage.exposes:
        if port in HTTP_PORTS:
            yield Hit(Span.at(line), {"what": f"port {port} is exposed"})
            return
