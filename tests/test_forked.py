"""The forked workers of a run: results in order, a dead worker costs its share only, an
interrupted parent leaves no worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from chaimeleon_lint import forked


def _square_all(share: list[int]) -> list[int]:
    return [n * n for n in share]


def _dies_on_seven(share: list[int]) -> list[int]:
    if 7 in share:
        os.kill(os.getpid(), signal.SIGKILL)
    return share


def _dies_on_every_share(share: list[int]) -> list[int]:
    os._exit(3)


def test_results_come_back_in_order_whatever_worker_computed_them() -> None:
    shares = [[n, n + 1] for n in range(0, 200, 2)]
    assert forked.run_shares(_square_all, shares, 3) == [[n * n, (n + 1) ** 2] for n in range(0, 200, 2)]


def test_a_worker_that_dies_loses_its_share_only() -> None:
    shares = [[n] for n in range(20)]
    assert forked.run_shares(_dies_on_seven, shares, 2) == [None if n == 7 else [n] for n in range(20)]


def test_when_every_worker_dies_the_shares_are_lost_not_retried_forever() -> None:
    assert forked.run_shares(_dies_on_every_share, [[n] for n in range(5)], 2) == [None] * 5


def test_more_shares_than_a_round_holds() -> None:
    shares = [[n] for n in range(forked.ROUND + 5)]
    assert forked.run_shares(_square_all, shares, 2) == [[n * n] for n in range(forked.ROUND + 5)]


_INTERRUPTED = """
import os, signal, threading, time
from chaimeleon_lint import forked
from chaimeleon_lint.interrupt import Interrupted, handled

def sleeps(share):
    time.sleep(60)
    return share

threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM)).start()
try:
    with handled():
        forked.run_shares(sleeps, [[1], [2]], 2)
except Interrupted:
    try:
        os.waitpid(-1, os.WNOHANG)
        print("a worker is left")
    except ChildProcessError:
        print("no worker left")
"""


def test_an_interrupted_parent_stops_its_workers() -> None:
    """In a process of its own, so that no other child of the test run is counted."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", _INTERRUPTED], capture_output=True, text=True, timeout=30)
    assert proc.stdout.strip() == "no worker left", proc.stderr
    assert time.monotonic() - started < 20


def test_when_no_process_can_start_the_caller_is_told(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    with pytest.raises(OSError):
        forked.run_shares(_square_all, [[1], [2]], 2)


def test_the_workers_that_started_do_all_the_work(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real, started = os.fork, []

    def once() -> int:
        if started:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        started.append(1)
        return real()

    monkeypatch.setattr(os, "fork", once)
    assert forked.run_shares(_square_all, [[n] for n in range(10)], 4) == [[n * n] for n in range(10)]
