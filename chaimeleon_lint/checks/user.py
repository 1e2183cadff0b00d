"""CHL2xx: the platform user and privileges."""

from __future__ import annotations

import re
from collections.abc import Iterator

from chaimeleon_lint.checks import check
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.model.effects.accounts import ADMIN_GROUPS, group_additions, password_changes
from chaimeleon_lint.model.effects.common import under, unwrap
from chaimeleon_lint.model.effects.packages import SYSTEM_MANAGERS
from chaimeleon_lint.model.image import Image
from chaimeleon_lint.source.shell import Command

SYSTEM_PREFIXES = ("/etc", "/usr", "/opt", "/var")
_INSTALL_ACTIONS = frozenset({"install", "add", "reinstall", "upgrade", "dist-upgrade", "remove", "purge"})


def platform_names(image: Image) -> set[str]:
    """Every way sudoers or usermod can name the platform user."""
    platform = image.platform
    names = {platform.user, str(platform.uid), f"#{platform.uid}"}
    account = image.final.platform_account(platform.uid)
    if account is not None:
        names.add(account.name)
    return names


_WHO = re.compile(r"whoami|\bid\s+-(u|un|nu)\b|\$\{?(EUID|UID|USER|LOGNAME)\b")


def root_only(command: Command) -> bool:
    """A `[ ... ]` test that passes only for root: the user (`$(whoami)`, `$(id -u)`, `$EUID`,
    `$USER`) compared equal to `root` or 0."""
    if command.name != "[" or not _WHO.search(" ".join(w.text for w in command.argv[1:])):
        return False
    words = [w.text.strip("\"'") for w in command.argv[1:]]
    if "!" in words:
        return False
    return any(w in ("=", "==", "-eq") and {words[i - 1], words[i + 1]} & {"root", "0"}
               for i, w in enumerate(words[1:-1], 1))


@check("CHL201")
def platform_user_missing(image: Image) -> Iterator[Hit]:
    stage = image.final
    if stage.account_errors:  # the build stops at the first: what comes after it never runs
        error = stage.account_errors[0]
        yield Hit(Span.at(error.line), error.params, variant=error.variant)
        return
    account = stage.platform_account(image.platform.uid)
    if account is not None:
        if account.gid is not None and account.gid != image.platform.gid:
            yield Hit(Span.at(account.line) if account.line else None, {"user": account.name, "gid": account.gid},
                      variant="gid")
        return
    unfixed = [a for a in stage.accounts if a.uid is None and a.line is not None]
    if unfixed:
        yield Hit(Span.at(unfixed[-1].line), {"user": unfixed[-1].name}, variant="no-uid")  # type: ignore[arg-type]
    else:
        yield Hit(None)


@check("CHL202")
def platform_user_name(image: Image) -> Iterator[Hit]:
    account = image.final.platform_account(image.platform.uid)
    if account is not None and account.name != image.platform.user:
        yield Hit(Span.at(account.line) if account.line else None, {"user": account.name})


@check("CHL203")
def final_user_not_platform_user(image: Image) -> Iterator[Hit]:
    user = image.final.user
    if user.line is None and user.uid == 0:
        yield Hit(None, {"user": "root"}, variant="missing")
        return
    name, _, group = user.spelled.partition(":")
    if user.uid is None:
        if name not in (image.platform.user, "") and "$" not in user.spelled:
            yield Hit(Span.at(user.line) if user.line else None, {"user": user.spelled})
        return
    wrong_group = bool(group) and user.gid is not None and user.gid != image.platform.gid
    if user.uid != image.platform.uid or wrong_group:
        yield Hit(Span.at(user.line) if user.line else None, {"user": user.spelled})


@check("CHL204")
def sudo_granted(image: Image) -> Iterator[Hit]:
    stage = image.final
    names = platform_names(image)
    account = stage.platform_account(image.platform.uid)
    groups = set(account.groups) if account else set()
    for grant in stage.sudo:
        who = grant.who
        if grant.via == "group":
            if who in names:
                yield Hit(Span.at(grant.line), {"user": who, "how": "added to an admin group"})
            continue
        if who in names or who == "ALL" or (who.startswith("%") and who[1:] in groups):
            limited = "ALL" not in grant.commands.replace(",", " ").split()
            hit_params = {"user": who, "how": f"sudoers grants {grant.commands}"}
            yield Hit(Span.at(grant.line), hit_params, variant="limited" if limited else None)
    ends_as_platform = stage.user.uid == image.platform.uid
    for script in image.startup.scripts:
        for command in script.commands:
            for user, group in group_additions(unwrap(command)):
                if group in ADMIN_GROUPS and user in names:
                    params = {"user": user, "how": f"added to {group} at start-up"}
                    guard = next((c for c in command.conditions if root_only(c)), None) if ends_as_platform else None
                    if guard is not None:
                        params |= {"guard": guard.line, "test": " ".join(w.text for w in guard.argv) + " ]"}
                    yield Hit(Span.at(command.line), params, variant="guarded" if guard is not None else None,
                              path=script.context_path, via=script.chain(command.line))


@check("CHL205")
def default_password_not_rotated(image: Image) -> Iterator[Hit]:
    stage = image.final
    fixed = [p for p in stage.passwords if p.fixed]
    if not fixed:
        return
    if "ssh" not in stage.capabilities:
        for password in fixed:
            yield Hit(Span.at(password.line), {"user": password.user}, variant="not-needed")
        return
    if image.startup.missing is not None or (
            stage.known_base and stage.entrypoint is None and stage.cmd is None):
        return  # the start-up script is not in the context: we cannot look inside it
    rotated = any(not literal for script in image.startup.scripts for command in script.commands
                  for _, literal in password_changes(unwrap(command), command))
    if not rotated:
        for password in fixed:
            yield Hit(Span.at(password.line), {"user": password.user})


@check("CHL206")
def root_step_after_user_switch(image: Image) -> Iterator[Hit]:
    stage = image.final
    seen: set[tuple[int, str]] = set()
    for run in stage.runs:
        if run.user.uid in (None, 0):
            continue
        for install in run.installs:
            if install.manager in SYSTEM_MANAGERS and install.action in _INSTALL_ACTIONS and install.as_root is False:
                seen.add((install.command.line, ""))
                yield Hit(Span.at(install.command.line),
                          {"user": run.user.spelled, "what": f"{install.program} {install.action}"})
    for write in stage.writes:
        if write.uid in (None, 0) or write.owner is None or write.owner == write.uid:
            continue
        if write.op in ("chmod", "chown"):
            bad = write.copied
        else:
            bad = any(under(write.path, p) for p in SYSTEM_PREFIXES) and not under(write.path, "/var/tmp")
        if bad and (write.line, write.path) not in seen:
            seen.add((write.line, write.path))
            yield Hit(Span.at(write.line), {"user": f"uid {write.uid}", "what": f"{write.op} {write.path}"})


@check("CHL207")
def sudo_in_run(image: Image) -> Iterator[Hit]:
    for run in image.final.runs:
        for command in run.commands:
            if command.name == "sudo":
                yield Hit(Span.at(command.line), {"command": " ".join(command.args[:3])})
