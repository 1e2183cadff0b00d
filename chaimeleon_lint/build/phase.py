"""Build the image, inspect it, probe it in one container, and run it as the platform would.

Order: build (CHL801) → inspect config and size (CHL805, CHL806) → one probe container with
the image's own user and no network (CHL802–CHL804) → layers from `save` (CHL806) → smoke run
of a batch image with a sample dataset (CHL807, CHL808) or start of an interactive image
(CHL809). Everything created is labelled with a session id and removed in `finally`, so also
on failure and on Ctrl-C.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from chaimeleon_lint.build.engine import EXTRAS, STRICT, Engine, Mount
from chaimeleon_lint.build.jobrun import as_platform, described, fs_group, lay_out, limits
from chaimeleon_lint.build.layers import scan_saved
from chaimeleon_lint.build.stream import Tail, run_bounded
from chaimeleon_lint.findings import Hit, Span
from chaimeleon_lint.interrupt import Interrupted, deferred
from chaimeleon_lint.profile import DEFAULT, Profile, load
from chaimeleon_lint.model.sudoers import grants_in, grants_to
from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.runspec import SERVICES, RunSpec, describe, expand, guide_env_form
from chaimeleon_lint.source.dockerfile import Dockerfile

SCRIPTS = Path(__file__).resolve().parent / "scripts"
IN_CONTAINER = "/.chaimeleon-lint"
DATASET_ID = "sample-dataset"
ADMIN_GROUPS = frozenset({"sudo", "wheel", "admin"})
INTERACTIVE_PORTS = tuple((s.port, s.label) for s in SERVICES)
_CACHE_FLOOR = 1024 * 1024  # smaller leftovers (empty folders, lock files) are not worth a finding
_WIDTH = 300  # of a marker or sentinel line, what is kept
_NET = "chaimeleon-lint-net "
_ATTEMPTS = 50
_SAVE_TIMEOUT = 1800
_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_BUILDKIT_STEP = re.compile(r"^#\d+ \[[^\]]*\] (.*)$")
_BUILDKIT_LINE = re.compile(r"Dockerfile:(\d+)")
_BUILDAH_STEP = re.compile(r"^(?:\[(\d+)/\d+\] )?STEP (\d+)/\d+: (.*)$")  # podman: numbered within each stage


class EngineUnavailable(Exception):
    """The user asked for the build phase and no engine answered."""


class BuildOptions(NamedTuple):
    engine: str | None = None
    build_args: tuple[str, ...] = ()
    target: str | None = None
    smoke_args: str | None = None
    smoke_env: tuple[tuple[str, str], ...] = ()  # jobman v2's `-e NAME=VALUE`
    size: str | None = None  # the platform's size (resources) of the smoke run; None: the profile's default
    platform_equal: bool = False  # the smoke run without this run's extra restrictions
    smoke_timeout: float = 300.0
    service_timeout: float = 60.0
    build_timeout: float = 3600.0
    size_budget: int = 10 * 1024**3
    keep_image: bool = False
    verbose: bool = False
    platform: Profile | None = None  # the profile the image is judged by; None: the default
    aliases: tuple[str, ...] = ()  # references a child's FROM names it by: the image is tagged and held for them

    @property
    def profile(self) -> Profile:
        return self.platform if self.platform is not None else load(DEFAULT)


@dataclass
class Outcome:
    """What the phase found, and what it cost."""

    hits: list[tuple[str, Hit]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    containers: int = 0
    image: str | None = None  # kept with --keep-image, under this name
    built: bool = False  # the build succeeded
    size: int | None = None  # bytes, as the engine reports them
    held: str | None = None  # the session tag of an image held for its children (`release` it)


Progress = Callable[[str], None]


def run_phase(engine: Engine, dockerfile_path: Path, context: Path, dockerfile: Dockerfile, kind: str,
              options: BuildOptions, progress: Progress) -> Outcome:
    session = uuid.uuid4().hex[:12]
    tag = f"chaimeleon-lint/{session}:build"
    outcome = Outcome()
    tmp = Path(tempfile.mkdtemp(prefix="chaimeleon-lint-"))
    interrupted: Interrupted | None = None
    try:
        _phase(engine, dockerfile_path, context, dockerfile, kind, options, progress, session, tag, tmp, outcome)
    except Interrupted as exc:
        interrupted = exc
        raise
    finally:
        hold = bool(options.aliases) and outcome.built and interrupted is None
        with deferred():  # a second signal waits: what the session made goes in any case
            cleaned = _remove_containers(engine, session)
            if hold:
                outcome.held = tag
            else:
                done, outcome.image = release(engine, tag, options.aliases, options.keep_image)
                cleaned += done
            shutil.rmtree(tmp, ignore_errors=True)
        if interrupted is not None:
            interrupted.cleaned += [cleaned, "temporary files deleted"]
    return outcome


def _phase(engine: Engine, dockerfile_path: Path, context: Path, dockerfile: Dockerfile, kind: str,
           options: BuildOptions, progress: Progress, session: str, tag: str, tmp: Path, outcome: Outcome) -> None:
    started = time.monotonic()
    ok, log, markers = _build(engine, dockerfile_path, context, tag, session, options, progress)
    outcome.timings["build"] = time.monotonic() - started
    if not ok:
        line = failing_line(markers, dockerfile)
        outcome.hits.append(("CHL801", Hit(Span.at(line) if line else None, {"tail": log.render()})))
        return
    outcome.built = True
    for alias in options.aliases:  # before any test: a failing test must not strand the children
        engine.run(["tag", tag, alias], timeout=60)
    _test(engine, tag, dockerfile, kind, options, progress, session, tmp, outcome)


def audit_image(engine: Engine, reference: str, dockerfile: Dockerfile, kind: str, options: BuildOptions,
                progress: Progress) -> Outcome:
    """The tests of the build phase on an image that exists in the engine; the image stays, the
    containers and temporary files go (also on a signal)."""
    session = uuid.uuid4().hex[:12]
    outcome = Outcome(built=True)
    tmp = Path(tempfile.mkdtemp(prefix="chaimeleon-lint-"))
    interrupted: Interrupted | None = None
    try:
        _test(engine, reference, dockerfile, kind, options, progress, session, tmp, outcome)
    except Interrupted as exc:
        interrupted = exc
        raise
    finally:
        with deferred():
            cleaned = _remove_containers(engine, session)
            shutil.rmtree(tmp, ignore_errors=True)
        if interrupted is not None:
            interrupted.cleaned += [cleaned, "temporary files deleted"]
    return outcome


def _test(engine: Engine, tag: str, dockerfile: Dockerfile, kind: str, options: BuildOptions, progress: Progress,
          session: str, tmp: Path, outcome: Outcome) -> None:
    """Inspect, probe, measure and run an image (CHL802–CHL809)."""
    inspected = engine.run(["image", "inspect", tag], timeout=60)
    config = json.loads(inspected.stdout)[0] if inspected.returncode == 0 else {}
    image_config = config.get("Config") or {}
    outcome.hits += labels(image_config.get("Labels") or {}, dockerfile)

    progress("probing the image")
    started = time.monotonic()
    scripts = Mount(str(SCRIPTS), IN_CONTAINER, True)
    probe = engine.run(engine.run_args(tag, f"chl-probe-{session}", session, entrypoint="/bin/sh",
                                       command=[f"{IN_CONTAINER}/probe.sh", *options.profile.mount_dirs],
                                       mounts=[scripts]), timeout=120)
    outcome.containers += 1
    outcome.timings["probe"] = time.monotonic() - started
    facts = parse_probe(probe.stdout)
    if probe.returncode != 0 or "uid" not in facts:
        outcome.notes.append(f"the probe could not run in the image (exit {probe.returncode}): "
                             f"{probe.stderr.strip()[-300:] or 'no /bin/sh?'}")
    else:
        outcome.hits += probe_hits(facts, dockerfile, options.profile)
        sudoers = engine.run(engine.run_args(tag, f"chl-sudoers-{session}", session, entrypoint="/bin/sh",
                                             command=[f"{IN_CONTAINER}/sudoers.sh"], mounts=[scripts], user="0"),
                             timeout=120)
        outcome.containers += 1
        if sudoers.returncode == 0 and not any(rule == "CHL804" for rule, _ in outcome.hits):
            outcome.hits += sudoers_hits(sudoers.stdout, facts, dockerfile)

    progress("measuring layers")
    outcome.size = int(config.get("Size") or 0) or None
    outcome.hits += size_hits(engine, tag, outcome.size or 0, options.size_budget, dockerfile)

    entry = list(image_config.get("Entrypoint") or [])
    cmd = list(image_config.get("Cmd") or [])
    started = time.monotonic()
    if len(options.profile.mount_dirs) < 2:
        outcome.notes.append(f"no platform run: the {options.profile.title} profile has no platform Job "
                             "(a toolbox task runs through FEM: `chaimeleon-lint toolbox DIR --build` runs it)")
    elif kind == "interactive":
        progress("starting the interactive image")
        outcome.hits += services(engine, tag, session, scripts, options, tmp, outcome)
        outcome.timings["services"] = time.monotonic() - started
    elif options.smoke_args is None:
        outcome.notes.append("smoke run skipped: give --smoke-args (or smoke-args in the configuration) "
                             "with the arguments jobman would pass after `--`")
    else:
        progress("smoke run")
        outcome.hits += smoke(engine, tag, session, scripts, entry, cmd, options, tmp, outcome, progress)
        outcome.timings["smoke"] = time.monotonic() - started


def _build(engine: Engine, dockerfile_path: Path, context: Path, tag: str, session: str, options: BuildOptions,
           progress: Progress) -> tuple[bool, Tail, list[str]]:
    """Stream the build, reporting each step; the tail of the log and the last step markers are
    kept for a failure (whatever the build prints, memory stays flat)."""
    args = engine.command(*engine.build_args(str(dockerfile_path), str(context), tag, session, options.build_args,
                                             options.target))
    started = time.monotonic()
    markers: dict[str, str] = {}  # the last line of each builder's step or line marker

    def seen(line: str) -> None:
        if options.verbose:
            progress(f"| {line[:_WIDTH]}")
        for kind, pattern in (("classic", _STEP), ("buildkit", _BUILDKIT_LINE), ("buildah", _BUILDAH_STEP)):
            if pattern.search(line):
                markers.pop(kind, None)
                markers[kind] = line[:_WIDTH]
        if _STEP.match(line) or _BUILDKIT_STEP.match(line) or _BUILDAH_STEP.match(line):
            progress(f"building: {line[:100]} ({time.monotonic() - started:.0f} s)")

    try:
        done = run_bounded(args, options.build_timeout, on_line=seen, merge=True)
    except OSError as exc:
        failed = Tail()
        failed.add(str(exc))
        return False, failed, []
    if done.returncode == -1:
        done.tail.add(f"(build stopped after {options.build_timeout:.0f} s)")
    return done.returncode == 0, done.tail, list(markers.values())


def failing_line(log: Sequence[str], dockerfile: Dockerfile) -> int | None:
    """The Dockerfile line of the failing step: BuildKit names it, the classic builder numbers it
    over the file, buildah (podman) within the stage."""
    for line in reversed(log):
        found = _BUILDKIT_LINE.search(line)
        if found:
            return int(found.group(1))
    steps = [int(m.group(1)) for line in log if (m := _STEP.match(line))]
    if steps and 0 < steps[-1] <= len(dockerfile.instructions):
        return dockerfile.instructions[steps[-1] - 1].line
    buildah = [m for line in log if (m := _BUILDAH_STEP.match(line))]
    if buildah:
        stage, step = int(buildah[-1].group(1) or 1), int(buildah[-1].group(2))
        starts = [n for n, i in enumerate(dockerfile.instructions) if i.keyword == "FROM"]
        if 0 < stage <= len(starts):
            within = dockerfile.instructions[starts[stage - 1]:starts[stage] if stage < len(starts) else None]
            if 0 < step <= len(within):
                return within[step - 1].line
    return None


def labels(found: dict[str, str], dockerfile: Dockerfile) -> Iterator[tuple[str, Hit]]:
    for name in ("name", "version"):
        if not str(found.get(name, "")).strip():
            yield "CHL805", Hit(None, {"label": name})


def parse_probe(output: str) -> dict[str, object]:
    facts: dict[str, object] = {"dirs": {}, "programs": set()}
    for line in output.splitlines():
        key, _, rest = line.partition(" ")
        if key in ("uid", "gid", "user", "groups", "gids", "sudo"):
            facts[key] = rest.strip()
        elif key == "dir":
            parts = rest.split()
            if len(parts) == 4:
                facts["dirs"][parts[0]] = (parts[1] == "1", parts[2], parts[3] == "1")  # type: ignore[index]
        elif key == "program":
            facts["programs"].add(rest.strip())  # type: ignore[union-attr]
    return facts


def _user_line(dockerfile: Dockerfile) -> int | None:
    users = [i.line for i in dockerfile.instructions if i.keyword == "USER"]
    return users[-1] if users else None


def probe_hits(facts: dict[str, object], dockerfile: Dockerfile, platform: Profile) -> Iterator[tuple[str, Hit]]:
    user_line = _user_line(dockerfile)
    span = Span.at(user_line) if user_line else None
    uid = str(platform.uid)
    if facts.get("uid") != uid or facts.get("gid") != str(platform.gid):
        yield "CHL802", Hit(span, {"uid": facts.get("uid"), "gid": facts.get("gid")})
    dirs: dict[str, tuple[bool, str, bool]] = facts["dirs"]  # type: ignore[assignment]
    for path in platform.mount_dirs:
        exists, owner, writable = dirs.get(path, (False, "?", False))
        problem = ("does not exist" if not exists else f"belongs to uid {owner}, not {uid}"
                   if owner != uid else "is not writable by the container user" if not writable else None)
        if problem:
            yield "CHL803", Hit(None, {"path": path, "problem": problem})
    groups = set(str(facts.get("groups", "")).split())
    if facts.get("sudo") == "yes":
        yield "CHL804", Hit(span, {"how": "`sudo -n true` succeeds"})
    elif groups & ADMIN_GROUPS:
        yield "CHL804", Hit(span, {"how": f"the user is in {', '.join(sorted(groups & ADMIN_GROUPS))}"})


def sudoers_hits(output: str, facts: dict[str, object], dockerfile: Dockerfile) -> Iterator[tuple[str, Hit]]:
    """CHL804 from the sudoers files as root read them: a grant to the user, its uid or a group of it."""
    grants = []
    for chunk in output.split("@@file ")[1:]:
        path, _, content = chunk.partition("\n")
        grants += grants_in(content, 0, path.strip())
    found = grants_to(grants, str(facts.get("user", "")), str(facts.get("uid", "")),
                      set(str(facts.get("groups", "")).split()), set(str(facts.get("gids", "")).split()))
    if found:
        line = _user_line(dockerfile)
        first = found[0]
        yield "CHL804", Hit(Span.at(line) if line else None,
                            {"how": f"{first.path} grants {first.who} {first.commands}"})


def size_hits(engine: Engine, tag: str, size: int, budget: int, dockerfile: Dockerfile) -> list[tuple[str, Hit]]:
    hits: list[tuple[str, Hit]] = []
    if size > budget:
        hits.append(("CHL806", Hit(None, {"what": f"the image is {_mb(size)}, over the budget of {_mb(budget)}"},
                                   variant="budget")))
    with subprocess.Popen(engine.command("save", tag), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        watchdog = threading.Timer(_SAVE_TIMEOUT, proc.kill)  # the archive is read as it streams: a deadline too
        watchdog.start()
        try:
            caches = scan_saved(proc.stdout)
        except (OSError, EOFError, tarfile.TarError):
            caches = []
        finally:
            watchdog.cancel()
            proc.stdout.close()
            if proc.poll() is None:
                proc.kill()
            proc.wait()
    for cache in caches:
        if cache.size >= _CACHE_FLOOR:
            line = run_line(cache.created_by, dockerfile)
            hits.append(("CHL806", Hit(Span.at(line) if line else None, {
                "what": f"the layer of `{_short(cache.created_by)}` keeps {_mb(cache.size)} of {cache.cache} "
                        f"in {cache.path}"})))
    return hits


def run_line(created_by: str, dockerfile: Dockerfile) -> int | None:
    """The RUN a history entry comes from, by its shell text (classic and BuildKit spellings)."""
    text = re.sub(r"^(RUN )?(\|\d+ (\S+=\S* )*)?/bin/(ba)?sh -c ", "", created_by).removesuffix(" # buildkit")
    wanted = " ".join(text.split())
    for ins in reversed(dockerfile.instructions):
        if ins.keyword == "RUN" and " ".join(ins.shell_text.split()) == wanted:
            return ins.line
    return None


def _short(text: str) -> str:
    text = re.sub(r"^(RUN )?/bin/(ba)?sh -c ", "", " ".join(text.split()))
    return text if len(text) <= 60 else text[:57] + "..."


def _mb(size: int) -> str:
    return f"{size / 1024**2:.0f} MB" if size < 1024**3 else f"{size / 1024**3:.1f} GB"


def smoke(engine: Engine, tag: str, session: str, scripts: Mount, entry: list[str], cmd: list[str],
          options: BuildOptions, tmp: Path, outcome: Outcome, progress: Progress = lambda _: None) -> list[tuple[str, Hit]]:
    """Run a batch image as the platform runs it (`runspec`), with this run's extra restrictions
    unless `platform_equal`, and watch for network attempts. When the strict run fails, a
    platform-equal run says whether the failure is the image's or only the extras'."""
    profile = options.profile
    words = shlex.split(options.smoke_args or "")
    spec = describe(profile, tag, "batch", expand(words, profile, DATASET_ID), options.smoke_env, (DATASET_ID,),
                    options.size)
    if (form := guide_env_form(words)) is not None:
        outcome.notes.append(f"smoke run: {form}")
    argv = (entry + list(spec.args)) if entry else (list(spec.args) or cmd)
    sizes, shortfalls = limits(spec.size)
    strict = not options.platform_equal
    outcome.notes.append(f"smoke run {described(spec, strict, shortfalls)}")
    run = _SmokeRun(engine, tag, session, scripts, words, argv, spec, sizes, options, tmp, progress)
    first = run.once("smoke", STRICT if strict else ())
    outcome.containers += 1
    hits: list[tuple[str, Hit]] = []
    if not first.watched:
        outcome.notes.append("network attempts were not watched during the smoke run: the image has no perl")
    shown = shlex.join(argv)
    settings = spec.summary()
    if first.failure is not None and strict:
        progress("smoke run failed: running it again with the platform's own settings")
        equal = run.once("equal", ())
        outcome.containers += 1
        if equal.failure is None:
            culprits = []
            for name, flags in EXTRAS.items():  # which extra it needs removed: one run each
                outcome.containers += 1
                if run.once(f"extra{len(culprits)}-{flags[-1][:8]}", flags).failure is not None:
                    culprits.append(name)
            hits.append(("CHL807", Hit(None, {"argv": shown, "what": first.failure, "tail": first.tail,
                                              "settings": settings, "extras": ", ".join(culprits or list(EXTRAS))},
                                       variant="stricter")))
        else:
            hits.append(("CHL807", Hit(None, {"argv": shown, "what": first.failure, "tail": first.tail,
                                              "settings": settings + "; a platform-equal run fails too"})))
    elif first.failure is not None:
        hits.append(("CHL807", Hit(None, {"argv": shown, "what": first.failure, "tail": first.tail,
                                          "settings": settings + " (platform-equal)"})))
    inside, outside = split_attempts(first.attempts, profile)
    if inside:
        outcome.notes.append(f"the smoke run looked up the platform's own services ({', '.join(inside[:4])}): "
                             "the platform's network lets them through, this run's does not")
    if outside:
        hits.append(("CHL808", Hit(None, {"argv": shown, "attempts": ", ".join(outside[:8]), "settings": settings})))
    return hits


def split_attempts(attempts: Sequence[str], profile: Profile) -> tuple[list[str], list[str]]:
    """The sentinel's reports (`dns NAME`, `tcp PORT`) the platform's network lets through (name
    look-ups of its PyPI mirror and in-cluster services, and the connections that follow when every
    look-up was such), and the others: those reach for the Internet."""
    mirror = (urlsplit(profile.pypi_mirror).hostname or "").lower()

    def inside(name: str) -> bool:
        name = name.rstrip(".").lower()
        return name == mirror or name.endswith((".svc", ".svc.cluster.local"))

    looked_up = [a for a in attempts if a.startswith("dns ")]
    allowed = [a for a in looked_up if inside(a[4:])]
    if looked_up and len(allowed) == len(looked_up):
        return list(attempts), []
    return allowed, [a for a in attempts if a not in allowed]


class _Ran(NamedTuple):
    failure: str | None  # "exited with 3", "did not finish in 300 s"; None: it passed
    tail: str
    attempts: list[str]  # the network sentinel's reports, in order
    watched: bool  # the sentinel ran (the image has perl)


class _SmokeRun(NamedTuple):
    """One smoke run's fixed parts; each `once` gets fresh volumes, as a new job would."""

    engine: Engine
    tag: str
    session: str
    scripts: Mount
    words: list[str]  # the smoke arguments as given, `{output}` and all
    argv: list[str]
    spec: RunSpec
    sizes: list[str]
    options: BuildOptions
    tmp: Path
    progress: Progress

    def once(self, label: str, extras: Sequence[str]) -> _Ran:
        root = self.tmp / f"volumes-{label}"
        root.mkdir()
        mounts = lay_out(self.spec, root)
        _output_folders(self.words, Path(self.spec.volume("persistent-home").host(str(root))) / "output",
                        self.spec.fs_group)
        attempts: dict[str, None] = {}
        watched = [True]

        def sentinel(line: str) -> None:
            if not line.startswith(_NET):
                if self.options.verbose:
                    self.progress(f"| {line[:_WIDTH]}")
                return
            if line.endswith(" unavailable"):
                watched[0] = False
            elif not line.endswith(" ready") and len(attempts) < _ATTEMPTS:
                attempts[line[len(_NET):][:_WIDTH]] = None

        name = f"chl-{label}-{self.session}"
        result = self.engine.run(self.engine.run_args(
            self.tag, name, self.session, entrypoint="/bin/sh", command=[f"{IN_CONTAINER}/smoke.sh", *self.argv],
            mounts=[self.scripts, *mounts], resolver=str(SCRIPTS / "resolv.conf"), limits=self.sizes, extras=extras,
            **as_platform(self.spec)),
            timeout=self.options.smoke_timeout, on_line=sentinel, in_tail=lambda line: not line.startswith(_NET))
        tail = result.tail.render() if result.tail is not None else "(no output)"
        failure = None
        if result.returncode == -1:
            self.engine.run(["rm", "-f", name], timeout=60)
            failure = f"did not finish in {self.options.smoke_timeout:.0f} s"
        elif result.returncode != 0:
            failure = f"exited with {result.returncode}"
        return _Ran(failure, tail, list(attempts), watched[0])


