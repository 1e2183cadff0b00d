"""The mutable state of one stage while it is simulated, frozen into a Stage at the end."""

from __future__ import annotations

import re
from collections.abc import Callable

from chaimeleon_lint.model.context import Context
from chaimeleon_lint.model.effects.common import absolute, numeric, parent, under
from chaimeleon_lint.model.image import (
    KEEP, ROOT, Account, AccountError, Inherited, Install, Label, Launch, Node, OutOfScope, Password, Run, Stage, SudoGrant, TreeChange, TreeCopy,
    UserState, Write, find_account, find_node, home_of,
)
from chaimeleon_lint.model.siblings import SiblingBase
from chaimeleon_lint.source.variables import Scope, Value

_new = tuple.__new__  # a NamedTuple from all its fields, without its generated __new__: tests/test_records.py
_WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
_INSIDE_WORLD_WRITABLE = tuple(f"{p}/" for p in _WORLD_WRITABLE)  # `under` one of them, as one startswith
# Directories every Linux base image has (the FHS top level and a few below it): a COPY or mkdir
# into them creates nothing, so they keep their owner (root), whatever --chown says.
_BASE_DIRS = frozenset("/bin /boot /dev /etc /home /lib /media /mnt /opt /proc /root /run /sbin /srv /sys /tmp /usr "
                       "/var /usr/bin /usr/lib /usr/local /usr/local/bin /usr/local/lib /usr/sbin /usr/share "
                       "/var/cache /var/lib /var/log /var/tmp".split())
_APT_CONF = "/etc/apt/apt.conf.d"
_PIP_CONFS = ("/etc/pip.conf", "/etc/xdg/pip/pip.conf")
_PIP_INDEX = re.compile(r"^\s*index[-_]url\s*[=:]\s*(\S+)", re.M)


