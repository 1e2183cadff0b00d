"""The container engine's command line: detection, and every command we run, built in one place.

Everything we create carries the label `chaimeleon-lint.session=<id>` so that it can be
removed, also after Ctrl-C. Containers never get `--privileged`, an engine socket or a host
path other than the ones we pass (the dataset read-only, the output folder, our scripts
read-only).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from typing import NamedTuple

LABEL = "chaimeleon-lint.session"
LIMITS = ("--memory", "4g", "--cpus", "2", "--pids-limit", "512")
SAFETY = ("--cap-drop", "ALL", "--security-opt", "no-new-privileges")


class Mount(NamedTuple):
    source: str
    target: str
    read_only: bool


class Completed(NamedTuple):
    returncode: int  # -1: timed out
    stdout: str
    stderr: str


class Engine(NamedTuple):
    argv: tuple[str, ...]  # ("docker",), ("podman",) or ("podman", "--remote")

    @property
    def name(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1]

    def command(self, *args: str) -> list[str]:
        return [*self.argv, *args]

    def run(self, args: Sequence[str], timeout: float, stdin: str | None = None) -> Completed:
        """Run one engine command; a time-out is returncode -1, never an exception."""
        try:
            proc = subprocess.run(self.command(*args), input=stdin, capture_output=True, text=True,
                                  errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
            err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
            return Completed(-1, out, err)
        except OSError as exc:
            return Completed(127, "", str(exc))
        return Completed(proc.returncode, proc.stdout, proc.stderr)

    # -- commands -----------------------------------------------------------------------
    def build_args(self, dockerfile: str, context: str, tag: str, session: str,
                   build_args: Sequence[str] = (), target: str | None = None) -> list[str]:
        args = ["build", "-f", dockerfile, "-t", tag, "--label", f"{LABEL}={session}", "--force-rm"]
        for value in build_args:
            args += ["--build-arg", value]
        if target:
            args += ["--target", target]
        return [*args, context]

    def run_args(self, image: str, name: str, session: str, *, entrypoint: str | None = None,
                 command: Sequence[str] = (), mounts: Sequence[Mount] = (), user: str | None = None,
                 detach: bool = False, resolver: str | None = None, env: Sequence[str] = ()) -> list[str]:
        """A `run` with no network, no capabilities, and bounded memory, CPU and processes.

        `resolver` is a host file to mount as /etc/resolv.conf, for the network sentinel that
        answers on port 53 of the container's own loopback (a mount: podman refuses `--dns`
        with `--network none`).
        """
        args = ["run", "--name", name, "--label", f"{LABEL}={session}", "--network", "none", *SAFETY, *LIMITS]
        args.append("--detach" if detach else "--rm")
        if resolver is not None:
            args += ["--sysctl", "net.ipv4.ip_unprivileged_port_start=0",
                     "--mount", f"type=bind,source={resolver},target=/etc/resolv.conf,readonly"]
        if user is not None:
            args += ["--user", user]
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
