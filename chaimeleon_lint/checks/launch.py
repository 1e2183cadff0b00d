"""CHL6xx: entrypoint and kind of application."""

from __future__ import annotations

from collections.abc import Iterator

from chaimeleon_lint.checks import check
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.model.effects.common import absolute
from chaimeleon_lint.model.image import Image
from chaimeleon_lint.model.software import HTTP_PORTS

_COMPONENTS = (("supervisor", "supervisor"), ("vnc", "a VNC server"), ("ssh", "an SSH server"))


@check("CHL601")
def batch_entrypoint_missing(image: Image) -> Iterator[Hit]:
    if image.kind == "batch" and image.final.entrypoint is None:
        yield Hit(None)


@check("CHL602")
def entrypoint_shell_form(image: Image) -> Iterator[Hit]:
    entry = image.final.entrypoint
    if entry is not None and entry.exec_form is None:
        yield Hit(Span(entry.line, entry.end_line), {"text": entry.text.strip()})


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
