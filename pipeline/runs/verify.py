"""`make verify`: every file of a task folder, an unpacked bundle or a bundle zip against its manifest.json."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.errors import AuditFailed
from pipeline.publish import sha256_file

# Folders written after the run (not hashed in the task's manifest) that verify leaves alone.
DERIVED_DIRS = ("bundles",)
MAX_LISTED = 20

Log = Callable[[str], None]


# --------------------------------------------------------------------------- manifests and hashes


def load_manifest(folder: Path) -> dict:
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise AuditFailed(f"{path} not found: is {folder} a task output folder (or an unpacked bundle)?")
    try:
        return parse_manifest(path.read_bytes(), str(path))
    except OSError as exc:
        raise AuditFailed(f"{path} cannot be read ({exc.strerror})") from None


def parse_manifest(data: bytes, where: str) -> dict:
    """A manifest's JSON object; AuditFailed naming `where` when it is not JSON or not an object."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AuditFailed(f"{where} is not valid JSON ({exc}): ask for the file again") from None
    if not isinstance(manifest, dict):
        raise AuditFailed(f"{where} is not a manifest (a JSON object with 'outputs' or 'files'): "
                          "ask for the file again")
    return manifest


def manifest_files(manifest: dict) -> list[dict]:
    """The hashed files of a task manifest (`outputs`) or a bundle manifest (`files`)."""
    files = manifest.get("files", manifest.get("outputs"))
    if not isinstance(files, list):
        raise AuditFailed("manifest.json lists no files (neither 'outputs' nor 'files')")
    bad = [i for i, rec in enumerate(files) if not (isinstance(rec, dict) and isinstance(rec.get("path"), str)
                                                    and isinstance(rec.get("sha256"), str))]
    if bad:
        raise AuditFailed(f"manifest.json: file entry {bad[0] + 1} is not {{'path': ..., 'sha256': ...}}: "
                          "the manifest is damaged; ask for the file again")
    return files


def _safe_relpath(rel: str) -> bool:
    p = PurePosixPath(rel)
    drive = len(rel) > 1 and rel[1] == ":"  # C:/x unpacks outside the folder on Windows
    return bool(rel) and not p.is_absolute() and ".." not in p.parts and not drive


def _short(digest: str | None) -> str:
    return (digest or "")[:12]


def check_inputs(manifest: dict, data_dir: Path) -> list[str]:
    """One line per input file whose sha256 is not the manifest's (changed or missing)."""
    problems = []
    inputs = manifest.get("inputs", [])
    if not isinstance(inputs, list) or not all(isinstance(r, dict) for r in inputs):
        raise AuditFailed("manifest.json: 'inputs' is not a list of files: the manifest is damaged")
    for rec in inputs:
        rel, want = rec.get("path", ""), rec.get("sha256")
        role = rec.get("role", "input")
        if rec.get("url"):
            continue  # downloaded at run time: only the rerun can check it
        path = Path(data_dir) / rel
        if not _safe_relpath(str(rel)):
            problems.append(f"input {rel!r} ({role}): path outside the data directory, not checked")
        elif not path.is_file():
            problems.append(f"input {rel} ({role}) is missing from {data_dir}")
        else:
            got = sha256_file(path)
            if got != want:
                problems.append(f"input {rel} ({role}) changed: sha256 {_short(got)}… now, "
                                f"{_short(want)}… in manifest.json")
    return problems


def _ignored(rel: str) -> bool:
    parts = rel.split("/")
    return rel == "manifest.json" or any(p.startswith(".") for p in parts) or parts[0] in DERIVED_DIRS


@dataclass
class VerifyResult:
    folder: Path
    checked: int = 0
    differ: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    unsafe: list[str] = field(default_factory=list)  # paths that leave the folder (../, absolute)

    @property
    def ok(self) -> bool:
        return not (self.differ or self.missing or self.unexpected or self.unsafe)

    def problems(self) -> list[str]:
        return ([f"{p!r}: path leaves the folder (.. or absolute), not checked: do not unpack this bundle"
                 for p in self.unsafe]
                + [f"{p}: differs from its sha256 in manifest.json" for p in self.differ]
                + [f"{p}: listed in manifest.json but missing" for p in self.missing]
                + [f"{p}: not listed in manifest.json (unexpected file)" for p in self.unexpected])


