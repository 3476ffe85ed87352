"""Live monitoring (pipeline/live/): statuses by the contract, page rewrites, failures, tokens, serving."""

from __future__ import annotations

import csv
import json
import re
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from pipeline.live import state, tokens
from pipeline.live.serve import make_server
from pipeline.live.watch import Watcher, watch

TASK = "2025-11-10-tugas"
TZ = "Asia/Jakarta"
HEADER = "Cap waktu,Provinsi,Nomor Absen,Nama,Link\n"
ROSTER = [  # nomor, nama, jabatan, provinsi, kabupaten, email, wa
    (101, "Andi Saputra", "PD", "Bali", "Kabupaten Badung", "andi@contoh.id", "081234500101"),
    (102, "Budi <script>alert(1)</script>", "PLD", "Bali", "Kabupaten Badung", "budi@contoh.id", "081234500102"),
    (103, "=HYPERLINK(\"x\") Citra", "PD", "Bali", "Kabupaten Badung", "", "081234500103"),
    (104, "Dewi Lestari", "TA", "Bali", "Kota Denpasar", "dewi@contoh.id", "081234500104"),
    (105, "Eka Putra", "PD", "Papua", "Kabupaten Jayapura", "eka@contoh.id", "081234500105"),
    (106, "Fajar Nugroho", "PD", "Papua", "Kabupaten Jayapura", "fajar@contoh.id", "081234500106"),
]
ROWS = [  # 101 counted on time; 102 invalid link; 103 before the start; 104 late; 105 counted; 106 silent
    "10/11/2025 09.00.00,Bali,101,Andi Saputra,https://www.facebook.com/andi/posts/1\n",
    "10/11/2025 09.30.00,Bali,102,Budi,javascript:alert(1)\n",
    "09/11/2025 07.00.00,Bali,103,Citra,https://www.instagram.com/p/abc\n",
    "12/11/2025 09.00.00,Bali,104,Dewi Lestari,https://x.com/dewi/status/1\n",
    "10/11/2025 10.00.00,Papua,105,Eka Putra,https://www.tiktok.com/@eka/video/1\n",
]


