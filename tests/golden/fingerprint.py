"""Fingerprint of a rendered task folder, for the golden test (tests/test_golden.py).

What a reader and the contract see is hashed: every published table, the validation page, the
index, every report's HTML and follow-up workbook, and task.json. Only what legitimately changes
with the code's identity is normalised first: the commit (40 hex digits), the "local changes"
marker, and task.json's `pipeline` record. Everything else must stay byte for byte.

Update the stored fingerprint only for an intended change of outputs, in the same commit, saying
why:  .venv/bin/python -m tests.golden.fingerprint update <rendered task folder>
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

GOLDEN = Path(__file__).with_name("sample-0.03.json")
PATTERNS = ("tables/*.csv", "validation/index.html", "index.html", "*/report.html", "*/*.xlsx", "task.json")
_COMMIT = re.compile(rb"\b[0-9a-f]{40}\b")
_DIRTY = re.compile(rb" \(dengan perubahan lokal\)")


def normalised(path: Path, task_dir: Path) -> bytes:
    data = path.read_bytes()
    if path.name == "task.json":
        info = json.loads(data)
        info.pop("pipeline", None)
        return json.dumps(info, indent=1, sort_keys=True, ensure_ascii=False).encode()
    if path.suffix in (".html", ".csv"):
        data = _DIRTY.sub(b"", _COMMIT.sub(b"<commit>", data))
    return data


def fingerprint(task_dir: Path) -> dict[str, str]:
    task_dir = Path(task_dir)
    files = sorted({p for pattern in PATTERNS for p in task_dir.glob(pattern) if p.is_file()})
    return {p.relative_to(task_dir).as_posix(): hashlib.sha256(normalised(p, task_dir)).hexdigest() for p in files}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "update":
        print(__doc__)
        return 2
    fp = fingerprint(Path(argv[1]))
    GOLDEN.write_text(json.dumps(fp, indent=1, sort_keys=True) + "\n")
    print(f"{GOLDEN}: {len(fp)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
