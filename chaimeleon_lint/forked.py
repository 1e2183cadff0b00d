"""Shares of a run's files, worked on in forked processes.

A fork already holds every job, so only results travel (pickled, through one pipe per worker),
and nothing of multiprocessing and concurrent.futures loads (20 ms of imports). The share
numbers wait in a pipe that every worker reads from, 4 bytes at a time, so a worker that drew
long files takes fewer. A worker that dies (a crash in native code) loses only the share it was
on, which the caller gets back as None.
"""

import os
import pickle
import select
import signal
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from chaimeleon_lint.interrupt import default_in_worker

ROUND = 1024
"""Shares per round at most: their numbers are written to the queue before the workers start, and
4 KiB fits any pipe's buffer."""
_NUMBER = 4  # bytes of a share's number
_LENGTH = 8  # bytes of a result's length


def run_shares(work: Callable[[Any], Any], shares: Sequence[Any], workers: int) -> list[Any]:
    """`work(share)` of every share, in order, computed by `workers` forked processes; None where
    the worker died on the share. An interrupt of the parent stops the workers; OSError when not
    one worker can be started."""
    results: list[Any] = [None] * len(shares)
    pending = list(range(len(shares)))
    while pending:
        batch, pending = pending[:ROUND], pending[ROUND:]
        done, untaken = _round(work, [shares[n] for n in batch], min(workers, len(batch)))
        for position, result in done.items():
            results[batch[position]] = result
        if len(untaken) < len(batch):  # shares no worker lived to take go round again (none: they are lost)
            pending = [batch[position] for position in untaken] + pending
    return results


def _round(work: Callable[[Any], Any], shares: Sequence[Any], workers: int) -> tuple[dict[int, Any], list[int]]:
    """Results by share, and the shares no worker took (every worker died first). A share taken
    but not done is lost with its worker."""
    queue, feed = os.pipe()
    os.write(feed, b"".join(n.to_bytes(_NUMBER, "little") for n in range(len(shares))))
    os.close(feed)  # the workers see the end of the queue once it is empty
    children: dict[int, int] = {}  # the pipe a worker writes to → its pid
    finished = False
    try:
        for _ in range(workers):
            read_end, write_end = os.pipe()
            try:
                pid = os.fork()
            except OSError:  # no more processes: those started do the work, or the caller does
                os.close(read_end)
                os.close(write_end)
                if not children:
                    raise
                break
            if pid == 0:
                os.close(read_end)
                for other in children:
                    os.close(other)
                _serve(work, shares, queue, write_end)
            os.close(write_end)
            children[read_end] = pid
        done = _gather(children)
        finished = True  # every worker has closed its pipe: it is leaving
        return done, _drain(queue)
    finally:
        os.close(queue)
        for fd, pid in children.items():
            if not finished:  # interrupted, or a failure of ours: the workers stop now
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)


def _serve(work: Callable[[Any], Any], shares: Sequence[Any], queue: int, out: int) -> NoReturn:
    """A worker's life: take share numbers until the queue is empty, send each share's result."""
    code = 0
    try:
        default_in_worker()
        while len(number := os.read(queue, _NUMBER)) == _NUMBER:
            payload = pickle.dumps(work(shares[int.from_bytes(number, "little")]), pickle.HIGHEST_PROTOCOL)
            _send(out, number + len(payload).to_bytes(_LENGTH, "little") + payload)
    except BaseException:  # a bug, or the parent gone: the share is lost, and the parent says so
        code = 1
    finally:
        os._exit(code)


def _send(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _gather(children: dict[int, int]) -> dict[int, Any]:
    """Read every worker's frames until each pipe ends."""
    done: dict[int, Any] = {}
    buffers = {fd: bytearray() for fd in children}
    poller = select.poll()
    for fd in children:
        poller.register(fd, select.POLLIN)
    open_fds = set(children)
    while open_fds:
        for fd, _ in poller.poll():
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                poller.unregister(fd)
                open_fds.discard(fd)
                continue
            buffer = buffers[fd]
            buffer += chunk
            while len(buffer) >= _NUMBER + _LENGTH:
                end = _NUMBER + _LENGTH + int.from_bytes(buffer[_NUMBER:_NUMBER + _LENGTH], "little")
                if len(buffer) < end:
                    break
                done[int.from_bytes(buffer[:_NUMBER], "little")] = pickle.loads(buffer[_NUMBER + _LENGTH:end])
                del buffer[:end]
    return done


def _drain(queue: int) -> list[int]:
    """The share numbers still in the queue (every writer is gone: the read ends at its end)."""
    data = b""
    while chunk := os.read(queue, 1 << 16):
        data += chunk
    return [int.from_bytes(data[i:i + _NUMBER], "little") for i in range(0, len(data) - _NUMBER + 1, _NUMBER)]
