"""`toolbox DIR --build`: the integration test the operators run by hand, as the platform runs a tool.

Each task image is built from its folder and tagged as its FEMTask's `dockerPull` (nothing is
pulled) → the entrypoint contract is probed (HOST_UID=4321 HOST_GID=4321 HOST_USER=probe: the
command must run as 4321:4321) → each FEMTask is translated to a CWL CommandLineTool and run by
cwltool on `test/example_input`, network off, as a non-root uid equal to HOST_UID (as root,
cwltool's output folder is 0700 and the application, dropped to HOST_UID, could not write it) →
the outputs are compared with `test/example_output` and their owner checked.

A federated bundle runs its client task once per dataset folder of the input and gathers the
clients' outputs into the server task's connection input. The engine is reached only through its
command line; cwltool (the `toolbox` extra) is imported by nobody: it runs as its own process.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from chaimeleon_lint.findings import Hit
from chaimeleon_lint.records import NamedTuple
from chaimeleon_lint.runner import Abort
from chaimeleon_lint.toolbox.fem import FemFile
from chaimeleon_lint.toolbox.submission import Found, Submission, docker_pull, femtask_of
from chaimeleon_lint.toolbox.translate import command_line_tool, job_of

PROBE = ("4321", "4321", "probe")
RUN_UID = 4321  # the runner's uid (and HOST_UID) when chaimeleon-lint runs as root
BUILD_TIMEOUT = 1800.0
RUN_TIMEOUT = 900.0
CWLTOOL_FLAGS = ("--disable-pull", "--no-match-user", "--no-read-only", "--preserve-environment", "HOST_UID",
                 "--preserve-environment", "HOST_GID", "--preserve-environment", "HOST_USER")
_SKIPPED_OUTPUTS = ("description.md",)
_FAILING = ("CHL1081", "CHL1082", "CHL1083", "CHL1084")  # CHL1085 is a warning: the test still passed


class Outcome(NamedTuple):
    found: list[Found]
    notes: list[str]
    verdict: str  # passed, failed


def _hit(rule: str, path: str | None, variant: str | None = None, **params: object) -> Found:
    return Found(rule, path, Hit(None, params, variant))


def integrate(sub: Submission, engine_name: str | None, blocked: list[Found]) -> Outcome:
    """Build, probe and run every task; the findings (CHL1081–CHL1085) and what was not done."""
    from chaimeleon_lint.build.engine import detect

    if importlib.util.find_spec("cwltool") is None:
        raise Abort("--build runs the tasks with cwltool, which is not installed: "
                    "pip install 'chaimeleon-lint[toolbox]'")
    engine = detect(engine_name)
    if engine is None:
        raise Abort("--build needs a container engine: neither docker nor podman answers"
                    + (f" ({engine_name} was asked for)" if engine_name else ""))
    found: list[Found] = []
    notes: list[str] = []
    built: dict[str, str] = {}  # task name → image tag
    session = f"toolbox-{os.getpid()}-{int(time.time())}"
    for task in sub.tasks:
        if task.dockerfile is None:
            notes.append(f"task {task.name}: no Dockerfile, so not built; its image would be pulled")
            continue
        fem = femtask_of(task.name, sub)
        tag = (docker_pull(fem) if fem is not None else None) or f"chaimeleon-lint-toolbox/{task.name}:test"
        done = engine.run(engine.build_args(str(task.dockerfile), str(task.folder), tag, session), BUILD_TIMEOUT)
        if done.returncode != 0:
            found.append(_hit("CHL1081", sub.shown(task.dockerfile), task=task.name, detail=_last(done.stderr or done.stdout)))
            continue
        built[task.name] = tag
        probed = _probe(engine, tag, session)
        if probed != f"{PROBE[0]}:{PROBE[1]}":
            found.append(_hit("CHL1082", sub.shown(task.dockerfile), task=task.name, found=probed))
    verdict = "failed"
    try:
        if found:
            notes.append("the tasks were not run: " + ", ".join(sorted({f.rule for f in found})) + " came first")
        elif any(f.hit.variant is None for f in blocked):
            notes.append("the tasks were not run: the FEM metadata is invalid (CHL1055)")
        elif sub.input_dir is None or sub.output_dir is None:
            notes.append("the tasks were not run: there is no test data (CHL1058)")
        elif len(built) < len(sub.classes("FEMTask")):
            notes.append("the tasks were not run: some task images are not built from the submission, and the "
                         "integration test pulls nothing (CHL1053)")
            verdict = "not run"
        elif engine.name != "docker":
            notes.append(f"the tasks were not run: cwltool runs them with docker; {engine.name} built the images, "
                         "and rootless podman under the runner's uid would not see them")
            verdict = "not run"
        else:
            found += _run_all(sub, notes)
            verdict = "failed" if any(f.rule in _FAILING and f.hit.variant is None for f in found) else "passed"
    finally:
        if built:
            engine.run(["rmi", "-f", *built.values()], 120)
    return Outcome(found, notes, verdict)


def _last(text: str, lines: int = 3) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()][-lines:]
    return " / ".join(kept) if kept else "no output"


def _probe(engine, tag: str, session: str) -> str:  # type: ignore[no-untyped-def]
    """uid:gid the image's command runs as when the platform injects the probe's ids (the last
    line the container prints), or what went wrong instead."""
    env = [f"HOST_UID={PROBE[0]}", f"HOST_GID={PROBE[1]}", f"HOST_USER={PROBE[2]}"]
    args = engine.run_args(tag, f"{session}-probe", session, command=["sh", "-c", 'echo "$(id -u):$(id -g)"'],
                           env=env, extras=())
    done = engine.run(args, 120)
    if done.returncode != 0:
        return f"nothing: the container failed ({_last(done.stderr or done.stdout)})"
    last = done.stdout.strip().splitlines()[-1:] or ["nothing"]
    return last[0]


def _run_all(sub: Submission, notes: list[str]) -> list[Found]:
    """Run the tools as the bundle says: a single task alone, or a federated bundle's clients per
    dataset folder and then its server on their gathered outputs."""
    tasks = {str(f.data.get("id")): f for f in sub.classes("FEMTask") if isinstance(f.data, dict)}
    bundle = next(iter(sub.classes("FEMBundle")), None)
    roles = {str(t.get("task_id")): t for t in (bundle.data.get("tasks") or [])} if bundle is not None else {}
    clients = [t for t, entry in roles.items() if (entry.get("multiplicity") or {}).get("type") == "multiple"]
    others = [t for t in tasks if t not in clients]
    runner = _Runner(sub)
    found: list[Found] = []
    try:
        gathered: list[Path] = []  # the clients' outputs, in runner.gathered
        assert sub.input_dir is not None
        for client in clients:
            sites = sorted(p for p in sub.input_dir.iterdir() if p.is_dir()) or [sub.input_dir]
            for site in sites:
                outputs, said = runner.run(client, tasks[client], command_line_tool(tasks[client].data), site, {})
                found += said
                gathered += [runner.keep(path, f"{site.name}-{path.name}") for path in outputs]
            notes.append(f"task {client}: ran once per dataset folder ({', '.join(s.name for s in sites)})")
        final: list[Path] = []
        for name in others:
            connected = {item["id"]: runner.gathered for item in tasks[name].data.get("inputs") or []
                         if isinstance(item, dict) and item.get("source") == "connection"}
            outputs, said = runner.run(name, tasks[name], command_line_tool(tasks[name].data), sub.input_dir, connected)
            found += said
            final += outputs
        if not others:
            final = gathered
        if not any(f.rule == "CHL1083" for f in found):
            found += _compare(sub, final, ", ".join(others or clients))
    finally:
        runner.close()
    return found


class _Runner:
    """cwltool as its own process, as a non-root uid, in one scratch folder removed at the end."""

    def __init__(self, sub: Submission) -> None:
        self.sub = sub
        self.work = Path(tempfile.mkdtemp(prefix="chaimeleon-lint-toolbox-"))
        self.uid = RUN_UID if os.geteuid() == 0 else os.getuid()
        self.gid = RUN_UID if os.geteuid() == 0 else os.getgid()
        self.python, self.pythonpath = _interpreter(self.uid)
        os.chmod(self.work, 0o755)
        self.gathered = self._mine(self.work / "gathered")  # a server task's connection inputs
        self.count = 0

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)

    def _mine(self, path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(path, self.uid, self.gid)
        return path

    def keep(self, path: Path, name: str) -> Path:
        """A client's output, copied under a name that says its site into the gathered folder."""
        target = self.gathered / name
        shutil.copyfile(path, target)
        return target

    def run(self, name: str, fem: FemFile, tool: dict[str, Any], dataset: Path,
            connected: dict[str, Path]) -> tuple[list[Path], list[Found]]:
        self.count += 1
        here = self._mine(self.work / f"run-{self.count}")
        (here / "tool.cwl").write_text(json.dumps(tool, indent=1), encoding="utf-8")
        # The runner's uid reads a copy: the submission may sit where only its owner can reach it,
        # and the copy is what the CHL1085 check watches.
        dataset = Path(shutil.copytree(dataset, here / "input" / dataset.name))
        if os.geteuid() == 0:
            for path in (dataset, *dataset.rglob("*")):
                os.chown(path, self.uid, self.gid, follow_symlinks=False)
        job = job_of(fem.data, dataset, connected)
        (here / "job.json").write_text(json.dumps(job, indent=1), encoding="utf-8")
        outdir = self._mine(here / "out")
        for sub in ("tmp", "outtmp", "home"):
            self._mine(here / sub)
        before = _snapshot(dataset)
        argv = [*self.python, "-m", "cwltool", *CWLTOOL_FLAGS, "--outdir", str(outdir),
                "--tmpdir-prefix", f"{here}/tmp/", "--tmp-outdir-prefix", f"{here}/outtmp/", "--quiet",
                str(here / "tool.cwl"), str(here / "job.json")]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(here / "home"), "TMPDIR": str(here / "tmp"),
               "HOST_UID": str(self.uid), "HOST_GID": str(self.gid), "HOST_USER": "eucaim"}
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath
        shown = self.sub.shown(fem.path)
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env,
                                  preexec_fn=self._drop if os.geteuid() == 0 else None)
        except subprocess.TimeoutExpired:
            return [], [_hit("CHL1083", shown, task=name, problem=f"did not finish in {RUN_TIMEOUT:.0f} s")]
        if done.returncode != 0 or not done.stdout.strip() or "Workflow error" in done.stderr:
            # cwltool 3.3 exits 0 after some workflow errors: its output object is then missing
            return [], [_hit("CHL1083", shown, task=name, problem=f"cwltool failed ({_last(done.stderr, 4)})")]
        outputs = sorted(p for p in outdir.rglob("*") if p.is_file())
        said = []
        try:
            reported = json.loads(done.stdout or "{}")
        except ValueError:
            reported = {}
        empty = [key for key, value in reported.items() if value in (None, [])]
        if empty:
            said.append(_hit("CHL1083", shown, task=name, problem=f"output glob(s) of {', '.join(empty)} matched nothing"))
        wrong = [p.name for p in outputs if (p.stat().st_uid, p.stat().st_gid) != (self.uid, self.gid)]
        if wrong:
            said.append(_hit("CHL1085", shown, task=name, problem=f"outputs not owned by HOST_UID:HOST_GID "
                             f"({self.uid}:{self.gid}): {', '.join(wrong[:3])}"))
        if _snapshot(dataset) != before:
            said.append(_hit("CHL1085", shown, task=name, problem="the run changed the (read-only) input folder"))
        return outputs, said

    def _drop(self) -> None:
        """In the child, before cwltool starts: the runner's uid, with the engine socket's group."""
        groups = [os.stat(s).st_gid for s in ("/var/run/docker.sock", "/run/docker.sock") if os.path.exists(s)]
        os.setgroups(sorted(set(groups)))
        os.setgid(self.gid)
        os.setuid(self.uid)


