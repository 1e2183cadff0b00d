"""Platform profiles: one guide, several nodes (CHAIMELEON, EUCAIM, ...), each a TOML file of data.

A profile holds every fact that differs between nodes: the platform user and home, the mount
directories, the authorization sentence, the known base images and what they provide, and the
words messages use. Nothing platform-specific lives in code; the rule records are written in
the default profile's words and `Profile.translate` carries them over to another node.
"""

import fnmatch
import functools
import json
import posixpath
import re
from pathlib import Path

from chaimeleon_lint import compiled
from chaimeleon_lint.records import NamedTuple

DEFAULT = "chaimeleon"
_HERE = Path(__file__).resolve().parent
SCHEMA = _HERE / "schemas" / "profile.schema.json"
_DESKTOP = ("desktop", "vnc", "ssh", "supervisor", "browser")


class ProfileError(Exception):
    """A profile that cannot be used: unknown name, unreadable file, or a wrong key or type."""


class KnownBase(NamedTuple):
    """A base image pattern and what images matching it provide (user, home, mount-dirs, desktop, ...)."""

    pattern: str
    provides: frozenset[str]
    env: tuple[tuple[str, str], ...] = ()
    entrypoint: tuple[str, ...] = ()  # the exec-form ENTRYPOINT the base image starts with
    runs_arguments: bool = False  # that entrypoint ends by running its arguments (the CMD)


class Profile(NamedTuple):
    name: str
    title: str
    user: str
    group: str
    uid: int
    gid: int
    home: str
    mount_names: tuple[str, ...]
    authorization: str
    images_repository: str
    pypi_mirror: str
    dataset_url: str
    bases: tuple[KnownBase, ...]
    run: str = ""  # the [run] table as canonical JSON (hashable, as a profile must be): `runspec.settings` reads it
    rules_off: frozenset[str] = frozenset()  # rule ids and groups (CHL3xx) that do not apply here
    detect: tuple[tuple[str, str], ...] = ()  # the [detect] table: path, entrypoint-script/-reads/-execs
    toolbox: str = ""  # the [toolbox] table as canonical JSON: `toolbox.convention` reads it

    @property
    def mount_dirs(self) -> tuple[str, ...]:
        return _joined(self.home, self.mount_names)

    @property
    def datasets_dir(self) -> str:
        """The read-only one: the guide names it first ("" where the platform mounts nothing there)."""
        return self.mount_dirs[0] if self.mount_dirs else ""

    def applies(self, rule: str, only: tuple[str, ...] = ()) -> bool:
        """Whether a rule is judged under this profile: not switched off by it (by id or group), and,
        for a rule of some profiles only (`only`), this is one of them."""
        if only and self.name not in only:
            return False
        return not self.rules_off or (rule not in self.rules_off and f"{rule[:-2]}xx" not in self.rules_off)

    def detects(self, folder: str, script: tuple[str, frozenset[str], str] | None) -> str | None:
        """Why a Dockerfile is this profile's by its own [detect] table, or None: its folder (a posix
        path) ends as `path` says, or its ENTRYPOINT runs `entrypoint-script`, which sets
        `entrypoint-reads` and ends by running `entrypoint-execs` (script: (file name, variables set,
        last program))."""
        wanted = dict(self.detect)
        if not wanted:
            return None
        pattern = wanted.get("path")
        if pattern:
            depth = pattern.count("/") + 1
            tail = "/".join(folder.rstrip("/").split("/")[-depth:])
            if fnmatch.fnmatchcase(tail, pattern):
                return f"its folder ({pattern})"
        if script is not None and "entrypoint-script" in wanted:
            name, sets, last = script
            if (name == wanted["entrypoint-script"] and wanted.get("entrypoint-reads", "") in sets | {""}
                    and last == wanted.get("entrypoint-execs", last)):
                return f"its ENTRYPOINT ({name} ending in {last})"
        return None

    @property
    def owner(self) -> str:
        return f"{self.user}:{self.group}"

    def matches(self, reference: str) -> tuple[KnownBase, ...]:
        """The known bases a FROM reference matches (their `provides` add up)."""
        return tuple(b for b in self.bases if reference and _matches(reference, b.pattern))

    def with_bases(self, patterns: tuple[str, ...]) -> "Profile":
        """The configuration's `known-base-images` instead of the profile's own: each provides the
        user, home and mount directories, and a desktop when its name says so."""
        bases = [KnownBase(p, frozenset({"user", "home", "mount-dirs"})) for p in patterns]
        bases += [KnownBase(f"{p}*desktop*", frozenset(_DESKTOP)) for p in patterns]
        bases += [KnownBase(f"{p}*jupyter*", frozenset({"webui", "browser"})) for p in patterns]
        return self._replace(bases=tuple(bases))

    def with_entrypoints(self, extra: tuple[tuple[str, str], ...]) -> "Profile":
        """A toolbox profile that also accepts the configuration's entrypoint.sh versions (a version
        published after this release, or an operator's own); others unchanged."""
        if not self.toolbox:
            return self
        data = json.loads(self.toolbox)
        data["entrypoints"] = {**data["entrypoints"], **{f"configured {name}": sha for name, sha in extra}}
        return self._replace(toolbox=json.dumps(data, sort_keys=True))

    def translate(self, text: str) -> str:
        """Text written in the default profile's words (rule records, templates, examples) in this one's."""
        default = load(DEFAULT)
        if self == default or not text:
            return text
        pairs = [(default.authorization, self.authorization), (default.images_repository, self.images_repository),
                 (default.home, self.home), (default.owner, self.owner),
                 *zip(default.mount_dirs, self.mount_dirs)]
        for old, new in pairs:
            text = text.replace(old, new)
        text = re.sub(rf"(?<![\w./-]){re.escape(default.user)}(?![\w-])", self.user, text)
        return text.replace(default.title, self.title) if default.title != self.title else text


