"""The simulated image: frozen facts that checks read and never recompute."""

import fnmatch
import posixpath
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chaimeleon_lint.model.effects.common import numeric, rebase, under
from chaimeleon_lint.model.effects.modes import apply_mode
from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.source.python import PyCall
from chaimeleon_lint.source.shell import Command
from chaimeleon_lint.source.variables import Value

if TYPE_CHECKING:
    from chaimeleon_lint.model.context import Context
    from chaimeleon_lint.profile import Profile

KEEP = "keep"
"""An owner spelling that leaves the uid or gid as it is (`chown user` keeps the group)."""

PLATFORM_UID = 1000
"""The guide's main-process uid and gid (every profile's so far; a profile names its own)."""


class Account(NamedTuple):
    """A user; uid/gid None when the Dockerfile leaves them to the base image or a variable."""

    name: str
    uid: int | None
    gid: int | None
    groups: frozenset[str]
    home: str
    line: int | None  # where it was created; None: provided by a known base image


def home_of(accounts: Iterable[Account], user: "UserState") -> str | None:
    """The home directory of a user as USER spells it: root's, or its account's."""
    if user.uid == 0:
        return "/root"
    accounts = tuple(accounts)
    account = find_account(accounts, user.spelled.split(":")[0]) or (
        find_account(accounts, str(user.uid)) if user.uid is not None else None)
    return account.home if account else None


def find_account(accounts: Iterable[Account], spelled: str) -> Account | None:
    """The latest account a USER/chown spelling names, by name or by numeric uid."""
    for account in reversed(tuple(accounts)):
        if account.name == spelled or (numeric(spelled) and account.uid == int(spelled)):
            return account
    return None


class UserState(NamedTuple):
    """The current USER: as written, and resolved to ids where the model can tell."""

    spelled: str
    uid: int | None
    gid: int | None
    line: int | None  # the USER instruction; None: the default (root, or the base image's)

    @property
    def is_root(self) -> bool | None:
        return None if self.uid is None else self.uid == 0


ROOT = UserState("root", 0, 0, None)


class Inherited(NamedTuple):
    """Where a file that a sibling image copied comes from: that image's build context and
    Dockerfile (as shown). Its start-up scripts are read there, and their findings are its own."""

    context: "Context"
    dockerfile: str


class Node(NamedTuple):
    """A file or directory the Dockerfile created or changed."""

    path: str
    is_dir: bool
    uid: int | None
    gid: int | None
    mode: int | None
    line: int | None  # None: provided by a known base image
    origin: str | None = None  # the build-context file it was copied from
    copied: bool = False  # created by ADD/COPY
    content: str | None = None
    inherited: Inherited | None = None  # `origin` is in a sibling image's context, not this one


class TreeCopy(NamedTuple):
    """A directory copied from the context; its files are looked up lazily, never listed."""

    dest: str
    src: str
    uid: int | None
    gid: int | None
    chmod: int | None
    line: int | None  # None: a sibling image copied it
    inherited: Inherited | None = None  # `src` is in a sibling image's context


class TreeChange(NamedTuple):
    """A recursive chown/chmod that reaches into copied trees."""

    prefix: str
    uid: int | None | str
    gid: int | None | str
    chmod: str | None
    line: int | None  # None: a sibling image changed it


def changed(node: Node, uid: int | None | str, gid: int | None | str, chmod: str | None) -> Node:
    """A node after chown (KEEP leaves an id) and/or chmod."""
    return Node(
        node.path, node.is_dir,
        node.uid if uid == KEEP else uid,  # type: ignore[arg-type]
        node.gid if gid == KEEP else gid,  # type: ignore[arg-type]
        apply_mode(node.mode, chmod, node.is_dir) if chmod is not None else node.mode,
        node.line, node.origin, node.copied, node.content, node.inherited,
    )


def find_node(path: str, nodes: dict[str, Node], trees: Iterable[TreeCopy | TreeChange],
              context: "Context | None") -> Node | None:
    """The node at path: made explicitly, or inside a copied directory tree (checked on disk)."""
    if path in nodes:
        return nodes[path]
    found: Node | None = None
    for event in trees:
        if isinstance(event, TreeCopy):
            where = event.inherited.context if event.inherited is not None else context
            if under(path, event.dest) and path != event.dest and where is not None:
                rel = rebase(path, event.dest, event.src)
                if where.is_file(rel) or where.is_dir(rel):
                    found = Node(path, where.is_dir(rel), event.uid, event.gid,
                                 event.chmod if event.chmod is not None else where.mode(rel),
                                 event.line, origin=rel, copied=True, inherited=event.inherited)
        elif found is not None and under(path, event.prefix):
            found = changed(found, event.uid, event.gid, event.chmod)
    return found


