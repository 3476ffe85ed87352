"""Finding the input files of a data directory and checking them before they are read."""

from __future__ import annotations

from pathlib import Path

from pipeline import config
from pipeline.errors import InputError

TABLE_SUFFIXES = (".csv", ".xlsx")


def find_input(data_dir: Path, stem: str, *, required: bool = True) -> Path | None:
    """`<stem>.csv` or `<stem>.xlsx` inside `data_dir`; an InputError when both exist, when the
    file is a symbolic link leading outside `data_dir` or, if `required`, when neither exists."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(f"data directory {data_dir} does not exist or is not a directory")
    found = [p for p in (data_dir / f"{stem}{suffix}" for suffix in TABLE_SUFFIXES) if p.is_file()]
    if len(found) > 1:
        raise InputError(
            f"both {found[0]} and {found[1]} exist in {data_dir}; keep only one of them"
        )
    if found:
        if not inside(found[0], data_dir):
            raise InputError(f"{found[0]} leads outside the data directory (a symbolic link); copy the file into "
                             "the data directory instead")
        return found[0]
    for other in (data_dir / f"{stem}{suffix}" for suffix in TABLE_SUFFIXES):
        if other.exists() or other.is_symlink():  # a folder, a pipe, a broken link: never opened
            kind = "a folder" if other.is_dir() else "a broken link" if not other.exists() else "not a regular file"
            raise InputError(f"{other} is {kind}; put the {stem} file itself there")
    if required:
        hint = ""
        for other in (".xls", ".ods", ".txt", ".tsv"):
            if (data_dir / f"{stem}{other}").is_file():
                hint = f" ({stem}{other} exists but only .csv and .xlsx are read: save it as .xlsx or .csv)"
                break
        raise InputError(f"missing input file: expected {data_dir / stem}.csv or .xlsx{hint}")
    return None


def inside(path: Path, data_dir: Path) -> bool:
    """`path`, with every symbolic link followed, is inside `data_dir` (also followed)."""
    try:
        return Path(path).resolve().is_relative_to(Path(data_dir).resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


def _check_file(path: Path) -> int:
    """The file's size, after checking it exists, is not empty and is under the size limit."""
    if not path.exists():
        raise InputError(f"missing input file: {path}")
    if not path.is_file():
        raise InputError(f"{path} is not a file")
    size = path.stat().st_size
    if size > config.MAX_INPUT_BYTES:
        raise InputError(
            f"{path} is {size:,} bytes, over the limit of {config.MAX_INPUT_BYTES:,} bytes "
            "(set ABSENSI_MAX_INPUT_BYTES to raise it)"
        )
    if size == 0:
        raise InputError(f"{path} is empty (0 bytes)")
    return size


def _read_bytes(path: Path) -> bytes:
    _check_file(path)
    return path.read_bytes()
