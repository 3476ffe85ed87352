"""Deterministic zip bundles, one per province report and one national, each with a manifest of sha256."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import AuditFailed
from pipeline.publish import atomic_write_bytes, sha256_file
from pipeline.runs.verify import load_manifest, manifest_files

# What a report folder contributes to its bundle, in this order; the PDF and HTML are required.
BUNDLE_FILES = ("report.pdf", "report.html", "report.ipynb", "belum-respon.xlsx", "rekap-tpp.xlsx")
REQUIRED = ("report.pdf", "report.html")
# Fixed entry timestamp (the zip epoch) and permissions: the same files give the same zip bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o644


@dataclass
class Bundle:
    name: str
    path: Path
    files: list[str]


def bundle_manifest(task_manifest: dict, name: str, files: list[dict], task_manifest_sha256: str) -> dict:
    """The small manifest inside a bundle: what the recipient needs to check and trace the files."""
    return {
        "bundle": name,
        "task_id": task_manifest.get("task_id"),
        "pipeline_version": task_manifest.get("pipeline_version"),
        "commit": task_manifest.get("commit"),
        "dirty": task_manifest.get("dirty"),
        "generated_at": task_manifest.get("generated_at"),
        "task_manifest_sha256": task_manifest_sha256,
        "files": files,
    }


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # unix, so the mode below is honoured
    info.external_attr = (0o100000 | ZIP_MODE) << 16
    return info


def write_zip(path: Path, root: str, members: dict[str, bytes]) -> None:
    """A zip whose bytes depend only on the members: sorted entries, fixed dates and modes."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for rel in sorted(members):
            zf.writestr(_entry(f"{root}/{rel}"), members[rel], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    atomic_write_bytes(path, buf.getvalue())
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)  # the temp file was private (0600); a bundle is meant to be sent


def make_bundles(task_dir: Path, out_dir: Path | None = None, *, log=print) -> list[Bundle]:
    """`make bundle`: <task_dir>/bundles/<task_id>_<report>.zip for every report folder of the task.

    Every file is checked against the task's manifest.json first: a file that differs from what the
    run published is never sent. Raises AuditFailed naming it."""
    task_dir = Path(task_dir)
    manifest = load_manifest(task_dir)
    task_id = str(manifest.get("task_id") or task_dir.name)
    published = {str(r.get("path")): r for r in manifest_files(manifest)}
    out_dir = Path(out_dir) if out_dir is not None else task_dir / "bundles"
    reports = sorted(p.parent.name for p in task_dir.glob("*/report.pdf"))
    if not reports:
        raise AuditFailed(f"no report folders (<name>/report.pdf) in {task_dir}: render the task first (make report)")
    manifest_sha = sha256_file(task_dir / "manifest.json")
    problems, planned = [], []
    for name in reports:
        members, records = {}, []
        for fname in BUNDLE_FILES:
            rel = f"{name}/{fname}"
            path = task_dir / rel
            if not path.is_file():
                if fname in REQUIRED:
                    problems.append(f"{rel}: missing")
                continue
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if rel not in published:
                problems.append(f"{rel}: not listed in manifest.json")
            elif published[rel].get("sha256") != digest:
                problems.append(f"{rel}: differs from its sha256 in manifest.json")
            members[fname] = data
            records.append({"path": fname, "sha256": digest, "bytes": len(data)})
        inner = bundle_manifest(manifest, name, records, manifest_sha)
        members["manifest.json"] = (json.dumps(inner, indent=2, ensure_ascii=False) + "\n").encode()
        planned.append((name, members, records))
    if problems:  # nothing is written when any file cannot be vouched for
        raise AuditFailed("bundle refused: published files do not match manifest.json:\n  " + "\n  ".join(problems))
    bundles = []
    for name, members, records in planned:
        root = f"{task_id}_{name}"
        path = out_dir / f"{root}.zip"
        write_zip(path, root, members)
        bundles.append(Bundle(name, path, [r["path"] for r in records]))
        log(f"[bundle] {path.name:<52} {', '.join(r['path'] for r in records)}")
    log(f"{len(bundles)} bundles -> {out_dir}")
    return bundles
