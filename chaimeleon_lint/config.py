"""`.chaimeleon-lint.toml` or `[tool.chaimeleon-lint]` in pyproject.toml, nearest upward."""

import os
from pathlib import Path
from typing import Any

from chaimeleon_lint.files import nearest as nearest_answer
from chaimeleon_lint.files import read_regular, real_path
from chaimeleon_lint.findings import Severity
from chaimeleon_lint.records import NamedTuple

FILE_NAME = ".chaimeleon-lint.toml"
KINDS = ("batch", "interactive")


class ConfigError(Exception):
    """A configuration we refuse; the CLI prints it and exits 2."""

    def __init__(self, path: Path, key: str, message: str) -> None:
        super().__init__(f"{path}: {key}: {message}")


class Config(NamedTuple):
    path: Path | None = None
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    failure_threshold: int | None = None
    known_base_images: tuple[str, ...] | None = None
    kind: str | None = None
    smoke_args: str | None = None
    smoke_env: tuple[tuple[str, str], ...] = ()  # jobman v2's `-e NAME=VALUE` of the smoke run
    size_budget_mb: int | None = None
    sibling_images: tuple[tuple[str, Path], ...] = ()  # image name in FROM → its Dockerfile
    platform: str | None = None  # a shipped profile's name, or a profile file (relative to the configuration)
    toolbox_entrypoints: tuple[tuple[str, str], ...] = ()  # entrypoint.sh versions accepted besides the published


def find(start: Path, nearest: dict[str, str | None] | None = None, real: set[str] | None = None) -> Path | None:
    """The nearest config file at or above `start`. `nearest` (folder → its answer) and `real` (the
    folders that are their own real path) carry what earlier calls found, so the Dockerfiles of one
    tree look at each folder above them once. Folders are strings here: a Path per folder costs
    more than the look itself."""
    directory = real_path(os.fspath(start), set() if real is None else real)
    found = nearest_answer(directory, _config_in, {} if nearest is None else nearest)
    return Path(found) if found is not None else None


def _config_in(directory: str) -> str | None:
    own = os.path.join(directory, FILE_NAME)
    if os.path.isfile(own):
        return own
    pyproject = os.path.join(directory, "pyproject.toml")
    try:
        if os.path.isfile(pyproject) and b"[tool.chaimeleon-lint]" in read_regular(pyproject, 1024 * 1024):
            return pyproject
    except OSError:  # unreadable, or not a regular file: not a configuration
        pass
    return None


def _strings(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(path, key, "must be a list of strings")
    return tuple(value)


def load(path: Path) -> Config:
    """Parse and validate; every problem names the key."""
    import tomllib  # here: most runs find no configuration file, and start-up saves 2 ms

    try:
        data = tomllib.loads(read_regular(path, 1024 * 1024).decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "(file)", f"cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "(syntax)", str(exc)) from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("chaimeleon-lint", {})
    if not isinstance(data, dict):
        raise ConfigError(path, "tool.chaimeleon-lint", "must be a table")
    known = {"ignore", "severity", "failure-threshold", "known-base-images", "kind", "smoke-args", "smoke-env",
             "size-budget-mb", "sibling-images", "platform", "toolbox-entrypoints"}
    for key in data:
        if key not in known:
            raise ConfigError(path, key, f"unknown key (known: {', '.join(sorted(known))})")
    severity: list[tuple[str, Severity]] = []
    raw_severity = data.get("severity", {})
    if not isinstance(raw_severity, dict):
        raise ConfigError(path, "severity", "must be a table of rule = \"error|warning|info|off\"")
    for rule, level in raw_severity.items():
        if not isinstance(level, str):
            raise ConfigError(path, f"severity.{rule}", "must be a string")
        try:
            severity.append((rule, Severity.parse(level)))
        except ValueError as exc:
            raise ConfigError(path, f"severity.{rule}", str(exc)) from None
    threshold = data.get("failure-threshold")
    if threshold is not None:
        if not isinstance(threshold, str) or threshold.lower() not in ("error", "warning", "info", "none"):
            raise ConfigError(path, "failure-threshold", "must be one of error, warning, info, none")
    kind = data.get("kind")
    if kind is not None and kind not in KINDS:
        raise ConfigError(path, "kind", "must be batch or interactive")
    smoke_args = data.get("smoke-args")
    if smoke_args is not None and not isinstance(smoke_args, str):
        raise ConfigError(path, "smoke-args", "must be a string")
    smoke_env: tuple[tuple[str, str], ...] = ()
    if "smoke-env" in data:
        from chaimeleon_lint.runspec import RunSpecError, environment

        try:
            smoke_env = environment(_strings(path, "smoke-env", data["smoke-env"]))
        except RunSpecError as exc:
            raise ConfigError(path, "smoke-env", str(exc)) from None
    budget = data.get("size-budget-mb")
    if budget is not None and (not isinstance(budget, int) or isinstance(budget, bool) or budget <= 0):
        raise ConfigError(path, "size-budget-mb", "must be a positive integer")
    siblings = data.get("sibling-images", {})
    if not isinstance(siblings, dict) or not all(isinstance(v, str) for v in siblings.values()):
        raise ConfigError(path, "sibling-images", "must be a table of image name = \"path/to/Dockerfile\"")
    entrypoints = data.get("toolbox-entrypoints", {})
    if not isinstance(entrypoints, dict) or not all(
            isinstance(v, str) and len(v) == 64 and all(c in "0123456789abcdef" for c in v) for v in entrypoints.values()):
        raise ConfigError(path, "toolbox-entrypoints",
                          "must be a table of version name = \"sha256 of the normalised entrypoint.sh\" (64 hex digits)")
    platform = data.get("platform")
    if platform is not None and (not isinstance(platform, str) or not platform):
        raise ConfigError(path, "platform", "must be a profile name (chaimeleon, eucaim) or a profile file")
    if platform is not None and ("/" in platform or platform.endswith(".toml")):
        platform = str(path.parent / platform)
    return Config(
        path=path,
        platform=platform,
        toolbox_entrypoints=tuple(sorted(entrypoints.items())),
        sibling_images=tuple((name, path.parent / target) for name, target in siblings.items()),
        smoke_args=smoke_args,
        smoke_env=smoke_env,
        size_budget_mb=budget,
        ignore=_strings(path, "ignore", data.get("ignore", [])),
        severity=tuple(severity),
        failure_threshold=threshold_severity(threshold) if threshold else None,
        known_base_images=_strings(path, "known-base-images", data["known-base-images"])
        if "known-base-images" in data else None,
        kind=kind,
    )


def threshold_severity(name: str) -> int:
    """The lowest severity that fails; `none` sits above every real severity, so nothing fails."""
    return Severity.ERROR + 1 if name.lower() == "none" else int(Severity.parse(name))
