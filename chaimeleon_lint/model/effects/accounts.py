"""useradd, adduser, groupadd, addgroup, usermod, userdel, groupmod, groupdel, gpasswd, chpasswd, passwd.

Options parse as shadow-utils and BusyBox parse them: `-U` (`--user-group`) takes no value, so
`useradd -mU -u 1000 chaimeleon` names the user. Where the engine refuses a step (a group that
does not exist, an id the base image already uses), the stage records it for CHL201.
"""

from __future__ import annotations

from chaimeleon_lint.model.effects.common import Invocation, Options, getopt, numeric
from chaimeleon_lint.model.image import Account, AccountError, Node, Password, SudoGrant
from chaimeleon_lint.model.state import StageState
from chaimeleon_lint.source.shell import Command

ADMIN_GROUPS = frozenset({"sudo", "wheel", "admin"})
COMMANDS = frozenset({"useradd", "adduser", "groupadd", "addgroup", "usermod", "userdel", "groupmod", "groupdel",
                      "gpasswd", "chpasswd", "passwd"})

# (short options that take a value, long options that take one): the rest are flags.
_USERADD = ("cdefgGkKpsubZ", frozenset({"comment", "home-dir", "home", "expiredate", "inactive", "gid", "groups",
                                          "skel", "key", "password", "shell", "uid", "base-dir", "root", "prefix",
                                          "selinux-user", "btrfs-subvolume-home"}))
_ADDUSER = ("uGhsgk", frozenset({"uid", "gid", "ingroup", "home", "shell", "gecos", "firstuid", "lastuid",
                                  "conf", "comment", "firstgid", "lastgid", "add-extra-groups"}))
_USERMOD = ("cdefgGlpsuL", frozenset({"comment", "home", "expiredate", "inactive", "gid", "groups", "login",
                                       "password", "shell", "uid", "root", "prefix"}))


def _int(options: Options, *names: str) -> int | None:
    word = options.last(*names)
    return int(word.text) if word is not None and word.known and numeric(word.text) else None


def group_additions(inv: Invocation) -> list[tuple[str, str]]:
    """(user, group) pairs a command adds; used for the image and for start-up scripts alike."""
    name, args = inv.name, inv.args
    if name == "usermod":
        opts = getopt(args, *_USERMOD)
        groups = [g for w in opts.all("G", "groups") for g in w.text.split(",") if g]
        return [(opts.operands[-1].text, g) for g in groups] if opts.operands else []
    if name == "gpasswd":
        opts = getopt(args, "adAM", frozenset({"add", "delete", "administrators", "members"}))
        group = opts.operands[-1].text if opts.operands else ""
        users = [u for w in opts.all("a", "add", "M", "members") for u in w.text.split(",") if u]
        return [(u, group) for u in users]
    if name in ("adduser", "addgroup"):
        opts = getopt(args, *_ADDUSER)
        if len(opts.operands) == 2 and not opts.has("system", "S"):
            return [(opts.operands[0].text, opts.operands[1].text)]
    if name == "useradd":
        opts = getopt(args, *_USERADD)
        groups = [g for w in opts.all("G", "groups") for g in w.text.split(",") if g]
        return [(opts.operands[-1].text, g) for g in groups] if opts.operands else []
    return []


def password_changes(inv: Invocation, command: Command) -> list[tuple[str, bool]]:
    """(user, fixed) for each password a command sets; fixed = a literal known at build time."""
    if inv.name == "chpasswd":
        if command.stdin is None:
            return []
        return [(line.split(":", 1)[0], command.stdin.known)
                for line in command.stdin.text.splitlines() if ":" in line]
    if inv.name == "passwd":
        opts = getopt(inv.args, "")
        if command.stdin is None or opts.has("d", "delete", "l", "lock", "e", "expire"):
            return []
        user = opts.operands[-1].text if opts.operands else "root"
        return [(user, command.stdin.known)]
    if inv.name in ("useradd", "usermod"):
        opts = getopt(inv.args, *(_USERADD if inv.name == "useradd" else _USERMOD))
        word = opts.last("p", "password")
        if word is not None and opts.operands:
            return [(opts.operands[-1].text, word.known)]
    return []


def apply(state: StageState, inv: Invocation, command: Command) -> None:
    line = command.line
    if inv.name in ("groupadd", "addgroup"):
        _group(state, inv, line)
    if inv.name in ("useradd", "adduser"):
        _user(state, inv, line)
    elif inv.name == "usermod":
        _usermod(state, inv)
    elif inv.name in ("userdel", "groupdel", "groupmod"):
        _delete_or_rename(state, inv)
    for user, group in group_additions(inv):
        account = state.account(user)
        if account is not None:
            state.set_account(Account(account.name, account.uid, account.gid, account.groups | {group},
                                      account.home, account.line))
        if group in ADMIN_GROUPS:
            state.sudo.append(SudoGrant(user, line, "group", "ALL"))
    for user, fixed in password_changes(inv, command):
        state.passwords.append(Password(user, line, fixed))


