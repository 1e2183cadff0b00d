"""The fold over instructions: one small function per instruction kind, one state per stage."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping, Sequence

from chaimeleon_lint.model.context import Context
from chaimeleon_lint.model.effects import accounts, files, packages
from chaimeleon_lint.model.effects.common import absolute, numeric, rebase, under, unwrap
from chaimeleon_lint.model.effects.modes import apply_mode
from chaimeleon_lint.model.image import (
    UNKNOWN_PART, Account, Image, Label, Launch, Node, OutOfScope, Run, UserState,
)
from chaimeleon_lint.model.siblings import SiblingBase, repository_name
from chaimeleon_lint.model.software import INTERACTIVE
from chaimeleon_lint.model.bases import public_base
from chaimeleon_lint.model.image import TreeCopy
from chaimeleon_lint.model.state import StageState
from chaimeleon_lint.model.startup import startup
from chaimeleon_lint.source.dockerfile import Dockerfile, Instruction
from chaimeleon_lint.source.shell import MAX_NESTING, Command, ShellContext, parse_script
from chaimeleon_lint.source.variables import UNKNOWN, Scope, Value, expand, pairs, raw_words, split_words
from chaimeleon_lint.profile import KnownBase, Profile, candidates

_new = tuple.__new__  # a NamedTuple from all its fields, without its generated __new__: tests/test_records.py
_CAPABILITIES = frozenset({"desktop", "vnc", "ssh", "supervisor", "browser", "webui"})
_CACHE_ENV = "PIP_NO_CACHE_DIR"


def _empty(name: str) -> Value:
    """In a FROM line (and a global ARG's default) a name that is no global ARG is ""."""
    return Value("")


class _Simulation:
    """Holds the stages built so far while one Dockerfile is folded; lives for one call.

    `build_args` None means the `--build-arg` values are not known (an ARG without default is
    then "present, value unknown"); a mapping is the exact set the engine gets.
    """

    def __init__(self, dockerfile: Dockerfile, context: Context | None, profiles: tuple[Profile, ...],
                 build_args: Mapping[str, str] | None, siblings: Mapping[str, SiblingBase], positions: bool) -> None:
        self.dockerfile = dockerfile
        self.positions = positions  # keep the file positions of RUN words (for autofixes)
        self.siblings = siblings
        self.context = context
        self.profiles = profiles
        self.build_args = build_args
        self.globals: dict[str, Value] = {}
        self.global_lines: dict[str, int] = {}
        self.stages: list[StageState] = []
        self.problems: list[tuple[int, str]] = []  # COPY/ADD sources the build cannot find
        self.unchecked: list[tuple[int, str]] = []  # shell nested too deep to walk: CHL901
        self.line = 0  # the instruction being folded: where an out-of-scope use is recorded

    @property
    def state(self) -> StageState:
        return self.stages[-1]

    def run(self) -> list[StageState]:
        handlers: dict[str, Callable[[Instruction], None]] = {
            "FROM": self.from_, "ARG": self.arg, "ENV": self.env, "LABEL": self.label, "USER": self.user,
            "WORKDIR": self.workdir, "SHELL": self.shell, "ENTRYPOINT": self.launch, "CMD": self.launch,
            "EXPOSE": self.expose, "COPY": self.copy, "ADD": self.copy, "RUN": self.run_,
        }
        for ins in self.dockerfile.instructions:
            if ins.keyword != "FROM" and ins.keyword != "ARG" and not self.stages:
                continue
            handler = handlers.get(ins.keyword)
            if handler is not None:
                self.line = ins.line
                handler(ins)
        for stage in self.stages:  # a kept scope holds this simulation's method: a cycle, which nothing collects
            stage.built_scope = None
        return self.stages

    def scope(self) -> Scope:
        """What `$NAME` means in the current stage at build time: its ARGs and ENV, then the rest."""
        return self.state.scope(self.undeclared)

    def runtime_scope(self) -> Scope:
        """What `$NAME` means when the container starts: the image's ENV only (ARGs are not kept)."""
        return Scope.of(self.state.env, self.undeclared_at_start)

    def out_of_scope(self, name: str) -> bool:
        """A global ARG's name the stage did not declare again; the use is recorded for CHL903."""
        arg_line = self.global_lines.get(name)
        if arg_line is None or name in self.state.args:
            return False
        self.state.out_of_scope.append(OutOfScope(name, self.line, arg_line))
        return True

    def undeclared(self, name: str) -> Value:
        """A name in no scope of the stage: "" for the engine, unless an unknown base image may set it."""
        if self.out_of_scope(name) or self.state.env_known:
            return Value("")
        return UNKNOWN

    def undeclared_at_start(self, name: str) -> Value:
        """At start-up the platform or the user may set any name, except that a global ARG's is ""."""
        return Value("") if self.out_of_scope(name) else UNKNOWN

    def expand(self, text: str) -> Value:
        return expand(text, self.scope(), self.dockerfile.escape)

    def arg_value(self, key: str, default: str | None, scope: Mapping[str, Value]) -> Value:
        """An ARG's value: the `--build-arg`, else its default, else (in a stage) the global's."""
        if self.build_args is not None and key in self.build_args:
            return Value(self.build_args[key])
        if default is not None:
            return expand(default, scope, self.dockerfile.escape)
        if self.stages and key in self.globals:
            return self.globals[key]
        return Value("") if self.build_args is not None else UNKNOWN

    # -- stage set-up -----------------------------------------------------------
    def from_(self, ins: Instruction) -> None:
        words = split_words(ins.rest, Scope.of(self.globals, _empty), self.dockerfile.escape)
        base = words[0] if words else UNKNOWN
        name = words[2].text if len(words) >= 3 and words[1].text.lower() == "as" else None
        index = len(self.stages)
        parent = next((s for s in reversed(self.stages) if s.name and s.name.lower() == base.text.lower()), None)
        if parent is not None and base.known:
            self.stages.append(parent.child(index, name, base, ins.line, ins.end_line))
            return
        sibling = self.siblings.get(repository_name(base.text)) if base.text else None
        if sibling is not None:
            self.stages.append(StageState.on_sibling(sibling, index, name, base, ins.line, ins.end_line,
                                                     self.context))
            return
        # An ARG without a default (`:${BASE_VERSION}${CUDA_VERSION}`) is usually in the tag; the known
        # parts must match on their own, so an unknown registry or repository never does.
        profile, bases = next(((p, m) for p in self.profiles if (m := p.matches(base.text))), (None, ()))
        provides = frozenset().union(*(b.provides for b in bases))
        known = "user" in provides
        scratch = base.known and base.text.lower() == "scratch"
        state = StageState(index, name, base, ins.line, None, known, self.context, from_end_line=ins.end_line,
                           env_known=known or scratch, has_base_dirs=not scratch,
                           platform=profile.name if profile is not None else None)
        if profile is not None:
            _provide_platform(state, profile, provides, bases)
        elif base.known and (public := public_base(base.text)) is not None:
            state.accounts = list(public.accounts)
            state.group_ids = dict(public.groups)
            state.groups_known = True
        self.stages.append(state)

    def arg(self, ins: Instruction) -> None:
        """`ARG NAME=default`; a bare `ARG NAME` in a stage takes the global ARG's value."""
        in_stage = bool(self.stages)
        for word in raw_words(ins.rest, self.dockerfile.escape):
            key, eq, default = word.partition("=")
            scope = self.scope() if in_stage else Scope.of(self.globals, _empty)
            value = self.arg_value(key, default if eq else None, scope)
            if in_stage:
                self.state.set_arg(key, value)
                if key == _CACHE_ENV:
                    self.state.pip_no_cache = True
            else:
                self.globals[key] = value
                self.global_lines.setdefault(key, ins.line)

    def env(self, ins: Instruction) -> None:
        for key, _, value in pairs(ins.rest, self.scope(), self.dockerfile.escape):
            self.state.set_env(key, value)
            self.state.env_lines[key] = ins.line
            if key == _CACHE_ENV:
                self.state.pip_no_cache = True

    def label(self, ins: Instruction) -> None:
        scope = self.scope()
        for key, raw, value in pairs(ins.rest, scope, self.dockerfile.escape):
            pattern = value.text if value.known else expand(raw, scope, self.dockerfile.escape, UNKNOWN_PART).text
            self.state.labels[key] = Label(value, ins.line, pattern, raw if "$" in raw else "")

    def user(self, ins: Instruction) -> None:
        value = self.expand(ins.rest)
        if not value.known:
            self.state.user = UserState(value.text or ins.rest, None, None, ins.line)
            return
        name, _, group = value.text.partition(":")
        uid = self.state.uid_of(name)
        account = self.state.account(name)
        if group:
            gid = self.state.gid_of(group)
        else:
            gid = account.gid if account else (0 if uid == 0 or uid is not None else None)
        self.state.user = UserState(value.text, uid, gid, ins.line)

    def workdir(self, ins: Instruction) -> None:
        value = self.expand(ins.rest)
        state = self.state
        if value.known and not value.text:  # docker's classic builder: "cannot normalize nothing"
            state.out_of_scope = [u._replace(empties_workdir=True) if u.line == ins.line else u
                                  for u in state.out_of_scope]
        if not value.known:
            state.workdir, state.workdir_line = None, ins.line
            return
        path = state.path(value.text)
        state.workdir, state.workdir_line = path, ins.line
        if path is not None:  # BuildKit creates a missing WORKDIR owned by the current user
            state.make_dirs(path, state.user.uid, state.user.gid, 0o755, ins.line)

    def shell(self, ins: Instruction) -> None:
        if ins.exec_form:
            self.state.shell = ins.exec_form

    def expose(self, ins: Instruction) -> None:
        for word in split_words(ins.rest, self.scope(), self.dockerfile.escape):
            port = word.text.split("/", 1)[0].split("-", 1)[0]
            if word.known and numeric(port):
                self.state.exposes.append((int(port), ins.line))

    def shell_context(self, user: UserState, scope: Scope | None = None) -> ShellContext:
        state = self.state
        spelled = user.spelled.split(":")[0]
        account = state.account(spelled)
        name = account.name if account else (spelled if user.uid is not None and not numeric(spelled) else None)
        return _new(ShellContext, (scope if scope is not None else self.scope(), state.home(user),
                                   state.shell[0].endswith("bash"), name, self.positions))

    def script(self, text: str, line: int, context: ShellContext) -> list[Command]:
        """The commands of a RUN, CMD or ENTRYPOINT; nesting too deep to walk is a problem to report."""
        commands = parse_script(text, line, context)
        if commands.too_deep is not None:
            self.unchecked.append((commands.too_deep, f"the shell command nests more than {MAX_NESTING} levels deep "
                                                      "($( ), subshells, if, while, ...): what is deeper was not checked"))
        return commands

    def launch(self, ins: Instruction) -> None:
        commands: tuple[Command, ...] = ()
        if ins.exec_form is None:
            context = self.shell_context(self.state.user, self.runtime_scope())
            commands = tuple(self.script(ins.shell_text, ins.shell_line, context))
        launch = Launch(ins.exec_form, ins.rest, commands, ins.line, ins.end_line, self.state.shell)
        if ins.keyword == "ENTRYPOINT":
            self.state.entrypoint = launch
            if self.state.cmd_inherited:
                self.state.cmd = None
        else:
            self.state.cmd, self.state.cmd_inherited = launch, False

    # -- file system --------------------------------------------------------------
    def copy(self, ins: Instruction) -> None:
        state = self.state
        words = [Value(w) for w in ins.exec_form] if ins.exec_form else split_words(
            ins.rest, self.scope(), self.dockerfile.escape)
        if len(words) < 2 or not words[-1].known:
            return
        uid, gid = _copy_owner(state, ins.flag("chown"))
        chmod = ins.flag("chmod")
        mode = apply_mode(None, chmod, False) if chmod else None
        dest = state.path(words[-1].text)
        if dest is None:
            return
        sources = words[:-1]
        existing = state.node(dest)
        into = words[-1].text.endswith("/") or len(sources) > 1 or (existing is not None and existing.is_dir)
        heredocs = {h.name: h for h in ins.heredocs}
        state.make_dirs(posixpath.dirname(dest) if not into else dest, uid, gid, 0o755, ins.line)
        source_stage = self._source_stage(ins.flag("from"))
        if ins.flag("from") is not None and source_stage is None and not ins.flag("from").isdigit():
            state.image_copies.append((ins.line, ins.flag("from")))
        for source in sources:
            name = source.text.lstrip("<-").strip("'\"")
            if source.text.startswith("<<") and name in heredocs:
                target = posixpath.join(dest, name) if into else dest
                body = heredocs[name].body
                state.nodes[target] = Node(target, False, uid, gid, mode or 0o644, ins.line, copied=True, content=body)
                state.file_written(target, body, ins.line)
            elif source.known and ins.flag("from") is not None:
                self._copy_from_stage(source_stage, source.text, dest, into, uid, gid, mode, ins.line)
            elif source.known and not source.text.startswith(("http://", "https://", "git@")):
                self._copy_from_context(source.text, dest, into, uid, gid, mode, ins.line)
            elif source.known:
                target = posixpath.join(dest, posixpath.basename(source.text)) if into else dest
                state.nodes[target] = Node(target, False, uid, gid, mode or 0o600, ins.line, copied=True)

    def _source_stage(self, ref: str | None) -> StageState | None:
        if ref is None:
            return None
        for stage in self.stages[:-1]:
            if (stage.name and stage.name.lower() == ref.lower()) or ref == str(stage.index):
                return stage
        return None

    def _copy_from_stage(self, source: StageState | None, path: str, dest: str, into: bool,
                         uid: int | None, gid: int | None, mode: int | None, line: int) -> None:
        src = absolute(path, "/")
        node = source.node(src) if source is not None else None
        target = posixpath.join(dest, posixpath.basename(src)) if into else dest
        self.state.nodes[target] = Node(
            target, node.is_dir if node else False, uid, gid, mode if mode is not None else (node.mode if node else None),
            line, node.origin if node else None, True, node.content if node else None, node.inherited if node else None)

    def _missing(self, src: str, matches: list[str], line: int) -> bool:
        """Report a source the build will not find (outside the context, absent, .dockerignored)."""
        clean = posixpath.normpath(src.lstrip("/"))
        if clean == ".." or clean.startswith("../"):
            self.problems.append((line, f"COPY/ADD source {src!r} is outside the build context: the classic "
                                        "builder refuses it, and BuildKit looks for it inside the context"))
            return True
        context = self.context
        if context is None or any(context.is_file(m) or context.is_dir(m) for m in matches):
            return False
        if any(c in src for c in "*?["):
            problem = "matches no file of the build context"
        elif context.ignored(clean):
            problem = "is excluded by .dockerignore"
        else:
            problem = "is not in the build context"
        self.problems.append((line, f"COPY/ADD source {src!r} {problem}: the build fails"))
        return True

    def _copy_from_context(self, src: str, dest: str, into: bool, uid: int | None, gid: int | None,
                           mode: int | None, line: int) -> None:
        state, context = self.state, self.context
        matches = context.glob(src) if context is not None and any(c in src for c in "*?[") else [src]
        if self._missing(src, matches, line):
            return
        many = into or len(matches) > 1
        for rel in matches:
            rel = posixpath.normpath(rel.lstrip("/")) if rel not in ("", ".") else "."
            if context is not None and context.is_dir(rel):
                target = dest  # a directory's contents are copied, not the directory itself
                state.make_dirs(target, uid, gid, 0o755, line)
                state.nodes = {p: n for p, n in state.nodes.items()
                               if not (p != target and under(p, target) and context.is_file(rebase(p, target, rel)))}
                state.trees.append(TreeCopy(target, rel, uid, gid, mode, line))
                continue
            target = posixpath.join(dest, posixpath.basename(rel)) if many else dest
            file_mode = mode if mode is not None else (context.mode(rel) if context is not None else None)
            content = context.read_text(rel) if context is not None and _content_matters(target) else None
            state.nodes[target] = Node(target, False, uid, gid, file_mode, line, origin=rel, copied=True,
                                       content=content)
            if content is not None:
                state.file_written(target, content, line, origin=rel)

    # -- RUN --------------------------------------------------------------------------
    def run_(self, ins: Instruction) -> None:
        state = self.state
        user = state.user
        if ins.exec_form is not None:
            commands = [Command.of(tuple(Value(a) for a in ins.exec_form), ins.line, ins.end_line)]
            if commands[0].name in ("sh", "bash") and "-c" in ins.exec_form:
                script = ins.exec_form[ins.exec_form.index("-c") + 1:ins.exec_form.index("-c") + 2]
                commands += self.script(script[0] if script else "", ins.line, self.shell_context(user))
        else:
            commands = self.script(ins.shell_text, ins.shell_line, self.shell_context(user))
        state.removed = []
        pip_no_cache, apt_no_recommends = state.pip_no_cache, state.apt_no_recommends
        installs = []
        user_is_root = user.is_root
        for command in commands:
            inv = unwrap(command)
            actor = user if inv.run_as is None else state.user_for(inv.run_as)  # sudo, gosu: another user
            install = packages.apply(state, inv, command, user_is_root if actor is user else actor.is_root)
            if install is not None:
                installs.append(install)
            if inv.name in accounts.COMMANDS:
                accounts.apply(state, inv, command)
            files.apply(state, inv, command, actor)
        assigned = [k for c in commands if c.assigns for k, _ in c.assigns]
        names = state.names().union(assigned) if assigned else state.names()
        state.runs.append(_new(Run, (ins.line, ins.end_line, user, tuple(commands), tuple(installs),
                                     tuple(state.removed), names, _cache_mounts(ins) if ins.flags else (), pip_no_cache,
                                     apt_no_recommends)))


def _cache_mounts(ins: Instruction) -> tuple[str, ...]:
    """Targets of `RUN --mount=type=cache|tmpfs,target=...`: what is written there never reaches the image."""
    found = []
    for key, value in ins.flags:
        options = dict(part.partition("=")[::2] for part in (value or "").split(","))
        if key == "mount" and options.get("type") in ("cache", "tmpfs"):
            target = options.get("target") or options.get("dst") or options.get("destination")
            if target:
                found.append(absolute(target, "/"))
    return tuple(found)


def _content_matters(path: str) -> bool:
    return path.startswith(("/etc/sudoers", "/etc/apt/", "/etc/pip", "/etc/xdg/pip")) or path.endswith("pip.conf")


def _copy_owner(state: StageState, chown: str | None) -> tuple[int | None, int | None]:
    """`--chown=user[:group]`: a user without a group uses the same number as gid (Docker docs)."""
    if chown is None:
        return 0, 0
    user, _, group = chown.partition(":")
    uid = state.uid_of(user)
    if group:
        return uid, state.gid_of(group)
    account = state.account(user)
    return uid, (account.gid if account else uid)


def _provide_platform(state: StageState, profile: Profile, provides: frozenset[str],
                      bases: tuple[KnownBase, ...]) -> None:
    """What the platform's base images already contain, as the profile says: the user (whom they
    start as, in its home), the mount points, desktop components, ENV."""
    if "user" in provides:
        state.accounts.append(Account(profile.user, profile.uid, profile.gid, frozenset(), profile.home, None))
        state.group_ids[profile.group] = profile.gid
        state.user = UserState(profile.owner, profile.uid, profile.gid, None)
        state.workdir = profile.home
    if "home" in provides:
        state.nodes[profile.home] = Node(profile.home, True, profile.uid, profile.gid, 0o755, None)
    if "mount-dirs" in provides:
        for path in profile.mount_dirs:
            state.nodes[path] = Node(path, True, profile.uid, profile.gid, 0o755, None)
    for capability in sorted(provides & _CAPABILITIES):
        state.capabilities[capability] = None
    for base in bases:
        for key, value in base.env:
            state.set_env(key, Value(value))
    base = next((b for b in reversed(bases) if b.entrypoint), None)
    if base is not None:  # the image starts with it unless the Dockerfile sets its own
        text = "[" + ", ".join(f'"{word}"' for word in base.entrypoint) + "]"
        state.entrypoint = Launch(base.entrypoint, text, (), state.from_line, state.from_end_line or state.from_line,
                                  runs_arguments=base.runs_arguments)


def simulate(dockerfile: Dockerfile, context: Context | None, profiles: Sequence[Profile] = (),
             kind: str | None = None, build_args: Mapping[str, str] | None = None,
             siblings: Mapping[str, SiblingBase] | None = None, positions: bool = True) -> Image:
    """Fold the Dockerfile into an Image; stages before a FROM-less start are skipped.

    `profiles` are the platforms whose base images are known, the one in force first (default: the
    shipped ones); `build_args` is the exact set of `--build-arg` values when the caller knows it;
    `siblings` are the images of the run this one may be built FROM, by repository name;
    `positions` keeps where each word of a RUN is (what autofixes edit)."""
    profiles = tuple(profiles) or candidates()
    simulation = _Simulation(dockerfile, context, profiles, build_args, siblings or {}, positions)
    states = simulation.run()
    if not states:
        states = [StageState(0, None, UNKNOWN, 1, None, False, context)]
    stages = tuple(s.freeze() for s in states)
    final = stages[-1]
    interactive_line = next((final.capabilities[c] for c in INTERACTIVE if c in final.capabilities), None)
    is_interactive = any(c in final.capabilities for c in INTERACTIVE)
    chosen = kind or ("interactive" if is_interactive else "batch")
    return Image(
        stages=stages,
        kind=chosen,
        kind_line=interactive_line if chosen == "interactive" and kind is None else None,
        problems=tuple(sorted([(p.line, p.message) for p in dockerfile.problems] + simulation.unchecked)),
        missing_sources=tuple(sorted(simulation.problems)),
        license=context.license() if context is not None else None,
        platform=profiles[0],
        startup=startup(final, chosen == "interactive"),
    )

