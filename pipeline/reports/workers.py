"""Warm kernels: one Jupyter kernel per worker process, reused for report after report.

Starting a kernel (~1.9 s) and importing pandas, seaborn and matplotlib in it (~2.7 s) cost more
than a report's analysis. A `WarmKernel` pays both once per worker. Before each notebook it
starts a fresh session in the same kernel: the user namespace is cleared, the execution
counter restarts at 1, open figures are closed, the warning registry is emptied (a warning
shows in every notebook that triggers it, as it would in a fresh kernel) and the working
directory moves to the report's folder. The notebook then runs through papermill (the
``warm`` engine registered below), so the executed notebook is the same record papermill
writes with a fresh kernel; `make audit` reruns every kept notebook in fresh kernels and
compares the outputs, which is what proves the two give the same report.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import shutil
import tempfile
import time
from pathlib import Path

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from pipeline import config
from pipeline.errors import ReportError

logger = logging.getLogger("papermill")
SOCKETS_PREFIX = "absensi-kernel-"  # + the owner's pid + "-" + random: <tmp>/absensi-kernel-<pid>-<random>


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def sweep_orphan_sockets(base: Path | str | None = None) -> list[Path]:
    """Remove this user's kernel socket folders whose owner process is gone (a run killed with
    SIGKILL cannot remove its own); a folder of a living process, or of another user, stays."""
    removed = []
    for folder in Path(base or tempfile.gettempdir()).glob(f"{SOCKETS_PREFIX}*-*"):
        owner = re.fullmatch(rf"{SOCKETS_PREFIX}(\d+)-[^/]+", folder.name)
        try:
            mine = folder.is_dir() and not folder.is_symlink() and folder.stat().st_uid == os.getuid()
        except OSError:
            continue
        if owner and mine and not _alive(int(owner.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed

# Imported once per kernel when it starts; every report notebook imports these.
PRELOAD = """\
import pandas, seaborn, matplotlib, matplotlib.pyplot, matplotlib.ticker, IPython.display
from pipeline.reports import charts, fmt, present
from pipeline import config
import gc as _gc
_gc.freeze()  # what the imports made lives as long as the kernel: later collections skip it
"""

# Run silently before every notebook: a fresh session in the warm kernel.
FRESH_SESSION = """\
import os as _os, sys as _sys, matplotlib.pyplot as _plt
_plt.close("all")
for _m in list(_sys.modules.values()):
    _reg = getattr(_m, "__warningregistry__", None)
    if isinstance(_reg, dict):
        _reg.clear()
_os.chdir({cwd!r})
get_ipython().reset(new_session=True)
"""


class WarmKernel:
    """A started kernel with its client; `session(cwd)` prepares it for the next notebook."""

    def __init__(self, kernel_name: str = config.KERNEL_NAME, *, startup_timeout: float = 60,
                 preload: str = PRELOAD) -> None:
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self.preload = preload
        self.km = None
        self.kc = None
        self.notebooks = 0
        self._sockets: str | None = None  # the private folder of the kernel's IPC sockets

    def start(self) -> "WarmKernel":
        from jupyter_client.kernelspec import NoSuchKernel
        from jupyter_client.manager import KernelManager

        try:
            # IPC sockets in a private folder: no TCP ports, and no clash between workers.
            sweep_orphan_sockets()
            self._sockets = tempfile.mkdtemp(prefix=f"{SOCKETS_PREFIX}{os.getpid()}-")
            self.km = KernelManager(kernel_name=self.kernel_name, transport="ipc", ip=f"{self._sockets}/k")
            self.km.start_kernel(extra_arguments=list(config.KERNEL_ARGUMENTS))
        except NoSuchKernel as exc:
            raise ReportError(f"kernel {self.kernel_name!r} is not installed: {exc}") from None
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=self.startup_timeout)
        except RuntimeError as exc:
            self.shutdown()
            raise ReportError(f"kernel {self.kernel_name!r} did not start: {exc}") from None
        if self.preload:
            self.run_silent(self.preload)
        return self

    def alive(self) -> bool:
        return self.km is not None and self.km.is_alive()

    def run_silent(self, code: str, timeout: float = 120) -> None:
        """Run `code` without recording it (no history, no execution count)."""
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReportError(f"the warm kernel did not answer within {timeout:.0f} s")
            try:
                reply = self.kc.get_shell_msg(timeout=remaining)
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content.get("status") != "ok":
            raise ReportError(f"the warm kernel failed to prepare: {content.get('ename')}: {content.get('evalue')}")

    def session(self, cwd) -> None:
        """A fresh session for the next notebook, working in `cwd`."""
        self.run_silent(FRESH_SESSION.format(cwd=str(cwd)))
        self.notebooks += 1

    def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        self.km = self.kc = None
        self.remove_sockets()

    def remove_sockets(self) -> None:
        """Remove the sockets' folder (also where the kernel cannot be shut down: a worker whose
        parent died leaves by os._exit, and the kernel exits with it on its own)."""
        if self._sockets:
            shutil.rmtree(self._sockets, ignore_errors=True)


class WarmEngine(NBClientEngine):
    """papermill engine that executes in a `WarmKernel` (pass ``warm_kernel=``) instead of a new one."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, warm_kernel: WarmKernel | None = None,
                                 **kwargs):
        if warm_kernel is None or not warm_kernel.alive():
            raise ReportError("the warm engine needs a running warm_kernel")
        client = PapermillNotebookClient(
            nb_man, km=warm_kernel.km, kernel_name=kernel_name, log=logger, log_output=log_output,
            stdout_file=stdout_file, stderr_file=stderr_file, timeout=execution_timeout,
            startup_timeout=start_timeout,
        )
        client.kc = warm_kernel.kc  # reuse the kernel's client: nbclient then neither starts nor stops one
        # papermill writes the whole notebook, charts included, when each cell starts and when it
        # ends: ~55 writes and ~0.35 s a report. It is written once when the notebook completes
        # or fails (papermill's Engine.execute_notebook saves in a `finally`), which is the record.
        save = nb_man.save
        nb_man.save = lambda **kwargs: None
        try:
            return client.execute()
        finally:
            nb_man.save = save


papermill_engines.register("warm", WarmEngine)
