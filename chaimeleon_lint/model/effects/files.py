"""mkdir, install, touch, chown, chmod, cp, mv, ln, rm, tee, sed -i and output redirections."""

from __future__ import annotations

import posixpath

from chaimeleon_lint.model.effects.common import Invocation, getopt, numeric, under
from chaimeleon_lint.model.effects.modes import apply_mode
from chaimeleon_lint.model.image import KEEP, Node, TreeChange, UserState, changed
from chaimeleon_lint.model.state import StageState
from chaimeleon_lint.source.shell import Command, Word, echo_output

_new = tuple.__new__  # a NamedTuple from all its fields, without its generated __new__: tests/test_records.py
_WRITE_OPS = frozenset({">", ">>", ">|", "&>", "&>>"})


def apply(state: StageState, inv: Invocation, command: Command, user: UserState) -> None:
    for redirect in command.redirects:
        if redirect.op in _WRITE_OPS or (redirect.op == ">&" and redirect.target and not numeric(redirect.target.text)):
            if redirect.target is not None and redirect.target.known and redirect.target.text != "/dev/null":
                output = echo_output(command)
                _file(state, redirect.target.text, command.line, user, "redirect",
                      output.text if output is not None and output.known else None, append=redirect.op == ">>")
    handler = _HANDLERS.get(inv.name)
    if handler is not None:
        handler(state, inv, command, user)


def _paths(state: StageState, words: list[Word]) -> list[str]:
    out = []
    for word in words:
        if word.known and word.text:
            path = state.path(word.text)
            if path is not None:
                out.append(path)
    return out


def _file(state: StageState, text: str, line: int, user: UserState, op: str,
          content: str | None = None, append: bool = False) -> None:
    path = state.path(text)
    if path is None:
        return
    state.write(path, op, line, user, content)
    existing = state.node(path)
    if existing is None:
        state.nodes[path] = _new(Node, (path, False, user.uid, user.gid, 0o644, line, None, False, content, None))
    elif content is not None and not existing.is_dir:
        joined = (existing.content or "") + content if append else content
        state.nodes[path] = Node(path, False, existing.uid, existing.gid, existing.mode, existing.line,
                                 existing.origin, existing.copied, joined, existing.inherited)


def _mkdir(state: StageState, inv: Invocation, command: Command, user: UserState) -> None:
    opts = getopt(inv.args, "m", frozenset({"mode", "context"}))
    spec = opts.last("m", "mode")
    mode = (apply_mode(0o755, spec.text, True) or 0o755) if spec is not None else 0o755
    for path in _paths(state, opts.operands):
        state.write(path, "mkdir", command.line, user)
        state.make_dirs(path, user.uid, user.gid, mode, command.line, parents=opts.has("p", "parents"))


def _install(state: StageState, inv: Invocation, command: Command, user: UserState) -> None:
    opts = getopt(inv.args, "ogmtSZ", frozenset({"owner", "group", "mode", "target-directory", "suffix", "context"}))
    owner, group = opts.last("o", "owner"), opts.last("g", "group")
    uid = state.uid_of(owner.text) if owner is not None else user.uid
    gid = state.gid_of(group.text) if group is not None else user.gid
    mode_word = opts.last("m", "mode")
    if opts.has("d", "directory"):
        for path in _paths(state, opts.operands):
            state.write(path, "mkdir", command.line, user)
            state.make_dirs(path, user.uid, user.gid, 0o755, command.line)
            state.nodes[path] = Node(path, True, uid, gid,
                                     apply_mode(0o755, mode_word.text if mode_word else None, True), command.line)
    elif len(opts.operands) >= 2:
        dest = _paths(state, opts.operands[-1:])
        if dest:
            state.write(dest[0], "install", command.line, user)
            state.nodes[dest[0]] = Node(dest[0], False, uid, gid,
                                        apply_mode(0o755, mode_word.text if mode_word else None, False), command.line)


def _touch(state: StageState, inv: Invocation, command: Command, user: UserState) -> None:
    opts = getopt(inv.args, "dtr", frozenset({"date", "reference"}))
    for word in opts.operands:
        if word.known:
            _file(state, word.text, command.line, user, "touch")


def _fails(state: StageState, path: str, user: UserState) -> bool:
    """chmod/chown by a non-root user on someone else's file fails the build: no change."""
    node = state.node(path)
    return bool(user.uid and node is not None and node.uid is not None and node.uid != user.uid)


