"""SIGINT, SIGTERM and SIGHUP end a run the same way: the stack unwinds (so every clean-up runs:
containers and images of the build phase, temporary folders), then the process exits with
128 + the signal's number (130, 143, 129) and one line saying what was cleaned.

Without this, SIGTERM (what CI systems and `timeout` send) kills the process before any
clean-up, and Ctrl-C becomes click's "Aborted!" with exit 1, which a wrapper cannot tell from
findings.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):
    """Raised in the main thread by one of SIGNALS. A BaseException, so that `except Exception`
    in the middle does not swallow it; clean-ups on the way out add what they removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.cleaned: list[str] = []

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def message(self) -> str:
        done = "; ".join(self.cleaned) if self.cleaned else "nothing to clean up"
        return f"chaimeleon-lint: interrupted by {signal.Signals(self.signum).name}: {done}"


def _raise(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Within, the signals raise Interrupted; the previous handlers come back afterwards."""
    previous = {sig: signal.signal(sig, _raise) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A clean-up that must finish: the signals wait (blocked) until it has, then arrive."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def default_in_worker() -> None:
    """Worker processes (forked, with our handlers) die of the signals as processes normally do;
    the main process cleans up."""
    for sig in SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
