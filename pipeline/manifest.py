"""Hashes inputs and outputs and records parameters, package versions and the commit of a run."""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from . import __version__, config
from .publish import atomic_write_text, sha256_file


def locked_versions(lock: Path = config.PROJECT_ROOT / "requirements.lock") -> dict[str, dict]:
    """Each locked package: the pinned version and the version actually installed."""
    out = {}
    if not lock.exists():
        return out
    for line in lock.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" not in line:
            continue
        name, version = (x.strip() for x in line.split("==", 1))
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        out[name] = {"locked": version, "installed": installed}
    return out


def git_commit(root: Path = config.PROJECT_ROOT) -> dict:
    def run(*args):
        try:
            return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    commit = run("rev-parse", "HEAD") or None
    dirty = bool(run("status", "--porcelain", "--untracked-files=no")) if commit else None
    return {"commit": commit, "dirty": dirty}


def output_records(task_dir: Path) -> list[dict]:
    """Every file under the task's output folder (manifest.json excluded), sorted by path."""
    records = []
    for path in sorted(p for p in Path(task_dir).rglob("*") if p.is_file()):
        rel = path.relative_to(task_dir).as_posix()
        if rel == "manifest.json" or "/." in "/" + rel:
            continue
        records.append({"path": rel, "sha256": sha256_file(path), "bytes": path.stat().st_size})
    return records


def write_manifest(task_dir: Path, *, task_id: str, inputs: list[dict], parameters: dict, command: str,
                   reports: list[dict], seconds: float) -> Path:
    manifest = {
        "task_id": task_id,
        "pipeline_version": __version__,
        **git_commit(),
        "command": command,
        "parameters": parameters,
        "inputs": inputs,
        "outputs": output_records(task_dir),
        "reports": reports,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "generation_seconds": round(seconds, 2),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": locked_versions(),
    }
    path = Path(task_dir) / "manifest.json"
    atomic_write_text(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return path
