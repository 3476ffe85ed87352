"""The task stage's second process: Great Expectations suites, the tables' CSV files and a third
of the follow-up workbooks.

A task stage is one process on a two-core machine. Importing Great Expectations costs ~3-4 s of
one core, more than loading and resolving a national task; writing the 74 follow-up workbooks
~2.4 s and the ~27 tables ~0.8 s. So the stage starts one worker process (`prestart`) as soon as
the roster is ready, and hands it work that does not need its own core: the suites (responses,
resolution gate, village media), which the worker runs while the stage loads, resolves,
normalises links and builds its tables, then every table's CSV file and a third of the
provinces' workbooks, written while the stage writes the others, its validation page and
task.json. The functions, their inputs and their outcomes are the stage's own: only the process
differs.

One worker per process, kept for the life of the process (a test session or a watcher runs
many tasks, and pays the import once). It ignores Ctrl-C (the stage handles it) and dies with
its process group when a report kernel is killed. Where GX is already imported in this process,
or with ABSENSI_SIDECAR=0, the work runs here when its result is asked for. A worker that dies
is replaced by running the work here: the outcome never depends on the worker.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

__all__ = ["Pending", "prestart", "submit", "sigint_ignored", "exit_with_parent", "shutdown"]

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


def _init_worker(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    exit_with_parent(parent)


def exit_with_parent(parent: int, every: float = 0.5, cleanup: Callable[[], None] | None = None) -> None:
    """In a worker process: exit as soon as `parent` is no longer its parent (after `cleanup`). A
    parent that dies without shutting its pool down (a report kernel killed, or leaving by
    os._exit when its own parent died) would otherwise leave the worker waiting for work forever."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        try:
            if cleanup is not None:
                cleanup()
        finally:
            os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _warm_up() -> int:
    """In the worker: import GX and build its context before the first suite arrives."""
    from pipeline.rules import validate

    validate.warm_up()
    return os.getpid()


def _use_worker() -> bool:
    return os.environ.get("ABSENSI_SIDECAR", "1") != "0" and "great_expectations" not in sys.modules


def _pool() -> ProcessPoolExecutor:
    global _POOL
    with _LOCK:
        if _POOL is None:
            with sigint_ignored():
                _POOL = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"),
                                            initializer=_init_worker, initargs=(os.getpid(),))
                _POOL.submit(_warm_up)  # spawns the worker now
        return _POOL


def prestart() -> None:
    """Start the worker now (it imports GX at once), when suites are to run in it: a stage calls this
    as early as it knows, so that the import is over by the time its suites arrive."""
    if _use_worker():
        _pool()


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
                    shutdown(wait=False)
                    self._value = self.fn(*self.args)
            self._done = True
        return self._value

    def settle(self) -> None:
        """Wait until the work is over, whatever its outcome: a stage that fails calls this before
        its staging folder is removed, so the worker is not left writing into it."""
        if self.future is not None:
            wait([self.future])


def submit(fn: Callable, *args) -> Pending:
    """Run `fn(*args)` in the worker (`fn` a module-level function, its arguments and result picklable)."""
    if not _use_worker():
        return Pending(fn, args, None)
    try:
        return Pending(fn, args, _pool().submit(fn, *args))
    except (BrokenProcessPool, RuntimeError):  # a dead worker, or an interpreter shutting down
        shutdown(wait=False)
        return Pending(fn, args, None)


def shutdown(kill: bool = False, wait: bool = True) -> None:
    """Stop the worker (at once with `kill`: after a Ctrl-C nothing it computes is wanted); the next
    submit starts a new one. A dead worker's pool is dropped with wait=False."""
    global _POOL
    with _LOCK:
        pool, _POOL = _POOL, None
    if pool is None:
        return
    if kill:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()
    pool.shutdown(wait=wait, cancel_futures=True)
