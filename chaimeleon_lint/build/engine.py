"""The container engine's command line: detection, and every command we run, built in one place.

Everything we create carries the label `chaimeleon-lint.session=<id>` so that it can be
removed, also after Ctrl-C. Containers never get `--privileged`, an engine socket or a host
path other than the ones we pass (the dataset read-only, the output folder, our scripts
read-only).
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Sequence

from chaimeleon_lint.build.stream import Tail, run_bounded
from chaimeleon_lint.records import NamedTuple

LABEL = "chaimeleon-lint.session"
OWNER = "chaimeleon-lint.owner"  # host:pid of the run that made it: `prune` leaves a live run's things alone
LIMITS = ("--memory", "4g", "--cpus", str(min(2, os.cpu_count() or 1)))
# Stricter than the platform, which sets no hardening field: on by default, since reviewers run
# strangers' images; a platform-equal run drops them (never the isolation from the Internet).
EXTRAS = {"--cap-drop ALL": ("--cap-drop", "ALL"), "no-new-privileges": ("--security-opt", "no-new-privileges"),
          "--pids-limit 512": ("--pids-limit", "512")}
STRICT = tuple(flag for flags in EXTRAS.values() for flag in flags)


class Mount(NamedTuple):
    source: str
    target: str
    read_only: bool


class Completed(NamedTuple):
    returncode: int  # -1: timed out
    stdout: str
    stderr: str
    tail: Tail | None = None  # the last lines of both streams, each cut short


class Engine(NamedTuple):
    argv: tuple[str, ...]  # ("docker",), ("podman",) or ("podman", "--remote")

    @property
    def name(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1]

    def command(self, *args: str) -> list[str]:
        return [*self.argv, *args]

    def run(self, args: Sequence[str], timeout: float, stdin: str | None = None,
            on_line: Callable[[str], None] | None = None, in_tail: Callable[[str], bool] | None = None) -> Completed:
        """Run one engine command in bounded memory (see `stream`); a time-out is returncode -1,
        never an exception."""
        try:
            done = run_bounded(self.command(*args), timeout, stdin=stdin, on_line=on_line, in_tail=in_tail)
        except OSError as exc:
            return Completed(127, "", str(exc))
        return Completed(done.returncode, done.stdout, done.stderr, done.tail)

    # -- commands -----------------------------------------------------------------------
    def build_args(self, dockerfile: str, context: str, tag: str, session: str,
                   build_args: Sequence[str] = (), target: str | None = None) -> list[str]:
        args = ["build", "-f", dockerfile, "-t", tag, "--label", f"{LABEL}={session}", "--label", f"{OWNER}={owner()}",
                "--force-rm"]
        for value in build_args:
            args += ["--build-arg", value]
        if target:
            args += ["--target", target]
        return [*args, context]

    def run_args(self, image: str, name: str, session: str, *, entrypoint: str | None = None,
                 command: Sequence[str] = (), mounts: Sequence[Mount] = (), user: str | None = None,
                 detach: bool = False, resolver: str | None = None, env: Sequence[str] = (),
                 groups: Sequence[int] = (), limits: Sequence[str] = LIMITS, extras: Sequence[str] = STRICT) -> list[str]:
        """A `run` with no network, bounded memory and CPU, and the `extras` (by default all: no
        capabilities, no new privileges, bounded processes).

        `resolver` is a host file to mount as /etc/resolv.conf, for the network sentinel that
        answers on port 53 of the container's own loopback (a mount: podman refuses `--dns`
        with `--network none`).
        """
        args = ["run", "--name", name, "--label", f"{LABEL}={session}", "--label", f"{OWNER}={owner()}",
                "--network", "none", *extras, *limits]
        args.append("--detach" if detach else "--rm")
        if resolver is not None:
            args += ["--sysctl", "net.ipv4.ip_unprivileged_port_start=0",
                     "--mount", f"type=bind,source={resolver},target=/etc/resolv.conf,readonly"]
        if user is not None:
            args += ["--user", user]
        for group in groups:
            args += ["--group-add", str(group)]
        for variable in env:
            args += ["--env", variable]
        for m in mounts:
            args += ["--mount", f"type=bind,source={m.source},target={m.target}" + (",readonly" if m.read_only else "")]
        if entrypoint is not None:
            args += ["--entrypoint", entrypoint]
        return [*args, image, *command]

    def cleanup_args(self, kind: str, session: str) -> list[str]:
        """List what one session created: `kind` is container or image."""
        if kind == "container":
            return ["ps", "-aq", "--filter", f"label={LABEL}={session}"]
        return ["images", "-q", "--filter", f"label={LABEL}={session}"]


def owner() -> str:
    """This run, as the OWNER label names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def detect(preferred: str | None = None) -> Engine | None:
    """The engine to use: the one asked for, else docker, else podman; None if none answers."""
    names = [preferred] if preferred else ["docker", "podman"]
    for name in names:
        argv: tuple[str, ...] = ("podman", "--remote") if name == "podman-remote" else (name,)
        if shutil.which(argv[0]) is None:
            continue
        engine = Engine(argv)
        if engine.run(["version", "--format", "{{.Server.Version}}" if name == "docker" else "{{.Version}}"],
                      timeout=20).returncode == 0:
            return engine
    return None