class Label(NamedTuple):
    """A label as the engine sets it; `pattern` is its text with each unknown part as `UNKNOWN_PART`."""

    value: Value
    line: int
    pattern: str = ""
    template: str = ""  # the value as written, when it has variables: siblings match it (chain.label_matcher)


UNKNOWN_PART = "\x00"


class OutOfScope(NamedTuple):
    """A use of a global ARG (one before the first FROM) in a stage that did not declare it again:
    the engine expands it to the empty string."""

    name: str
    line: int  # the instruction that uses it
    arg_line: int  # the global ARG
    empties_workdir: bool = False  # the WORKDIR it is used in expands to "": the build fails


class Launch(NamedTuple):
    """ENTRYPOINT or CMD: exec form argv, or the shell form's parsed commands."""

    exec_form: tuple[str, ...] | None
    text: str
    commands: tuple[Command, ...]
    line: int
    end_line: int
    shell: tuple[str, ...] = ("/bin/sh", "-c")  # the SHELL in force where it was written
    runs_arguments: bool = False  # a known base's init that ends by running its arguments (the CMD)

    @property
    def argv(self) -> tuple[str, ...]:
        """What the kernel will exec: the exec form, or the SHELL wrapping the text."""
        return self.exec_form if self.exec_form is not None else (*self.shell, self.text)


class Install(NamedTuple):
    """One package-manager call: `manager` apt/pip/conda/poetry/apk/yum; `action` install/update/..."""

    manager: str
    action: str
    packages: tuple[str, ...]
    command: Command
    as_root: bool | None
    program: str  # the package manager as called, once sudo/env are peeled off


class Write(NamedTuple):
    """A change to the file system by a RUN, with who did it and who owned the place."""

    path: str
    op: str
    line: int
    uid: int | None
    owner: int | None  # owner of the node (chmod/chown) or of its nearest known ancestor
    copied: bool  # the node was created by ADD/COPY


class Run(NamedTuple):
    """A RUN: its commands, the user it ran as, and what it removed."""

    line: int
    end_line: int
    user: UserState
    commands: tuple[Command, ...]
    installs: tuple[Install, ...]
    removed: tuple[str, ...]
    env: frozenset[str]  # variable names set for this RUN (ENV, ARG, inline, exported)
    cache_mounts: tuple[str, ...]  # `--mount=type=cache` targets: not part of the image
    pip_no_cache: bool  # a pip config written before this RUN sets no-cache-dir
    apt_no_recommends: bool  # an apt config written before this RUN turns recommends off


class SudoGrant(NamedTuple):
    """Sudo rights: membership of an admin group, or a sudoers line."""

    who: str  # user name, or %group for a sudoers group line
    line: int
    via: str  # "group" or "sudoers"
    commands: str  # "ALL" or the command list of the sudoers line
    path: str | None = None  # a context file when the sudoers line comes from one


class Password(NamedTuple):
    user: str
    line: int
    fixed: bool  # a literal (known) password, not one computed at build time


class AccountError(NamedTuple):
    """A useradd/groupadd the engine refuses: the build fails there (CHL201's variants)."""

    line: int
    variant: str  # "group-missing" or "id-taken"
    params: dict[str, object]


