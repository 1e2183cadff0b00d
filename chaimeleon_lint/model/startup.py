"""What runs when the container starts, followed from ENTRYPOINT/CMD into the build context.

The launch is parsed like a RUN (exec form included: `sh -c`, `exec`, `tini --`). From it we
follow, breadth first, every file of the context that runs: scripts run or sourced, `python
file.py`, `python -m pkg.mod` and the modules they import, shebangs, programs found on PATH,
and the `[program:x]` commands of supervisor configurations. Each image path is mapped back to
the context file it was copied from by the model's ADD/COPY records. Bounded in files, depth
and size (the context reads at most a MiB per file and skips binaries).
"""

import os
import posixpath
import re
import shlex
from collections import deque
from collections.abc import Iterator

from chaimeleon_lint.model.effects.common import absolute, getopt, numeric, under, unwrap
from chaimeleon_lint.model.effects.packages import PYTHON
from chaimeleon_lint.model.image import Launch, Missing, Script, Stage, Startup, Step
from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.source.dockerfile import interpreter
from chaimeleon_lint.source.python import PyCall, parse_python
from chaimeleon_lint.source.shell import SHELLS, Command, ShellContext, Word, parse_script

MAX_FILES = 64
MAX_DEPTH = 16
_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_SUPERVISOR_CONFS = ("/etc/supervisor/supervisord.conf", "/etc/supervisord.conf")
_SUPERVISOR_INCLUDES = ("/etc/supervisor/conf.d/*.conf", "/etc/supervisord.d/*.ini")
_SYSTEM_DIRS = ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/lib", "/lib", "/usr/libexec")
# Python calls that run a command: a shell string, or an argv list
_SHELL_CALLS = frozenset({"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"})
_ARGV_CALLS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                         "subprocess.Popen", "os.execv", "os.execvp", "os.spawnv", "os.spawnvp"})


class _Target(NamedTuple):
    """A file to look into: `how` is shell, python, module, supervisor or auto (decide by content)."""

    path: str
    how: str
    via: tuple[Step, ...]
    roots: tuple[str, ...] = ()  # sys.path of the Python program this file belongs to


def startup(stage: Stage, interactive: bool) -> Startup:
    """Follow the final stage's ENTRYPOINT/CMD; never raises, never reads outside the context.

    An interactive image whose start-up reaches no `supervisord` in the context (the base image's
    init runs it) still runs the supervisor programs configured in the default places.
    """
    ctx = _runtime_context(stage)
    launch, span = _launch(stage, ctx)
    origin = (Step(None, span[0]),) if span is not None else ()
    walk = _Walk(stage, ctx)
    targets = [t for c in launch for t in _targets(c, stage, origin)]
    if targets:
        first = targets[0]
        node = stage.node(first.path)
        if first.how != "module" and _is_script_path(first.path) and (node is None or not node.origin):
            walk.missing = Missing(first.path, origin[0].line, node.line if node else None)
    walk.follow(targets)
    if interactive and not walk.supervised:
        walk.follow([_Target(conf, "supervisor", (Step(None, node.line or 1),))
                     for conf in _default_supervisor_confs(stage) if (node := stage.node(conf)) is not None])
    return Startup(launch, span, tuple(_live(walk.scripts)), walk.missing)


def _runtime_context(stage: Stage) -> ShellContext:
    """The shell at start-up: the image's ENV, and the container's user as `$USER`, `$LOGNAME`,
    `$(whoami)` and `$(id -un)`. The platform starts every container as uid 1000, so that user is
    the platform user whatever USER says; a grant to `$USER` at start-up is a grant to it."""
    account = stage.platform_account()
    name = account.name if account else (stage.user.spelled.split(":")[0] or None)
    scope = dict(stage.env)
    if name is not None and not numeric(name):
        for variable in ("USER", "LOGNAME"):
            scope.setdefault(variable, Word(name))
    home = account.home if account else stage.home()
    if home:  # the engine sets HOME from the user's passwd entry
        scope.setdefault("HOME", Word(home))
    return ShellContext(scope, home, stage.shell[0].endswith("bash"), name)


