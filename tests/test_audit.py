"""make audit / bundle / verify on a rendered task: a fresh task passes, every tampering is named."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import run_cli

pytestmark = pytest.mark.slow


def _copy_task(task_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the rendered task (the session fixture is shared: never mutate it)."""
    out = tmp_path / "reports"
    shutil.copytree(task_dir, out / task_dir.name, ignore=shutil.ignore_patterns("bundles"))
    return out / task_dir.name


def _rehash(task_dir: Path, rel: str) -> None:
    """Update manifest.json for a file we changed, so only the rerun can tell."""
    path = task_dir / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for rec in manifest["outputs"]:
        if rec["path"] == rel:
            data = (task_dir / rel).read_bytes()
            rec["sha256"], rec["bytes"] = hashlib.sha256(data).hexdigest(), len(data)
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _a_province(task_dir: Path) -> str:
    """The province report with the fewest bytes (fast to rerun); chosen from the output, not hard-coded."""
    folders = [p.parent for p in task_dir.glob("*/report.ipynb") if p.parent.name != "national"]
    return min(folders, key=lambda p: (p.joinpath("report.ipynb").stat().st_size, p.name)).name


def test_audit_passes_on_a_freshly_rendered_task(rendered, tmp_path):
    _, task_dir = rendered
    copy = _copy_task(task_dir, tmp_path)
    province = _a_province(copy)
    proc = run_cli("audit", "--out", str(copy.parent), "--task", copy.name, "--reports", f"{province},national")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert re.search(r"\[inputs\] \d+ input files match manifest.json", out)
    assert "[tables] re-published tables/, validation/, task.json: byte-identical" in out
    assert re.search(rf"\[ ?\d/2\] {province}\s+ok", out) and re.search(r"\[ ?\d/2\] national\s+ok", out)
    assert "audit passed: 3 notebooks rerun" in out
    # the rerun happened in a temporary copy: the audited folder is untouched
    verify = run_cli("verify", str(copy))
    assert verify.returncode == 0, verify.stderr


def test_audit_names_the_report_cell_and_figure_of_a_changed_number(rendered, tmp_path):
    _, task_dir = rendered
    copy = _copy_task(task_dir, tmp_path)
    province = _a_province(copy)
    rel = f"{province}/report.ipynb"
    nb = json.loads((copy / rel).read_text(encoding="utf-8"))
    # change one number a reader sees: the responders in the headline figures, in text and HTML
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            plain = "".join(output.get("data", {}).get("text/plain", []))
            m = re.search(r"Merespons / wajib lapor: (\d+) / (\d+)", plain)
            if m:
                shown, tampered = m.group(0), f"Merespons / wajib lapor: {int(m.group(1)) + 1} / {m.group(2)}"
                for mime in ("text/plain", "text/html"):
                    text = "".join(output["data"][mime])
                    output["data"][mime] = text.replace(shown, tampered).replace(
                        f">{m.group(1)} / {m.group(2)}<", f">{int(m.group(1)) + 1} / {m.group(2)}<")
                break
        else:
            continue
        break
    else:
        pytest.fail("no headline figure 'Merespons / wajib lapor' in the province notebook")
    (copy / rel).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    _rehash(copy, rel)  # a careful forger updates the manifest too: the rerun still catches it

    proc = run_cli("audit", "--out", str(copy.parent), "--task", copy.name, "--reports", province)
    assert proc.returncode == 5, proc.stdout[-3000:] + proc.stderr[-3000:]
    err = proc.stderr
    assert "Traceback" not in err
    assert re.search(r"audit of \S+ failed \(1\)", err), err  # exactly the one figure, nothing else
    line = next(ln for ln in err.splitlines() if ln.strip().startswith(province))
    assert re.search(r'cell \d+ \(In \[\d+\]\), section "Ringkasan"', line), line
    assert f'published "{tampered}"' in line and f'rerun "{shown}"' in line, line


def test_audit_names_the_table_row_and_column_that_differ(rendered, tmp_path):
    _, task_dir = rendered
    copy = _copy_task(task_dir, tmp_path)
    rel = "tables/participation_province.csv"
    lines = (copy / rel).read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    fields = lines[3].rstrip("\n").split(",")
    col = header.index("eligible")
    published = str(int(fields[col]) + 1)
    rerun, fields[col] = fields[col], published
    lines[3] = ",".join(fields) + "\n"
    (copy / rel).write_text("".join(lines), encoding="utf-8")
    _rehash(copy, rel)

    proc = run_cli("audit", "--out", str(copy.parent), "--task", copy.name, "--reports", "task")
    assert proc.returncode == 5, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (f"{rel} row 3 (provinsi={fields[0]}): eligible: published '{published}', rerun '{rerun}'"
            in proc.stderr), proc.stderr