def write_data(root: Path, rows: list[str] = ROWS) -> Path:
    (root / "responses").mkdir(parents=True, exist_ok=True)
    with open(root / "roster.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Nomor Absen", "Nama", "Jabatan", "Provinsi", "Kabupaten", "Status", "Email", "WA"])
        for r in ROSTER:
            w.writerow([r[0], r[1], r[2], r[3], r[4], "Aktif", r[5], r[6]])
    (root / "tasks.csv").write_text(
        "task_id,judul,mulai,batas,cakupan\n"
        "2025-10-01-lama,Tugas Lama,2025-10-01 08:00,2025-10-02 23:59,Bali\n"
        f"{TASK},Hari Pahlawan <b>2025</b>,2025-11-10 08:00,2025-11-11 23:59,nasional\n", encoding="utf-8")
    (root / "responses" / "2025-10-01-lama.csv").write_text(HEADER, encoding="utf-8")
    (root / "responses" / f"{TASK}.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    return root


def clock_at(text: str):
    ts = pd.Timestamp(text, tz=TZ)
    return lambda: ts


@pytest.fixture
def tiny(tmp_path):
    data = write_data(tmp_path / "data")
    out = tmp_path / "out"
    w = Watcher(data, TASK, out, every=2, clock=clock_at("2025-11-11 10:00"), log=lambda *_: None)
    return data, out, w


def page_of(out: Path, key) -> Path:
    return out / tokens.page_path(tokens.load_tokens(out)[key])


def statuses(page: Path) -> dict[int, str]:
    text = page.read_text(encoding="utf-8")
    return {int(n): s for n, s in re.findall(r'data-nomor-absen="(\d+)" data-status="(\w+)"', text)}


def live_files(out: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted((out / "live").rglob("index.html"))}


def test_kabupaten_pages_show_the_contract_statuses(tiny):
    data, out, w = tiny
    r = w.refresh()
    assert r.failure is None and r.rows == 5 and r.new_rows == 5
    badung = page_of(out, ("kabupaten", "Bali", "Kabupaten Badung"))
    assert statuses(badung) == {101: "sudah", 102: "ditolak", 103: "ditolak"}
    assert statuses(page_of(out, ("kabupaten", "Bali", "Kota Denpasar"))) == {104: "sudah"}
    assert statuses(page_of(out, ("kabupaten", "Papua", "Kabupaten Jayapura"))) == {105: "sudah", 106: "belum"}
    text = badung.read_text(encoding="utf-8")
    assert 'data-scope="kabupaten" data-provinsi="Bali" data-kabupaten="Kabupaten Badung"' in text
    assert "Tautan tidak valid" in text and "Sebelum tugas dimulai" in text  # present.OUTCOME_LABEL
    assert "tepat waktu" in text and "10 November 2025, 10.00 WITA" in text  # Bali reads WITA
    assert "<script>alert(1)" not in text and "Budi &lt;script&gt;" in text  # names escaped
    assert 'href="javascript:' not in text
    denpasar = page_of(out, ("kabupaten", "Bali", "Kota Denpasar")).read_text(encoding="utf-8")
    assert "terlambat" in denpasar
    # the reminder names who has not posted (rejected ones asked to send again) and the deadline in WITA
    reminder = re.search(r'<textarea id="pengingat" readonly>(.*?)</textarea>', text, re.S)[1]
    assert "Andi" not in reminder and "Budi &lt;script&gt;" in reminder and "tautan tidak valid" in reminder
    assert "12 November 2025, 00.59 WITA" in reminder
    jayapura = page_of(out, ("kabupaten", "Papua", "Kabupaten Jayapura")).read_text(encoding="utf-8")
    assert "Fajar Nugroho (PD)" in jayapura and "WIT" in jayapura and "Eka Putra (PD)" not in jayapura


def test_pages_name_only_their_scope_and_no_contacts(tiny):
    data, out, w = tiny
    w.refresh()
    files = live_files(out)
    everything = b"".join(files.values()) + (out / "live" / "status.json").read_bytes()
    for r in ROSTER:
        assert r[6].encode() not in everything and (not r[5] or r[5].encode() not in everything)
    for *_, prov, kab, _email, _wa in ROSTER:
        page = page_of(out, ("kabupaten", prov, kab)).read_text(encoding="utf-8")
        others = [o for o in ROSTER if o[4] != kab]
        assert all(f'data-nomor-absen="{o[0]}"' not in page for o in others)
    for key, token in tokens.load_tokens(out).items():  # links only inside the page's own scope
        text = (out / tokens.page_path(token)).read_text(encoding="utf-8")
        named = set(tokens.TOKEN_RE.findall(text))
        allowed = {t for k, t in tokens.load_tokens(out).items() if tokens.below(key, k) and k != key}
        assert named <= allowed, key
        assert "live-links" not in text
    national = page_of(out, ("nasional", "", "")).read_text(encoding="utf-8")
    assert len(tokens.TOKEN_RE.findall(national)) == 2  # Bali and Papua, not the kabupaten
    assert "Andi" not in national and "Budi" not in national


def test_tokens_are_random_stable_across_tasks_and_listed(tiny, tmp_path):
    data, out, w = tiny
    w.refresh()
    toks = tokens.load_tokens(out)
    assert len(toks) == 1 + 2 + 3 and all(len(t) == 40 for t in toks.values())  # 160 bits
    assert len(set(toks.values())) == len(toks)
    with open(out / tokens.LINKS_FILE, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["scope"], r["provinsi"], r["kabupaten"]) for r in rows][:2] == [("nasional", "", ""),
                                                                              ("provinsi", "Bali", "")]
    assert {r["path"] for r in rows} == {tokens.page_path(t) for t in toks.values()}
    assert (out / "live" / "index.html").exists() and (out / "index.html").exists()
    # another task (Bali only) on the same OUT: the same bookmarks; pages outside its scope say so
    other = Watcher(data, "2025-10-01-lama", out, clock=clock_at("2025-10-01 09:00"), log=lambda *_: None)
    other.refresh()
    assert tokens.load_tokens(out) == toks
    papua = page_of(out, ("provinsi", "Papua", "")).read_text(encoding="utf-8")
    assert "tidak mencakup wilayah ini" in papua and "Eka" not in papua


