"""sudoers lines to grants: who may run what."""

from __future__ import annotations

import re

from chaimeleon_lint.model.image import SudoGrant

_SPEC = re.compile(r"^\s*([%#\w.$-]+)\s+[^=\s]+\s*=\s*(?:\([^)]*\)\s*)?(.*)$")
_COMMENT = re.compile(r"(?:^|\s)#(?!\d).*$")  # `#1000` is a uid, `#includedir` a directive we skip
_TAGS = re.compile(r"^(?:(?:NO)?(?:PASSWD|EXEC|SETENV|LOG_INPUT|LOG_OUTPUT)\s*:\s*)*")


def grants_in(content: str, line: int, origin: str | None = None) -> list[SudoGrant]:
    """User specifications of a sudoers text (`user host=(runas) TAG: commands`)."""
    grants = []
    for raw in content.splitlines():
        text = _COMMENT.sub("", raw).strip()
        if not text or text.split()[0] in ("Defaults", "User_Alias", "Cmnd_Alias", "Host_Alias", "Runas_Alias"):
            continue
        m = _SPEC.match(text)
        if m:
            commands = _TAGS.sub("", m[2].strip()).strip()
            grants.append(SudoGrant(m[1], line, "sudoers", commands or "ALL", origin))
    return grants


def grants_to(grants: list[SudoGrant], user: str, uid: str, groups: set[str], gids: set[str]) -> list[SudoGrant]:
    """The grants a sudoers text gives one user: by name, `#uid`, `ALL`, `%group` or `%#gid`."""
    names = {user, f"#{uid}", "ALL"}
    return [g for g in grants if g.who in names or (g.who.startswith("%#") and g.who[2:] in gids)
            or (g.who.startswith("%") and not g.who.startswith("%#") and g.who[1:] in groups)]