def _output_folders(words: Sequence[str], output: Path, gid: int) -> None:
    """The folders `{output}/SUB/` arguments name (and the parents of `{output}/SUB/file`): the user's
    persistent home has them, or the application makes them; the sample output folder starts empty."""
    output.mkdir(exist_ok=True)
    fs_group(output, gid)
    for word in words:
        at = word.find("{output}/")
        if at < 0:
            continue
        sub = word[at + len("{output}/"):]
        folder = sub if sub.endswith("/") else sub.rpartition("/")[0]
        target = (output / folder).resolve()
        if folder and target.is_relative_to(output.resolve()):
            target.mkdir(parents=True, exist_ok=True)
            for made in [target, *target.parents]:
                if made == output.resolve():
                    break
                fs_group(made, gid)


def services(engine: Engine, tag: str, session: str, scripts: Mount, options: BuildOptions, tmp: Path,
             outcome: Outcome) -> list[tuple[str, Hit]]:
    """Start the image as the platform's chart and webhook do (`runspec`: the user, groups, volumes,
    size and the password variables) and wait for VNC and SSH to accept connections. When a port
    stays closed under this run's extra restrictions, a platform-equal start says whose failure it is
    (the desktops change their password with setuid `passwd`, which no-new-privileges stops)."""
    spec = describe(options.profile, tag, "interactive", (), (("PASSWORD", session), ("VNC_PASSWORD", session)),
                    (DATASET_ID,), options.size, tuple((s.port, s.name) for s in SERVICES))
    sizes, shortfalls = limits(spec.size)
    strict = not options.platform_equal
    outcome.notes.append(f"services started {described(spec, strict, shortfalls)}")
    closed, why = _start(engine, spec, session, scripts, options, tmp, sizes, STRICT if strict else (), outcome, "services")
    if closed and strict and why is None:
        still, _ = _start(engine, spec, session, scripts, options, tmp, sizes, (), outcome, "equal")
        if why is None and not still:
            return [("CHL809", Hit(None, {"service": " and ".join(label for _, label in closed),
                                          "port": "/".join(str(p) for p, _ in closed), "extras": ", ".join(EXTRAS),
                                          "settings": spec.summary()}, variant="stricter"))]
    return [("CHL809", Hit(None, {"service": label, "port": port,
                                  "why": why or f"nothing accepted connections within {options.service_timeout:.0f} s"}))
            for port, label in closed]


