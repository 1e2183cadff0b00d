"""Autofixes as data: for one hit of a fixable rule, the edits that make the Dockerfile pass.

Each builder checks that its edit is safe where it lands (the word it anchors on is really
there, the user it switches to exists, no CMD would become the entrypoint's arguments) and
returns nothing otherwise: a finding without a fix is better than a fix that breaks a build.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from chaimeleon_lint.findings import Edit, Hit
from chaimeleon_lint.model.image import Image, Install, Run, Stage
from chaimeleon_lint.profile import Profile
from chaimeleon_lint.source.dockerfile import KEYWORDS, Dockerfile, Instruction
from chaimeleon_lint.source.shell import SHELLS, Command

_UNSAFE_IN_WORD = frozenset("$`*?[]{}~\\")
_USER_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")  # what useradd accepts by default (NAME_REGEX)
_FLAGS = {"CHL501": "--no-cache-dir", "CHL502": "--no-install-recommends"}


def fixable(dockerfile: Dockerfile) -> bool:
    """Whether autofixes may edit this file: it parses cleanly, and no continuation swallows a line
    that starts with an instruction (`RUN a \\` then `USER x`), where what the author meant is a guess."""
    if dockerfile.problems:
        return False
    for ins in dockerfile.instructions:
        body_start = ins.heredocs[0].line if ins.heredocs else ins.end_line + 1
        for text in dockerfile.lines[ins.line: min(ins.end_line, body_start - 1)]:
            first = text.split(None, 1)[0] if text.strip() else ""
            if first.upper() in KEYWORDS and first.isupper():
                return False
    return True


def _column(text: str, byte_column: int) -> int:
    """tree-sitter counts bytes; edits count characters (1-based)."""
    return len(text.encode("utf-8")[:byte_column].decode("utf-8", errors="ignore")) + 1


def _word_text(lines: tuple[str, ...], span: tuple[int, int, int, int]) -> str | None:
    """The file text a single-line word span covers; None when it runs over lines or off the file."""
    line, start, end_line, end = span
    if line != end_line or not 0 < line <= len(lines):
        return None
    raw = lines[line - 1].encode("utf-8")
    return raw[start:end].decode("utf-8", errors="replace") if end <= len(raw) else None


def _insert_after_word(command: Command, word: str, text: str, lines: tuple[str, ...]) -> tuple[Edit, ...]:
    """Insert ` text` after the first argv word that reads `word` in the file itself."""
    for value, span in zip(command.argv, command.spans):
        if value.text == word and _word_text(lines, span) == word:
            column = _column(lines[span[0] - 1], span[3])
            return (Edit(span[0], column, span[0], column, f" {text}"),)
    return ()


def _after(dockerfile: Dockerfile, line: int, text: str) -> tuple[Edit, ...]:
    """Insert whole lines after `line`, also when it is the last and has no newline; nothing when an
    unfinished continuation reaches `line`, since the insertion would become part of it."""
    lines = dockerfile.lines
    content = next((t for t in reversed(lines[:line]) if t.strip() and not t.lstrip().startswith("#")), "")
    if content.rstrip().endswith(dockerfile.escape):  # blank and comment lines do not end a continuation
        return ()
    if line < len(lines):
        return (Edit(line + 1, 1, line + 1, 1, text + "\n"),)
    return (Edit(line, len(lines[line - 1]) + 1, line, len(lines[line - 1]) + 1, "\n" + text),)


def _instruction(dockerfile: Dockerfile, line: int | None) -> Instruction | None:
    return next((i for i in dockerfile.instructions if i.line == line), None)


def _owner(stage: Stage, platform: Profile) -> str | None:
    """`user:group`, spelled with the platform account's names; None without one."""
    account = stage.platform_account(platform.uid)
    if account is None or account.name == "root" or not _USER_NAME.match(account.name):
        return None  # `USER root` means uid 0 whatever else is called so; odd names may not resolve
    group = next((name for name, gid in stage.group_ids.items() if gid == platform.gid and name != "root"),
                 str(platform.gid))
    return f"{account.name}:{group}"