def test_unchanged_source_rewrites_no_page_and_new_rows_only_theirs(tiny):
    data, out, w = tiny
    w.refresh()
    before = live_files(out)
    status = (out / "live" / "status.json").read_text(encoding="utf-8")
    w.clock = clock_at("2025-11-11 10:01")
    r = w.refresh()
    assert not r.changed and r.rewritten == 0 and live_files(out) == before
    after = json.loads((out / "live" / "status.json").read_text(encoding="utf-8"))
    assert after["checked_at"]["WIT"] == "11 November 2025, 12.01 WIT" and status != json.dumps(after)
    assert after["time_left"] == "Sisa waktu: 13 jam 58 menit."
    with open(data / "responses" / f"{TASK}.csv", "a", encoding="utf-8") as fh:
        fh.write("11/11/2025 10.00.30,Papua,106,Fajar Nugroho,https://fb.watch/abc?x=1&y=2\n")
    r = w.refresh()
    assert r.changed and r.new_rows == 1 and r.rewritten == 3  # Jayapura, Papua, national
    assert statuses(page_of(out, ("kabupaten", "Papua", "Kabupaten Jayapura")))[106] == "sudah"
    changed = {p for p, b in live_files(out).items() if before.get(p) != b}
    assert changed == {page_of(out, k) for k in [("nasional", "", ""), ("provinsi", "Papua", ""),
                                                 ("kabupaten", "Papua", "Kabupaten Jayapura")]}
    jayapura = page_of(out, ("kabupaten", "Papua", "Kabupaten Jayapura")).read_text(encoding="utf-8")
    assert 'href="https://fb.watch/abc?x=1&amp;y=2"' in jayapura


@pytest.mark.parametrize("broken", [
    HEADER + ROWS[0] + "10/11/2025 09.30.00,Bali,102\n",  # cut in the middle of a row
    HEADER + ROWS[0],  # fewer rows than before
    "<!DOCTYPE html><html><body>Sign in</body></html>\n",  # not an export at all
])
def test_a_broken_source_keeps_the_last_good_pages_and_says_so(tiny, broken):
    data, out, w = tiny
    w.refresh()
    before = live_files(out)
    source = data / "responses" / f"{TASK}.csv"
    good = source.read_bytes()
    source.write_text(broken, encoding="utf-8")
    w.clock = clock_at("2025-11-11 10:05")
    r = w.refresh()
    assert r.failure and live_files(out) == before
    status = json.loads((out / "live" / "status.json").read_text(encoding="utf-8"))
    assert status["failure"]["at"]["WIB"] == "11 November 2025, 10.05 WIB" and status["failure"]["reason"]
    assert status["checked_at"]["WIB"] == "11 November 2025, 10.05 WIB"
    assert w.refresh().failure  # the same broken bytes again: still failing
    source.write_bytes(good)
    r = w.refresh()
    assert r.failure is None and json.loads((out / "live" / "status.json").read_text())["failure"] is None


class _Sheet(threading.Thread):
    """A local web server standing in for the Google Sheets export (body and status settable)."""

    def __init__(self):
        import http.server

        sheet = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(sheet.code)
                self.send_header("Content-Type", sheet.ctype)
                self.end_headers()
                self.wfile.write(sheet.body)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.code, self.ctype, self.body = 200, "text/csv", b""
        super().__init__(target=self.server.serve_forever, daemon=True)


def test_a_url_source_that_returns_a_login_page_or_fails(tmp_path):
    sheet = _Sheet()
    sheet.start()
    try:
        data = write_data(tmp_path / "data")
        url = f"http://127.0.0.1:{sheet.server.server_address[1]}/export?format=csv"
        tasks = (data / "tasks.csv").read_text().replace("cakupan\n", "cakupan,sumber\n").replace(
            "nasional\n", f"nasional,{url}\n").replace(",Bali\n", ",Bali,\n")
        (data / "tasks.csv").write_text(tasks)
        sheet.body = (HEADER + "".join(ROWS)).encode()
        out = tmp_path / "out"
        w = Watcher(data, TASK, out, clock=clock_at("2025-11-11 10:00"), log=lambda *_: None)
        assert w.refresh().failure is None
        before = live_files(out)
        sheet.ctype, sheet.body = "text/html", b"<html><body>Login</body></html>"
        assert "halaman web" in w.refresh().failure
        sheet.code = 500
        assert "tidak dapat diunduh" in w.refresh().failure
        assert live_files(out) == before
    finally:
        sheet.server.shutdown()