class _Walk:
    """One breadth-first walk over the files start-up runs; lives for one `startup` call."""

    def __init__(self, stage: Stage, ctx: ShellContext) -> None:
        self.stage = stage
        self.ctx = ctx
        self.scripts: list[Script] = []
        self.seen: set[tuple[str, str]] = set()
        self.supervised = False
        self.missing: Missing | None = None

    def follow(self, targets: list[_Target]) -> None:
        stage = self.stage
        queue = deque(targets)
        while queue and len(self.scripts) < MAX_FILES:
            target = queue.popleft()
            if (target.path, target.how) in self.seen or len(target.via) > MAX_DEPTH:
                continue
            self.seen.add((target.path, target.how))
            self.supervised = self.supervised or target.how == "supervisor"
            if target.how == "module":
                queue.extend(_module_files(stage, target))
                continue
            node = stage.node(target.path)
            if node is None or not node.origin:
                continue
            home = node.inherited
            where = home.context if home is not None else stage.context
            text = where.read_text(node.origin) if where is not None else None
            if text is None:
                continue
            # A sibling image's file is named by its path, which `shown` keeps: not the context's
            origin = node.origin if home is None else os.path.join(home.context.root, node.origin)
            script, found = _read(stage, self.ctx, target, origin, text)
            if script is not None:
                self.scripts.append(script if home is None else script._replace(inherited=home.dockerfile))
                queue.extend(found)


def _launch(stage: Stage, ctx: ShellContext) -> tuple[tuple[Command, ...], tuple[int, int] | None]:
    """The commands ENTRYPOINT+CMD run, and the instruction lines they are written on."""
    entry, cmd = stage.entrypoint, stage.cmd
    if entry is not None and entry.runs_arguments:  # the platform's run.sh: its steps are the platform's
        entry = None
        if cmd is None:
            return (), None
    parts: list[Launch] = [p for p in (entry, cmd) if p is not None]
    if entry is not None and entry.exec_form is None:
        parts = [entry]  # a shell-form ENTRYPOINT ignores CMD
    if not parts:
        return (), None
    if len(parts) == 1 and parts[0].exec_form is None:
        return parts[0].commands, (parts[0].line, parts[0].end_line)
    argv = [w for p in parts for w in (p.exec_form if p.exec_form is not None else p.argv)]
    main = parts[0]
    if main is entry and len(parts) == 2 and not unwrap(
            Command.of(tuple(Word(w) for w in entry.exec_form or ()), entry.line, entry.line)).argv:
        main = parts[1]  # `ENTRYPOINT ["tini", "--"]`: the program is CMD's
    return tuple(parse_script(shlex.join(argv), main.line, ctx)), (main.line, main.end_line)


def _targets(command: Command, stage: Stage, via: tuple[Step, ...]) -> Iterator[_Target]:
    """The files a command runs: `bash x.sh`, `. lib.sh`, `python -m m`, `supervisord -c f`, `./x`."""
    words = list(unwrap(command).argv)
    texts = [w.text for w in words]
    if not words or not words[0].known:
        return
    name = posixpath.basename(texts[0])
    cwd = stage.workdir or "/"
    if name in ("source", ".") and len(words) > 1 and words[1].known:
        yield _Target(absolute(texts[1], cwd), "shell", via)
    elif name in SHELLS:
        operands = getopt(words[1:], "o", frozenset({"rcfile", "init-file"}))
        if not operands.has("c") and operands.operands and operands.operands[0].known:
            yield _Target(absolute(operands.operands[0].text, cwd), "shell", via)
    elif PYTHON.match(name):
        yield from _python_target(words[1:], stage, via)
    elif name == "supervisord":
        conf = getopt(words[1:], "cdlujy", frozenset({"configuration"})).last("c", "configuration")
        if conf is None:
            yield from (_Target(p, "supervisor", via) for p in _default_supervisor_confs(stage))
        elif conf.known:
            yield _Target(absolute(conf.text, cwd), "supervisor", via)
    elif "/" in texts[0]:
        yield _Target(absolute(texts[0], cwd), "auto", via)
    else:
        for directory in _path_dirs(stage, command):
            candidate = posixpath.join(directory, texts[0])
            node = stage.node(candidate)
            if node is not None and node.origin:
                yield _Target(candidate, "auto", via)
                return