def _user_switch(image: Image, dockerfile: Dockerfile) -> Instruction | None:
    """The final stage's USER instruction that makes the platform user the final user."""
    stage = image.final
    user = stage.user
    if user.uid != image.platform.uid or user.line is None or user.line < stage.from_line:
        return None
    return _instruction(dockerfile, user.line)


def _home_ready(stage: Stage, platform: Profile, before: int) -> bool:
    """The platform user's home exists, owned by it, before `before`: mkdir there works as that user."""
    home = stage.node(platform.home)
    return home is not None and home.uid == platform.uid and (home.line is None or home.line < before)


def install_flag(rule: str, hit: Hit, image: Image, dockerfile: Dockerfile) -> tuple[Edit, ...]:
    """CHL501/CHL502: the missing flag right after `install`."""
    install = hit.subject
    if not isinstance(install, Install):
        return ()
    return _insert_after_word(install.command, "install", _FLAGS[rule], dockerfile.lines)


def final_user(rule: str, hit: Hit, image: Image, dockerfile: Dockerfile) -> tuple[Edit, ...]:
    """CHL203: append `USER user:group` when the platform user exists."""
    owner = _owner(image.final, image.platform)
    lines = dockerfile.lines
    if owner is None or not lines:
        return ()
    last = len(lines) - 1 if lines[-1] == "" and len(lines) > 1 else len(lines)
    return _after(dockerfile, last, f"USER {owner}")


def mount_dirs(rule: str, hit: Hit, image: Image, dockerfile: Dockerfile) -> tuple[Edit, ...]:
    """CHL301: one `RUN mkdir -p` of every missing mount directory, right after the USER switch."""
    switch = _user_switch(image, dockerfile)
    stage = image.final
    if switch is None or not _home_ready(stage, image.platform, switch.line):
        return ()
    missing = [d for d in image.platform.mount_dirs if stage.node(d) is None]
    return _after(dockerfile, switch.end_line, "RUN mkdir -p " + " ".join(missing)) if missing else ()


def _mkdir_block(run: Run, mount_dirs: tuple[str, ...]) -> bool:
    """A RUN that does nothing but `mkdir` mount directories, as root: it can move as a whole."""
    if not run.commands or run.user.uid != 0:
        return False
    for command in run.commands:
        targets = [w.text for w in command.argv[1:] if not w.text.startswith("-")]
        if command.name != "mkdir" or command.assigns or command.redirects or not targets:
            return False
        if not all(w.known for w in command.argv) or not set(targets) <= set(mount_dirs):
            return False
    return True


def _removal(lines: tuple[str, ...], instruction: Instruction) -> Edit:
    """Delete an instruction's whole lines."""
    if instruction.end_line < len(lines):
        return Edit(instruction.line, 1, instruction.end_line + 1, 1, "")
    return Edit(instruction.line, 1, instruction.end_line, len(lines[-1]) + 1, "")


def mount_owner(rule: str, hit: Hit, image: Image, dockerfile: Dockerfile) -> tuple[Edit, ...]:
    """CHL302: move the pure `mkdir` blocks after the USER switch, all at once (the directory may be
    made twice); else chown right after the RUN that created it as root."""
    stage, platform = image.final, image.platform
    node = stage.node(hit.params.get("path", ""))
    created = _instruction(dockerfile, node.line if node is not None else None)
    owner = _owner(stage, platform)
    if created is None or owner is None:
        return ()
    if created.keyword in ("COPY", "ADD"):
        return _chown_flag(created, stage, platform, owner, dockerfile)
    switch = _user_switch(image, dockerfile)
    lines = dockerfile.lines
    blocks = [i for r in stage.runs if switch is not None and stage.from_line < r.line < switch.line
              and _mkdir_block(r, platform.mount_dirs) and (i := _instruction(dockerfile, r.line)) is not None]
    if any(b.line == created.line for b in blocks) and _home_ready(stage, platform, blocks[0].line):
        moved = _after(dockerfile, switch.end_line,  # type: ignore[union-attr]
                       "\n".join("\n".join(lines[b.line - 1: b.end_line]) for b in blocks))
        return (*(_removal(lines, b) for b in blocks), *moved) if moved else ()
    run = next((r for r in stage.runs if r.line == created.line), None)
    if run is None or run.user.uid != 0:  # a chown after COPY/ADD could run as a user who may not chown
        return ()
    wrong = [d for d in platform.mount_dirs if (n := stage.node(d)) is not None and n.line == created.line
             and n.uid is not None and n.uid != platform.uid]
    return _after(dockerfile, created.end_line, f"RUN chown {owner} " + " ".join(wrong))