def test_rotation_replaces_a_scope_and_everything_below(tiny):
    data, out, w = tiny
    w.refresh()
    old = tokens.load_tokens(out)
    rotated = tokens.rotate(out, "provinsi", "Bali")
    new = tokens.load_tokens(out)
    assert set(rotated) == {("provinsi", "Bali", ""), ("kabupaten", "Bali", "Kabupaten Badung"),
                            ("kabupaten", "Bali", "Kota Denpasar")}
    for key in old:
        assert (new[key] != old[key]) == (key in rotated)
        assert (out / tokens.page_path(new[key])).exists()
        assert not (key in rotated and (out / "live" / old[key]).exists())
    national = page_of(out, ("nasional", "", "")).read_text(encoding="utf-8")
    assert new[("provinsi", "Bali", "")] in national and old[("provinsi", "Bali", "")] not in national
    assert tokens.page_path(new[("provinsi", "Bali", "")]) in (out / tokens.LINKS_FILE).read_text()
    # the running watcher writes to the new paths
    with open(data / "responses" / f"{TASK}.csv", "a", encoding="utf-8") as fh:
        fh.write("11/11/2025 10.00.30,Papua,106,Fajar Nugroho,https://fb.watch/abc\n")
    assert w.refresh().failure is None
    assert sorted(p.name for p in (out / "live").iterdir() if p.is_dir()) == sorted(new.values())
    with pytest.raises(KeyError):
        tokens.rotate(out, "provinsi", "Atlantis")


