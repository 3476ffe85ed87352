"""Tests of the deterministic sample data generator (pipeline/runs/sample.py), on a small scale."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipeline.rules import contract
from pipeline.runs import sample

SCALE = 0.03


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return sample.generate_sample(tmp_path_factory.mktemp("sample") / "data", scale=SCALE)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _roster(data: Path) -> pd.DataFrame:
    roster = pd.read_csv(data / "roster.csv", dtype=str, keep_default_na=False)
    roster["prov"] = roster["Provinsi"].map(contract.normalize_province)
    roster["jab"] = roster["Jabatan"].map(contract.normalize_jabatan)
    roster["id"] = roster["Nomor Absen"].map(contract.parse_nomor_absen)
    return roster


def _tasks(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "tasks.csv", dtype=str, keep_default_na=False)


def _response_path(data: Path, task: pd.Series) -> Path:
    if task["sumber"]:
        return data / task["sumber"]
    return data / "responses" / f"{task['task_id']}.csv"


def _read_response_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _column(frame: pd.DataFrame, field: str) -> str:
    keys = {contract.header_key(c): c for c in frame.columns}
    for alias in contract.RESPONSE_ALIASES[field]:
        if alias in keys:
            return keys[alias]
    pattern = contract.RESPONSE_PATTERNS.get(field)
    matches = [c for k, c in keys.items() if pattern and re.search(pattern, k)]
    assert len(matches) == 1, (field, list(frame.columns))
    return matches[0]


def _eligible(roster: pd.DataFrame, day: str) -> pd.DataFrame:
    good = roster[roster.prov.notna() & roster.jab.notna() & roster.id.notna()
                  & ~roster.id.duplicated(keep=False)]
    active = (good["Status"] != "Resign") | (good["Tanggal Resign"] > day)
    joined = good["Tanggal Bergabung"] <= day
    return good[active & joined]


# --- Determinism and CLI -------------------------------------------------------------------------

def test_same_seed_gives_identical_bytes(data, tmp_path):
    again = sample.generate_sample(tmp_path / "again", scale=SCALE)
    assert _files(data) == _files(again)


def test_other_seed_differs(data, tmp_path):
    other = sample.generate_sample(tmp_path / "other", scale=SCALE, seed=1)
    assert (other / "roster.csv").read_bytes() != (data / "roster.csv").read_bytes()
    # the map (kabupaten, kode and name of each desa) does not depend on the seed
    a = pd.read_csv(data / "village_media.csv", dtype=str)
    b = pd.read_csv(other / "village_media.csv", dtype=str)
    assert a[["kode_desa", "desa", "kabupaten"]].equals(b[["kode_desa", "desa", "kabupaten"]])


def test_xlsx_metadata_is_fixed(data):
    path = data / "responses" / f"{sample.PROVINCIAL_TASK[0]}.xlsx"
    with zipfile.ZipFile(path) as archive:
        assert {i.date_time for i in archive.infolist()} == {sample._XLSX_FIXED_TIME.timetuple()[:6]}
        core = archive.read("docProps/core.xml").decode()
    stamp = sample._XLSX_FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "<dcterms:created" in core and core.count(stamp) == 2


def test_cli_prints_one_line(tmp_path, capsys):
    assert sample.main([str(tmp_path / "cli"), "--scale", "0.02", "--seed", "7"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "roster rows" in out[0]
    assert (tmp_path / "cli" / "roster.csv").exists()


# --- Layout --------------------------------------------------------------------------------------

def test_layout_follows_contract(data):
    assert (data / "roster.csv").is_file() and (data / "tasks.csv").is_file()
    assert (data / "village_media.csv").is_file()
    tasks = _tasks(data)
    assert tuple(tasks.columns) == contract.TASK_COLUMNS
    assert tasks["task_id"].is_unique
    for _, task in tasks.iterrows():
        assert _response_path(data, task).is_file(), task["task_id"]
    assert len(list((data / "responses").iterdir())) == len(tasks)


def test_headers_resolve_through_contract_aliases(data):
    roster = pd.read_csv(data / "roster.csv", dtype=str, nrows=1)
    keys = {contract.header_key(c) for c in roster.columns}
    for field, aliases in contract.ROSTER_ALIASES.items():
        assert keys & set(aliases), field
    assert "keterangan" in keys  # an extra column the loader must ignore
    for path in sorted((data / "responses").glob("*.csv")):
        frame = _read_response_csv(path)
        for field in contract.RESPONSE_REQUIRED:
            _column(frame, field)
    media = pd.read_csv(data / "village_media.csv", dtype=str, nrows=1)
    assert tuple(media.columns) == contract.VILLAGE_MEDIA_COLUMNS


def test_tasks_schedule(data):
    tasks = _tasks(data)
    tasks["start"] = pd.to_datetime(tasks["mulai"], format="%Y-%m-%d %H:%M")
    tasks["end"] = pd.to_datetime(tasks["batas"], format="%Y-%m-%d %H:%M")
    latest = tasks.sort_values("start").iloc[-1]
    assert latest["task_id"] == sample.LATEST_TASK_ID == "2025-11-10-hari-pahlawan"
    assert latest["cakupan"] == "nasional"
    assert (tasks["cakupan"] == "nasional").sum() == 9
    assert ((tasks["end"] - tasks["start"]) >= pd.Timedelta(days=1)).all()
    assert ((tasks["end"] - tasks["start"]) <= pd.Timedelta(days=3)).all()
    provincial = tasks[tasks["cakupan"] != "nasional"]
    assert len(provincial) == 1
    row = provincial.iloc[0]
    assert row["cakupan"] == "Sulawesi Selatan" and row["timezone"] == "Asia/Makassar"
    assert row["sumber"].endswith(".xlsx")
    assert (tasks.loc[tasks["cakupan"] == "nasional", "timezone"] == "").all()


# --- Roster --------------------------------------------------------------------------------------

def test_roster_provinces_and_kabupaten(data):
    roster = _roster(data)
    assert set(roster["prov"].dropna()) == set(sample.SAMPLE_PROVINCES)
    assert len(sample.SAMPLE_PROVINCES) == 37 and "DKI Jakarta" not in sample.SAMPLE_PROVINCES
    assert (roster["Provinsi"] != roster["prov"]).sum() > 20  # variants such as Jatim, Prov. X, DIY
    unknown = roster.loc[roster["prov"].isna(), "Provinsi"]
    assert set(unknown) == {"Provinsi Antah"}
    media = pd.read_csv(data / "village_media.csv", dtype=str, keep_default_na=False)
    assert set(media["provinsi"]) == set(sample.SAMPLE_PROVINCES)
    pairs = set(zip(media["provinsi"], media["kabupaten"]))
    good = roster[roster["prov"].notna()]
    assert set(zip(good["prov"], good["Kabupaten/Kota"])) <= pairs
    assert media["kode_desa"].is_unique and media["kode_desa"].str.fullmatch(r"\d{10}").all()
    assert media.groupby("provinsi")["kabupaten"].nunique().sum() == 431


def test_roster_quarantine_candidates(data):
    roster = _roster(data)
    missing = roster["id"].isna().sum()
    dup_rows = roster["id"].dropna().duplicated(keep=False).sum()
    unknown_prov = roster["prov"].isna().sum()
    unknown_jab = roster["jab"].isna().sum()
    assert missing >= 3 and dup_rows >= 4 and unknown_prov >= 1 and unknown_jab >= 1
    assert 10 <= missing + dup_rows + unknown_prov + unknown_jab <= 20
    assert "Koordinator" in set(roster["Jabatan"])


def test_roster_mix(data):
    roster = _roster(data)
    share = roster["jab"].value_counts(normalize=True)
    assert 0.5 < share["PLD"] < 0.7 and 0.25 < share["PD"] < 0.45 and 0.01 < share["TA"] < 0.1
    assert "Pendamping Desa" in set(roster["Jabatan"]) or "Pendamping Lokal Desa" in set(roster["Jabatan"])
    resign = roster["Status"] == "Resign"
    assert 0.015 < resign.mean() < 0.06
    assert (resign & (roster["Tanggal Resign"] == "")).sum() >= 2
    dates = roster.loc[roster["Tanggal Resign"] != "", "Tanggal Resign"]
    assert dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert set(roster["Status"]) == {"", "Aktif", "Resign"}
    assert (roster["Tanggal Bergabung"] > "2025-01-15").sum() >= 5
    assert roster["Nama Lengkap"].str.contains(r", S\.Pd\.|Hj\. |Drs\. ").any()
    ids = roster["id"].dropna().astype(int)
    assert ids.min() >= 1 and ids.max() < 1.2 * len(roster) + 100


def test_contact_rates(data):
    roster = _roster(data)
    columns = {"email": "Email", "whatsapp": "No WA", "facebook": "Facebook", "twitter": "Twitter/X",
               "instagram": "Instagram", "tiktok": "TikTok", "youtube": "YouTube", "website": "Website"}
    rates = {ch: roster[col].map(lambda v, ch=ch: contract.contact_present(ch, v)).mean()
             for ch, col in columns.items()}
    assert 0.91 < rates["email"] < 0.98
    assert 0.94 < rates["whatsapp"] < 0.995
    assert 0.78 < rates["facebook"] < 0.9
    assert 0.54 < rates["twitter"] < 0.67
    assert 0.48 < rates["instagram"] < 0.62 and 0.28 < rates["tiktok"] < 0.42
    assert 0.14 < rates["youtube"] < 0.26 and 0.06 < rates["website"] < 0.14
    assert roster["No WA"].str.startswith("+62").any() and roster["No WA"].str.startswith("08").any()
    assert {"-", "0", "belum ada"} & set(roster["Twitter/X"])


# --- Responses -----------------------------------------------------------------------------------

def test_encodings_and_xlsx(data):
    cp1252, bom = [], []
    for path in sorted((data / "responses").glob("*.csv")):
        raw = path.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            bom.append(path.name)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            cp1252.append(path.name)
            assert "é" in raw.decode("cp1252")
    assert cp1252 == ["2025-04-21-hari-kartini.csv"]
    assert bom == ["2025-08-17-hut-ri-80.csv"]
    from openpyxl import load_workbook
    xlsx = sorted((data / "responses").glob("*.xlsx"))
    assert [p.stem for p in xlsx] == [sample.PROVINCIAL_TASK[0]]
    ws = load_workbook(xlsx[0], read_only=True).active
    cells = [row[0] for row in ws.iter_rows(min_row=2, max_col=1)]
    assert cells and all(c.is_date for c in cells)


_FORMATS = {
    "mdy": r"\d{1,2}/\d{1,2}/2025 \d{1,2}:\d{2}:\d{2}",
    "dmy": r"\d{1,2}/\d{1,2}/2025 \d{1,2}:\d{2}:\d{2}",
    "dmy_dots": r"\d{1,2}/\d{1,2}/2025 \d{1,2}\.\d{2}\.\d{2}",
    "iso": r"2025-\d{2}-\d{2} \d{2}:\d{2}:\d{2}",
    "iso_offset": r"2025-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00",
    "iso_z": r"2025-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z",
}


def test_timestamp_formats(data):
    tasks = _tasks(data).set_index("task_id")
    for task_id, _, _mulai, _batas, fmt, _, _ in sample._NATIONAL_TASKS:
        frame = _read_response_csv(data / "responses" / f"{task_id}.csv")
        ts = frame[_column(frame, "timestamp")]
        assert ts.str.fullmatch(_FORMATS[fmt]).all(), task_id
        if fmt in ("dmy", "dmy_dots", "mdy"):
            text = ts.str.replace(".", ":", regex=False)
            day_first = pd.to_datetime(text, format="%d/%m/%Y %H:%M:%S", errors="coerce")
            month_first = pd.to_datetime(text, format="%m/%d/%Y %H:%M:%S", errors="coerce")
            right, wrong = (month_first, day_first) if fmt == "mdy" else (day_first, month_first)
            start, end = pd.Timestamp(tasks.loc[task_id, "mulai"]), pd.Timestamp(tasks.loc[task_id, "batas"])
            assert right.between(start, end).mean() > 0.85, task_id
            assert wrong.between(start, end).mean() < 0.1, task_id
            if task_id in sample._AMBIGUOUS_TASKS:
                assert wrong.notna().all()  # both readings are dates: only the window decides
    firsts = {fmt for *_, fmt, _, _ in sample._NATIONAL_TASKS}
    assert {"mdy", "dmy", "dmy_dots", "iso_offset", "iso_z"} <= firsts
    assert sample.LATEST_TASK_ID in sample._AMBIGUOUS_TASKS


def test_response_timing_and_noise(data):
    tasks = _tasks(data).set_index("task_id")
    frame = _read_response_csv(data / "responses" / f"{sample.LATEST_TASK_ID}.csv")
    ts = pd.to_datetime(frame[_column(frame, "timestamp")].str.replace(".", ":", regex=False),
                        format="%d/%m/%Y %H:%M:%S")
    start = pd.Timestamp(tasks.loc[sample.LATEST_TASK_ID, "mulai"])
    end = pd.Timestamp(tasks.loc[sample.LATEST_TASK_ID, "batas"])
    assert (ts < start).sum() >= 1 and 0.02 < (ts > end).mean() < 0.12
    assert ((ts - start).median() < pd.Timedelta(hours=6))
    assert ts.is_monotonic_increasing

    parts = []
    for path in sorted((data / "responses").glob("*.csv")):
        f = _read_response_csv(path)
        parts.append(pd.DataFrame({field: f[_column(f, field)] for field in contract.RESPONSE_REQUIRED}))
    all_rows = pd.concat(parts, ignore_index=True)
    ids = all_rows["nomor_absen"]
    assert ids.str.match(r"^(No\.? |#)\d").any() and ids.str.match(r"^0\d").any()
    assert ids.str.fullmatch(r"\d{1,3}\.\d{3}").any() and ids.str.fullmatch(r" \d+ ").any()
    assert (ids.map(contract.id_digits) == "").sum() >= 9 * 3
    invalid = ~all_rows["link"].map(contract.is_valid_link)
    assert 0.003 < invalid.mean() < 0.03
    platforms = set(all_rows["link"].map(contract.platform_of).dropna())
    assert platforms == set(contract.PLATFORMS)
    assert all_rows["link"].str.contains("fb.watch|m.facebook.com").any()
    assert all_rows["link"].str.contains("youtu.be").any()
    assert all_rows["nama"].str.contains("<b>Budi</b>", regex=False).any()
    assert all_rows["nama"].str.contains("=1+1", regex=False).any()
    roster = _roster(data)
    known = set(roster["id"].dropna().astype(int))
    parsed = ids.map(contract.parse_nomor_absen).dropna().astype(int)
    assert (~parsed.isin(known)).mean() < 0.05  # typos and unknown ids, not a broken join
    assert parsed.duplicated().sum() > 0


def test_participation_differs_by_province(data):
    roster = _roster(data)
    frame = _read_response_csv(data / "responses" / f"{sample.LATEST_TASK_ID}.csv")
    ids = frame[_column(frame, "nomor_absen")].map(contract.parse_nomor_absen).dropna().astype(int)
    eligible = _eligible(roster, sample.LATEST_TASK_ID[:10])
    responded = eligible["id"].astype(int).isin(set(ids))
    rate = responded.groupby(eligible["prov"]).mean()
    assert rate["Gorontalo"] >= 0.85
    assert rate["Papua Pegunungan"] <= 0.7
    assert rate["Gorontalo"] - rate["Papua Pegunungan"] >= 0.25
    assert 0.7 < responded.mean() < 0.92


def test_some_tpp_silent_in_all_latest_tasks(data):
    roster = _roster(data)
    tasks = _tasks(data)
    national = tasks[tasks["cakupan"] == "nasional"].sort_values("mulai").tail(8)
    seen: set[int] = set()
    for task_id in national["task_id"]:
        frame = _read_response_csv(data / "responses" / f"{task_id}.csv")
        seen |= set(frame[_column(frame, "nomor_absen")].map(contract.parse_nomor_absen).dropna().astype(int))
    eligible = _eligible(roster, "2025-01-01")
    silent = ~eligible["id"].astype(int).isin(seen)
    assert silent.sum() >= 2


def test_provincial_task_rows(data):
    from openpyxl import load_workbook
    ws = load_workbook(data / "responses" / f"{sample.PROVINCIAL_TASK[0]}.xlsx", read_only=True).active
    rows = list(ws.values)
    header, body = rows[0], rows[1:]
    assert header == ("Timestamp", "Asal Wilayah", "No Absen", "Nama", "Link Postingan")
    provinces = [r[1] for r in body]
    assert provinces.count("Sulawesi Selatan") / len(provinces) > 0.9
    assert any(isinstance(r[2], int) for r in body)


def test_village_media_rates(data):
    media = pd.read_csv(data / "village_media.csv", dtype=str, keep_default_na=False)
    assert set(media["media_konvensional"]) == {"Ya", "Tidak"}
    assert 0.985 < (media["media_konvensional"] == "Ya").mean() < 0.999
    assert 0.33 < (media["website"] != "").mean() < 0.47
    assert abs(len(media) - sample.NATIONAL_VILLAGES * SCALE) < 450  # at least one desa per kabupaten