def test_audit_says_which_input_changed(rendered, small_sample, tmp_path):
    _, task_dir = rendered
    manifest = json.loads((task_dir / "manifest.json").read_text(encoding="utf-8"))
    data = tmp_path / "data"
    shutil.copytree(small_sample, data)
    changed = next(i["path"] for i in manifest["inputs"] if i["role"] == "responses")
    raw = bytearray((data / changed).read_bytes())
    pos = raw.rindex(b"2025")  # one byte of a timestamp in the last rows
    raw[pos + 3] = ord("6") if raw[pos + 3] != ord("6") else ord("7")
    (data / changed).write_bytes(bytes(raw))
    (data / "village_media.csv").unlink()

    proc = run_cli("audit", "--out", str(task_dir.parent), "--task", task_dir.name, "--data", str(data))
    assert proc.returncode == 5, proc.stdout[-2000:] + proc.stderr[-2000:]
    err = proc.stderr
    assert f"input {changed} (responses) changed: sha256" in err, err
    assert "input village_media.csv (village_media) is missing" in err, err
    assert "inputs in" in err and "(2)" in err  # the two, and no other input
    assert "[task]" not in proc.stdout  # nothing is rerun on other inputs
    # the data recorded in the manifest is still intact: same check passes there
    ok = run_cli("audit", "--out", str(task_dir.parent), "--task", task_dir.name, "--data", str(small_sample),
                 "--reports", "no-such-report")
    assert "input files match manifest.json" in ok.stdout and "no report no-such-report" in ok.stderr


def test_bundle_and_verify_round_trip(rendered, tmp_path):
    _, task_dir = rendered
    copy = _copy_task(task_dir, tmp_path)
    proc = run_cli("bundle", "--out", str(copy.parent), "--task", copy.name)
    assert proc.returncode == 0, proc.stderr[-2000:]
    bundles = sorted((copy / "bundles").glob("*.zip"))
    reports = sorted(p.parent.name for p in copy.glob("*/report.pdf"))
    assert [b.name for b in bundles] == sorted(f"{copy.name}_{r}.zip" for r in reports)
    assert "national" in reports and len(reports) > 2

    first = {b.name: b.read_bytes() for b in bundles}
    again = run_cli("bundle", "--out", str(copy.parent), "--task", copy.name)
    assert again.returncode == 0
    assert all(b.read_bytes() == first[b.name] for b in bundles), "bundles are not deterministic"

    province = _a_province(copy)
    zpath = copy / "bundles" / f"{copy.name}_{province}.zip"
    with zipfile.ZipFile(zpath) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        inner = json.loads(zf.read(f"{copy.name}_{province}/manifest.json"))
        zf.extractall(tmp_path / "unpacked")
    expected = {"report.pdf", "report.html", "report.ipynb"}
    if (copy / province / "belum-respon.xlsx").exists():
        expected.add("belum-respon.xlsx")
    assert {f["path"] for f in inner["files"]} == expected
    task_manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    assert inner["task_id"] == copy.name and inner["commit"] == task_manifest["commit"]
    assert inner["pipeline_version"] == task_manifest["pipeline_version"]
    published = {o["path"]: o["sha256"] for o in task_manifest["outputs"]}
    assert all(published[f"{province}/{f['path']}"] == f["sha256"] for f in inner["files"])

    folder = tmp_path / "unpacked" / f"{copy.name}_{province}"
    for target in (folder, zpath, copy):  # unpacked bundle, the zip itself, the task folder (bundles/ ignored)
        ok = run_cli("verify", str(target))
        assert ok.returncode == 0, ok.stderr
        assert "against manifest.json: ok" in ok.stdout

    pdf = folder / "report.pdf"
    raw = bytearray(pdf.read_bytes())
    raw[len(raw) // 2] ^= 1
    pdf.write_bytes(bytes(raw))
    (folder / "catatan.txt").write_text("tambahan\n", encoding="utf-8")
    (folder / "report.html").unlink()
    bad = run_cli("verify", str(folder))
    assert bad.returncode == 5
    assert "report.pdf: differs from its sha256 in manifest.json" in bad.stderr
    assert "report.html: listed in manifest.json but missing" in bad.stderr
    assert "catatan.txt: not listed in manifest.json (unexpected file)" in bad.stderr
    assert "report.ipynb" not in bad.stderr

    # a tampered published file is named by verify on the task folder, and never bundled
    table = copy / "tables" / "participation_province.csv"
    table.write_bytes(table.read_bytes().replace(b"0.", b"1.", 1))
    bad = run_cli("verify", "--out", str(copy.parent), "--task", copy.name)
    assert bad.returncode == 5 and "tables/participation_province.csv: differs" in bad.stderr
    report = copy / province / "report.html"
    report.write_bytes(report.read_bytes() + b"\n")
    refused = run_cli("bundle", "--out", str(copy.parent), "--task", copy.name)
    assert refused.returncode == 5
    assert f"{province}/report.html: differs from its sha256 in manifest.json" in refused.stderr
