"""An independent recomputation of the data contract, compared with what the pipeline publishes.

Written from ../shared/data-contract.md alone and deliberately simple: the csv module and
openpyxl read the files, plain loops and dicts apply the rules, rapidfuzz only gives an edit
distance. Nothing here calls pipeline.inputs.load, resolve, eligibility, names or compute: the
pipeline is only asked to publish its tables (`pipeline.runs.stage.run_task`) for the small sample.

Every published outcome, resolved nomor absen, timestamp and on-time flag, every per-province,
per-kabupaten and per-jabatan count, every non-responder with its streak, possibly_inactive and
submitted, the national trend (national tasks only) and the roster quarantine must agree with this
recomputation; every input row must appear exactly once. The roster is the sample's with kabupaten
written in the contract's other prefix forms and some provinces in their official long names.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from rapidfuzz.distance import Levenshtein

from pipeline.runs.stage import run_task

LATEST = "2025-11-10-hari-pahlawan"  # national, day-first with dotted times, decided by the window
PROVINCIAL = "2025-10-19-hut-sulsel"  # one province, XLSX with date cells, Asia/Makassar
TASKS_CHECKED = (LATEST, PROVINCIAL)

# --- The contract's vocabulary, typed in from the contract ---------------------------------------

PROVINCES = (
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Jambi", "Sumatera Selatan", "Bengkulu", "Lampung",
    "Kepulauan Bangka Belitung", "Kepulauan Riau", "DKI Jakarta", "Jawa Barat", "Jawa Tengah", "DI Yogyakarta",
    "Jawa Timur", "Banten", "Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Barat",
    "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara", "Sulawesi Utara",
    "Sulawesi Tengah", "Sulawesi Selatan", "Sulawesi Tenggara", "Gorontalo", "Sulawesi Barat", "Maluku",
    "Maluku Utara", "Papua", "Papua Barat", "Papua Selatan", "Papua Tengah", "Papua Pegunungan", "Papua Barat Daya",
)
SHORT_NAMES = {
    "diy": "DI Yogyakarta", "diyogyakarta": "DI Yogyakarta", "jogja": "DI Yogyakarta", "nad": "Aceh",
    "babel": "Kepulauan Bangka Belitung", "kepri": "Kepulauan Riau", "ntb": "Nusa Tenggara Barat",
    "ntt": "Nusa Tenggara Timur", "jabar": "Jawa Barat", "jateng": "Jawa Tengah", "jatim": "Jawa Timur",
    "kalbar": "Kalimantan Barat", "kalteng": "Kalimantan Tengah", "kalsel": "Kalimantan Selatan",
    "kaltim": "Kalimantan Timur", "kaltara": "Kalimantan Utara", "sulut": "Sulawesi Utara",
    "sulteng": "Sulawesi Tengah", "sulsel": "Sulawesi Selatan", "sultra": "Sulawesi Tenggara",
    "sulbar": "Sulawesi Barat", "sumut": "Sumatera Utara", "sumbar": "Sumatera Barat",
    "sumsel": "Sumatera Selatan", "malut": "Maluku Utara",
    # common forms beyond the contract's list, accepted by decision (docs/decisions.md)
    "yogyakarta": "DI Yogyakarta", "jogjakarta": "DI Yogyakarta", "yogya": "DI Yogyakarta",
    "pabar": "Papua Barat", "pbd": "Papua Barat Daya", "jakarta": "DKI Jakarta", "dki": "DKI Jakarta",
    # the official long forms (spaces removed, as looked up below)
    "daerahistimewayogyakarta": "DI Yogyakarta", "daerahkhususibukotajakarta": "DKI Jakarta",
    "daerahkhususjakarta": "DKI Jakarta", "dkijakarta": "DKI Jakarta", "nanggroeacehdarussalam": "Aceh",
    "kepbangkabelitung": "Kepulauan Bangka Belitung",
}
LONG_FORMS = {"DI Yogyakarta": "Daerah Istimewa Yogyakarta", "Aceh": "Nanggroe Aceh Darussalam",
              "Kepulauan Bangka Belitung": "Kep. Bangka Belitung"}
POSSIBLY_INACTIVE_STREAK = 8  # "silent in the last 8 tasks they were eligible for"
JABATAN = {"ta": "TA", "pd": "PD", "pld": "PLD", "tenaga ahli": "TA", "pendamping desa": "PD",
           "pendamping lokal desa": "PLD"}
ROSTER_HEADERS = {
    "nomor_absen": ("nomor_absen", "nomor absen", "no absen", "nomor urut absen"),
    "nama": ("nama", "nama lengkap"), "jabatan": ("jabatan", "posisi"), "provinsi": ("provinsi",),
    "kabupaten": ("kabupaten", "kabupaten/kota", "kab/kota"), "status": ("status",),
    "tanggal_resign": ("tanggal_resign", "tanggal resign"),
    "tanggal_bergabung": ("tanggal_bergabung", "tanggal bergabung"),
}
RESPONSE_HEADERS = {
    "timestamp": ("timestamp", "stempel waktu", "cap waktu"), "provinsi": ("provinsi",),
    "nomor_absen": ("nomor_absen", "nomor absen", "no absen", "nomor urut absen"),
    "nama": ("nama", "nama lengkap"), "link": ("link", "tautan"),
}
# Degrees and honorifics, letters only (S.Pd. -> spd): dropped from names when written with a dot,
# honorific words also without one.
DEGREES = {"spd", "se", "shut", "sap", "spdi", "amd", "msi", "map", "ssos", "st", "sp", "skom", "sip", "sh", "mm",
           "dr", "drs", "ir", "h", "hj", "bpk", "sdr"}
HONORIFIC_WORDS = {"ibu", "bapak", "bpk", "sdr", "sdri", "pak", "bu"}


def header_key(h: object) -> str:
    return " ".join(str(h or "").split()).lower()


def province_of(text: str) -> str | None:
    key = " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())
    key = re.sub(r"^(provinsi|prov) ", "", key).replace("sumatra", "sumatera")
    for p in PROVINCES:
        if key == p.lower():
            return p
    return SHORT_NAMES.get(key.replace(" ", ""))


# --- Reading (csv / openpyxl) ----------------------------------------------------------------------


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """(source_row, {header_key: value}) for every non-blank data row of a CSV or XLSX file."""
    if path.suffix == ".xlsx":
        ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        grid = [list(r) for r in ws.iter_rows(values_only=True)]
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        grid = list(csv.reader(io.StringIO(text, newline="")))
    header = [header_key(h) for h in grid[0]]
    out = []
    for number, row in enumerate(grid[1:], start=1):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        out.append((number, dict(zip(header, row))))
    return out


def pick(record: dict, names: tuple[str, ...], *, containing: str = "", starting: str = ""):
    for key, value in record.items():
        if key in names:
            return value
    for key, value in record.items():
        if (containing and containing in key) or (starting and key.startswith(starting)):
            return value
    return None


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    s = text(value)
    if not s:
        return None
    if m := re.match(r"^(\d{4})-(\d{2})-(\d{2})", s):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    d, mo, y = s.split("/")
    return dt.date(int(y), int(mo), int(d))


def load_roster(data: Path) -> list[dict]:
    rows = []
    for number, rec in read_rows(data / "roster.csv"):
        get = {k: pick(rec, v) for k, v in ROSTER_HEADERS.items()}
        raw_id = text(get["nomor_absen"])
        rows.append({
            "source_row": number,
            "id": int(raw_id) if raw_id.isdigit() and int(raw_id) > 0 else None,
            "nama": text(get["nama"]),
            "jabatan": JABATAN.get(" ".join(text(get["jabatan"]).lower().split())),
            "provinsi": province_of(text(get["provinsi"])),
            "kabupaten": text(get["kabupaten"]),
            "kabupaten_raw": text(get["kabupaten"]),
            "resign": text(get["status"]).lower() == "resign",
            "tanggal_resign": read_date(get["tanggal_resign"]),
            "tanggal_bergabung": read_date(get["tanggal_bergabung"]),
        })
    show_kabupaten(rows)
    count = Counter(r["id"] for r in rows if r["id"] is not None)
    for r in rows:  # the contract's order: the first reason that applies
        r["quarantine"] = ("missing_id" if r["id"] is None else "duplicate_id" if count[r["id"]] > 1
                           else "unknown_province" if r["provinsi"] is None
                           else "unknown_jabatan" if r["jabatan"] is None else None)
    return rows


def kabupaten_form(name: str) -> str:
    """Kabupaten compared after case, extra spaces and the prefix forms (Kab., Kab, Kabupaten are one;
    Kota, Kot. are one; with or without a space after the dot)."""
    words = " ".join(name.split()).lower()
    for prefixes, one in ((("kabupaten ", "kab. ", "kab.", "kab "), "kabupaten"), (("kota ", "kot. ", "kot."), "kota")):
        for prefix in prefixes:
            if words.startswith(prefix) and words[len(prefix):].strip():
                return one + " " + words[len(prefix):].strip()
    return words


def show_kabupaten(rows: list[dict]) -> None:
    """Each row's kabupaten as reports show it: the most frequent spelling of it within its province over
    all roster rows, a tie going to the first in the file."""
    spellings: dict[tuple, dict[str, list[int]]] = defaultdict(dict)
    for i, r in enumerate(rows):
        if r["kabupaten"]:
            seen = spellings[(r["provinsi"], kabupaten_form(r["kabupaten"]))].setdefault(r["kabupaten"], [0, i])
            seen[0] += 1
    for r in rows:
        if r["kabupaten"]:
            options = spellings[(r["provinsi"], kabupaten_form(r["kabupaten"]))]
            r["kabupaten"] = min(options, key=lambda k: (-options[k][0], options[k][1]))


def load_tasks(data: Path) -> list[dict]:
    tasks = []
    for _, rec in read_rows(data / "tasks.csv"):
        tz = ZoneInfo(text(rec.get("timezone")) or "Asia/Jakarta")
        cakupan = text(rec["cakupan"])
        tasks.append({
            "task_id": text(rec["task_id"]), "tz": tz, "sumber": text(rec.get("sumber")),
            "materi": text(rec.get("materi")),
            "mulai": dt.datetime.fromisoformat(text(rec["mulai"])).replace(tzinfo=tz),
            "batas": dt.datetime.fromisoformat(text(rec["batas"])).replace(tzinfo=tz),
            "scope": None if cakupan.lower() == "nasional" else {province_of(p) for p in cakupan.split(";")},
        })
    return sorted(tasks, key=lambda t: (t["mulai"], t["task_id"]))


# --- Timestamps: one format per file, from the column, else from the task window ------------------

ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2})[:.](\d{2})[:.](\d{2})$")


def parse_timestamps(values: list, task: dict) -> list[dt.datetime]:
    tz = task["tz"]
    slashes = [SLASH.match(v) for v in values if isinstance(v, str) and SLASH.match(v)]
    order = None
    if any(int(m[1]) > 12 for m in slashes):
        order = "dmy"
    elif any(int(m[2]) > 12 for m in slashes):
        order = "mdy"
    elif slashes:  # which reading falls in the task's window
        lo, hi = task["mulai"] - dt.timedelta(days=1), task["batas"] + dt.timedelta(days=7)

        def inside(day_first: bool) -> int:
            n = 0
            for m in slashes:
                d, mo = (int(m[1]), int(m[2])) if day_first else (int(m[2]), int(m[1]))
                t = dt.datetime(int(m[3]), mo, d, int(m[4]), int(m[5]), int(m[6]), tzinfo=tz)
                n += lo <= t <= hi
            return n

        order = "dmy" if inside(True) > inside(False) else "mdy"
    out = []
    for v in values:
        if isinstance(v, dt.datetime):  # an Excel date cell: local time
            out.append(v.replace(tzinfo=tz))
        elif m := ISO.match(v):
            naive = dt.datetime(*(int(m[i]) for i in range(1, 7)))
            if m[7]:
                offset = dt.UTC if m[7] == "Z" else dt.timezone(
                    dt.timedelta(hours=int(m[7][:3]), minutes=int(m[7][0] + m[7][4:])))
                out.append(naive.replace(tzinfo=offset).astimezone(tz))
            else:
                out.append(naive.replace(tzinfo=tz))
        else:
            m = SLASH.match(v)
            a, b = int(m[1]), int(m[2])
            d, mo = (a, b) if order == "dmy" else (b, a)
            out.append(dt.datetime(int(m[3]), mo, d, int(m[4]), int(m[5]), int(m[6]), tzinfo=tz))
    return out


def load_responses(data: Path, task: dict) -> list[dict]:
    path = data / task["sumber"] if task["sumber"] else data / "responses" / f"{task['task_id']}.csv"
    rows = []
    for number, rec in read_rows(path):
        rows.append({
            "source_row": number,
            "timestamp": pick(rec, RESPONSE_HEADERS["timestamp"]),
            "provinsi": text(pick(rec, RESPONSE_HEADERS["provinsi"], containing="wilayah")),
            "nomor_absen": text(pick(rec, RESPONSE_HEADERS["nomor_absen"])),
            "nama": text(pick(rec, RESPONSE_HEADERS["nama"])),
            "link": text(pick(rec, RESPONSE_HEADERS["link"], starting="link")),
        })
    for r, ts in zip(rows, parse_timestamps([r["timestamp"] for r in rows], task)):
        r["timestamp"] = ts
    return rows


# --- Rules ---------------------------------------------------------------------------------------


def normal_name(name: str) -> str:
    words = []
    for i, token in enumerate(name.lower().replace(",", " , ").split()):
        letters = re.sub(r"[^a-z]", "", token)
        if ("." in token and letters in DEGREES) or (i == 0 and letters in HONORIFIC_WORDS):
            continue
        words.append(token)
    return " ".join(w for w in re.findall(r"[a-z]+", " ".join(words)))


def same_person(a: str, b: str) -> bool:
    """The same, one is the other with a name left out, or a small typo (one edit)."""
    a, b = normal_name(a), normal_name(b)
    if not a or not b:
        return False
    wa, wb = set(a.split()), set(b.split())
    return a == b or wa <= wb or wb <= wa or Levenshtein.distance(a, b) <= 1


def one_keystroke(digits: str) -> set[int]:
    """Ids one keystroke from `digits`: a digit changed, two adjacent swapped, one added or dropped."""
    found = set()
    for i in range(len(digits)):
        found.add(digits[:i] + digits[i + 1:])
        for c in "0123456789":
            found.add(digits[:i] + c + digits[i + 1:])
    for i in range(len(digits) + 1):
        for c in "0123456789":
            found.add(digits[:i] + c + digits[i:])
    for i in range(len(digits) - 1):
        found.add(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])
    return {int(v) for v in found if v and int(v) > 0} - {int(digits)}


def eligible(person: dict, task: dict) -> bool:
    start_day = task["mulai"].date()
    if person["quarantine"]:
        return False
    if task["scope"] is not None and person["provinsi"] not in task["scope"]:
        return False
    if person["resign"] and (person["tanggal_resign"] is None or person["tanggal_resign"] <= start_day):
        return False
    return person["tanggal_bergabung"] is None or person["tanggal_bergabung"] <= start_day


PLATFORM_HOSTS = ("facebook.com", "fb.com", "fb.watch", "instagram.com", "x.com", "twitter.com", "tiktok.com",
                  "youtube.com", "youtu.be")
BARE_HOST = re.compile(r"(?:[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\.)+[A-Za-z]{2,}")


def read_link(link: str) -> str | None:
    """Rule 6 as amended: the URL a valid link is read as (``https://`` + a value without a scheme), else None."""
    link = link.strip()
    if not link or re.search(r"\s", link):
        return None
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https"):
        labels = (host or "").rstrip(".").split(".")
        return link if len(labels) >= 2 and all(labels) else None
    head, slash, _ = link.partition("/")
    if not BARE_HOST.fullmatch(head):
        return None
    head = head.lower()
    if slash or head.startswith("www.") or any(head == d or head.endswith("." + d) for d in PLATFORM_HOSTS):
        return "https://" + link
    return None


def valid_link(link: str) -> bool:
    return read_link(link) is not None


def outcomes(roster: list[dict], task: dict, responses: list[dict]) -> list[dict]:
    """Each response row with `outcome`, the resolved `id` and `on_time`, in the contract's order."""
    by_id = defaultdict(list)
    for person in roster:
        if person["id"] is not None:
            by_id[person["id"]].append(person)
    passed = []
    for r in responses:
        r["id"], r["on_time"] = None, None
        digits = "".join(c for c in r["nomor_absen"] if c.isdigit()).lstrip("0")
        if not digits:
            r["outcome"] = "missing_id"
            continue
        typed = int(digits)
        has_name = bool(normal_name(r["nama"]))
        matches = lambda i, r=r: any(same_person(r["nama"], p["nama"]) for p in by_id[i])  # noqa: E731
        recovered = False
        if typed in by_id and (not has_name or matches(typed)):
            r["id"] = typed
        elif has_name:
            near = [i for i in one_keystroke(digits) if i in by_id and matches(i)]
            if len(near) == 1:
                r["id"], recovered = near[0], True
        if r["id"] is None:
            r["outcome"] = "name_mismatch" if typed in by_id else "unknown_id"
            continue
        people = by_id[r["id"]]
        if any(p["quarantine"] for p in people):
            r["outcome"] = "roster_conflict"
        elif not eligible(people[0], task):
            r["outcome"] = "not_eligible"
        elif r["timestamp"] < task["mulai"]:
            r["outcome"] = "before_start"
        elif not valid_link(r["link"]):
            r["outcome"] = "invalid_link"
        else:
            r["outcome"] = "recovered" if recovered else "counted"
            passed.append(r)
    seen = set()
    for r in sorted(passed, key=lambda r: (r["timestamp"], r["source_row"])):
        if r["id"] in seen:
            r["outcome"] = "duplicate"
        else:
            seen.add(r["id"])
            r["on_time"] = r["timestamp"] <= task["batas"]
    return responses


def figures(people: list[dict], counted: dict[int, dict], task: dict, key) -> dict:
    groups = defaultdict(lambda: {"eligible": 0, "responded": 0, "on_time": 0, "minutes": []})
    for p in people:
        g = groups[key(p)]
        g["eligible"] += 1
        if p["id"] in counted:
            g["responded"] += 1
            g["on_time"] += counted[p["id"]]["on_time"]
            g["minutes"].append((counted[p["id"]]["timestamp"] - task["mulai"]).total_seconds() / 60)
    return groups


# --- The comparison --------------------------------------------------------------------------------


def varied_copy(sample: Path, into: Path) -> Path:
    """The sample with its roster's kabupaten in other prefix forms (KAB. X, Kab.X, Kab X, Kot. X, KOTA X)
    and some provinces in their official long names: the same people, other spellings."""
    shutil.copytree(sample, into)
    with open(into / "roster.csv", encoding="utf-8-sig", newline="") as fh:
        grid = list(csv.reader(fh))
    kab, prov = grid[0].index("Kabupaten/Kota"), grid[0].index("Provinsi")
    for i, row in enumerate(grid[1:]):
        name = row[kab]
        if name.startswith("Kabupaten ") and i % 7 in (1, 2, 3):
            row[kab] = ("KAB. " + name[10:].upper(), "Kab." + name[10:], "Kab  " + name[10:])[i % 7 - 1]
        elif name.startswith("Kota ") and i % 5 in (1, 2):
            row[kab] = ("Kot. " + name[5:], "KOTA " + name[5:].upper())[i % 5 - 1]
        if row[prov] in LONG_FORMS and i % 2 == 0:
            row[prov] = LONG_FORMS[row[prov]]
    with open(into / "roster.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(grid)
    return into


@pytest.fixture(scope="module")
def recomputed(small_sample, tmp_path_factory):
    data = varied_copy(small_sample, tmp_path_factory.mktemp("varied") / "data")
    out = tmp_path_factory.mktemp("recompute")
    for task_id in TASKS_CHECKED:
        run_task(data, task_id, out_root=out, log=lambda *a: None)
    roster = load_roster(data)
    tasks = load_tasks(data)
    checked = {t["task_id"]: outcomes(roster, t, load_responses(data, t)) for t in tasks}
    return out, roster, tasks, checked


def published(out: Path, task_id: str, name: str) -> list[dict]:
    with open(out / task_id / "tables" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("task_id", TASKS_CHECKED)
def test_every_response_row_once_with_the_same_outcome(recomputed, task_id):
    out, roster, tasks, checked = recomputed
    mine = {r["source_row"]: r for r in checked[task_id]}
    theirs = published(out, task_id, "responses_checked")
    rows = [int(r["source_row"]) for r in theirs]
    assert sorted(rows) == sorted(mine) and len(rows) == len(set(rows))  # count in = count out
    wrong = []
    for t in theirs:
        m = mine[int(t["source_row"])]
        got = (t["outcome"], t["nomor_absen"], t["on_time"])
        want = (m["outcome"], "" if m["id"] is None or m["outcome"] in ("unknown_id", "name_mismatch") else str(m["id"]),
                "" if m["on_time"] is None else str(m["on_time"]))
        if got != want:
            wrong.append((t["source_row"], t["nomor_absen_input"], t["nama_input"], got, want))
        if m["timestamp"] is not None:
            assert dt.datetime.fromisoformat(t["timestamp"]) == m["timestamp"], t["source_row"]
    assert not wrong, wrong[:20]


def test_each_outcome_code_is_exercised(recomputed):
    _, _, _, checked = recomputed
    seen = Counter(r["outcome"] for r in checked[LATEST])
    for code in ("counted", "recovered", "missing_id", "unknown_id", "name_mismatch", "roster_conflict",
                 "not_eligible", "before_start", "invalid_link", "duplicate"):
        assert seen[code] >= 1, (code, seen)


def test_roster_quarantine_is_every_bad_row_once_with_its_reason(recomputed):
    out, roster, _, _ = recomputed
    mine = {p["source_row"]: p["quarantine"] for p in roster if p["quarantine"]}
    for task_id in TASKS_CHECKED:
        theirs = published(out, task_id, "roster_quarantine")
        assert len(theirs) == len({r["source_row"] for r in theirs})
        assert {int(r["source_row"]): r["reason"] for r in theirs} == mine
    assert set(mine.values()) == {"missing_id", "duplicate_id", "unknown_province", "unknown_jabatan"}


@pytest.mark.parametrize("task_id", TASKS_CHECKED)
@pytest.mark.parametrize(("table", "key"), [
    ("participation_province", ("provinsi",)),
    ("participation_kabupaten", ("provinsi", "kabupaten")),
    ("participation_jabatan", ("provinsi", "jabatan")),
])
def test_participation_counts_agree(recomputed, task_id, table, key):
    out, roster, tasks, checked = recomputed
    task = next(t for t in tasks if t["task_id"] == task_id)
    people = [p for p in roster if eligible(p, task)]
    counted = {r["id"]: r for r in checked[task_id] if r["outcome"] in ("counted", "recovered")}
    mine = figures(people, counted, task, lambda p: tuple(p[k] for k in key))
    theirs = {tuple(r[k] for k in key): r for r in published(out, task_id, table)}
    assert set(theirs) == set(mine)
    for group, g in mine.items():
        t = theirs[group]
        assert (int(t["eligible"]), int(t["responded"]), int(t["on_time"])) == \
            (g["eligible"], g["responded"], g["on_time"]), group
        assert float(t["participation_rate"]) == pytest.approx(g["responded"] / g["eligible"], abs=1e-12)
        assert float(t["on_time_rate"]) == pytest.approx(g["on_time"] / g["eligible"], abs=1e-12)
        if g["minutes"]:
            assert float(t["median_response_minutes"]) == pytest.approx(statistics.median(g["minutes"]), abs=1e-9)
        else:
            assert t["median_response_minutes"] == ""


@pytest.mark.parametrize("task_id", TASKS_CHECKED)
def test_non_responders_and_streaks_agree(recomputed, task_id):
    out, roster, tasks, checked = recomputed
    schedule = tasks[: next(i for i, t in enumerate(tasks) if t["task_id"] == task_id) + 1]
    counted = {t["task_id"]: {r["id"] for r in checked[t["task_id"]] if r["outcome"] in ("counted", "recovered")}
               for t in schedule}
    task = schedule[-1]
    mine = {}
    for p in roster:
        if eligible(p, task) and p["id"] not in counted[task_id]:
            streak = 0
            for earlier in reversed(schedule):
                if not eligible(p, earlier):
                    continue
                if p["id"] in counted[earlier["task_id"]]:
                    break
                streak += 1
            mine[p["id"]] = streak
    theirs = {int(r["nomor_absen"]): int(r["streak"]) for r in published(out, task_id, "non_responders")}
    assert theirs == mine
    if task_id == LATEST:
        assert any(s >= 3 for s in mine.values())  # the history is really used


def streaks_of(roster: list[dict], tasks: list[dict], checked: dict, task_id: str) -> dict[int, int]:
    """Every non-responder of `task_id` with their streak."""
    schedule = tasks[: next(i for i, t in enumerate(tasks) if t["task_id"] == task_id) + 1]
    counted = {t["task_id"]: {r["id"] for r in checked[t["task_id"]] if r["outcome"] in ("counted", "recovered")}
               for t in schedule}
    mine = {}
    for p in roster:
        if eligible(p, schedule[-1]) and p["id"] not in counted[task_id]:
            streak = 0
            for earlier in reversed(schedule):
                if not eligible(p, earlier):
                    continue
                if p["id"] in counted[earlier["task_id"]]:
                    break
                streak += 1
            mine[p["id"]] = streak
    return mine


@pytest.mark.parametrize("task_id", TASKS_CHECKED)
def test_possibly_inactive_and_submitted_agree(recomputed, task_id):
    out, roster, tasks, checked = recomputed
    streak = streaks_of(roster, tasks, checked, task_id)
    latest_rejected = {}
    ordered = sorted(checked[task_id], key=lambda r: (r["timestamp"] is not None, r["timestamp"] or 0, r["source_row"]))
    for r in ordered:
        if r["id"] is not None and r["outcome"] not in ("counted", "recovered"):
            latest_rejected[r["id"]] = r["outcome"]
    theirs = {int(r["nomor_absen"]): r for r in published(out, task_id, "non_responders")}
    assert set(theirs) == set(streak)
    for nomor, s in streak.items():
        assert theirs[nomor]["possibly_inactive"] == str(s >= POSSIBLY_INACTIVE_STREAK), nomor
        assert theirs[nomor]["submitted"] == latest_rejected.get(nomor, ""), nomor
    if task_id == LATEST:  # the sample has both, outside the provincial task's province too
        inactive = {theirs[n]["provinsi"] for n, s in streak.items() if s >= POSSIBLY_INACTIVE_STREAK}
        assert len(inactive - {"Sulawesi Selatan"}) >= 3, inactive
        assert any(r["submitted"] for r in theirs.values())


def test_national_trend_is_national_tasks_only(recomputed):
    out, roster, tasks, checked = recomputed
    schedule = tasks[: next(i for i, t in enumerate(tasks) if t["task_id"] == LATEST) + 1]
    national = [t for t in schedule if t["scope"] is None]
    assert len(national) < len(schedule)  # the provincial task is in the schedule
    theirs = {r["task_id"]: r for r in published(out, LATEST, "trend_national")}
    assert list(theirs) == [t["task_id"] for t in national]
    for t in national:
        people = [p for p in roster if eligible(p, t)]
        counted = {r["id"] for r in checked[t["task_id"]] if r["outcome"] in ("counted", "recovered")}
        responded = sum(p["id"] in counted for p in people)
        assert (int(theirs[t["task_id"]]["eligible"]), int(theirs[t["task_id"]]["responded"])) == \
            (len(people), responded), t["task_id"]
    provincial = {r["provinsi"] for r in published(out, LATEST, "trend_province") if r["task_id"] == PROVINCIAL}
    assert provincial == {"Sulawesi Selatan"}


def test_kabupaten_spellings_are_one_kabupaten(recomputed):
    out, roster, _, _ = recomputed
    forms = defaultdict(set)
    for p in roster:
        if p["provinsi"]:
            forms[(p["provinsi"], kabupaten_form(p["kabupaten_raw"]))].add(p["kabupaten_raw"])
    assert sum(len(v) > 1 for v in forms.values()) >= 10  # the roster really spells kabupaten several ways
    for task_id in TASKS_CHECKED:
        rows = published(out, task_id, "participation_kabupaten")
        keys = [(r["provinsi"], kabupaten_form(r["kabupaten"])) for r in rows]
        assert len(keys) == len(set(keys)), task_id
    assert any(r["kabupaten"].startswith(("KAB. ", "Kab.", "Kot. ")) for r in published(out, LATEST, "non_responders"))


# --- Proof checks: normalised links and the three flags --------------------------------------------

TRACKING = {"fbclid", "gclid", "igshid", "igsh", "mibextid", "si", "feature", "ref", "ref_src", "ref_url", "share_id",
            "_rdr"}


def normal_link(url: str) -> str:
    """The contract's normalisation rules 1-4, literally."""
    parts = urlsplit(url)
    host = parts.hostname.rstrip(".")
    port = parts.port
    changed = True
    while changed:
        changed = False
        for prefix in ("www.", "m.", "mobile.", "mbasic.", "web."):
            if host.startswith(prefix) and "." in host[len(prefix):]:
                host, changed = host[len(prefix):], True
    host = {"fb.com": "facebook.com", "twitter.com": "x.com"}.get(host, host)
    path, query = parts.path.rstrip("/"), [q for q in parts.query.split("&") if q]
    if host == "youtu.be" and path.count("/") == 1 and len(path) > 1:
        host, path, query = "youtube.com", "/watch", ["v=" + path[1:]] + query
    elif host == "youtube.com" and re.fullmatch(r"/shorts/[^/]+", path):
        host, path, query = "youtube.com", "/watch", ["v=" + path[len("/shorts/"):]] + query
    keep = []
    for q in query:
        key = q.split("=", 1)[0].lower()
        if key in TRACKING or key.startswith("utm_") or (host == "x.com" and key in ("s", "t")):
            continue
        keep.append(q)
    keep.sort(key=lambda q: q.split("=", 1)[0].lower())
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    netloc = host if port in (None, default) else f"{host}:{port}"
    return netloc + path + ("?" + "&".join(keep) if keep else "")


def expected_flags(tasks: list[dict], checked: dict[str, list[dict]], task_id: str) -> dict[tuple[int, str], str]:
    """(source_row, flag) -> other, for every flag of `task_id`."""
    counted = {}
    for t in tasks:
        rows = [r for r in checked[t["task_id"]] if r["outcome"] in ("counted", "recovered")]
        counted[t["task_id"]] = sorted(rows, key=lambda r: (r["timestamp"], r["source_row"]))
    now = counted[task_id]
    pos = next(i for i, t in enumerate(tasks) if t["task_id"] == task_id)
    task = tasks[pos]
    material = {normal_link(read_link(x)) for x in re.split(r"[\s;]+", task["materi"]) if x and read_link(x)}
    by_link = defaultdict(set)
    for r in now:
        by_link[normal_link(read_link(r["link"]))].add(r["id"])
    flags = {}
    for r in now:
        link = normal_link(read_link(r["link"]))
        others = sorted(by_link[link] - {r["id"]})
        if others:
            flags[(r["source_row"], "shared_link")] = ";".join(map(str, others))
        for earlier in tasks[:pos]:
            hit = next((e for e in counted[earlier["task_id"]] if normal_link(read_link(e["link"])) == link), None)
            if hit is not None:
                flags[(r["source_row"], "reused_link")] = f"{earlier['task_id']}:{hit['id']}"
                break
        if link in material:
            flags[(r["source_row"], "task_material")] = ""
    return flags


@pytest.mark.parametrize("task_id", TASKS_CHECKED)
def test_proof_flags_agree(recomputed, task_id):
    out, _, tasks, checked = recomputed
    mine = expected_flags(tasks, checked, task_id)
    theirs = {(int(r["source_row"]), r["flag"]): r["other"] for r in published(out, task_id, "proof_flags")}
    assert theirs == mine
    if task_id == LATEST:  # the sample plants each flag
        assert {flag for _, flag in mine} == {"shared_link", "reused_link", "task_material"}
        assert sum(flag == "shared_link" for _, flag in mine) >= 4
    rows = {r["source_row"]: r for r in checked[task_id]}
    for r in published(out, task_id, "proof_flags"):
        m = rows[int(r["source_row"])]
        assert r["link_normalised"] == normal_link(read_link(m["link"]))
        assert int(r["nomor_absen"]) == m["id"]
    warned = defaultdict(list)
    for (row, flag) in sorted(mine, key=lambda k: (k[0], ("shared_link", "reused_link", "task_material").index(k[1]))):
        warned[row].append(flag)
    for t in published(out, task_id, "responses_checked"):
        m = rows[int(t["source_row"])]
        codes = t["warnings"].split(";") if t["warnings"] else []
        assert [c for c in codes if c in ("shared_link", "reused_link", "task_material")] == warned[m["source_row"]]
        bare = valid_link(m["link"]) and read_link(m["link"]) != m["link"].strip()  # read as https:// + the value
        assert ("link_no_scheme" in codes) == bare, t["source_row"]


def test_links_without_a_scheme_count(recomputed):
    _, _, _, checked = recomputed
    bare = [r for r in checked[LATEST] if valid_link(r["link"]) and read_link(r["link"]) != r["link"].strip()]
    assert sum(r["outcome"] in ("counted", "recovered") for r in bare) >= 3