def _chown_flag(created: Instruction, stage: Stage, platform: Profile, owner: str,
                dockerfile: Dockerfile) -> tuple[Edit, ...]:
    """`COPY --chown=...` for a mount directory a COPY/ADD made as root: the flag also owns the
    directories it creates. Names only if the account exists by then (else the build fails to
    resolve them), ids otherwise; nothing when the instruction already chowns to someone else."""
    if created.flag("chown") is not None:
        return ()
    account = stage.platform_account(platform.uid)
    if account is None or account.line is not None and account.line > created.line:
        owner = f"{platform.uid}:{platform.gid}"
    text = dockerfile.lines[created.line - 1]
    start = len(text) - len(text.lstrip())
    if text[start:start + len(created.keyword)].upper() != created.keyword:
        return ()
    column = start + len(created.keyword) + 1
    return (Edit(created.line, column, created.line, column, f" --chown={owner}"),)


def exec_entrypoint(rule: str, hit: Hit, image: Image, dockerfile: Dockerfile) -> tuple[Edit, ...]:
    """CHL602: shell form to exec form, only for one plain command and no CMD to become its arguments."""
    stage = image.final
    entry = stage.entrypoint
    if entry is None or len(entry.commands) != 1 or stage.shell[:1] and stage.shell[0].rsplit("/", 1)[-1] not in SHELLS:
        return ()
    if stage.cmd is not None and stage.cmd.line >= stage.from_line:
        return ()
    command = entry.commands[0]
    if command.assigns or command.redirects or command.conditions or len(command.spans) != len(command.argv):
        return ()
    raws = [_word_text(dockerfile.lines, span) for span in command.spans]
    if any(r is None or _UNSAFE_IN_WORD & set(r) for r in raws) or not all(w.known for w in command.argv):
        return ()
    instruction = _instruction(dockerfile, entry.line)
    if instruction is None or instruction.line != instruction.end_line or not _only_words(instruction, command, dockerfile):
        return ()
    argv = [w.text for w in command.argv]
    if argv[0] == "exec" and len(argv) > 1:
        argv = argv[1:]
    line = dockerfile.lines[entry.line - 1]
    keyword = line.lstrip()[:len("ENTRYPOINT")]
    indent = line[: len(line) - len(line.lstrip())]
    return (Edit(entry.line, 1, entry.line, len(line) + 1,
                 f"{indent}{keyword} {json.dumps(argv, ensure_ascii=False)}"),)


def _only_words(instruction: Instruction, command: Command, dockerfile: Dockerfile) -> bool:
    """Nothing but blanks between the words: no `;`, `&`, `|`, comment or operator the tree dropped."""
    raw = dockerfile.lines[instruction.line - 1].encode("utf-8")
    keyword_end = raw.upper().find(b"ENTRYPOINT") + len("ENTRYPOINT")
    position = keyword_end
    for span in command.spans:
        if raw[position: span[1]].strip():
            return False
        position = span[3]
    return not raw[position:].strip()


def stage_arg(rule: str, hit: Hit, image: Image, dockerfile: Dockerfile) -> tuple[Edit, ...]:
    """CHL903: declare the global ARG again right after the stage's FROM, where it takes the global
    value; every use in the stage then sees it."""
    stage = hit.subject
    if not isinstance(stage, Stage) or not stage.from_end_line:
        return ()
    return _after(dockerfile, stage.from_end_line, f"ARG {hit.params['name']}")


Builder = Callable[[str, Hit, Image, Dockerfile], tuple[Edit, ...]]
BUILDERS: dict[str, Builder] = {
    "CHL501": install_flag,
    "CHL502": install_flag,
    "CHL203": final_user,
    "CHL301": mount_dirs,
    "CHL302": mount_owner,
    "CHL602": exec_entrypoint,
    "CHL903": stage_arg,
}