def _start(engine: Engine, spec: RunSpec, session: str, scripts: Mount, options: BuildOptions, tmp: Path,
           sizes: list[str], extras: Sequence[str], outcome: Outcome, label: str) -> tuple[list[tuple[int, str]], str | None]:
    """One detached start: the ports that stayed closed, and why when the container did not start."""
    name = f"chl-{label}-{session}"
    mounts = lay_out(spec, tmp / f"volumes-{label}")
    started = engine.run(engine.run_args(spec.image, name, session, mounts=[scripts, *mounts], detach=True, limits=sizes,
                                         extras=extras, **as_platform(spec)), timeout=120)
    outcome.containers += 1
    if started.returncode != 0:
        return list(INTERACTIVE_PORTS), f"the container did not start: {started.stderr.strip()[-300:]}"
    deadline = time.monotonic() + options.service_timeout
    open_ports: set[str] = set()
    unknown = False
    while time.monotonic() < deadline:
        check = engine.run(["exec", name, "/bin/sh", f"{IN_CONTAINER}/services.sh",
                            *(str(p) for p, _ in INTERACTIVE_PORTS)], timeout=30)
        open_ports |= {w.split()[1] for w in check.stdout.splitlines() if w.startswith("open ")}
        unknown = "unknown" in check.stdout
        running = engine.run(["inspect", "-f", "{{.State.Running}}", name], timeout=30).stdout.strip() == "true"
        if len(open_ports) == len(INTERACTIVE_PORTS) or unknown or not running:
            break
        time.sleep(2)
    engine.run(["rm", "-f", name], timeout=60)
    if unknown:
        outcome.notes.append("services were not checked: the image has neither perl nor bash")
        return [], None
    return [(port, label) for port, label in INTERACTIVE_PORTS if str(port) not in open_ports], None


