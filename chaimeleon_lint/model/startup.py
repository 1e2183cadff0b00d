"""Which build-context scripts run when the container starts, followed transitively.

From ENTRYPOINT+CMD through `sh -c`, `exec`, `tini --`, `bash script.sh`, `source`/`.` and
direct script calls; each image path is mapped back to the context file it was copied from.
"""

from __future__ import annotations

import posixpath

from chaimeleon_lint.model.context import Context
from chaimeleon_lint.model.effects.common import absolute
from chaimeleon_lint.model.image import Script
from chaimeleon_lint.model.state import StageState
from chaimeleon_lint.source.dockerfile import runs_in_shell
from chaimeleon_lint.source.shell import SHELLS, Command, ShellContext, parse_script

_MAX_SCRIPTS = 32
_INIT_WRAPPERS = frozenset({"tini", "dumb-init", "exec", "env", "gosu", "su-exec", "nohup"})


def launch_argv(state: StageState) -> list[str]:
    """What the container runs: ENTRYPOINT, with CMD appended unless ENTRYPOINT is shell form."""
    entry, cmd = state.entrypoint, state.cmd
    argv = list(entry.argv) if entry else []
    if cmd is not None and (entry is None or entry.exec_form is not None):
        argv += list(cmd.argv)
    return argv


def _script_target(argv: list[str]) -> tuple[str | None, str | None]:
    """(script path to follow, inline shell text) for one argv."""
    while argv and posixpath.basename(argv[0]) in _INIT_WRAPPERS:
        argv = argv[1:]
        while argv and (argv[0].startswith("-") or "=" in argv[0]):
            argv = argv[1:]
    if not argv:
        return None, None
    program = posixpath.basename(argv[0])
    if program in SHELLS:
        rest = argv[1:]
        for i, word in enumerate(rest):
            if not word.startswith("-"):
                return word, None
            if "c" in word[1:] and not word.startswith("--"):
                return None, rest[i + 1] if i + 1 < len(rest) else None
        return None, None
    if "/" in argv[0] or argv[0].endswith(".sh"):
        return argv[0], None
    return None, None


def _called(command: Command) -> str | None:
    """A script a shell command runs or sources."""
    argv = [w.text for w in command.argv if w.known]
    if not argv:
        return None
    if argv[0] in ("source", ".") and len(argv) > 1:
        return argv[1]
    path, _ = _script_target(argv)
    return path


def startup_scripts(state: StageState, context: Context | None) -> tuple[tuple[Script, ...], str | None]:
    """The context scripts run at start-up, and the first launched script not found in the context."""
    scope = state.scope()
    ctx = ShellContext(scope, state.home(state.user), state.shell[0].endswith("bash"))
    cwd = state.workdir or "/"
    pending: list[str] = []
    first, inline = _script_target(launch_argv(state))
    if inline is not None:
        pending += [p for c in parse_script(inline, state.entrypoint.line if state.entrypoint else 1, ctx)
                    if (p := _called(c))]
    if first is not None:
        pending.append(first)
    scripts: list[Script] = []
    seen: set[str] = set()
    missing: str | None = None
    while pending and len(scripts) < _MAX_SCRIPTS:
        path = absolute(pending.pop(0), cwd)
        if path in seen:
            continue
        seen.add(path)
        node = state.node(path)
        text = context.read_text(node.origin) if context is not None and node and node.origin else None
        if text is None:
            if missing is None and not scripts:
                missing = path
            continue
        if not runs_in_shell(text):
            continue
        commands = tuple(parse_script(text, 1, ctx))
        scripts.append(Script(path, node.origin or "", commands))
        pending += [p for c in commands if (p := _called(c))]
    return tuple(scripts), missing
