"""Strangers' images and files that misbehave: an image that floods its output, signals during the
smoke run, runs killed before their clean-up, inputs nested too deep, and FIFOs.

The engine parts run on the real engine (docker, else podman) and inspect it afterwards; the
linter runs as its own process (its process group is what a CI system signals)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chaimeleon_lint.build.engine import OWNER, detect
from chaimeleon_lint.build.stream import LINE_WIDTH, TAIL_LINES, Tail, run_bounded

ENGINE = detect()
needs_engine = pytest.mark.skipif(ENGINE is None, reason="no container engine answers (bash .ci/engine starts one)")
SMOKE_TIMEOUT = 8

# A compliant batch image whose application floods: 400-character lines without pause, or (with
# the argument `oneline`) NUL bytes without any line end; or, with `stubborn`, one that ignores
# SIGTERM and sleeps.
FLOOD = r'''FROM debian:bookworm
LABEL name="flood" version="1.0" authorization="This Dockerfile is intended to build a container image that will be publicly accessible in the CHAIMELEON images repository."
RUN groupadd -g 1000 chaimeleon && useradd -m -u 1000 -g 1000 chaimeleon
USER chaimeleon:chaimeleon
RUN mkdir -p /home/chaimeleon/datasets /home/chaimeleon/persistent-home /home/chaimeleon/persistent-shared-folder
WORKDIR /home/chaimeleon
ENTRYPOINT ["sh", "-c", "case \"$1\" in oneline) cat /dev/zero ;; stubborn) trap '' TERM INT HUP; echo sleeping; while :; do sleep 1; done ;; *) yes \"$(printf %0400d 0)\" ;; esac", "flood"]
'''

MEASURED = '''import os, resource, sys
from chaimeleon_lint.cli import entry
sys.argv = ["chaimeleon-lint", *sys.argv[1:]]
try:
    entry()
finally:
    with open(os.environ["CHL_PEAK_FILE"], "w") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
'''


def linter(*args: str, cwd: Path, peak: Path | None = None) -> subprocess.Popen[str]:
    """The linter as its own process, in its own process group; `peak` receives its peak RSS (KiB)."""
    env = {**os.environ, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "chaimeleon_lint", *args]
    if peak is not None:
        env["CHL_PEAK_FILE"] = str(peak)
        command = [sys.executable, "-c", MEASURED, *args]
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def leftovers(pid: int) -> list[str]:
    """Containers and images in the engine that the run with this pid made."""
    assert ENGINE is not None
    owner = f"{OWNER}={socket.gethostname()}:{pid}"
    found = ENGINE.run(["ps", "-aq", "--filter", f"label={owner}"], timeout=60).stdout.split()
    found += ENGINE.run(["images", "-q", "--filter", f"label={owner}"], timeout=60).stdout.split()
    return found


def wait_for_smoke(pid: int, limit: float = 300) -> None:
    """Until the run's smoke container is up (the build before it may take a while)."""
    assert ENGINE is not None
    deadline = time.monotonic() + limit
    owner = f"{OWNER}={socket.gethostname()}:{pid}"
    while time.monotonic() < deadline:
        names = ENGINE.run(["ps", "--filter", f"label={owner}", "--format", "{{.Names}}"], timeout=60).stdout
        if "chl-smoke-" in names:
            time.sleep(1)
            return
        time.sleep(0.5)
    raise AssertionError("the smoke container never started")