def _python_target(args: list[Word], stage: Stage, via: tuple[Step, ...]) -> Iterator[_Target]:
    """`python [-u] file.py` or `python -m pkg.mod` (`-c code` runs no file)."""
    cwd = stage.workdir or "/"
    i = 0
    while i < len(args):
        text = args[i].text
        module = args[i + 1] if text == "-m" and i + 1 < len(args) else Word(text[2:]) if text.startswith("-m") else None
        if module is not None:
            if module.known:
                yield _Target(module.text, "module", via, _python_path(stage, cwd))
            return
        if text.startswith("-c"):
            return
        if not text.startswith("-"):
            if args[i].known:
                path = absolute(text, cwd)
                yield _Target(path, "python", via, _python_path(stage, posixpath.dirname(path)))
            return
        i += 2 if text in ("-W", "-X") else 1


def _python_path(stage: Stage, first: str) -> tuple[str, ...]:
    """sys.path as far as the context matters: the program's directory (the cwd for -m), PYTHONPATH."""
    pythonpath = stage.env.get("PYTHONPATH")
    extra = pythonpath.text.split(":") if pythonpath is not None and pythonpath.known else []
    return (first, *(d for d in extra if d.startswith("/")))


def _path_dirs(stage: Stage, command: Command) -> list[str]:
    path = next((w for name, w in reversed(command.assigns) if name == "PATH"), None) or stage.env.get("PATH")
    text = path.text if path is not None else _DEFAULT_PATH
    return [d for d in text.split(":") if d.startswith("/")]


def _is_script_path(path: str) -> bool:
    """A path worth saying "not in the context" about: not a system program like /usr/sbin/sshd."""
    return path.endswith((".sh", ".py", ".bash")) or not any(under(path, d) for d in _SYSTEM_DIRS)


def _read(stage: Stage, ctx: ShellContext, target: _Target, origin: str,
          text: str) -> tuple[Script | None, list[_Target]]:
    """A Script for one context file, and the files it runs in turn."""
    how = target.how
    if how == "auto":
        program = interpreter(text)
        if (program and PYTHON.match(program)) or (program is None and target.path.endswith(".py")):
            how = "python"
        elif program is None or program in SHELLS:
            how = "shell"
        else:
            return None, []
    if how == "python":
        return _python_script(stage, ctx, target, origin, text)
    if how == "supervisor":
        commands, includes = _supervisor(text, posixpath.dirname(target.path), ctx)
        here = target.via
        found = [_Target(p, "supervisor", here + (Step(origin, line),)) for line, pattern in includes
                 for p in stage.glob(pattern)]
        found += [t for c in commands for t in _targets(c, stage, here + (Step(origin, c.line),))]
        return Script(target.path, origin, "supervisor", tuple(commands), (), target.via), found
    commands = parse_script(text, 1, ctx)
    found = [t for c in commands for t in _targets(c, stage, target.via + (Step(origin, c.line),))]
    return Script(target.path, origin, "shell", tuple(commands), (), target.via), found


def _python_script(stage: Stage, ctx: ShellContext, target: _Target, origin: str,
                   text: str) -> tuple[Script | None, list[_Target]]:
    module = parse_python(text)
    if module is None:
        return None, []
    commands = [c for call in module.calls for c in call_commands(call, ctx)]
    found = [t for c in commands for t in _targets(c, stage, target.via + (Step(origin, c.line),))]
    package = posixpath.dirname(target.path)
    roots = target.roots or _python_path(stage, package)
    for imp in module.imports:
        step = target.via + (Step(origin, imp.line),)
        if imp.level:
            base = package
            for _ in range(imp.level - 1):
                base = posixpath.dirname(base)
            names = [imp.module] if imp.module else []
            names += [f"{imp.module}.{n}" if imp.module else n for n in imp.names]
            found += [_Target(f, "python", step, roots) for n in names for f in _module_paths((base,), n, stage)]
        else:
            names = [imp.module] + [f"{imp.module}.{n}" for n in imp.names]
            found += [_Target(f, "python", step, roots) for n in names for f in _module_paths(roots, n, stage)]
    return Script(target.path, origin, "python", tuple(commands), module.calls, target.via), found