def _matches(reference: str, pattern: str) -> bool:
    """fnmatchcase, after a look at the pattern's text before its first wildcard: that rules most
    references out without compiling the pattern into a regex (0.1 ms each, ten of them per file)."""
    return reference.startswith(_literal(pattern)) and fnmatch.fnmatchcase(reference, pattern)


@functools.cache
def _joined(home: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The mount directories' paths: several checks of every file ask, of one profile or two."""
    return tuple(posixpath.join(home, name) for name in names)


@functools.cache
def _literal(pattern: str) -> str:
    """The pattern's text before its first wildcard (the shipped and configured patterns: a few dozen)."""
    return pattern[:min((i for i in map(pattern.find, "*?[") if i >= 0), default=len(pattern))]


@functools.cache
def names() -> tuple[str, ...]:
    """The profiles shipped in the package (listed once per process: every file's lint asks)."""
    return tuple(sorted(compiled.load()["profiles"]))


@functools.cache
def load(name_or_path: str) -> Profile:
    """A shipped profile by name, or a user's profile file by path; checked against the schema."""
    shipped = compiled.load()["profiles"]
    if "/" not in name_or_path and name_or_path.lower() in shipped:  # ours are checked by the tests
        return _profile(shipped[name_or_path.lower()])  # a name in any case (`EUCAIM`), as rule ids are
    path = Path(name_or_path)
    if not path.is_file():
        raise ProfileError(f"unknown platform {name_or_path!r}: use one of {', '.join(names())} or a profile file")
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read the profile: {exc}") from None
    _validate(path, data)  # a user's file is checked here, where a mistake shows
    return _profile(data)


def _profile(data: dict) -> Profile:
    return Profile(
        name=data["name"], title=data["title"], user=data["user"], group=data["group"], uid=data["uid"],
        gid=data["gid"], home=data["home"].rstrip("/"), mount_names=tuple(data["mount-dirs"]),
        authorization=data["authorization"], images_repository=data["images-repository"],
        pypi_mirror=data.get("pypi-mirror", ""), dataset_url=data.get("dataset-url", ""),
        bases=tuple(KnownBase(b["pattern"], frozenset(b["provides"]), tuple(sorted(b.get("env", {}).items())),
                              tuple(b.get("entrypoint", ())), b.get("runs-arguments", False))
                    for b in data["base"]),
        run=json.dumps(data["run"], sort_keys=True) if "run" in data else "",
        rules_off=frozenset(data.get("rules-off", ())), detect=tuple(sorted(data.get("detect", {}).items())),
        toolbox=json.dumps(data["toolbox"], sort_keys=True) if "toolbox" in data else "",
    )


def _validate(path: Path, data: dict) -> None:
    """One clear error naming the key, as for the configuration."""
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ProfileError(f"{path}: {where}: {error.message}")


class Detected(NamedTuple):
    """The profile in force for one Dockerfile, and why: "--platform", "configuration", "base image X",
    "user X (uid 1000)" or "default"."""

    profile: Profile
    detected_from: str


def detect(candidates: tuple[Profile, ...], bases: tuple[tuple[str, str], ...],
           users: tuple[tuple[str, int | None], ...]) -> Detected:
    """From the known base images the stages are built on, as (profile name, reference), the final
    stage's first; then from the accounts the Dockerfile creates; else the first candidate."""
    by_name = {p.name: p for p in candidates}
    for name, reference in bases:
        if name in by_name:
            return Detected(by_name[name], f"base image {reference}")
    for user, uid in users:
        for profile in candidates[1:]:
            if user == profile.user and uid == profile.uid:
                return Detected(profile, f"user {user} (uid {uid})")
    return Detected(candidates[0], "default")


def candidates(chosen: Profile | None = None, patterns: tuple[str, ...] = ()) -> tuple[Profile, ...]:
    """The profiles a Dockerfile may be judged by: the chosen one (or the default) first, with the
    configuration's known base images if it gives any, then the other shipped ones."""
    first = chosen if chosen is not None else load(DEFAULT)
    if patterns:
        first = first.with_bases(patterns)
    return (first, *(p for p in map(load, names()) if p.name != first.name))
