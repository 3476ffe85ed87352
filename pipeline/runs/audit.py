"""Audit a published task (input hashes, nbval reruns in fresh kernels, table bytes) and verify files against a manifest."""

from __future__ import annotations

import csv
import difflib
import hashlib
import html
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline import config
from pipeline.errors import AuditFailed
from pipeline.publish import sha256_file

SANITIZE_CONFIG = config.PROJECT_ROOT / "tests" / "nbval_sanitize.cfg"
# Folders written after the run (not hashed in the task's manifest) that verify leaves alone.
DERIVED_DIRS = ("bundles",)
# Files the task notebook re-publishes, compared byte for byte with the published ones.
REPUBLISHED = ("tables", "validation", "task.json", "recap.json")
# The notebook that publishes tables/: a task folder's, or a period recap folder's (pipeline/runs/recap.py).
STAGE_NOTEBOOKS = ("task.ipynb", "recap.ipynb")
MAX_LISTED = 20

Log = Callable[[str], None]


# --------------------------------------------------------------------------- manifests and hashes


def load_manifest(folder: Path) -> dict:
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise AuditFailed(f"{path} not found: is {folder} a task output folder (or an unpacked bundle)?")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AuditFailed(f"{path} is not valid JSON ({exc})") from None


def manifest_files(manifest: dict) -> list[dict]:
    """The hashed files of a task manifest (`outputs`) or a bundle manifest (`files`)."""
    files = manifest.get("files", manifest.get("outputs"))
    if not isinstance(files, list):
        raise AuditFailed("manifest.json lists no files (neither 'outputs' nor 'files')")
    return files


def _safe_relpath(rel: str) -> bool:
    p = PurePosixPath(rel)
    return bool(rel) and not p.is_absolute() and ".." not in p.parts


def _short(digest: str | None) -> str:
    return (digest or "")[:12]