@pytest.fixture
def flood_app(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(FLOOD)
    return tmp_path


# -- bounded streams ------------------------------------------------------------------------------

def test_bounded_run_keeps_its_deadline_while_output_keeps_coming() -> None:
    started = time.monotonic()
    done = run_bounded([sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('x' * 1000 + '\\n')"], 1.5)
    assert done.returncode == -1
    assert time.monotonic() - started < 5
    assert len(done.tail.lines) == TAIL_LINES and all(len(line) <= LINE_WIDTH + 1 for line in done.tail.lines)
    rendered = done.tail.render()
    assert "earlier lines not shown" in rendered and f"lines cut at {LINE_WIDTH} characters" in rendered


def test_bounded_run_cuts_a_line_that_never_ends() -> None:
    done = run_bounded([sys.executable, "-c", "import sys\nfor _ in range(2000): sys.stdout.write('y' * 65536)"],
                       60, keep=1024)
    assert done.returncode == 0
    assert len(done.stdout) == 1024
    [line] = done.tail.lines
    assert line == "y" * LINE_WIDTH + "…"


def test_tail_says_what_it_left_out() -> None:
    tail = Tail(lines=2, width=5)
    for line in ("one", "two", "three", "a line that is long"):
        tail.add(line)
    assert tail.render() == "three\na lin…\n(2 earlier lines not shown; 1 lines cut at 5 characters)"


@needs_engine
@pytest.mark.parametrize("mode", ["lines", "oneline"])
def test_flooding_image_keeps_memory_flat_and_the_time_limit(flood_app: Path, mode: str) -> None:
    peak = flood_app / "peak"
    args = ["--build", "--format", "json", "--smoke-timeout", str(SMOKE_TIMEOUT), "--smoke-args",
            mode if mode == "oneline" else "go", "Dockerfile"]
    started = time.monotonic()
    proc = linter(*args, cwd=flood_app, peak=peak)
    out, err = proc.communicate(timeout=900)
    elapsed = time.monotonic() - started
    assert proc.returncode == 1, err
    peak_mib = int(peak.read_text()) / 1024
    assert peak_mib < 150, f"the linter peaked at {peak_mib:.0f} MiB"
    report = json.loads(out)
    [smoke] = [f for f in report["findings"] if f["rule"] == "CHL807"]
    assert f"did not finish in {SMOKE_TIMEOUT} s" in smoke["message"]
    tail = smoke["message"].split("\n", 1)[1]
    assert len(tail) < (TAIL_LINES + 2) * (LINE_WIDTH + 2)
    assert all(len(line) <= LINE_WIDTH + 1 for line in tail.splitlines()[:-1])
    if mode == "lines":
        assert "earlier lines not shown" in tail and "lines cut at 300 characters" in tail
    assert leftovers(proc.pid) == []
    print(f"{mode}: peak {peak_mib:.0f} MiB, {elapsed:.1f} s with the build")


# -- signals and leftovers --------------------------------------------------------------------------

@needs_engine
@pytest.mark.parametrize(("sig", "code", "group"), [(signal.SIGTERM, 143, True), (signal.SIGINT, 130, True),
                                                    (signal.SIGTERM, 143, False), (signal.SIGHUP, 129, True)],
                         ids=["SIGTERM-group", "SIGINT-group", "SIGTERM-process", "SIGHUP-group"])
def test_a_signal_during_the_smoke_run_cleans_up_and_exits_128_plus_it(flood_app: Path, sig: signal.Signals,
                                                                        code: int, group: bool) -> None:
    proc = linter("--build", "--smoke-timeout", "600", "--smoke-args", "stubborn", "Dockerfile", cwd=flood_app)
    wait_for_smoke(proc.pid)
    started = time.monotonic()
    if group:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == code, err
    assert time.monotonic() - started < 120
    assert f"interrupted by {sig.name}: removed 1 container and image chaimeleon-lint/" in err
    assert "temporary files deleted" in err and "Traceback" not in err
    assert leftovers(proc.pid) == []


@needs_engine
def test_prune_removes_what_a_killed_run_left(flood_app: Path) -> None:
    proc = linter("--build", "--smoke-timeout", "600", "--smoke-args", "stubborn", "Dockerfile", cwd=flood_app)
    wait_for_smoke(proc.pid)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    left = leftovers(proc.pid)
    assert left, "SIGKILL leaves the container and the image behind"
    listed = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "prune", "--dry-run"], capture_output=True,
                            text=True, timeout=300)
    assert listed.returncode == 0
    assert "container chl-smoke-" in listed.stdout and "would be removed" in listed.stdout
    assert leftovers(proc.pid) == left, "--dry-run removes nothing"
    pruned = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "prune"], capture_output=True, text=True,
                            timeout=300)
    assert pruned.returncode == 0 and ": removed" in pruned.stdout
    assert leftovers(proc.pid) == []


@needs_engine
def test_prune_leaves_a_live_run_alone(flood_app: Path) -> None:
    proc = linter("--build", "--smoke-timeout", "600", "--smoke-args", "stubborn", "Dockerfile", cwd=flood_app)
    try:
        wait_for_smoke(proc.pid)
        pruned = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "prune"], capture_output=True, text=True,
                                timeout=300)
        assert f"kept: its run ({socket.gethostname()}:{proc.pid}) is still going" in pruned.stdout
        assert leftovers(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=300)
    assert proc.returncode == 143 and leftovers(proc.pid) == []


