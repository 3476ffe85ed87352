"""Writes published files safely: formulas neutralised, files written atomically, task folders swapped in whole."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pandas as pd

from pipeline.errors import ReportError

# mkstemp creates 0600 files; published files get the usual mode (0666 minus the umask).
_UMASK = os.umask(0o022)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK

# A cell starting with one of these is run as a formula by spreadsheets (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: object) -> object:
    """Prefix a text cell a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Neutralise every text column (numbers are left alone: -1 stays a number); `neutralise` of
    each cell, vectorised for string columns (a 25,000-row table has ~10 of them)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.StringDtype):
            hit = s.str.startswith(FORMULA_PREFIXES).fillna(False).to_numpy(dtype=bool)
            if hit.any():
                out[col] = s.where(~hit, "'" + s)
        elif s.dtype == object:
            out[col] = s.map(neutralise, na_action="ignore")
    return out


def atomic_write(path: Path, write, *, binary: bool = True) -> None:
    """Write through `write(fileobj)` into a temp file next to `path`, then rename it into place:
    a reader (or a kill) sees the old file or the complete new one, never half a file.

    The file is fsynced before the rename, except inside a run's staging folder: nothing there
    is published until `swap_in`, which syncs everything once (one journal flush, not ~130)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as fh:
            write(fh)
            fh.flush()
            if STAGING not in path.resolve().parts:  # staged files are synced at once by swap_in
                os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda fh: fh.write(data))


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Deterministic, formula-safe CSV (UTF-8, LF line ends, no index)."""
    text = neutralise_frame(df).to_csv(index=False, lineterminator="\n")
    atomic_write_text(path, text)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def code_fingerprint(root: Path, globs: tuple[str, ...]) -> str:
    """sha256 over the path and bytes of every file under `root` matching `globs` (sorted): the code
    key of a run (runs/manifest.CODE_GLOBS) and of a history entry (figures/history.HISTORY_CODE)."""
    h = hashlib.sha256()
    files = sorted({p for g in globs for p in Path(root).glob(g) if p.is_file() and "__pycache__" not in p.parts})
    for path in files:
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(sha256_file(path).encode() + b"\n")
    return h.hexdigest()


# --- Publishing a whole task folder at once -------------------------------------------------------
# A run builds the task's outputs in <out_root>/.staging/<task_id>.<pid>/ and only moves them to
# <out_root>/<task_id>/ when everything is written. On Linux the two folders are exchanged in
# one renameat2(RENAME_EXCHANGE) call, so a reader (or a kill) sees either the old complete
# folder or the new complete one, never a mix. Elsewhere the old folder is first renamed to
# <out_root>/.staging/<task_id>.previous and `recover` puts it back if a run died in between.

STAGING = ".staging"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class TaskBusy(ReportError):
    """Another run holds the lock of this task's output folder."""


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths; False when the system can't (then the caller falls back)."""
    import ctypes
    import errno

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, f"renameat2({a}, {b}) failed: {os.strerror(err)}")


def staging_root(out_root: Path) -> Path:
    return Path(out_root) / STAGING


def new_staging(out_root: Path, task_id: str) -> Path:
    """An empty folder on the same file system as the final one."""
    path = staging_root(out_root) / f"{task_id}.{os.getpid()}"
    if path.exists():
        remove_tree(path)
    path.mkdir(parents=True)
    return path


def remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def recover(out_root: Path, task_id: str) -> list[str]:
    """Clean what an interrupted run of `task_id` left behind (call while holding the task lock).

    Puts back a previous output folder the fallback swap had moved aside, and removes stale
    staging folders. Returns what it did, for the log."""
    done = []
    root = staging_root(out_root)
    final = Path(out_root) / task_id
    previous = root / f"{task_id}.previous"
    if previous.is_dir():
        if not final.exists():
            os.replace(previous, final)
            done.append(f"restored the previous outputs of {task_id}")
        else:
            remove_tree(previous)
    if root.is_dir():
        for stale in sorted(root.glob(f"{task_id}.*")):
            if stale.is_dir() and stale.name != f"{task_id}.lock":
                remove_tree(stale)
                done.append(f"removed the unfinished run {stale.name}")
    return done


def swap_in(staging: Path, final: Path) -> None:
    """Make the complete folder `staging` the task's output folder `final`, atomically."""
    staging, final = Path(staging), Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    # Everything written into staging (by this process, the task kernel and the workers, the
    # notebooks included) reaches the disk before the rename makes it the published folder.
    os.sync()
    if not final.exists():
        os.replace(staging, final)
        return
    if _renameat2_exchange(staging, final):
        remove_tree(staging)  # now holds the previous outputs
        return
    previous = staging.parent / f"{final.name}.previous"
    remove_tree(previous)
    os.replace(final, previous)
    os.replace(staging, final)
    remove_tree(previous)


class task_lock:
    """Exclusive lock on one task's outputs (fcntl advisory lock, released when the process dies).

    The lock file is removed when the run ends. A run that opened the file just before it was
    removed locks a file no longer there: it notices (the path's inode differs) and takes the lock
    on a new file instead."""

    def __init__(self, out_root: Path, task_id: str) -> None:
        self.path = staging_root(out_root) / f"{task_id}.lock"
        self.fh = None

    def __enter__(self) -> task_lock:
        import fcntl

        while True:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fh = open(self.path, "a+")
            except FileNotFoundError:  # .staging removed meanwhile (make clean): make it again
                continue
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                raise TaskBusy(f"another run is writing {self.path.parent.parent / self.path.stem}; "
                               "wait for it to finish") from None
            try:
                current = os.stat(self.path).st_ino == os.fstat(fh.fileno()).st_ino
            except FileNotFoundError:
                current = False
            if current:
                self.fh = fh
                return self
            fh.close()

    def __exit__(self, *exc) -> None:
        import fcntl

        self.path.unlink(missing_ok=True)  # still holding the lock: nobody else holds this file
        fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
        self.fh.close()