def call_commands(call: PyCall, ctx: ShellContext) -> list[Command]:
    """The shell commands a Python call runs: `os.system("pip install x")`, `subprocess.run([...])`."""
    first = call.argument(0, "args")
    if call.name in _SHELL_CALLS or (call.name in _ARGV_CALLS and isinstance(first, str)):
        if isinstance(first, str) and (call.name in _SHELL_CALLS or call.keyword("shell") is True):
            return [c for c in parse_script(first, call.line, ctx)]
        if isinstance(first, str):
            return [Command.of((Word(first),), call.line, call.line)]
        return []
    if call.name in _ARGV_CALLS and isinstance(first, tuple):
        if call.name.startswith("os.") and len(call.args) > 1 and isinstance(call.args[1], tuple):
            first = call.args[1]  # os.execvp(file, args): args[0] is the program again
        argv = tuple(Word(a) if isinstance(a, str) else Word("", known=False) for a in first)
        return [Command.of(argv, call.line, call.line)] if argv else []
    return []


def _module_files(stage: Stage, target: _Target) -> list[_Target]:
    """`python -m pkg.mod`: the module's files, found on the program's sys.path."""
    return [_Target(f, "python", target.via, target.roots)
            for f in _module_paths(target.roots, target.path, stage, main=True)]


def _module_paths(roots: tuple[str, ...], dotted: str, stage: Stage, main: bool = False) -> list[str]:
    """Context files an import of `dotted` runs: each package's `__init__.py`, then the module
    (`__main__.py` for `python -m package`); namespace packages have no `__init__.py`."""

    def copied(path: str) -> bool:
        node = stage.node(path)
        return node is not None and not node.is_dir and bool(node.origin)

    parts = [p for p in dotted.split(".") if p]
    for root in roots:
        files: list[str] = []
        for i in range(1, len(parts) + 1):
            base = posixpath.join(root, *parts[:i])
            last = i == len(parts)
            if copied(base + "/__init__.py"):
                files.append(base + "/__init__.py")
                if last and main and copied(base + "/__main__.py"):
                    files.append(base + "/__main__.py")
            elif last and copied(base + ".py"):
                files.append(base + ".py")
            elif last and main and copied(base + "/__main__.py"):
                files.append(base + "/__main__.py")
            elif (node := stage.node(base)) is None or not node.is_dir:
                break
        if files:
            return files
    return []


def _supervisor(text: str, directory: str, ctx: ShellContext) -> tuple[list[Command], list[tuple[int, str]]]:
    """The `[program:x] command=` lines of a supervisor configuration, and its `[include] files=`."""
    commands: list[Command] = []
    includes: list[tuple[int, str]] = []
    section = ""
    key, value, start = "", "", 0
    entries: list[tuple[str, str, str, int]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if key and raw[:1] in (" ", "\t") and stripped and not stripped.startswith((";", "#")):
            value += " " + stripped
            continue
        if key:
            entries.append((section, key, value, start))
            key = ""
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
        elif "=" in stripped and not stripped.startswith((";", "#")):
            key, _, value = (p.strip() for p in stripped.partition("="))
            start = number
    if key:
        entries.append((section, key, value, start))
    for section, key, value, line in entries:
        value = re.sub(r"\s;.*$", "", value)
        if section.startswith(("program:", "eventlistener:")) and key == "command":
            commands += parse_script(re.sub(r"%\(ENV_(\w+)\)s", r"${\1}", value), line, ctx)
        elif section == "include" and key == "files":
            includes += [(line, absolute(p, directory)) for p in value.split()]
    return commands, includes


def _default_supervisor_confs(stage: Stage) -> list[str]:
    """The configuration supervisord reads without `-c`, or the include folders of Debian's own."""
    mains = [p for p in _SUPERVISOR_CONFS if (n := stage.node(p)) is not None and n.origin]
    return mains or [p for pattern in _SUPERVISOR_INCLUDES for p in stage.glob(pattern)]


def _live(scripts: list[Script]) -> Iterator[Script]:
    """Drop the commands of shell functions that nothing calls (a function runs only when called)."""
    commands = [c for s in scripts for c in s.commands]
    live: set[str] = set()
    grew = True
    while grew:
        called = {c.name for c in commands if c.function is None or c.function in live}
        grew = not called <= live
        live |= called
    for script in scripts:
        kept = tuple(c for c in script.commands if c.function is None or c.function in live)
        yield script._replace(commands=kept)