def test_sigterm_while_linting_exits_143(tmp_path: Path) -> None:
    """No engine needed: a signal at any point ends the run with 128 + its number, not a traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "chaimeleon_lint", "-"], stdin=subprocess.PIPE, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(2)  # the linter waits on a standard input that never ends
    os.killpg(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert err == "chaimeleon-lint: interrupted by SIGTERM: nothing to clean up\n"


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads a process's children from /proc")
def test_sigterm_while_workers_lint_leaves_none_behind(tmp_path: Path) -> None:
    """The parent alone is signalled (as `kill PID` does): it stops its workers before it exits."""
    body = "FROM ubuntu:22.04\n" + "".join(f"RUN mkdir -p /opt/{i} && echo {i} > /opt/{i}/id\n" for i in range(500))
    for n in range(400):  # about 10 s of work for two workers
        (tmp_path / f"app{n}").mkdir()
        (tmp_path / f"app{n}" / "Dockerfile").write_text(body)
    proc = subprocess.Popen([sys.executable, "-m", "chaimeleon_lint", "--jobs", "2", "."], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not _children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = _children(proc.pid)
    assert workers, "the run ended before its workers were seen"
    os.kill(proc.pid, signal.SIGTERM)
    signalled = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - signalled < 3, "the parent waited for its workers to finish"
    assert proc.returncode == 143, err
    assert err == "chaimeleon-lint: interrupted by SIGTERM: nothing to clean up\n"
    for worker in workers:
        assert not Path(f"/proc/{worker}").exists() or "zombie" in Path(f"/proc/{worker}/status").read_text().lower()


# -- deep inputs ----------------------------------------------------------------------------------

DEEP = {
    "chain": "RUN " + " && ".join(f"echo {i}" for i in range(10_000)),
    "substitutions": "RUN echo " + "$(echo " * 2_000 + "x" + ")" * 2_000,
    "subshells": "RUN " + "( " * 2_000 + "echo" + " )" * 2_000,
    "ifs": "RUN " + "if true; then " * 1_000 + "echo" + "; fi" * 1_000,
    "defaults": "LABEL name=" + "${A:-" * 2_000 + "x" + "}" * 2_000,
    "continuations": "RUN echo \\\n" + "  a \\\n" * 20_000 + "  b",
}


@pytest.mark.parametrize("name", list(DEEP))
def test_deep_input_gives_findings_not_a_crash(tmp_path: Path, name: str) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM ubuntu:22.04\n{DEEP[name]}\n")
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "--format", "json", "Dockerfile"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    rules = {f["rule"]: f["line"] for f in json.loads(proc.stdout)["findings"]}
    assert "CHL201" in rules  # the rest of the file was checked
    if name in ("substitutions", "subshells", "ifs"):
        assert rules.get("CHL901") == 2
    else:
        assert "CHL901" not in rules


def test_long_chain_keeps_its_conditions_near() -> None:
    """`a && b`: b still runs under a (a probe before a download is seen), however long the chain."""
    from chaimeleon_lint.source.shell import ShellContext, parse_script

    script = " && ".join(f"echo {i}" for i in range(500)) + " && curl -I https://x && curl -o f https://x"
    commands = parse_script(script, 1, ShellContext({}, None, False, None))
    assert len(commands) == 502
    assert [c.argv[0].text for c in commands[-1].conditions][-1] == "curl"


# -- FIFOs and other non-regular files -------------------------------------------------------------

def test_a_fifo_named_as_a_dockerfile_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "Dockerfile")
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "Dockerfile"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == "chaimeleon-lint: error: Dockerfile: is a named pipe (FIFO), not a regular file: not read\n"


def test_fifos_in_a_folder_and_its_context_are_skipped(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "Dockerfile").write_text('FROM ubuntu:22.04\nCOPY start.sh /start.sh\nENTRYPOINT ["/start.sh"]\n')
    for name in ("start.sh", ".dockerignore", "LICENSE", ".chaimeleon-lint.toml", "Dockerfile.fifo"):
        os.mkfifo(app / name)
    os.mkfifo(tmp_path / "pyproject.toml")
    proc = subprocess.run([sys.executable, "-m", "chaimeleon_lint", "--format", "json", "app"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert [f["path"] for f in report["files"]] == ["app/Dockerfile"]  # not Dockerfile.fifo
    found = {(f["rule"], f["line"]) for f in report["findings"]}
    assert ("CHL403", 3) in found  # start.sh is not followed
    assert ("CHL104", None) in found  # a FIFO named LICENSE is no licence