class StageState:
    """One stage's users, files, environment and records, changed instruction by instruction.

    A plain class, not a dataclass: importing dataclasses costs more than linting a file.
    """

    def __init__(self, index: int, name: str | None, base: Value, from_line: int, base_stage: int | None,
                 known_base: bool, context: Context | None, *, from_end_line: int = 0, env_known: bool = False,
                 has_base_dirs: bool = True, platform: str | None = None) -> None:
        self.index = index
        self.name = name
        self.base = base
        self.from_line = from_line
        self.from_end_line = from_end_line
        self.base_stage = base_stage
        self.known_base = known_base
        self.context = context
        self.env_known = env_known  # the base image's ENV is known, so a name in no scope is ""
        self.has_base_dirs = has_base_dirs  # the root base has the FHS directories (every image but scratch)
        self.platform = platform  # the profile whose known base image the stage is built on
        self.accounts: list[Account] = []
        self.group_ids: dict[str, int | None] = {"root": 0}
        self.groups_known = False  # the base's groups are all known (a public base): no other exists
        self.account_errors: list[AccountError] = []
        self.user: UserState = ROOT
        self.workdir: str | None = "/"
        self.workdir_line: int | None = None
        self.env: dict[str, Value] = {}  # changed through set_env, which forgets the scope made of it
        self.args: dict[str, Value] = {}  # changed through set_arg, likewise
        self.built_scope: Scope | None = None  # `scope`'s answer until ENV or ARG changes
        self.built_names: frozenset[str] | None = None  # `names`'s, likewise
        self.labels: dict[str, Label] = {}
        self.env_lines: dict[str, int] = {}  # the ENV instruction that last set each name
        self.image_copies: list[tuple[int, str]] = []  # (line, image) of COPY --from=<an image, not a stage>
        self.shell: tuple[str, ...] = ("/bin/sh", "-c")
        self.entrypoint: Launch | None = None
        self.cmd: Launch | None = None
        self.cmd_inherited = False
        self.nodes: dict[str, Node] = {}
        self.trees: list[TreeCopy | TreeChange] = []
        self.runs: list[Run] = []
        self.installs: list[Install] = []
        self.writes: list[Write] = []
        self.sudo: list[SudoGrant] = []
        self.passwords: list[Password] = []
        self.capabilities: dict[str, int | None] = {}
        self.exposes: list[tuple[int, int]] = []
        self.apt_no_recommends = False
        self.pip_no_cache = False
        self.pip_index: str | None = None  # the index-url a pip configuration in the image names
        self.removed: list[str] = []  # by the RUN being simulated
        self.out_of_scope: list[OutOfScope] = []

    def child(self, index: int, name: str | None, base: Value, line: int, end_line: int) -> "StageState":
        """A stage built FROM this one: same file system, users and ENV; fresh ARGs and per-stage records."""
        other = StageState.__new__(StageState)  # copy.copy, without importing copy (and weakref) for it
        other.__dict__.update(self.__dict__)
        other.index, other.name, other.base, other.from_line, other.base_stage = index, name, base, line, self.index
        other.from_end_line, other.out_of_scope = end_line, []
        other.accounts = list(self.accounts)
        other.group_ids = dict(self.group_ids)
        other.account_errors = []
        other.env, other.args, other.labels = dict(self.env), {}, dict(self.labels)
        other.built_scope, other.built_names = None, None
        other.nodes, other.trees = dict(self.nodes), list(self.trees)
        other.capabilities = dict(self.capabilities)
        other.env_lines, other.image_copies = dict(self.env_lines), list(self.image_copies)
        other.cmd_inherited = True
        for name_ in ("runs", "installs", "writes", "sudo", "passwords", "exposes", "removed"):
            setattr(other, name_, list(getattr(self, name_)))
        return other

    @classmethod
    def on_sibling(cls, sibling: SiblingBase, index: int, name: str | None, base: Value, line: int, end_line: int,
                   context: Context | None) -> "StageState":
        """A stage built FROM the image another Dockerfile of the run builds: what that image holds
        (users, groups, directories, ENV, labels, USER, WORKDIR, SHELL, entrypoint, desktop
        components) as if a base image provided it, without the records whose lines are in the
        other file (its RUNs, installs, sudo grants are that file's findings). The files it copied
        keep their origin in its context, so its start-up scripts are read (and are its own)."""
        parent = sibling.stage

        def launch(found: Launch | None) -> Launch | None:
            return None if found is None else found._replace(commands=(), line=line, end_line=end_line)

        own = Inherited(parent.context, sibling.path) if parent.context is not None else None

        def kept(node: Node) -> Node:
            home = node.inherited or (own if node.origin else None)
            return node._replace(line=None, origin=node.origin if home else None, inherited=home)

        state = cls(index, name, base, line, None, True, context, from_end_line=end_line, env_known=True,
                    has_base_dirs=True, platform=sibling.platform)
        state.accounts = [a._replace(line=None) for a in parent.accounts]
        state.group_ids = dict(parent.group_ids)
        state.user = parent.user._replace(line=None)
        state.workdir = parent.workdir or "/"
        state.env = dict(parent.env)
        state.labels = {key: label._replace(line=line) for key, label in parent.labels.items()}
        state.shell = parent.shell
        state.entrypoint, state.cmd, state.cmd_inherited = launch(parent.entrypoint), launch(parent.cmd), True
        state.nodes = {path: kept(node) for path, node in parent.nodes.items()}
        state.trees = [event._replace(line=None, inherited=event.inherited or own) if isinstance(event, TreeCopy)
                       else event._replace(line=None) for event in parent.trees
                       if not isinstance(event, TreeCopy) or event.inherited or own]
        state.capabilities = {capability: None for capability in parent.capabilities}
        state.pip_index = parent.pip_index
        return state

    def scope(self, undeclared: Callable[[str], Value]) -> Scope:
        """What `$NAME` means in the stage at build time: its ENV, then its ARGs, then `undeclared`
        (the simulation's: one per stage). Made again only after an ENV or ARG: every instruction
        asks, and no reader changes it (a shell script copies it before it assigns)."""
        if self.built_scope is None:
            self.built_scope = Scope.of(self.args, undeclared)
            self.built_scope.update(self.env)
        return self.built_scope

    def names(self) -> frozenset[str]:
        """The names ARG and ENV set in the stage (each RUN records them), made again after a change."""
        if self.built_names is None:
            self.built_names = frozenset(self.args).union(self.env)
        return self.built_names

    def set_env(self, key: str, value: Value) -> None:
        self.env[key] = value
        self.built_scope = self.built_names = None

    def set_arg(self, key: str, value: Value) -> None:
        self.args[key] = value
        self.built_scope = self.built_names = None

    # -- users ----------------------------------------------------------------------
    def account(self, spelled: str) -> Account | None:
        return find_account(self.accounts, spelled)

    def set_account(self, account: Account) -> None:
        self.accounts = [a for a in self.accounts if a.name != account.name] + [account]

    def uid_of(self, spelled: str) -> int | None:
        if numeric(spelled):
            return int(spelled)
        if spelled == "root":
            return 0
        found = self.account(spelled)
        return found.uid if found else None

    def gid_of(self, spelled: str) -> int | None:
        if numeric(spelled):
            return int(spelled)
        return self.group_ids.get(spelled)

    def owner(self, spec: str) -> tuple[int | None | str, int | None | str]:
        """`user:group`, `user.group`, `user`, `:group`, `user:` as chown understands them."""
        user, sep, group = spec.partition(":")
        if not sep and "." in spec and not numeric(spec.replace(".", "")):
            user, sep, group = spec.partition(".")
        uid: int | None | str = self.uid_of(user) if user else KEEP
        if sep and not group and user:  # `user:` means the user's login group
            account = self.account(user)
            return uid, (account.gid if account else (int(user) if numeric(user) else None))
        gid: int | None | str = self.gid_of(group) if group else KEEP
        return uid, gid

    def user_for(self, run_as: str | None) -> UserState:
        """The user a command runs as: the current USER, or whom sudo/gosu switches to."""
        if run_as is None:
            return self.user
        account = self.account(run_as)
        uid = self.uid_of(run_as)
        return UserState(run_as, uid, account.gid if account else (0 if uid == 0 else None), self.user.line)

    def home(self, user: UserState) -> str | None:
        return home_of(self.accounts, user)

    # -- files ----------------------------------------------------------------------
    def path(self, text: str) -> str | None:
        """An absolute path for a word, None when the working directory is unknown."""
        if text.startswith("/"):
            return absolute(text, "/")
        return absolute(text, self.workdir) if self.workdir is not None else None

    def node(self, path: str) -> Node | None:
        found = self.nodes.get(path)  # asked at every level of every path written: no call for the usual answers
        if found is not None or not self.trees:
            return found
        return find_node(path, self.nodes, self.trees, self.context)

    def owner_near(self, path: str) -> int | None:
        """Owner of the nearest existing ancestor; base-image places are root's."""
        current = path
        while True:
            node = self.node(current)
            if node is not None:
                return node.uid
            if current == "/":
                return 0
            if current in _WORLD_WRITABLE or current.startswith(_INSIDE_WORLD_WRITABLE):
                return None
            current = parent(current)

    def make_dirs(self, path: str, uid: int | None, gid: int | None, mode: int, line: int,
                  parents: bool = True) -> None:
        """mkdir (-p): only the missing directories are created, owned by who made them."""
        missing = []
        current = path
        in_base = _BASE_DIRS if self.has_base_dirs else frozenset()
        while current != "/" and self.node(current) is None and current not in in_base:
            missing.append(current)
            if not parents:
                break
            current = parent(current)
        for made in reversed(missing):
            self.nodes[made] = _new(Node, (made, True, uid, gid, mode, line, None, False, None, None))

    def write(self, path: str, op: str, line: int, user: UserState, content: str | None = None) -> None:
        """Record a change to the file system and what it means for special files."""
        node = self.node(path)
        own = op in ("chmod", "chown")
        owner = node.uid if own and node is not None else self.owner_near(path if own else parent(path))
        self.writes.append(_new(Write, (path, op, line, user.uid, owner, bool(node and node.copied))))
        if content is not None:
            self.file_written(path, content, line)

    def file_written(self, path: str, content: str, line: int, origin: str | None = None) -> None:
        """Files whose content matters: sudoers, apt and pip configuration."""
        if path == "/etc/sudoers" or under(path, "/etc/sudoers.d"):
            from chaimeleon_lint.model.sudoers import grants_in  # here: few images write sudoers

            self.sudo.extend(grants_in(content, line, origin))
        elif under(path, _APT_CONF) and "install-recommends" in content.lower():
            lowered = content.lower().replace(" ", "")
            self.apt_no_recommends = '"false"' in lowered or '"0"' in lowered
        elif path in _PIP_CONFS or path.endswith("/.pip/pip.conf") or path.endswith("/.config/pip/pip.conf"):
            self.pip_no_cache = self.pip_no_cache or "no-cache-dir" in content.lower()
            index = _PIP_INDEX.search(content)
            self.pip_index = index[1] if index else self.pip_index

    def freeze(self) -> Stage:
        return Stage(
            index=self.index, name=self.name, base=self.base, from_line=self.from_line,
            base_stage=self.base_stage, known_base=self.known_base, accounts=tuple(self.accounts),
            group_ids=dict(self.group_ids), user=self.user, workdir=self.workdir or "",
            workdir_line=self.workdir_line, env=dict(self.env), labels=dict(self.labels), shell=self.shell,
            entrypoint=self.entrypoint, cmd=self.cmd, nodes=dict(self.nodes),
            runs=tuple(self.runs), installs=tuple(self.installs), writes=tuple(self.writes),
            sudo=tuple(self.sudo), passwords=tuple(self.passwords), capabilities=dict(self.capabilities),
            exposes=tuple(self.exposes), trees=tuple(self.trees), context=self.context,
            out_of_scope=tuple(self.out_of_scope), from_end_line=self.from_end_line, pip_index=self.pip_index,
            platform=self.platform, account_errors=tuple(self.account_errors), env_lines=dict(self.env_lines),
            image_copies=tuple(self.image_copies),
        )