def _group(state: StageState, inv: Invocation, line: int) -> None:
    opts = getopt(inv.args, "gKp", frozenset({"gid", "key", "conf", "firstgid", "lastgid", "password", "root",
                                               "prefix"}))
    if len(opts.operands) != 1:
        return
    gid = _int(opts, "g", "gid")
    if gid is not None and state.groups_known and not opts.has("o", "non-unique", "f", "force"):
        holder = next((name for name, number in state.group_ids.items() if number == gid), None)
        if holder is not None:
            state.account_errors.append(AccountError(line, "id-taken", {"what": "group", "id": gid, "holder": holder}))
    state.group_ids[opts.operands[0].text] = gid


def _missing_group(state: StageState, word: str) -> bool:
    """A group a useradd names that the stage does not have, where all its groups are known."""
    if not state.groups_known:
        return False
    return int(word) not in state.group_ids.values() if numeric(word) else word not in state.group_ids


def _free_gid(state: StageState, wanted: int | None) -> int | None:
    """useradd/adduser give a new user group the uid's number when no group has it yet."""
    if wanted is None or wanted in state.group_ids.values():
        return None
    return wanted


def _user(state: StageState, inv: Invocation, line: int) -> None:
    debian_adduser = inv.name == "adduser" and any(w.text.startswith("--") for w in inv.args)
    spec = _USERADD if inv.name == "useradd" else _ADDUSER
    opts = getopt(inv.args, *spec)
    if not opts.operands or (inv.name == "adduser" and len(opts.operands) == 2):
        return
    name = opts.operands[-1].text
    uid = _int(opts, "u", "uid")
    holder = next((a for a in state.accounts if a.uid == uid), None) \
        if uid is not None and not opts.has("o", "non-unique") else None
    if holder is not None and (state.groups_known or holder.line is not None):
        state.account_errors.append(AccountError(line, "id-taken", {"what": "user", "id": uid, "holder": holder.name}))
    if inv.name == "useradd":
        group_word = opts.last("g", "gid")
        home = (opts.last("d", "home-dir", "home") or None)
        creates_home = opts.has("m", "create-home")
        separate_group = not opts.has("N", "no-user-group")
    else:
        group_word = opts.last("gid", "ingroup") if debian_adduser else opts.last("G")
        home = opts.last("home") if debian_adduser else opts.last("h")
        creates_home = not opts.has("no-create-home", "H", "system", "S")
        separate_group = True
    named = [w.text for w in ([group_word] if group_word is not None else []) if w.known]
    if inv.name == "useradd":
        named += [g for w in opts.all("G", "groups") if w.known for g in w.text.split(",") if g]
    for missing in (g for g in named if _missing_group(state, g)):
        state.account_errors.append(AccountError(line, "group-missing", {"group": missing, "user": name}))
    if group_word is not None:
        gid = state.gid_of(group_word.text) if group_word.known else None
    elif separate_group:
        gid = _free_gid(state, uid)
        state.group_ids.setdefault(name, gid)
        gid = state.group_ids[name]
    else:
        gid = 100
    home_dir = home.text if home is not None and home.known else f"/home/{name}"
    groups = frozenset(g for w in opts.all("G", "groups") for g in w.text.split(",") if g) \
        if inv.name == "useradd" else frozenset()
    state.set_account(Account(name, uid, gid, groups, home_dir, line))
    if creates_home and state.node(home_dir) is None:
        state.make_dirs(home_dir, 0, 0, 0o755, line)
        state.nodes[home_dir] = Node(home_dir, True, uid, gid, None, line)  # HOME_MODE: the base's login.defs


def _usermod(state: StageState, inv: Invocation) -> None:
    opts = getopt(inv.args, *_USERMOD)
    if not opts.operands:
        return
    account = state.account(opts.operands[-1].text)
    if account is None:
        return
    uid = _int(opts, "u", "uid") if opts.has("u", "uid") else account.uid
    gid_word = opts.last("g", "gid")
    gid = state.gid_of(gid_word.text) if gid_word is not None else account.gid
    groups = account.groups if opts.has("a", "append") else frozenset()
    new_name = opts.last("l", "login")
    home = opts.last("d", "home")
    state.accounts = [a for a in state.accounts if a.name != account.name]
    state.set_account(Account(new_name.text if new_name else account.name, uid, gid, groups,
                              home.text if home else account.home, account.line))


def _delete_or_rename(state: StageState, inv: Invocation) -> None:
    """userdel (and the user's own group, as Debian's userdel removes it), groupdel, and groupmod's
    new name (`-n`) or number (`-g`): how a Dockerfile frees the base's id 1000 for its own user."""
    opts = getopt(inv.args, "gnRPp", frozenset({"gid", "new-name", "root", "prefix", "password"}))
    if not opts.operands:
        return
    name = opts.operands[-1].text
    if inv.name == "userdel":
        account = state.account(name)
        state.accounts = [a for a in state.accounts if a.name != name]
        if account is not None and state.group_ids.get(name) == account.gid:
            del state.group_ids[name]
        return
    if name not in state.group_ids:
        return
    gid = state.group_ids.pop(name)
    if inv.name == "groupmod":
        new_name = opts.last("n", "new-name")
        new_gid = _int(opts, "g", "gid") if opts.has("g", "gid") else gid
        state.group_ids[new_name.text if new_name is not None else name] = new_gid
        if new_gid != gid:
            state.accounts = [a._replace(gid=new_gid) if a.gid == gid else a for a in state.accounts]
