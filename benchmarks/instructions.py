"""Instructions one serial lint of the benchmark's files costs, counted by valgrind's cachegrind:
`python benchmarks/instructions.py [--files 150] [--tree DIR]`.

Times on a shared machine move 5 to 10% from one minute to the next, more than most single
changes to the linter save; an instruction count moves by nothing. The count covers linting the
files once in one process (no workers), as the difference of two processes that lint them once and
twice, so start-up and imports are left out. Compare two trees (`--tree`, a checkout of another
revision) to see what a change saves. Needs valgrind (`apt-get install valgrind`); not part of
the test suite's verdict.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
_LINT = """
import gc, io, contextlib, sys
gc.disable()  # as the command runs
from chaimeleon_lint.runner import Settings, run
files = tuple(open(sys.argv[1]).read().split())
for _ in range(int(sys.argv[2])):
    with contextlib.redirect_stdout(io.StringIO()):
        run(files, Settings(workers=1))
"""


def instructions(tree: Path, listing: Path, times: int, cwd: Path) -> int:
    """Instructions (cachegrind's `I refs`) of a process that lints the listed files `times` times."""
    proc = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                           sys.executable, "-c", _LINT, str(listing), str(times)],
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if proc.returncode != 0 or found is None:
        raise SystemExit(f"valgrind failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return int(found[1].replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=150, help="how many of the benchmark's Dockerfiles")
    parser.add_argument("--tree", type=Path, action="append", help="a source tree to count (repeatable; default: this one)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="chaimeleon-instructions-") as tmp:
        work = Path(tmp)
        paths = [str(p.relative_to(work)) for p in write_corpus(work / "corpus", args.files)]
        listing = work / "files.txt"
        listing.write_text("\n".join(paths) + "\n")
        for tree in args.tree or [ROOT]:
            once, twice = (instructions(tree.resolve(), listing, n, work) for n in (1, 2))
            print(f"{tree}: {(twice - once) / 1e6:,.0f} M instructions to lint {args.files} files once "
                  f"({(twice - once) / args.files / 1e6:.2f} M a file)", flush=True)


if __name__ == "__main__":
    main()
