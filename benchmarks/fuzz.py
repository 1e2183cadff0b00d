"""Fuzz the linter for as long as asked: `python benchmarks/fuzz.py --minutes 30`.

Drives the properties of tests/test_properties.py (never raise, never hang, same output
twice, valid JSON, idempotent fixes) through Hypothesis's fuzz entry point, feeding each
property random bytes in turn. A failure is shrunk, saved to .hypothesis/ (so the next
`pytest tests/test_properties.py` replays it) and printed. The same entry point serves
atheris or another coverage-guided fuzzer: `prop.hypothesis.fuzz_one_input(data)`.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    from test_properties import PROPERTIES

    rng = random.Random(args.seed)
    counts = dict.fromkeys((p.__name__ for p in PROPERTIES), 0)
    deadline = time.monotonic() + args.minutes * 60
    next_report = time.monotonic() + 60
    while time.monotonic() < deadline:
        for prop in PROPERTIES:
            prop.hypothesis.fuzz_one_input(rng.randbytes(rng.choice((64, 512, 4096))))
            counts[prop.__name__] += 1
        if time.monotonic() >= next_report:
            next_report += 60
            print(f"{sum(counts.values()):,} cases", flush=True)
    for name, count in counts.items():
        print(f"{name}: {count:,} cases, no failure")


if __name__ == "__main__":
    os.environ.setdefault("CHAIMELEON_LINT_EXAMPLES", "1")
    main()
