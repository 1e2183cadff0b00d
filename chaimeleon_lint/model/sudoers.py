"""sudoers lines to grants: who may run what."""

from __future__ import annotations

import re

from chaimeleon_lint.model.image import SudoGrant

_SPEC = re.compile(r"^\s*([%\w.$-]+)\s+[^=\s]+\s*=\s*(?:\([^)]*\)\s*)?(.*)$")
_TAGS = re.compile(r"^(?:(?:NO)?(?:PASSWD|EXEC|SETENV|LOG_INPUT|LOG_OUTPUT)\s*:\s*)*")


def grants_in(content: str, line: int, origin: str | None = None) -> list[SudoGrant]:
    """User specifications of a sudoers text (`user host=(runas) TAG: commands`)."""
    grants = []
    for raw in content.splitlines():
        text = raw.split("#", 1)[0].strip()
        if not text or text.split()[0] in ("Defaults", "User_Alias", "Cmnd_Alias", "Host_Alias", "Runas_Alias"):
            continue
        m = _SPEC.match(text)
        if m:
            commands = _TAGS.sub("", m[2].strip()).strip()
            grants.append(SudoGrant(m[1], line, "sudoers", commands or "ALL", origin))
    return grants
