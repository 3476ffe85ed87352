"""Great Expectations suites run in a second process, so that GX's import overlaps the task's work.

Importing Great Expectations costs ~4 s of one core, more than loading and resolving a national
task. A task stage therefore hands its suites (the responses, the resolution gate, the village
media) to one worker process, started when the first suite is submitted; the stage goes on
loading, resolving and normalising links on the other core and collects the outcomes just
before it builds the tables. The suites, their outcomes and the gate are exactly the ones
`pipeline.rules.validate` defines: only the process they run in differs.

One worker per process, kept for the life of the process (a test session or a watcher runs
many tasks, and pays the import once). It ignores Ctrl-C (the stage handles it) and dies with
its process group when a report kernel is killed. Where GX is already imported in this process,
or with ABSENSI_GX_WORKER=0, a suite runs here and now instead. A worker that dies is replaced
by running the suite here: the outcome never depends on the worker.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

__all__ = ["Pending", "submit", "sigint_ignored", "shutdown"]

_POOL: ProcessPoolExecutor | None = None
_LOCK = threading.Lock()


@contextmanager
def sigint_ignored():
    """SIGINT ignored in this process for the duration, so that a child started now is born with it
    ignored (an ignored signal stays ignored across exec). Only the main thread can change it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _warm_up() -> int:
    """In the worker: import GX and build its context before the first suite arrives."""
    from pipeline.rules import validate

    validate.warm_up()
    return os.getpid()


def _use_worker() -> bool:
    return os.environ.get("ABSENSI_GX_WORKER", "1") != "0" and "great_expectations" not in sys.modules


def _pool() -> ProcessPoolExecutor:
    global _POOL
    with _LOCK:
        if _POOL is None:
            with sigint_ignored():
                _POOL = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"),
                                            initializer=_init_worker)
                _POOL.submit(_warm_up)  # spawns the worker now
        return _POOL


class Pending:
    """A suite submitted to the worker (or already run here); `result()` waits for its outcome and
    raises what the suite raised (a failed gate's ValidationFailed)."""

    def __init__(self, fn: Callable, args: tuple, future: Future | None):
        self.fn, self.args, self.future = fn, args, future
        self._done = False
        self._value = None

    def result(self):
        if not self._done:
            if self.future is None:
                self._value = self.fn(*self.args)
            else:
                try:
                    self._value = self.future.result()
                except BrokenProcessPool:  # the worker died (killed, out of memory): run it here
                    _forget_pool()
                    self._value = self.fn(*self.args)
            self._done = True
        return self._value


def submit(fn: Callable, *args) -> Pending:
    """Run `fn(*args)` (a module-level function of pipeline.rules.validate) in the worker."""
    if not _use_worker():
        return Pending(fn, args, None)
    try:
        return Pending(fn, args, _pool().submit(fn, *args))
    except (BrokenProcessPool, RuntimeError):  # a dead worker, or an interpreter shutting down
        _forget_pool()
        return Pending(fn, args, None)


def _forget_pool() -> None:
    global _POOL
    with _LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def shutdown(kill: bool = False) -> None:
    """Stop the worker (at once with `kill`: after a Ctrl-C nothing it computes is wanted)."""
    global _POOL
    with _LOCK:
        pool, _POOL = _POOL, None
    if pool is None:
        return
    if kill:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()
    pool.shutdown(wait=True, cancel_futures=True)