def _recursive(state: StageState, path: str, line: int, uid: int | None | str, gid: int | None | str,
               chmod: str | None, recursive: bool) -> None:
    if recursive:
        for other, node in list(state.nodes.items()):
            if under(other, path):
                state.nodes[other] = changed(node, uid, gid, chmod)
    elif path in state.nodes:  # the path alone: no walk over every node
        state.nodes[path] = changed(state.nodes[path], uid, gid, chmod)
    if path not in state.nodes:
        node = state.node(path)
        if node is not None:
            state.nodes[path] = changed(node, uid, gid, chmod)
    if recursive:
        state.trees.append(TreeChange(path, uid, gid, chmod, line))


def _chown(state: StageState, inv: Invocation, command: Command, user: UserState) -> None:
    opts = getopt(inv.args, "", frozenset({"reference", "from"}))
    if len(opts.operands) < 2 or not opts.operands[0].known:
        return
    uid, gid = state.owner(opts.operands[0].text)
    for path in _paths(state, opts.operands[1:]):
        state.write(path, "chown", command.line, user)
        if not _fails(state, path, user):
            _recursive(state, path, command.line, uid, gid, None, opts.has("R", "recursive"))


def _chmod(state: StageState, inv: Invocation, command: Command, user: UserState) -> None:
    args = [w for w in inv.args if w.text not in ("-R", "--recursive", "-v", "-f", "-c", "--verbose")]
    if len(args) < 2 or not args[0].known:
        return
    recursive = len(args) != len(inv.args) and any(w.text in ("-R", "--recursive") for w in inv.args)
    for path in _paths(state, args[1:]):
        state.write(path, "chmod", command.line, user)
        if not _fails(state, path, user):
            _recursive(state, path, command.line, KEEP, KEEP, args[0].text, recursive)


def _copy_like(state: StageState, inv: Invocation, command: Command, user: UserState) -> None:
    opts = getopt(inv.args, "tS", frozenset({"target-directory", "suffix", "backup"}))
    target = opts.last("t", "target-directory")
    words = opts.operands + ([target] if target is not None else [])
    if len(words) < 2:
        return
    sources, dest_word = words[:-1], words[-1]
    dests = _paths(state, [dest_word])
    if not dests:
        return
    dest = dests[0]
    into = target is not None or len(sources) > 1 or (state.node(dest) is not None and state.node(dest).is_dir)  # type: ignore[union-attr]
    for src in _paths(state, sources):
        final = posixpath.join(dest, posixpath.basename(src)) if into else dest
        state.write(final, inv.name, command.line, user)
        origin = state.node(src)
        state.nodes[final] = Node(final, origin.is_dir if origin else False, user.uid, user.gid,
                                  origin.mode if origin else 0o644, command.line,
                                  origin.origin if origin else None, False, origin.content if origin else None,
                                  origin.inherited if origin else None)
        if inv.name == "mv":
            state.nodes.pop(src, None)


def _ln(state: StageState, inv: Invocation, command: Command, user: UserState) -> None:
    opts = getopt(inv.args, "tS", frozenset({"target-directory", "suffix"}))
    if len(opts.operands) >= 2:
        for path in _paths(state, opts.operands[-1:]):
            state.write(path, "ln", command.line, user)


def _rm(state: StageState, inv: Invocation, command: Command, user: UserState) -> None:
    opts = getopt(inv.args)
    for word in opts.operands:
        if not word.known:
            continue
        path = state.path(word.text)
        if path is None:
            continue
        state.removed.append(path)
        state.write(path.rstrip("*").rstrip("/") or "/", "rm", command.line, user)
        prefix = path[:-2] if path.endswith("/*") else path
        inside = prefix.rstrip("/") + "/"  # `under(p, prefix) and p != prefix`, without a call per node
        for other in [p for p in state.nodes if p != prefix and p.startswith(inside) or p == path]:
            del state.nodes[other]


def _tee(state: StageState, inv: Invocation, command: Command, user: UserState) -> None:
    opts = getopt(inv.args)
    content = command.stdin.text if command.stdin is not None and command.stdin.known else None
    for word in opts.operands:
        if word.known:
            _file(state, word.text, command.line, user, "tee", content, append=opts.has("a", "append"))


def _sed(state: StageState, inv: Invocation, command: Command, user: UserState) -> None:
    opts = getopt(inv.args, "ef", frozenset({"expression", "file"}))
    if not opts.has("i", "in-place") and not any(k.startswith("i") for k in opts.values):
        return
    files = opts.operands if opts.has("e", "expression", "f", "file") else opts.operands[1:]
    for path in _paths(state, files):
        state.write(path, "sed", command.line, user)


_HANDLERS = {
    "mkdir": _mkdir, "install": _install, "touch": _touch, "chown": _chown, "chmod": _chmod,
    "cp": _copy_like, "mv": _copy_like, "ln": _ln, "rm": _rm, "tee": _tee, "sed": _sed,
}