def test_serve_lists_no_folder_and_hides_the_links_file(tiny):
    data, out, w = tiny
    w.refresh()
    (out / "some-folder").mkdir()
    server = make_server(out, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def get(path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(base + path) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    try:
        page = tokens.page_path(tokens.load_tokens(out)[("nasional", "", "")])
        assert get("/" + page)[0] == 200
        code, body = get("/live/")
        assert code == 200 and not tokens.TOKEN_RE.search(body)  # the placeholder, not a listing
        assert get("/some-folder/")[0] == 404
        for hidden in ("/live-links.csv", "/.live/tokens.json", "/%2Elive/tokens.json", "/live/../live-links.csv"):
            assert get(hidden)[0] == 404, hidden
    finally:
        server.shutdown()
        server.server_close()


def test_watch_waits_for_the_start_then_ends_with_the_final_reports(tmp_path):
    data = write_data(tmp_path / "data")
    out = tmp_path / "out"
    now = [pd.Timestamp("2025-11-10 07:00", tz=TZ)]
    slept, finals = [], []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += pd.Timedelta(seconds=seconds if seconds > 100 else 6 * 3600)

    def final(task_id, data_dir, out_dir, log):
        finals.append(task_id)
        path = out_dir / task_id / "national" / "report.html"
        path.parent.mkdir(parents=True)
        path.write_text("laporan")
        return {"": f"{task_id}/national/report.html"}

    w = watch(data, TASK, out, every=60, grace=3600, final=final, clock=lambda: now[0], sleep=sleep,
              log=lambda *_: None)
    assert slept[0] == 3600  # until mulai
    assert now[0] >= pd.Timestamp("2025-11-12 00:59", tz=TZ) and finals == [TASK]
    national = page_of(out, ("nasional", "", "")).read_text(encoding="utf-8")
    assert f'href="../../{TASK}/national/report.html"' in national
    assert json.loads((out / "live" / "status.json").read_text())["time_left"] == "Waktu tugas sudah berakhir."
    assert w.final_reports == {"": f"{TASK}/national/report.html"}
    # started after the window closed: one refresh, then the final reports
    finals.clear()
    watch(data, TASK, tmp_path / "out2", final=final, clock=lambda: pd.Timestamp("2025-12-01", tz=TZ),
          sleep=sleep, log=lambda *_: None)
    assert finals == [TASK]


def test_statuses_agree_with_the_task_stage(small_sample, tmp_path):
    """On the sample's latest task: sudah = a counted row, belum = none, ditolak = none but a rejected
    row that resolved to them, against the tables the task stage publishes; a page per kabupaten."""
    from pipeline.runs.stage import run_task

    task_id = "2025-11-10-hari-pahlawan"
    res = run_task(small_sample, task_id, out_root=tmp_path / "stage", log=lambda *_: None)
    tables = res.out_dir / "tables"
    checked = pd.read_csv(tables / "responses_checked.csv", dtype={"nomor_absen": "Int64"})
    nr = pd.read_csv(tables / "non_responders.csv")
    kab = pd.read_csv(tables / "participation_kabupaten.csv", keep_default_na=False)
    counted = set(checked.loc[checked["outcome"].isin(["counted", "recovered"]), "nomor_absen"].astype(int))
    rejected = set(checked.loc[~checked["outcome"].isin(["counted", "recovered"]), "nomor_absen"].dropna().astype(int))
    out = tmp_path / "out"
    Watcher(small_sample, task_id, out, clock=clock_at("2025-11-12 12:00"), log=lambda *_: None).refresh()
    toks = tokens.load_tokens(out)
    seen: dict[int, str] = {}
    for row in kab.itertuples():
        page_statuses = statuses(out / tokens.page_path(toks[("kabupaten", row.provinsi, row.kabupaten)]))
        assert len(page_statuses) == row.eligible
        assert sum(s == "sudah" for s in page_statuses.values()) == row.responded
        assert not set(page_statuses) & set(seen)
        seen.update(page_statuses)
    assert len(seen) == int(kab["eligible"].sum()) and len(toks) == 1 + kab["provinsi"].nunique() + len(kab)
    assert {n for n, s in seen.items() if s == "sudah"} == counted & set(seen)
    assert {n for n, s in seen.items() if s != "sudah"} == set(nr["nomor_absen"])
    assert {n for n, s in seen.items() if s == "ditolak"} == (rejected - counted) & set(seen)


def test_command_line_watch_once_and_rotate(tmp_path):
    from tests.conftest import run_cli

    data = write_data(tmp_path / "data")
    tasks = (data / "tasks.csv").read_text().replace("2025-11-10 08:00,2025-11-11 23:59",
                                                     "2025-11-10 08:00,2099-01-01 23:59")  # still open
    (data / "tasks.csv").write_text(tasks)
    out = tmp_path / "out"
    proc = run_cli("watch", "--task", TASK, "--data", str(data), "--out", str(out), "--once")
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"\+5 new rows \(5 in all\), 6 pages rewritten, [\d.]+ s", proc.stdout), proc.stdout
    before = tokens.load_tokens(out)
    proc = run_cli("live-rotate", "--out", str(out), "--provinsi", "Papua", "--kabupaten", "Kabupaten Jayapura")
    assert proc.returncode == 0 and "1 pages have new paths" in proc.stdout, proc.stderr
    after = tokens.load_tokens(out)
    assert [k for k in before if before[k] != after[k]] == [("kabupaten", "Papua", "Kabupaten Jayapura")]
    proc = run_cli("live-rotate", "--out", str(out), "--provinsi", "Atlantis")
    assert proc.returncode == 1 and "no provinsi page Atlantis" in proc.stderr


def test_an_unexpected_error_keeps_the_pages_and_the_watch_going(tiny, monkeypatch):
    data, out, w = tiny
    w.refresh()
    before = live_files(out)
    with open(data / "responses" / f"{TASK}.csv", "a", encoding="utf-8") as fh:
        fh.write("11/11/2025 10.00.30,Papua,106,Fajar Nugroho,https://fb.watch/abc\n")
    real_build = state.build

    def broken_build(*args):
        raise MemoryError("simulated")

    monkeypatch.setattr(state, "build", broken_build)
    r = w.refresh()
    assert r.failure == "kesalahan saat memproses data (lihat catatan pemantau)" and live_files(out) == before
    assert json.loads((out / "live" / "status.json").read_text())["failure"]["reason"] == r.failure
    monkeypatch.setattr(state, "build", real_build)
    r = w.refresh()  # the same bytes are tried again
    assert r.failure is None and r.new_rows == 1
    assert statuses(page_of(out, ("kabupaten", "Papua", "Kabupaten Jayapura")))[106] == "sudah"
