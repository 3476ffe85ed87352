"""Comparing a rerun with what was published: notebook outputs figure by figure, tables row by row."""

from __future__ import annotations

import csv
import difflib
import html
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.runs.sanitize import sanitize, sanitize_rules

# Files the task notebook re-publishes, compared byte for byte with the published ones.
REPUBLISHED = ("tables", "validation", "task.json", "recap.json")


# --------------------------------------------------------------------------- comparing outputs


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