def _snapshot(folder: Path) -> list[tuple[str, int, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*"))


def _compare(sub: Submission, outputs: list[Path], tasks: str) -> list[Found]:
    """Every expected file must be among the outputs, equal byte for byte, or as data for JSON."""
    assert sub.output_dir is not None
    described = (sub.output_dir / "description.md").is_file()
    variant = "described" if described else None
    by_name = {p.name: p for p in outputs}
    said = []
    shown = sub.shown(sub.output_dir)
    for expected in sorted(p for p in sub.output_dir.rglob("*") if p.is_file()):
        if expected.name in _SKIPPED_OUTPUTS or expected.suffix == ".log":
            continue
        got = by_name.get(expected.name)
        if got is None:
            said.append(_hit("CHL1084", shown, variant, task=tasks, problem=f"{expected.name} was expected and not written"))
        else:
            differs = _difference(expected, got)
            if differs is not None:
                extra = "; check by hand what description.md lists" if described else ""
                said.append(_hit("CHL1084", shown, variant, task=tasks,
                                 problem=f"{expected.name} differs from the expected output ({differs}){extra}"))
    return said


def _difference(expected: Path, got: Path) -> str | None:
    """None when the files agree (byte for byte, or as JSON data); else what differs, briefly."""
    a, b = expected.read_bytes(), got.read_bytes()
    if a == b:
        return None
    if expected.suffix == ".json":
        try:
            want, have = json.loads(a), json.loads(b)
        except ValueError:
            return "not JSON"
        if want == have:
            return None
        if isinstance(want, dict) and isinstance(have, dict):
            keys = sorted(k for k in want.keys() | have.keys() if want.get(k, ...) != have.get(k, ...))
            return "; ".join(f"{k}: expected {json.dumps(want.get(k))}, got {json.dumps(have.get(k))}" for k in keys[:3])
        return "other data"
    return f"{len(a)} bytes expected, {len(b)} written"


def _interpreter(uid: int) -> tuple[list[str], str]:
    """A Python the runner's uid can execute with cwltool importable: this one, or (when this one
    lives where that uid cannot reach, as under root's home) the system's of the same version with
    this installation's packages on PYTHONPATH."""
    import sysconfig

    if uid == os.getuid() or _reachable(sys.executable):
        return [sys.executable], ""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    paths = os.pathsep.join(dict.fromkeys((sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"])))
    for candidate in (shutil.which(version), f"/usr/bin/{version}"):
        if candidate and _reachable(candidate):
            return [candidate], paths
    raise Abort(f"--build: no {version} that uid {uid} can run (this one is {sys.executable}); "
                "install chaimeleon-lint[toolbox] where other users can reach it, or run as that user")


def _reachable(path: str) -> bool:
    """Whether any user may execute the file: every folder above it searchable by others."""
    real = Path(os.path.realpath(path))
    return all(os.stat(p).st_mode & 0o001 for p in real.parents) and bool(os.stat(real).st_mode & 0o001)