class Stage(NamedTuple):
    index: int
    name: str | None
    base: Value
    from_line: int
    base_stage: int | None  # index of the earlier stage this one is built FROM
    known_base: bool  # a base image known to provide the platform user and mount directories
    accounts: tuple[Account, ...]
    group_ids: dict[str, int | None]
    user: UserState
    workdir: str
    workdir_line: int | None
    env: dict[str, Value]
    labels: dict[str, Label]
    shell: tuple[str, ...]
    entrypoint: Launch | None
    cmd: Launch | None
    nodes: dict[str, Node]
    runs: tuple[Run, ...]
    installs: tuple[Install, ...]
    writes: tuple[Write, ...]
    sudo: tuple[SudoGrant, ...]
    passwords: tuple[Password, ...]
    capabilities: dict[str, int | None]  # "ssh", "vnc", "desktop", ... → line installed (None: base)
    exposes: tuple[tuple[int, int], ...]  # (port, line)
    trees: tuple[TreeCopy | TreeChange, ...]
    context: "Context | None"
    out_of_scope: tuple[OutOfScope, ...] = ()
    from_end_line: int = 0  # the last line of the FROM instruction (a continuation may span lines)
    pip_index: str | None = None  # the index-url a pip configuration in the image names
    platform: str | None = None  # the profile whose known base image it is built on
    account_errors: tuple[AccountError, ...] = ()
    env_lines: dict[str, int] = {}  # never changed: the ENV line that set each name
    image_copies: tuple[tuple[int, str], ...] = ()  # (line, image) of COPY --from=<an image>

    def pip_env(self) -> dict[str, Value]:
        """The ENV as pip sees it: a configuration file's index-url counts where no PIP_INDEX_URL is set."""
        if self.pip_index is None:
            return self.env
        return {"PIP_INDEX_URL": Value(self.pip_index), **self.env}

    def node(self, path: str) -> Node | None:
        return find_node(path, self.nodes, self.trees, self.context)

    def glob(self, pattern: str) -> list[str]:
        """Image paths matching `dir/leaf-pattern`: made by RUN/COPY, or inside a copied directory."""
        directory, leaf = posixpath.split(pattern)
        inside = directory.rstrip("/") + "/"  # node paths are absolute and normal: in it, a name and no slash
        found = {p for p in self.nodes if p.startswith(inside) and "/" not in p[len(inside):]
                 and fnmatch.fnmatchcase(p[len(inside):], leaf)} if directory.startswith("/") else set()
        for event in self.trees:
            where = event.inherited.context if isinstance(event, TreeCopy) and event.inherited else self.context
            if isinstance(event, TreeCopy) and under(directory, event.dest) and where is not None:
                rel = rebase(directory, event.dest, event.src)
                found.update(directory + "/" + posixpath.basename(p) for p in where.glob(f"{rel}/{leaf}"))
        return sorted(p for p in found if (node := self.node(p)) is not None and not node.is_dir)

    def home(self) -> str | None:
        """The home of the USER the container starts as."""
        return home_of(self.accounts, self.user)

    def account(self, name_or_uid: str) -> Account | None:
        return find_account(self.accounts, name_or_uid)

    def platform_account(self, uid: int = PLATFORM_UID) -> Account | None:
        return next((a for a in reversed(self.accounts) if a.uid == uid), None)


class Step(NamedTuple):
    """One link of a start-up chain: a line of the Dockerfile (path None) or of a context file."""

    path: str | None
    line: int


class Script(NamedTuple):
    """A context file that runs at start-up.

    `commands` are the shell commands it runs (for Python, those its subprocess calls run; for a
    supervisor configuration, its programs); `calls` are a Python file's calls; `via` leads from
    the ENTRYPOINT/CMD line to the line that runs this file.
    """

    image_path: str
    context_path: str
    language: str  # "shell", "python" or "supervisor"
    commands: tuple[Command, ...]
    calls: tuple[PyCall, ...]
    via: tuple[Step, ...]
    inherited: str | None = None  # the sibling image's Dockerfile that copied it: its findings are that file's

    def chain(self, line: int) -> tuple[tuple[str | None, int], ...]:
        """The start-up chain to one of this file's lines, as findings carry it."""
        return tuple((s.path, s.line) for s in self.via) + ((self.context_path, line),)


class Missing(NamedTuple):
    """The script ENTRYPOINT/CMD runs, when it is not a file of the context."""

    path: str
    line: int  # the ENTRYPOINT/CMD instruction
    created: int | None  # the Dockerfile line that creates it; None: the base image


class Startup(NamedTuple):
    """What runs when the container starts: the launch itself, and the context files it reaches."""

    launch: tuple[Command, ...] = ()
    launch_span: tuple[int, int] | None = None  # the ENTRYPOINT (or CMD) lines the launch is written on
    scripts: tuple[Script, ...] = ()
    missing: Missing | None = None


class Image(NamedTuple):
    stages: tuple[Stage, ...]
    kind: str  # "batch" or "interactive"
    kind_line: int | None  # what made it interactive (None: the user said so, or batch)
    problems: tuple[tuple[int, str], ...]  # syntax problems, for CHL901
    missing_sources: tuple[tuple[int, str], ...]  # COPY/ADD sources the build cannot find, for CHL902
    license: str | None  # redistributable licence found near the context
    platform: "Profile"  # the profile the image is judged by
    startup: Startup = Startup()
    detected_from: str = "default"  # why that profile: --platform, configuration, base image X, user X, default

    @property
    def final(self) -> Stage:
        return self.stages[-1]
