"""Hashes inputs and outputs and records parameters, package versions and the commit of a run."""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from pipeline import __version__, config
from pipeline.publish import atomic_write_text, code_fingerprint, sha256_file


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


# What decides a run's outputs besides its inputs and parameters: the code, notebooks, suites
# and locked packages. A change to any of these files changes the run key.
CODE_GLOBS = ("pipeline/**/*.py", "pipeline/reports/templates/**/*", "notebooks/*.ipynb", "expectations/*.json",
              "requirements.lock", "pyproject.toml")


def run_key(inputs: list[dict], parameters: dict) -> str | None:
    """Hash of everything a run's outputs depend on, or None when an input can't be hashed
    beforehand (a task read from a URL: the live form is fetched on every run)."""
    import hashlib

    if any(not i.get("sha256") for i in inputs):
        return None
    material = {
        "inputs": sorted((i["role"], i["path"], i["sha256"]) for i in inputs),
        "parameters": {k: v for k, v in sorted(parameters.items()) if k != "data_dir"},
        "code": code_fingerprint(config.PROJECT_ROOT, CODE_GLOBS),
        "python": sys.version.split()[0],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def up_to_date(task_dir: Path, key: str | None) -> bool:
    """The published outputs in `task_dir` come from a complete run with this key and are all there."""
    path = Path(task_dir) / "manifest.json"
    if key is None or not path.is_file():
        return False
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("run_key") != key or any(r.get("failed") for r in manifest.get("reports", [])):
        return False
    for rec in manifest.get("outputs", []):
        target = Path(task_dir) / rec["path"]
        if not target.is_file() or target.stat().st_size != rec["bytes"]:
            return False
    return True


def write_manifest(task_dir: Path, *, task_id: str, inputs: list[dict], parameters: dict, command: str,
                   reports: list[dict], seconds: float, key: str | None = None) -> Path:
    manifest = {
        "task_id": task_id,
        "pipeline_version": __version__,
        **git_commit(),
        "run_key": key,
        "command": command,
        "parameters": parameters,
        "inputs": inputs,
        "outputs": output_records(task_dir),
        "reports": reports,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "generation_seconds": round(seconds, 2),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": locked_versions(),
    }
    path = Path(task_dir) / "manifest.json"
    atomic_write_text(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return path