def check_inputs(manifest: dict, data_dir: Path) -> list[str]:
    """One line per input file whose sha256 is not the manifest's (changed or missing)."""
    problems = []
    for rec in manifest.get("inputs", []):
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

    @property
    def ok(self) -> bool:
        return not (self.differ or self.missing or self.unexpected)

    def problems(self) -> list[str]:
        return ([f"{p}: differs from its sha256 in manifest.json" for p in self.differ]
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
            result.differ.append(rel)
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
    """A bundle zip checked in place: its manifest.json against every other entry."""
    result = VerifyResult(Path(path))
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        mans = [n for n in names if PurePosixPath(n).name == "manifest.json"]
        if len(mans) != 1:
            raise AuditFailed(f"{path}: expected one manifest.json inside, found {len(mans)}")
        root = str(PurePosixPath(mans[0]).parent)
        prefix = "" if root == "." else root + "/"
        manifest = json.loads(zf.read(mans[0]).decode("utf-8"))
        entries = {n[len(prefix):]: n for n in names if n.startswith(prefix)}
        listed = set()
        for rec in manifest_files(manifest):
            rel = str(rec.get("path", ""))
            listed.add(rel)
            if rel not in entries:
                result.missing.append(rel)
                continue
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
    if target.is_file() and target.suffix == ".zip":
        results = [verify_zip(target)]
    elif (target / "manifest.json").is_file():
        results = [verify_folder(target)]
    elif target.is_dir():
        subs = sorted(p for p in target.iterdir() if not p.name.startswith(".") and (p / "manifest.json").is_file())
        if not subs:
            raise AuditFailed(f"no manifest.json in {target} nor in its subfolders")
        results = [verify_folder(p) for p in subs]
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


# --------------------------------------------------------------------------- comparing outputs


def sanitize_rules(path: Path = SANITIZE_CONFIG) -> list[tuple[str, str]]:
    """The (regex, replacement) pairs of an nbval sanitize file, parsed as nbval parses them."""
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", Path(path).read_text(encoding="utf-8"), flags=re.MULTILINE)


def sanitize(text: str, rules: list[tuple[str, str]]) -> str:
    for regex, replace in rules:
        text = re.sub(regex, replace, text)
    return text


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def output_texts(outputs: list, rules: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Outputs of one cell as {kind: [sanitised text, ...]} in order (images left out), as nbval compares them."""
    out: dict[str, list[str]] = {}
    for o in outputs:
        otype = o.get("output_type")
        if otype == "stream":
            out.setdefault(f"stream:{o.get('name')}", []).append(sanitize(_text(o.get("text", "")), rules))
        elif otype == "error":
            out.setdefault("error", []).append(f"{o.get('ename')}: {o.get('evalue')}")
        else:
            for mime, value in (o.get("data") or {}).items():
                if mime.startswith("image/") or mime == "application/vnd.jupyter.widget-view+json":
                    continue
                text = value if isinstance(value, str) and mime != "application/json" else _text(value)
                if mime == "application/json" and not isinstance(value, (str, list)):
                    text = json.dumps(value, sort_keys=True)
                out.setdefault(mime, []).append(sanitize(text, rules))
    return out


_HTML_BREAKS = re.compile(r"(</tr>|</p>|</div>|</h\d>|<br\s*/?>|</li>|</caption>|</dt>|</dd>)", re.I)


def _lines(kind: str, text: str) -> list[str]:
    if kind == "text/html":
        text = _HTML_BREAKS.sub(r"\1\n", text)
        lines = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", ln)).split()) for ln in text.splitlines()]
        return [ln for ln in lines if ln]
    return text.splitlines()


def first_difference(published: list, rerun: list, rules: list[tuple[str, str]]) -> tuple[str, str, str] | None:
    """(kind, published line, rerun line) of the first figure that differs, text/plain preferred; None if equal."""
    ref, new = output_texts(published, rules), output_texts(rerun, rules)
    # an error first (it explains the rest), then the plain text a reader sees, streams, the rest
    kinds = sorted(set(ref) | set(new), key=lambda k: (k != "error", k != "text/plain", not k.startswith("stream"), k))
    for kind in kinds:
        a, b = ref.get(kind, []), new.get(kind, [])
        if a == b:
            continue
        if kind == "error":
            return kind, " | ".join(a) or "(no error)", " | ".join(b) or "(no error)"
        if len(a) != len(b):
            return kind, f"{len(a)} output(s) of this kind", f"{len(b)} output(s)"
        for x, y in zip(a, b):
            if x == y:
                continue
            la, lb = _lines(kind, x), _lines(kind, y)
            for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, la, lb, autojunk=False).get_opcodes():
                if op != "equal":
                    return kind, " | ".join(la[i1:i2][:3]) or "(nothing)", " | ".join(lb[j1:j2][:3]) or "(nothing)"
            i = next((k for k, (c, d) in enumerate(zip(x, y)) if c != d), min(len(x), len(y)))
            lo = max(0, i - 60)
            note = "same text, markup differs: " if kind == "text/html" else ""
            return kind, note + "…" + x[lo:i + 120], note + "…" + y[lo:i + 120]
    return None


def notebook_text_outputs(path: Path, rules: list[tuple[str, str]] | None = None) -> list[tuple[int, dict]]:
    """(code cell number, sanitised text outputs) of every code cell of an executed notebook."""
    rules = sanitize_rules() if rules is None else rules
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    return [(i, output_texts(c.get("outputs", []), rules)) for i, c in enumerate(cells)]


def cell_label(nb: dict, code_index: int) -> str:
    """How a reviewer finds a code cell: position among all cells, In [n], and its section heading."""
    seen, section = -1, ""
    for pos, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") == "markdown":
            for line in _text(cell.get("source", "")).splitlines():
                if line.lstrip().startswith("#"):
                    section = line.lstrip("# ").strip()
                    break
        elif cell.get("cell_type") == "code":
            seen += 1
            if seen == code_index:
                n = cell.get("execution_count")
                where = f"cell {pos}" + (f" (In [{n}])" if n is not None else "")
                return where + (f', section "{section}"' if section else "")
    return f"code cell {code_index + 1}"


@dataclass
class Difference:
    """One figure that came back different (or a cell that failed) when a notebook was rerun."""

    report: str
    cell: str
    kind: str
    published: str
    rerun: str

    def describe(self) -> str:
        if self.kind == "error" and self.published == "(no error)":
            return f"{self.report}, {self.cell}: the rerun failed: {_clip(self.rerun)}"
        return (f'{self.report}, {self.cell}: figure differs ({self.kind}): published "{_clip(self.published)}", '
                f'rerun "{_clip(self.rerun)}"')


def _clip(text: str, n: int = 240) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def report_name(notebook_rel: str) -> str:
    """'jawa-timur/report.ipynb' -> 'jawa-timur'; 'task.ipynb' -> 'task'."""
    p = PurePosixPath(notebook_rel)
    return p.stem if len(p.parts) == 1 else p.parts[-2]


# --------------------------------------------------------------------------- nbval runs


class NbvalRecorder:
    """pytest plugin (in the nbval subprocess): one JSON line per finished notebook with its differences."""

    def __init__(self, record: Path, root: Path):
        self.record, self.root = Path(record), Path(root)
        self.failures: dict[str, list[dict]] = {}
        self.cells: dict[str, int] = {}

    def _rel(self, path: Any) -> str:
        try:
            return Path(str(path)).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def _write(self, rec: dict) -> None:
        with open(self.record, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def pytest_collectreport(self, report):
        if report.failed:
            self._write({"notebook": self._rel(report.fspath), "collect_error": _clip(str(report.longrepr), 600)})

    def pytest_runtest_makereport(self, item, call):
        if call.when != "call" or not hasattr(item, "cell_num"):
            return
        rel = self._rel(item.fspath)
        self.cells[rel] = self.cells.get(rel, 0) + 1
        if call.excinfo is None:
            return
        nb = getattr(item.parent, "nb", {}) or {}
        rules = list(getattr(item.parent, "sanitize_patterns", {}).items())
        rerun = [dict(o) for o in (item.test_outputs or [])]
        message = " ".join(str(call.excinfo.value).split())
        diff = None
        if message == "Cell outputs differ":
            diff = first_difference(item.cell.get("outputs", []), rerun, rules)
        if diff is None:  # the cell itself failed, timed out or the kernel died
            errs = [o for o in rerun if o.get("output_type") == "error"]
            detail = f"{errs[0].get('ename')}: {errs[0].get('evalue')}" if errs else message[:300]
            diff = ("error", "(no error)", detail)
        self.failures.setdefault(rel, []).append(
            {"cell": cell_label(nb, item.cell_num), "kind": diff[0], "published": diff[1], "rerun": diff[2]})

    def pytest_runtest_teardown(self, item, nextitem):
        if not hasattr(item, "cell_num"):
            return
        if nextitem is None or nextitem.fspath != item.fspath:
            rel = self._rel(item.fspath)
            self._write({"notebook": rel, "cells": self.cells.get(rel, 0), "failures": self.failures.get(rel, [])})


def _nbval_args(notebooks: list[Path], rules_file: Path, ini: Path) -> list[str]:
    return ["-q", "-c", str(ini), "-p", "no:cacheprovider", "-p", "no:randomly", "--color=no",
            "--nbval", "--nbval-current-env", "--nbval-cell-timeout", "900",
            "--nbval-sanitize-with", str(rules_file), *map(str, notebooks)]


def _start_nbval(notebooks: list[Path], root: Path, record: Path, rules_file: Path) -> subprocess.Popen:
    ini = root / ".audit-pytest.ini"  # an empty configuration: no project conftest or addopts in the rerun
    if not ini.exists():
        ini.write_text("[pytest]\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "pipeline.runs.audit", "--record", str(record), "--root", str(root), "--",
           *_nbval_args(notebooks, rules_file, ini)]
    return subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _read_records(path: Path) -> list[dict]:
    """Complete lines only: the nbval process may be appending the next one."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.endswith("\n") and line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                break
    return records


def run_nbval(notebooks: list[Path], root: Path, *, processes: int = 2, rules_file: Path = SANITIZE_CONFIG,
              log: Log = print, label: str = "") -> list[Difference]:
    """Rerun `notebooks` (paths inside `root`) with nbval in fresh kernels, in up to `processes` pytest
    processes over disjoint lists; print one progress line per notebook; return every difference."""
    notebooks = list(notebooks)
    lanes: list[list[Path]] = [[] for _ in range(max(1, min(processes, len(notebooks))))]
    loads = [0] * len(lanes)
    for nb in sorted(notebooks, key=lambda p: (-p.stat().st_size, str(p))):  # biggest first, to the lightest lane
        i = loads.index(min(loads))
        lanes[i].append(nb)
        loads[i] += nb.stat().st_size
    records = [root / f".audit-{label or 'nbval'}-{i}.jsonl" for i in range(len(lanes))]
    for r in records:
        r.unlink(missing_ok=True)
    procs = [_start_nbval(lane, root, rec, rules_file) for lane, rec in zip(lanes, records)]
    outputs = [""] * len(procs)
    readers = []

    def drain(i: int) -> None:
        outputs[i] = procs[i].stdout.read()

    for i in range(len(procs)):
        t = threading.Thread(target=drain, args=(i,), daemon=True)
        t.start()
        readers.append(t)
    seen: set[str] = set()
    total, differences = len(notebooks), []
    t0 = time.perf_counter()

    def report_new() -> None:
        for rec in (r for path in records for r in _read_records(path)):
            nb = rec["notebook"]
            key = nb + ("#collect" if "collect_error" in rec else "")
            if key in seen:
                continue
            seen.add(key)
            name = report_name(nb)
            if "collect_error" in rec:
                differences.append(Difference(name, "notebook", "error", "(readable notebook)", rec["collect_error"]))
                log(f"[{len(seen):>2}/{total}] {name:<28} NOT READABLE: {_clip(rec['collect_error'], 160)}")
                continue
            status = "ok" if not rec["failures"] else f"DIFFERS ({len(rec['failures'])} cell(s))"
            log(f"[{len(seen):>2}/{total}] {name:<28} {status:<12} {rec['cells']} cells, "
                f"{time.perf_counter() - t0:5.1f} s elapsed")
            for f in rec["failures"]:
                differences.append(Difference(name, f["cell"], f["kind"], f["published"], f["rerun"]))
                log("        " + _clip(differences[-1].describe(), 400))

    try:
        while any(p.poll() is None for p in procs):
            report_new()
            time.sleep(0.5)
    except BaseException:  # interrupted: stop the nbval processes (they shut their kernels down)
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        raise
    for t in readers:
        t.join(timeout=10)
    report_new()
    done = {r["notebook"] for path in records for r in _read_records(path)}
    for proc, lane, out in zip(procs, lanes, outputs):
        lost = [nb for nb in lane if nb.relative_to(root).as_posix() not in done]
        if lost or (proc.returncode not in (0, 1) and not differences):
            tail = " ".join(out.strip().splitlines()[-3:])[-400:]
            for nb in lost or lane[:1]:
                differences.append(Difference(report_name(nb.relative_to(root).as_posix()), "notebook", "error",
                                              "(no error)", f"nbval exited with code {proc.returncode}: {tail}"))
    for r in records:
        r.unlink(missing_ok=True)
    return differences


# --------------------------------------------------------------------------- tables


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8", errors="replace"))))


def table_difference(name: str, published: bytes, rerun: bytes) -> str:
    """Which row and columns of a re-published CSV differ from the published one."""
    a, b = _csv_rows(published), _csv_rows(rerun)
    if not a or not b or a[0] != b[0]:
        return f"{name}: header differs: published {a[0] if a else []}, rerun {b[0] if b else []}"
    header = a[0]
    for i, (ra, rb) in enumerate(zip(a[1:], b[1:]), start=1):
        if ra != rb:
            key = f"{header[0]}={ra[0]}" if ra else ""
            cols = [f"{h}: published {x!r}, rerun {y!r}" for h, x, y in zip(header, ra, rb) if x != y]
            if len(ra) != len(rb):
                cols.append(f"{len(ra)} vs {len(rb)} fields")
            return f"{name} row {i} ({key}): " + "; ".join(cols[:4])
    if len(a) != len(b):
        return f"{name}: published {len(a) - 1} rows, rerun {len(b) - 1} rows"
    return f"{name}: bytes differ (line ends or quoting), same values"


def compare_republished(published_dir: Path, rerun_dir: Path) -> list[str]:
    """tables/, validation/ and task.json written by the rerun against the published ones, byte for byte."""
    def files(root: Path) -> dict[str, Path]:
        out = {}
        for item in REPUBLISHED:
            p = root / item
            if p.is_file():
                out[item] = p
            elif p.is_dir():
                out.update({f.relative_to(root).as_posix(): f for f in p.rglob("*")
                            if f.is_file() and not any(s.startswith(".") for s in f.relative_to(root).parts)})
        return out

    pub, new = files(Path(published_dir)), files(Path(rerun_dir))
    problems = [f"{rel}: published but not written by the rerun" for rel in sorted(set(pub) - set(new))]
    problems += [f"{rel}: written by the rerun but not published" for rel in sorted(set(new) - set(pub))]
    for rel in sorted(set(pub) & set(new)):
        a, b = pub[rel].read_bytes(), new[rel].read_bytes()
        if a == b:
            continue
        if rel.endswith(".csv"):
            problems.append(table_difference(rel, a, b))
        else:
            problems.append(f"{rel}: differs from the published file")
    return problems


# --------------------------------------------------------------------------- audit


@dataclass
class AuditResult:
    task_id: str
    task_dir: Path
    notebooks: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def resolve_task_dir(out: Path, task_id: str | None) -> Path:
    out = Path(out)
    if task_id:
        folder = out / task_id
    elif (out / "manifest.json").is_file():
        folder = out
    else:
        found = sorted(p for p in out.iterdir()
                       if not p.name.startswith(".") and (p / "manifest.json").is_file()) if out.is_dir() else []
        if len(found) != 1:
            names = ", ".join(p.name for p in found) or "none"
            raise AuditFailed(f"give the task (--task / TASK=); task folders in {out}: {names}")
        folder = found[0]
    if not (folder / "manifest.json").is_file():
        raise AuditFailed(f"{folder / 'manifest.json'} not found: render the task first (make report) "
                          "or point OUT at the folder that holds <task_id>/manifest.json")
    return folder


def report_notebooks(task_dir: Path) -> dict[str, Path]:
    """{report name: executed notebook} of a task folder: every province and 'national'."""
    return {p.parent.name: p for p in sorted(Path(task_dir).glob("*/report.ipynb"))}


def _set_parameters(notebook: Path, values: dict[str, str]) -> None:
    """Rewrite injected parameters of a copied notebook: {name: Python literal}, only those present."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            src = _text(cell["source"])
            for name, literal in values.items():
                src = re.sub(rf"(?m)^{re.escape(name)} = .*$", lambda _, n=name, v=literal: f"{n} = {v}", src)
            cell["source"] = src
    notebook.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def audit(task_dir: Path, *, data_dir: Path | None = None, reports: list[str] | None = None,
          processes: int = 2, workdir: Path | None = None, log: Log = print) -> AuditResult:
    """`make audit`: inputs against manifest.json, then task.ipynb and the report notebooks rerun with nbval.

    Raises AuditFailed naming the changed input, or every report, cell and figure that differs."""
    t0 = time.perf_counter()
    task_dir = Path(task_dir).resolve()
    manifest = load_manifest(task_dir)
    task_id = str(manifest.get("task_id") or task_dir.name)
    result = AuditResult(task_id, task_dir)
    log(f"[audit] {task_id}: {task_dir}")

    # 1. inputs: a rerun on other inputs would prove nothing, so stop here
    if data_dir is None:
        recorded = (manifest.get("parameters") or {}).get("data_dir")
        if not recorded:
            raise AuditFailed("manifest.json does not record the data directory: give it with --data (DATA=)")
        data_dir = Path(recorded)
    data_dir = Path(data_dir).resolve()
    if not data_dir.is_dir():
        raise AuditFailed(f"data directory {data_dir} not found: give the data you were sent with --data (DATA=)")
    changed = check_inputs(manifest, data_dir)
    if changed:
        raise AuditFailed(_listing(f"inputs in {data_dir} are not the ones of manifest.json", changed)
                          + "\nthe published figures were computed from other inputs; audit stopped")
    log(f"[inputs] {len(manifest.get('inputs', []))} input files match manifest.json ({data_dir})")

    # 2. published files against the manifest: noted, the rerun still shows which figures moved
    files = verify_folder(task_dir)
    result.problems += files.problems()
    log(f"[files] {files.checked} published files checked against manifest.json: "
        + ("ok" if files.ok else f"{len(files.problems())} MISMATCH(ES)"))

    available = report_notebooks(task_dir)
    if reports:  # "task" alone: only the task notebook (it always runs first)
        unknown = [r for r in reports if r not in available and r != "task"]
        if unknown:
            raise AuditFailed(f"no report {', '.join(unknown)} in {task_dir}; reports: task, {', '.join(available)}")
        chosen = [r for r in available if r in set(reports)]
    else:
        chosen = list(available)
    stage_nb = next((n for n in STAGE_NOTEBOOKS if (task_dir / n).is_file()), "task.ipynb")
    if not (task_dir / stage_nb).is_file():
        raise AuditFailed(f"{task_dir / 'task.ipynb'} not found: the task notebook is what publishes tables/")

    base = Path(tempfile.mkdtemp(prefix=f"audit-{task_id}-", dir=workdir))
    try:
        copy = base / task_id
        shutil.copytree(task_dir, copy, ignore=shutil.ignore_patterns(*DERIVED_DIRS, "*.pdf", ".*"))
        # The rerun reads the inputs (given or recorded) and recomputes every earlier task of the
        # schedule from them: no cache of the published run (history_dir) is trusted or touched.
        _set_parameters(copy / stage_nb, {"data_dir": json.dumps(str(data_dir)), "history_dir": "None"})

        # 3. the task notebook first: it re-publishes tables/ in the copy
        log(f"[task] rerunning {stage_nb} in a fresh kernel (validate, resolve, compute) ...")
        diffs = run_nbval([copy / stage_nb], copy, processes=1, log=log, label="task")
        tables = compare_republished(task_dir, copy)
        log("[tables] re-published tables/, validation/, task.json: "
            + ("byte-identical" if not tables else f"{len(tables)} DIFFER"))
        for t in tables:
            log("        " + _clip(t, 400))

        # 4. the reports, which read the re-published tables
        if chosen:
            log(f"[reports] rerunning {len(chosen)} report notebook(s) in fresh kernels, {processes} at a time ...")
            diffs += run_nbval([copy / name / "report.ipynb" for name in chosen], copy, processes=processes,
                               log=log, label="reports")
    finally:
        shutil.rmtree(base, ignore_errors=True)

    result.notebooks = 1 + len(chosen)
    result.seconds = time.perf_counter() - t0
    problems = [f"tables: {t}" for t in tables] + [d.describe() for d in diffs] + result.problems
    result.problems = problems
    if problems:
        raise AuditFailed(_listing(f"audit of {task_id} failed", problems))
    names = ", ".join(["task", *chosen]) if len(chosen) < 6 else f"task + {len(chosen)} reports"
    log(f"audit passed: {result.notebooks} notebooks rerun ({names}), every output and table identical, "
        f"{result.seconds:.0f} s")
    return result


# --------------------------------------------------------------------------- nbval subprocess entry point


def _nbval_main(argv: list[str]) -> int:
    """`python -m pipeline.runs.audit --record F --root D -- <pytest args>`: pytest with the recorder plugin."""
    import pytest

    sep = argv.index("--")
    opts, args = argv[:sep], argv[sep + 1:]
    record, root = Path(opts[opts.index("--record") + 1]), Path(opts[opts.index("--root") + 1])
    return int(pytest.main(args, plugins=[NbvalRecorder(record, root)]))


if __name__ == "__main__":
    sys.exit(_nbval_main(sys.argv[1:]))