def kept(tag: str) -> str:
    """The name a kept image has: `prune` removes `:build` tags only."""
    return tag.rsplit(":", 1)[0] + ":kept"


def _remove_containers(engine: Engine, session: str) -> str:
    listed = engine.run(engine.cleanup_args("container", session), timeout=60).stdout.split()
    if listed:
        engine.run(["rm", "-f", *listed], timeout=120)
    return f"removed {len(listed)} container{'' if len(listed) == 1 else 's'}"


def release(engine: Engine, tag: str, aliases: tuple[str, ...], keep_image: bool) -> tuple[str, str | None]:
    """Remove an image the session built, with the aliases it was tagged under for its children;
    with `keep_image`, keep it as `:kept` instead. What was done (to add to a sentence), and the
    kept image's name."""
    for alias in aliases:
        engine.run(["rmi", alias], timeout=120)
    exists = engine.run(["image", "inspect", "--format", "{{.Id}}", tag], timeout=60).returncode == 0
    if not exists:
        return "", None
    if keep_image:
        engine.run(["tag", tag, kept(tag)], timeout=60)
        engine.run(["rmi", tag], timeout=120)
        return f", kept image {kept(tag)}", kept(tag)
    engine.run(["rmi", "-f", tag], timeout=120)
    return f" and image {tag}", None
