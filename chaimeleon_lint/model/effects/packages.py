"""Package managers: apt, pip, conda/mamba, poetry, apk, yum/dnf, and what they install."""

from __future__ import annotations

import re

from chaimeleon_lint.model.effects.common import Invocation, getopt
from chaimeleon_lint.model.image import Install
from chaimeleon_lint.model.software import capabilities_of
from chaimeleon_lint.model.state import StageState
from chaimeleon_lint.source.shell import Command, Word

_new = tuple.__new__  # a NamedTuple from all its fields, without its generated __new__: tests/test_records.py
PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
_PIP = re.compile(r"^pip(\d+(\.\d+)?)?$")
_APT = ("oct", frozenset({"option", "config-file", "target-release", "default-release"}))
_PIP_OPTS = ("rceitfC", frozenset({
    "requirement", "constraint", "editable", "index-url", "extra-index-url", "target", "find-links", "prefix",
    "root", "src", "upgrade-strategy", "platform", "python-version", "implementation", "abi", "progress-bar",
    "cache-dir", "log", "proxy", "retries", "timeout", "exists-action", "trusted-host", "cert", "client-cert",
    "config-settings", "global-option", "no-binary", "only-binary", "report", "python", "use-feature",
    "use-deprecated", "keyring-provider"}))
_CONDA_OPTS = ("cnpf", frozenset({"channel", "name", "prefix", "file", "override-channels"}))
SYSTEM_MANAGERS = frozenset({"apt", "apk", "yum"})


def pip_argv(inv: Invocation) -> tuple[Word, ...] | None:
    """The pip arguments of `pip ...`, `pip3.11 ...` or `python3 -m pip ...`; None otherwise."""
    if inv.name[:3] == "pip" and _PIP.match(inv.name):  # the prefix first: most commands are neither
        return inv.args
    if inv.name[:6] == "python" and PYTHON.match(inv.name):
        args = inv.args
        for i, word in enumerate(args[:-1]):
            if word.text == "-m" and args[i + 1].text == "pip":
                return args[i + 2:]
            if not word.text.startswith("-"):
                return None
    return None


def classify(inv: Invocation, command: Command, as_root: bool | None) -> Install | None:
    """The package-manager call a command is, if any."""
    parse = _MANAGERS.get(inv.name)
    if parse is not None:
        return parse(inv, command, as_root)
    pip_args = pip_argv(inv)
    if pip_args is not None:
        opts = getopt(pip_args, *_PIP_OPTS)
        program = inv.name if _PIP.match(inv.name) else f"{inv.name} -m pip"
        return _install("pip", opts.operands, command, as_root, program)
    return None


def _apt(inv: Invocation, command: Command, as_root: bool | None) -> Install | None:
    return _install("apt", getopt(inv.args, *_APT).operands, command, as_root, inv.name)


def _conda(inv: Invocation, command: Command, as_root: bool | None) -> Install | None:
    words = list(getopt(inv.args, *_CONDA_OPTS).operands)
    if len(words) >= 2 and words[0].text == "env":
        words = [Word("env " + words[1].text)] + words[2:]
    return _install("conda", words, command, as_root, inv.name)


def _poetry(inv: Invocation, command: Command, as_root: bool | None) -> Install | None:
    operands = getopt(inv.args, "", frozenset({"with", "without", "only", "extras"})).operands
    return _install("poetry", operands, command, as_root, inv.name)


def _apk(inv: Invocation, command: Command, as_root: bool | None) -> Install | None:
    operands = getopt(inv.args, "XpU", frozenset({"repository", "root", "virtual"})).operands
    return _install("apk", operands, command, as_root, inv.name)


def _yum(inv: Invocation, command: Command, as_root: bool | None) -> Install | None:
    return _install("yum", getopt(inv.args, "c", frozenset({"config"})).operands, command, as_root, inv.name)


_MANAGERS = {  # a program's name → how its arguments are read (pip, by a pattern of names, is apart)
    "apt-get": _apt, "apt": _apt, "aptitude": _apt, "conda": _conda, "mamba": _conda, "micromamba": _conda,
    "poetry": _poetry, "apk": _apk, "yum": _yum, "dnf": _yum, "microdnf": _yum,
}


def _install(manager: str, operands: list[Word], command: Command, as_root: bool | None,
             program: str) -> Install | None:
    if not operands:
        return None
    action = operands[0].text
    packages = tuple([w.text for w in operands[1:] if w.known])
    return _new(Install, (manager, action, packages, command, as_root, program))


def apply(state: StageState, inv: Invocation, command: Command, as_root: bool | None) -> Install | None:
    install = classify(inv, command, as_root)
    if install is None:
        return None
    state.installs.append(install)
    if install.action in ("install", "add", "create", "env create", "env update", "update") and install.manager != "poetry":
        for package in install.packages:
            for capability in capabilities_of(package):
                state.capabilities.setdefault(capability, command.line)
    if install.manager == "pip" and install.action == "config" and "global.no-cache-dir" in install.packages[:2]:
        state.pip_no_cache = True
    if install.manager == "pip" and install.action == "config" and install.packages[:2] in (
            ("set", "global.index-url"), ("set", "install.index-url")) and len(install.packages) > 2:
        state.pip_index = install.packages[2]
    return install