def verify_folder(folder: Path) -> VerifyResult:
    """Every file of `folder` against its manifest.json (task output folder or unpacked bundle)."""
    folder = Path(folder)
    manifest = load_manifest(folder)
    result = VerifyResult(folder)
    listed = set()
    for rec in manifest_files(manifest):
        rel = str(rec.get("path", ""))
        listed.add(rel)
        path = folder / rel
        if not _safe_relpath(rel):
            result.unsafe.append(rel)
        elif not path.is_file():
            result.missing.append(rel)
        else:
            result.checked += 1
            if sha256_file(path) != rec.get("sha256"):
                result.differ.append(rel)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel not in listed and not _ignored(rel):
            result.unexpected.append(rel)
    return result


def verify_zip(path: Path) -> VerifyResult:
    """A bundle zip checked in place: its manifest.json against every other entry.

    An entry or a manifest path that would leave the folder when unpacked (`dir/../../x`, `/etc/x`)
    is never "ok"; a file that is not a zip or a manifest that is not one is an AuditFailed."""
    try:
        with zipfile.ZipFile(path) as zf:
            return _verify_open_zip(zf, Path(path))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise AuditFailed(f"{path} is not a readable zip file ({exc}): ask for the bundle again") from None


def _verify_open_zip(zf: zipfile.ZipFile, path: Path) -> VerifyResult:
    result = VerifyResult(path)
    names = [n for n in zf.namelist() if not n.endswith("/")]
    result.unsafe = sorted({n for n in zf.namelist() if not _safe_relpath(n.replace("\\", "/"))})
    names = [n for n in names if n not in result.unsafe]
    mans = [n for n in names if PurePosixPath(n).name == "manifest.json"]
    if len(mans) != 1:
        raise AuditFailed(f"{path}: expected one manifest.json inside, found {len(mans)}")
    root = str(PurePosixPath(mans[0]).parent)
    prefix = "" if root == "." else root + "/"
    manifest = parse_manifest(zf.read(mans[0]), f"{path}: {mans[0]}")
    entries = {n[len(prefix):]: n for n in names if n.startswith(prefix)}
    listed = set()
    for rec in manifest_files(manifest):
        rel = rec["path"]
        listed.add(rel)
        if not _safe_relpath(rel):
            result.unsafe.append(rel)
        elif rel not in entries:
            result.missing.append(rel)
        else:
            result.checked += 1
            if hashlib.sha256(zf.read(entries[rel])).hexdigest() != rec.get("sha256"):
                result.differ.append(rel)
    result.unexpected = sorted(r for r in entries if r not in listed and r != "manifest.json")
    result.unexpected += sorted(n for n in names if not n.startswith(prefix))
    return result


def verify(target: Path, *, log: Log = print) -> list[VerifyResult]:
    """`make verify`: a task folder, an unpacked bundle, a bundle zip, or a folder of task folders.

    Raises AuditFailed naming every file that differs, is missing or is unexpected."""
    target = Path(target)
    if target.is_file() and (target.suffix.lower() == ".zip" or zipfile.is_zipfile(target)):
        results = [verify_zip(target)]
    elif (target / "manifest.json").is_file():
        results = [verify_folder(target)]
    elif target.is_dir():
        subs = sorted(p for p in target.iterdir() if not p.name.startswith(".") and (p / "manifest.json").is_file())
        if not subs:
            raise AuditFailed(f"no manifest.json in {target} nor in its subfolders")
        results = [verify_folder(p) for p in subs]
    elif target.is_file():
        raise AuditFailed(f"{target} is neither a bundle zip nor a folder with a manifest.json: "
                          "give the .zip you received or the task folder")
    else:
        raise AuditFailed(f"{target} does not exist")
    problems = []
    for res in results:
        status = "ok" if res.ok else "MISMATCH"
        log(f"[verify] {res.folder}: {res.checked} files checked against manifest.json: {status}")
        problems += [f"{res.folder}: {p}" for p in res.problems()]
    if problems:
        raise AuditFailed(_listing("verify failed", problems))
    return results


def _listing(head: str, items: list[str]) -> str:
    shown = items[:MAX_LISTED]
    more = f"\n  … and {len(items) - len(shown)} more" if len(items) > len(shown) else ""
    return f"{head} ({len(items)}):\n  " + "\n  ".join(shown) + more
