"""Read-only views of the published tables for one report, formatted for readers in Bahasa Indonesia.

Nothing here computes a figure: it selects rows of `tables/*.csv` and formats them. Every
table, and every figure in it, is built by ONE function of `pipeline/figures/tables.py`
(`build_tables`; each view below names the function behind the columns it reads). The display
objects (Table, Text, Facts: escaped HTML and plain text) live in `pipeline/reports/display.py`, the
reading of tables/ in `pipeline/reports/published.py`.
"""

from __future__ import annotations

import json

import pandas as pd

from pipeline import config
from pipeline.figures.tables import ACTION_INACTIVE, ACTION_PEMBINAAN  # noqa: F401 (the actions' wording, for tests)
from pipeline.reports import fmt, heading, labels, validation_page
from pipeline.reports.display import (  # noqa: F401 (notebooks: present.Text; tests: present.task_label)
    MAX_CELL,
    MAX_TEXT,
    Facts,
    Table,
    Text,
    clip,
    task_label,
)
from pipeline.reports.labels import submitted_text
from pipeline.reports.published import TaskTables, load_task_tables  # noqa: F401 (notebooks: present.load_task_tables)
from pipeline.rules import contract

OUTCOME_LABEL = {
    "counted": "Terhitung", "recovered": "Terhitung (nomor absen dipulihkan)", "missing_id": "Nomor absen kosong",
    "invalid_timestamp": "Cap waktu tidak terbaca", "unknown_id": "Nomor absen tidak dikenal",
    "name_mismatch": "Nama tidak cocok dengan nomor absen", "roster_conflict": "Data TPP bermasalah (karantina)",
    "not_eligible": "Tidak wajib pada tugas ini", "before_start": "Sebelum tugas dimulai",
    "invalid_link": "Tautan tidak valid", "duplicate": "Kiriman ganda",
}
QUARANTINE_LABEL = {"missing_id": "Nomor absen kosong/bukan angka", "duplicate_id": "Nomor absen ganda",
                    "unknown_province": "Provinsi tidak dikenal", "unknown_jabatan": "Jabatan tidak dikenal"}
HEADLINE_NOTE = (
    "Perubahan: selisih partisipasi dengan tugas sebelumnya yang mencakup provinsi itu. Peringkat: 1 = partisipasi "
    "tertinggi. belum-respon.xlsx (daftar tindak lanjut, tanpa kontak) boleh diteruskan; kontak TPP ada di berkas "
    "terpisah yang hanya dikirim kepada PIC provinsi (UU PDP 27/2022)."
)

def task_heading(tt: TaskTables, provinsi: str | None = None) -> list[Text]:
    """Task, start and deadline (in the task's zone and the province's own), and "Data per ..."."""
    info, zone = tt.info, heading.local_zone(provinsi)
    cakupan = "nasional" if info["cakupan"].strip().lower() == "nasional" else info["cakupan"]
    return [
        Text(f"Tugas: {clip(info['judul'])} ({info['task_id']})", tag="p", css="subtitle"),
        Text(f"Mulai {fmt.tanggal_jam_lokal(tt.mulai, tt.tz, zone)}; "
             f"batas {fmt.tanggal_jam_lokal(tt.batas, tt.tz, zone)}. Cakupan: {clip(cakupan)}."),
        heading.data_per(tt, provinsi),
    ]


# --- Formatting helpers ------------------------------------------------------------------------------

FIGURE_LABELS = ("Wajib lapor", "Merespons", "Partisipasi", "Tepat waktu", "Median waktu respons")
FIGURE_WIDTHS = (11.0, 11.0, 12.0, 12.0, 16.0)  # percent of the page width, for the five figure columns


def figures_frame(df: pd.DataFrame, key_cols: dict[str, str], key_widths: tuple[float, ...] | None = None) -> Table:
    """Figures table with Indonesian labels and formats; key_cols maps source column -> label.

    The key columns share what the five figure columns leave (or take `key_widths`)."""
    out = pd.DataFrame({label: df[col].map(clip) for col, label in key_cols.items()})
    out["Wajib lapor"] = df["eligible"].map(fmt.angka)
    out["Merespons"] = df["responded"].map(fmt.angka)
    out["Partisipasi"] = df["participation_rate"].map(fmt.persen)
    out["Tepat waktu"] = df["on_time_rate"].map(fmt.persen)
    out["Median waktu respons"] = df["median_response_minutes"].map(fmt.menit)
    if key_widths is None:
        rest = 100.0 - sum(FIGURE_WIDTHS)
        key_widths = tuple(rest / len(key_cols) for _ in key_cols)
    return Table(out, numeric=FIGURE_LABELS, widths=(*key_widths, *FIGURE_WIDTHS))


def national_row(tt: TaskTables) -> pd.Series:
    """The national figures (all jabatan) of this task."""
    n = tt["participation_national"]
    return n[n["jabatan"] == "Semua"].iloc[0] if "Semua" in set(n["jabatan"]) else n.iloc[0]


def national_rate(tt: TaskTables) -> float:
    return float(national_row(tt)["participation_rate"])


def province_row(tt: TaskTables, provinsi: str) -> pd.Series:
    t = tt["participation_province"]
    rows = t[t["provinsi"] == provinsi]
    if rows.empty:
        raise KeyError(f"province {provinsi!r} is not in this task's published tables")
    return rows.iloc[0]


def _task_title(tt: TaskTables, task_id: object) -> str | None:
    for t in tt.info.get("schedule", []):
        if t["task_id"] == task_id:
            return f"{clip(t['judul'], 60)}, {fmt.tanggal(pd.Timestamp(t['mulai']))}"
    return None


def change_text(tt: TaskTables, summ: pd.Series) -> str:
    """Change against the previous task that covered the province, naming that task."""
    if pd.isna(summ["change"]):
        return "– (tidak ada tugas sebelumnya)"
    return fmt.poin(summ["change"])


def province_facts(tt: TaskTables, provinsi: str) -> Facts:
    """Headline figures: participation_province (compute.rate_table), rank and change
    (pipeline.figures.tables.province_summary), non-responders (pipeline.figures.tables.streak_counts)."""
    row = province_row(tt, provinsi)
    summ = tt["province_summary"].set_index("provinsi").loc[provinsi]
    previous = _task_title(tt, summ["previous_task_id"]) if pd.notna(summ["previous_task_id"]) else None
    streaks = tt["streak_counts"].set_index("provinsi")
    belum = int(streaks.loc[provinsi, "non_responders"]) if provinsi in streaks.index else 0
    return Facts([
        ("Partisipasi", fmt.persen(row["participation_rate"])),
        ("Merespons / wajib lapor", f"{fmt.angka(row['responded'])} / {fmt.angka(row['eligible'])}"),
        ("Tepat waktu", fmt.persen(row["on_time_rate"])),
        ("Median waktu respons", fmt.menit(row["median_response_minutes"])),
        ("Peringkat nasional", f"{int(summ['rank'])} dari {int(summ['provinces_ranked'])}"),
        ("Perubahan dari tugas sebelumnya" + (f" ({previous})" if previous else ""), change_text(tt, summ)),
        (labels.overall_label(tt.info), fmt.persen(national_rate(tt))),
        ("Belum merespons", fmt.angka(belum)),
    ])


def kabupaten_rows(tt: TaskTables, provinsi: str) -> pd.DataFrame:
    """Kabupaten of one province, lowest participation first (those needing follow-up on top)."""
    k = tt["participation_kabupaten"]
    return k[k["provinsi"] == provinsi].sort_values(["participation_rate", "kabupaten"], kind="stable")


def kabupaten_table(tt: TaskTables, provinsi: str) -> tuple[pd.DataFrame, Table]:
    k = kabupaten_rows(tt, provinsi)
    return k, figures_frame(k, {"kabupaten": "Kabupaten/Kota"})


def province_highlights(tt: TaskTables, provinsi: str, n: int = config.HIGHLIGHT_KABUPATEN) -> Text:
    """Which kabupaten need follow-up: those below the national rate, lowest first."""
    k = kabupaten_rows(tt, provinsi)
    nat = national_rate(tt)
    below = k[k["participation_rate"] < nat]
    if below.empty:
        return Text(f"Semua {fmt.angka(len(k))} kabupaten/kota berada pada atau di atas "
                    f"{labels.overall_label(tt.info).lower()} ({fmt.persen(nat)}).")
    shown = "; ".join(f"{clip(r.kabupaten, 60)} ({fmt.persen(r.participation_rate)})" for r in below.head(n).itertuples())
    more = f" dan {fmt.angka(len(below) - n)} lainnya" if len(below) > n else ""
    return Text(f"Perlu tindak lanjut: {fmt.angka(len(below))} dari {fmt.angka(len(k))} kabupaten/kota di bawah "
                f"{labels.overall_label(tt.info).lower()} ({fmt.persen(nat)}): {shown}{more}.")


def jabatan_table(tt: TaskTables, provinsi: str) -> Table:
    j = tt["participation_jabatan"]
    j = j[j["provinsi"] == provinsi].copy()
    j["jabatan"] = j["jabatan"].map(lambda c: f"{contract.JABATAN_LABEL.get(c, c)} ({c})")
    return figures_frame(j, {"jabatan": "Jabatan"})


def national_jabatan_table(tt: TaskTables) -> Table:
    j = tt["participation_national"].copy()
    j["jabatan"] = j["jabatan"].map(lambda c: "Semua jabatan" if c == "Semua" else
                                    f"{contract.JABATAN_LABEL.get(c, c)} ({c})")
    return figures_frame(j, {"jabatan": "Jabatan"})


# --- Tasks over time --------------------------------------------------------------------------------

def trend_frame(tt: TaskTables, provinsi: str | None, n: int = config.TREND_TASKS) -> pd.DataFrame:
    """Latest n tasks with a label, in schedule order: nationally, the national tasks' rates
    (trend_national holds national tasks only: compute.trend_tables); for a province, every task that
    covered it (provincial ones included) with the national rate beside it (empty for a provincial task)."""
    nat = tt["trend_national"][["task_order", "task_id", "judul", "mulai", "participation_rate"]]
    nat = nat.rename(columns={"participation_rate": "nasional"})
    if provinsi is not None:
        p = tt["trend_province"]
        p = p[p["provinsi"] == provinsi][["task_order", "task_id", "judul", "mulai", "participation_rate"]]
        nat = p.rename(columns={"participation_rate": "provinsi"}).merge(nat[["task_id", "nasional"]], on="task_id",
                                                                           how="left")
    out = nat.sort_values("task_order").tail(n).reset_index(drop=True)
    out["label"] = [task_label(j, m) for j, m in zip(out["judul"], out["mulai"])]
    return out


def trend_table(trend: pd.DataFrame, provinsi: str | None, tz: str | None = None) -> Table:
    out = pd.DataFrame({
        "Tanggal": trend["mulai"].map(lambda s: fmt.tanggal(pd.Timestamp(s))),
        "Tugas": trend["judul"].map(clip),
    })
    if provinsi is not None:
        out[provinsi] = trend["provinsi"].map(fmt.persen)
    out["Nasional"] = trend["nasional"].map(fmt.persen)
    widths = (20.0, 50.0, 15.0, 15.0) if provinsi is not None else (22.0, 58.0, 20.0)
    return Table(out, numeric=tuple(c for c in out.columns if c not in ("Tugas", "Tanggal")), widths=widths)


def heatmap_frame(tt: TaskTables, n: int = config.TREND_TASKS) -> pd.DataFrame:
    """Provinces x latest n tasks of the schedule, participation rates.

    Columns are the tasks' short dates ("2 Mei 2025", made unique); `attrs["tasks"]` maps each
    column to the task's title, for the legend."""
    p = tt["trend_province"]
    latest = p[["task_order", "judul", "mulai"]].drop_duplicates("task_order").sort_values("task_order").tail(n)
    p = p[p["task_order"].isin(latest["task_order"])]
    m = p.pivot(index="provinsi", columns="task_order", values="participation_rate")
    m = m[latest["task_order"].tolist()]
    columns, seen = [], {}
    for mulai in latest["mulai"]:
        date = fmt.tanggal_singkat(pd.Timestamp(mulai))
        seen[date] = seen.get(date, 0) + 1
        columns.append(date if seen[date] == 1 else f"{date} ({seen[date]})")
    m.columns = columns
    m.index.name = None
    ranked = tt["province_summary"].sort_values(["rank", "provinsi"])["provinsi"]  # this task's rate, highest first
    m = m.reindex([*[p for p in ranked if p in m.index], *sorted(set(m.index) - set(ranked))])
    m.attrs["tasks"] = dict(zip(columns, (clip(j, 80) for j in latest["judul"])))
    return m


def heatmap_legend(matrix: pd.DataFrame) -> Text:
    parts = [f"{col}: {title}" for col, title in matrix.attrs.get("tasks", {}).items()]
    return Text("Tugas per kolom: " + "; ".join(parts) + ". Kosong: provinsi tidak termasuk cakupan tugas itu.",
                css="catatan")


def heatmap_table(matrix: pd.DataFrame) -> Table:
    out = matrix.map(fmt.persen)
    out.insert(0, "Provinsi", list(matrix.index))
    per = round(78.0 / max(1, len(matrix.columns)), 2)
    return Table(out, numeric=tuple(out.columns[1:]), widths=(22.0, *[per] * len(matrix.columns)), css="kecil")


# --- Platforms, channels, village media ----------------------------------------------------------------

def channel_frame(tt: TaskTables, provinsi: str) -> pd.DataFrame:
    p = tt["channel_coverage"]
    p = p[p["provinsi"] == provinsi].set_index("channel")
    n = tt["channel_coverage_national"].set_index("channel")
    rows = []
    for ch in contract.CHANNELS:
        rows.append({"channel": contract.CHANNEL_LABEL[ch],
                     "with_channel": p["with_channel"].get(ch, 0), "eligible": p["eligible"].get(ch, 0),
                     "provinsi": p["coverage_rate"].get(ch), "nasional": n["coverage_rate"].get(ch)})
    return pd.DataFrame(rows)


def channel_table(frame: pd.DataFrame) -> Table:
    out = pd.DataFrame({
        "Kanal": frame["channel"],
        "Punya kontak": frame["with_channel"].map(fmt.angka),
        "Wajib lapor": frame["eligible"].map(fmt.angka),
        "Cakupan provinsi": frame["provinsi"].map(fmt.persen),
        "Cakupan nasional": frame["nasional"].map(fmt.persen),
    })
    return Table(out, numeric=("Punya kontak", "Wajib lapor", "Cakupan provinsi", "Cakupan nasional"),
                 widths=(24.0, 19.0, 19.0, 19.0, 19.0))


def platform_table(tt: TaskTables, provinsi: str | None) -> Table:
    """Counted rows and share per platform (pipeline.figures.tables.platform_shares), of a province or national."""
    p = tt["platform_shares"]
    p = p[p["provinsi"] == provinsi] if provinsi is not None else p[p["level"] == "nasional"]
    out = pd.DataFrame({"Platform": p["platform"].to_numpy(),
                        "Kiriman terhitung": p["responses"].map(fmt.angka).to_numpy(),
                        "Porsi": p["share"].map(fmt.persen).to_numpy()})
    return Table(out, numeric=("Kiriman terhitung", "Porsi"), widths=(40.0, 30.0, 30.0), css="sempit")


def village_media_table(tt: TaskTables, provinsi: str | None) -> Table | None:
    """Villages with each medium: one row per medium for a province, one row per province nationally."""
    v = tt["village_media"]
    if v.empty or "with_konvensional" not in v:
        return None
    media = ["konvensional", *contract.VILLAGE_MEDIA_MEDIA]
    label = {"konvensional": "Media konvensional", **{m: contract.CHANNEL_LABEL[m] for m in contract.VILLAGE_MEDIA_MEDIA}}
    if provinsi is not None:
        v = v[v["provinsi"] == provinsi]
        if v.empty:
            return None
        r = v.iloc[0]
        out = pd.DataFrame({"Media": [label[m] for m in media],
                            "Desa dengan media": [fmt.angka(r[f"with_{m}"]) for m in media],
                            "Jumlah desa": [fmt.angka(r["desa"])] * len(media),
                            "Cakupan": [fmt.persen(r[f"rate_{m}"]) for m in media]})
        return Table(out, numeric=("Desa dengan media", "Jumlah desa", "Cakupan"), widths=(34.0, 22.0, 22.0, 22.0))
    out = pd.DataFrame({"Provinsi": v["provinsi"].map(clip), "Desa": v["desa"].map(fmt.angka)})
    for m in media:
        out[label[m] if m != "konvensional" else "Konvensional"] = v[f"rate_{m}"].map(fmt.persen)
    return Table(out, numeric=tuple(c for c in out.columns if c != "Provinsi"),
                 widths=(18.0, 8.0, 14.0, *[10.0] * len(contract.VILLAGE_MEDIA_MEDIA)), css="kecil")


def channel_by_province(tt: TaskTables) -> Table:
    c = tt["channel_coverage"].pivot(index="provinsi", columns="channel", values="coverage_rate")
    c = c[[ch for ch in contract.CHANNELS if ch in c.columns]]
    n = tt["channel_coverage_national"].set_index("channel")["coverage_rate"]
    out = pd.DataFrame({"Provinsi": list(c.index) + ["Nasional"]})
    for ch in c.columns:
        out[contract.CHANNEL_LABEL[ch]] = [*c[ch].map(fmt.persen), fmt.persen(n.get(ch))]
    return Table(out, numeric=tuple(contract.CHANNEL_LABEL[ch] for ch in c.columns),
                 widths=(20.0, *[10.0] * len(c.columns)), css="kecil")


# --- Data quality ------------------------------------------------------------------------------------------

def quality_table(tt: TaskTables, provinsi: str | None) -> Table:
    """Rows per outcome (compute.outcome_counts), of a province or over all provinces."""
    o = tt["outcomes"]
    if provinsi is not None:
        o = o[o["provinsi"] == provinsi]
    g = o.groupby("outcome")["rows"].sum()
    order = [k for k in OUTCOME_LABEL if k in g.index]
    out = pd.DataFrame({"Hasil pemeriksaan": [OUTCOME_LABEL[k] for k in order],
                        "Baris": [fmt.angka(g[k]) for k in order]})
    return Table(out, numeric=("Baris",), widths=(75.0, 25.0), css="sempit")


def quality_row(tt: TaskTables, provinsi: str | None) -> pd.Series:
    """Rows checked, counted, rejected, recovered, from resigned TPP (pipeline.figures.tables.quality_summary)."""
    q = tt["quality_summary"]
    q = q[q["provinsi"] == provinsi] if provinsi is not None else q[q["level"] == "nasional"]
    if q.empty:
        return pd.Series({"rows": 0, "counted": 0, "rejected": 0, "duplicates": 0, "rejected_other": 0, "recovered": 0,
                          "resigned_rows": 0})
    return q.iloc[0]


def resigned_responders(tt: TaskTables, provinsi: str | None) -> int:
    """Rows rejected as not_eligible from TPP the roster marks as resigned (roster needs updating)."""
    return int(quality_row(tt, provinsi)["resigned_rows"])


def quality_facts(tt: TaskTables, provinsi: str | None) -> Facts:
    """Rows checked, counted, rejected, recovered typos, resigned TPP still sending."""
    q = quality_row(tt, provinsi)
    return Facts([
        ("Baris formulir diperiksa", fmt.angka(int(q["rows"]))),
        ("Terhitung", fmt.angka(int(q["counted"]))),
        ("Ditolak (tidak memenuhi syarat)", fmt.angka(int(q["rejected_other"]))),
        ("Kiriman ulang dari TPP yang sudah terhitung", fmt.angka(int(q["duplicates"]))),
        ("Nomor absen salah ketik yang dipulihkan", fmt.angka(int(q["recovered"]))),
        ("TPP berstatus mengundurkan diri yang masih mengirim (Data TPP perlu diperbarui)",
         fmt.angka(int(q["resigned_rows"]))),
    ])


def quarantine_table(tt: TaskTables, provinsi: str | None) -> Table | Text:
    q = tt["roster_quarantine"]
    if provinsi is not None:
        q = q[q["provinsi"].map(lambda s: contract.normalize_province(s)) == provinsi]
    if q.empty:
        return Text("Tidak ada baris Data TPP yang dikarantina" + (" untuk provinsi ini." if provinsi else "."))
    g = q.groupby("reason").size()
    out = pd.DataFrame({"Alasan karantina": [QUARANTINE_LABEL.get(k, k) for k in g.index],
                        "Baris Data TPP": [fmt.angka(v) for v in g.to_numpy()]})
    return Table(out, numeric=("Baris Data TPP",), widths=(70.0, 30.0), css="sempit")


def validation_summary(tt: TaskTables) -> Table:
    c = tt["validation_checks"]
    out = pd.DataFrame({"Data": c["suite"].map(lambda k: validation_page.SUITE_LABEL.get(k, (k,))[0]),
                        "Pemeriksaan": c["description"], "Kolom": c["column"].map(validation_page.column_label),
                        "Jenis": c["severity"].map(validation_page.SEVERITY_LABEL),
                        "Baris gagal": c["unexpected_count"].map(fmt.angka),
                        "Hasil": c["success"].map({True: "lulus", False: "gagal"})})
    return Table(out, numeric=("Baris gagal",), widths=(18.0, 37.0, 18.0, 10.0, 9.0, 8.0), css="kecil")


# --- Non-responders ---------------------------------------------------------------------------------------

NON_RESPONDER_WIDTHS = (9.0, 24.0, 10.0, 13.0, 24.0, 20.0)


def _non_responder_frame(g: pd.DataFrame, with_kabupaten: bool = False) -> pd.DataFrame:
    """The list's columns; `Kiriman ditolak` says in plain words why a row the TPP sent was rejected."""
    cols = {"No. absen": g["nomor_absen"].astype(str), "Nama": g["nama"].map(clip), "Jabatan": g["jabatan"],
            "Berturut-turut": g["streak"].map(fmt.angka), "Kiriman ditolak": g["submitted"].map(submitted_text),
            "Tindak lanjut": g["action"].fillna("").astype(str)}
    if with_kabupaten:
        cols = {"No. absen": cols["No. absen"], "Nama": cols["Nama"], "Kabupaten/Kota": g["kabupaten"].map(clip),
                "Jabatan": cols["Jabatan"], "Berturut-turut": cols["Berturut-turut"],
                "Kiriman ditolak": cols["Kiriman ditolak"]}
    return pd.DataFrame(cols)


def province_non_responders(tt: TaskTables, provinsi: str) -> pd.DataFrame:
    """This province's rows of non_responders.csv (pipeline.figures.tables.non_responders: streak,
    possibly_inactive, submitted, pembinaan, action)."""
    nr = tt["non_responders"]
    nr = nr[nr["provinsi"] == provinsi].copy()
    nr["possibly_inactive"] = nr["possibly_inactive"].fillna(False).astype(bool)
    nr["submitted"] = nr["submitted"].fillna("")
    nr["kabupaten"] = nr["kabupaten"].fillna("")
    return nr


def inactive_table(tt: TaskTables, provinsi: str) -> Table | Text:
    """Listed apart: possibly no longer active (pipeline.figures.tables.is_possibly_inactive), check the roster."""
    nr = province_non_responders(tt, provinsi)
    s = nr[nr["possibly_inactive"]].sort_values(["kabupaten", "nomor_absen"], kind="stable")
    if s.empty:
        return Text(f"Tidak ada TPP yang tidak merespons {config.INACTIVE_STREAK} tugas berturut-turut atau lebih.")
    return Table(_non_responder_frame(s, with_kabupaten=True),
                 caption=f"Mungkin tidak aktif lagi, cek Data TPP: {fmt.angka(len(s))} TPP",
                 numeric=("No. absen", "Berturut-turut"), widths=(9.0, 24.0, 22.0, 10.0, 13.0, 22.0))


def non_responder_tables(tt: TaskTables, provinsi: str) -> list[Table]:
    """One table per kabupaten: this province's non-responders (names only of its own TPP), longest streak
    first; the caption's pembinaan count is pipeline.figures.tables.streak_counts (per kabupaten)."""
    nr = province_non_responders(tt, provinsi)
    counts = tt["streak_counts_kabupaten"]
    counts = counts[counts["provinsi"] == provinsi]
    pembinaan = dict(zip(counts["kabupaten"].fillna(""), counts["streak_pembinaan"]))
    tables = []
    for kab, g in nr.groupby("kabupaten", sort=True):
        g = g.sort_values(["streak", "nomor_absen"], ascending=[False, True], kind="stable")
        pemb = int(pembinaan.get(kab, 0))
        tables.append(Table(_non_responder_frame(g),
                            caption=f"{clip(kab) or '(kabupaten/kota kosong)'}: {fmt.angka(len(g))} belum merespons"
                                    + (f", {fmt.angka(pemb)} pembinaan" if pemb else ""),
                            numeric=("No. absen", "Berturut-turut"), widths=NON_RESPONDER_WIDTHS))
    return tables


def non_responder_intro() -> Text:
    """The section's reading guide, its thresholds from config."""
    return Text(f"Per kabupaten/kota, dengan jumlah tugas berturut-turut tanpa kiriman. Tidak merespons "
                f"{config.PEMBINAAN_STREAK} tugas berturut-turut atau lebih: pembinaan. Tidak merespons "
                f"{config.INACTIVE_STREAK} tugas berturut-turut atau lebih: mungkin tidak aktif lagi, periksa Data TPP "
                "(ketepatan Data TPP menentukan setiap angka partisipasi). Yang sudah mengirim tetapi kirimannya "
                "ditolak diberi alasannya. Kontak mereka tidak ada di laporan ini; PIC provinsi menerimanya dalam "
                "berkas terpisah.")


def streak_summary(tt: TaskTables, provinsi: str | None) -> Facts:
    """Counts of pipeline.figures.tables.streak_counts, for a province or summed over provinces."""
    s = tt["streak_counts"]
    if provinsi is not None:
        s = s[s["provinsi"] == provinsi]
    p, n = config.PEMBINAAN_STREAK, config.INACTIVE_STREAK
    return Facts([
        ("Belum merespons", fmt.angka(s["non_responders"].sum())),
        ("Sudah mengirim tetapi kirimannya ditolak", fmt.angka(s["submitted"].sum())),
        (f"Tidak merespons {p}+ tugas berturut-turut (pembinaan)", fmt.angka(s["streak_pembinaan"].sum())),
        (f"Mungkin tidak aktif lagi ({n}+ tugas berturut-turut, cek Data TPP)", fmt.angka(s["possibly_inactive"].sum())),
    ])


def streak_by_province(tt: TaskTables) -> Table:
    s = tt["streak_counts"]
    out = pd.DataFrame({"Provinsi": s["provinsi"], "Belum merespons": s["non_responders"].map(fmt.angka),
                        "Kiriman ditolak": s["submitted"].map(fmt.angka),
                        f"{config.PEMBINAAN_STREAK}+ berturut-turut (pembinaan)": s["streak_pembinaan"].map(fmt.angka),
                        f"Mungkin tidak aktif lagi ({config.INACTIVE_STREAK}+)": s["possibly_inactive"].map(fmt.angka)})
    return Table(out, numeric=tuple(out.columns[1:]), widths=(28.0, 18.0, 18.0, 18.0, 18.0))


# --- National ---------------------------------------------------------------------------------------------

def national_facts(tt: TaskTables, *, with_extremes: bool = True) -> Facts:
    nat = national_row(tt)
    items = [
        (labels.overall_label(tt.info), fmt.persen(nat["participation_rate"])),
        ("Merespons / wajib lapor", f"{fmt.angka(nat['responded'])} / {fmt.angka(nat['eligible'])}"),
        ("Tepat waktu", fmt.persen(nat["on_time_rate"])),
        ("Median waktu respons", fmt.menit(nat["median_response_minutes"])),
    ]
    if with_extremes:
        prov = tt["participation_province"]
        best = prov.sort_values(["participation_rate", "provinsi"], ascending=[False, True]).iloc[0]
        worst = prov.sort_values(["participation_rate", "provinsi"], ascending=[True, True]).iloc[0]
        items += [("Provinsi tertinggi", f"{best['provinsi']} ({fmt.persen(best['participation_rate'])})"),
                  ("Provinsi terendah", f"{worst['provinsi']} ({fmt.persen(worst['participation_rate'])})")]
    return Facts(items)


def province_ranking(tt: TaskTables) -> tuple[pd.DataFrame, Table]:
    """Provinces by rank, with rank and change from pipeline.figures.tables.province_summary."""
    p = tt["participation_province"].merge(tt["province_summary"][["provinsi", "rank", "change"]], on="provinsi")
    p = p.sort_values(["rank", "provinsi"], kind="stable")
    t = figures_frame(p, {"rank": "Peringkat", "provinsi": "Provinsi"}, key_widths=(9.0, 21.0))
    t.df["Peringkat"] = p["rank"].map(fmt.angka).to_numpy()
    t.df["Perubahan"] = p["change"].map(fmt.poin).to_numpy()
    t.numeric |= {"Peringkat", "Perubahan"}
    t.widths = (11.0, 19.0, 9.0, 11.0, 12.0, 10.0, 15.0, 13.0)
    return p, t


def province_headlines(tt: TaskTables, provinces: list[str]) -> pd.DataFrame:
    """Headline figures per province for the index page (formatted), in the given order (rank and change:
    pipeline.figures.tables.province_summary)."""
    p = tt["participation_province"].set_index("provinsi")
    s = tt["province_summary"].set_index("provinsi")
    rows = []
    for prov in provinces:
        r, m = p.loc[prov], s.loc[prov]
        rows.append({"provinsi": prov, "Wajib lapor": fmt.angka(r["eligible"]), "Merespons": fmt.angka(r["responded"]),
                     "Partisipasi": fmt.persen(r["participation_rate"]), "Tepat waktu": fmt.persen(r["on_time_rate"]),
                     "Median waktu respons": fmt.menit(r["median_response_minutes"]),
                     "Peringkat": f"{int(m['rank'])} dari {int(m['provinces_ranked'])}" if pd.notna(m["rank"]) else fmt.NA,
                     "Perubahan": fmt.poin(m["change"])})
    return pd.DataFrame(rows, columns=["provinsi", "Wajib lapor", "Merespons", "Partisipasi", "Tepat waktu",
                                       "Median waktu respons", "Peringkat", "Perubahan"])


def kabupaten_extremes_intro() -> Text:
    return Text(f"Hanya kabupaten/kota dengan sedikitnya {fmt.angka(config.KABUPATEN_RANK_MIN_ELIGIBLE)} TPP wajib "
                "lapor; pada partisipasi yang sama, yang lebih banyak TPP-nya di atas.")


def kabupaten_extremes_headings(n: int = config.KABUPATEN_TOP_N) -> tuple[Text, Text]:
    return (Text(f"{fmt.angka(n)} kabupaten/kota terbaik", tag="h3"),
            Text(f"{fmt.angka(n)} kabupaten/kota terendah", tag="h3"))


def kabupaten_extremes(tt: TaskTables, n: int = config.KABUPATEN_TOP_N) -> tuple[Table | Text, Table | Text]:
    """The n best and n weakest kabupaten among those ranked (pipeline.figures.tables.kabupaten_ranking)."""
    k = tt["kabupaten_ranking"]
    if k.empty:
        none = Text(f"Belum ada kabupaten/kota dengan sedikitnya {fmt.angka(config.KABUPATEN_RANK_MIN_ELIGIBLE)} TPP "
                    "wajib lapor pada tugas ini.")
        return none, none
    best = k[k["from_top"] <= n].sort_values("from_top")
    worst = k[k["from_bottom"] <= n].sort_values("from_bottom")
    cols = {"provinsi": "Provinsi", "kabupaten": "Kabupaten/Kota"}
    return figures_frame(best, cols, key_widths=(18.0, 20.0)), figures_frame(worst, cols, key_widths=(18.0, 20.0))


# --- Method and provenance ------------------------------------------------------------------------------------

def method_note() -> Table:
    p, n = config.PEMBINAAN_STREAK, config.INACTIVE_STREAK
    rows = [
        ("Wajib lapor", "TPP di Data TPP yang tidak dikarantina, masuk cakupan tugas, aktif (atau mengundurkan diri "
                        "setelah tanggal mulai) dan sudah bergabung pada tanggal mulai."),
        ("Partisipasi", "TPP wajib lapor dengan kiriman terhitung, dibagi TPP wajib lapor."),
        ("Tepat waktu", "Kiriman terhitung pada atau sebelum batas, dibagi TPP wajib lapor."),
        ("Waktu respons", "Cap waktu kiriman terhitung dikurangi waktu mulai; yang ditampilkan mediannya."),
        ("Kiriman terhitung", "Baris formulir yang lolos semua pemeriksaan (nomor absen, kelayakan, waktu, tautan "
                              "http/https, bukan kiriman ganda). Nomor absen yang salah satu ketikan dipulihkan bila "
                              "tepat satu TPP dengan nama yang cocok ditemukan."),
        ("Provinsi", "Data TPP yang menentukan provinsi dan kabupaten/kota; provinsi di formulir hanya sebagai bukti."),
        ("Peringkat", "Urutan provinsi menurut partisipasi (1 = tertinggi); nilai sama berbagi peringkat."),
        ("Perubahan", "Selisih partisipasi (poin persentase) dengan tugas sebelumnya yang mencakup provinsi itu."),
        ("Berturut-turut", "Jumlah tugas terakhir (yang wajib diikuti TPP tersebut) tanpa kiriman terhitung."),
        ("Pembinaan", f"Tidak merespons {p} tugas berturut-turut atau lebih."),
        ("Mungkin tidak aktif lagi", f"Tidak merespons {n} tugas berturut-turut atau lebih (hanya tugas yang wajib "
                                     "diikutinya): periksa Data TPP."),
        ("Kiriman ditolak", "TPP yang belum merespons tetapi sudah mengirim formulir yang ditolak; alasannya dari "
                            "kiriman terakhirnya."),
        ("Tren nasional", "Hanya tugas nasional; tugas provinsi tampil di tren provinsi yang dicakupnya."),
        ("Platform", "Dari alamat tautan: Facebook, Instagram, X/Twitter, TikTok, YouTube, selain itu Website/Blog."),
        ("Cakupan kanal", "TPP wajib lapor dengan kontak yang valid untuk kanal itu, dibagi TPP wajib lapor."),
        ("Data pribadi", "Laporan ini dan belum-respon.xlsx tidak memuat nomor telepon atau alamat e-mail. Kontak "
                         "TPP yang belum merespons ada di berkas terpisah yang hanya dikirim kepada PIC provinsi."),
    ]
    return Table(pd.DataFrame(rows, columns=["Istilah", "Definisi"]), widths=(24.0, 76.0))


def provenance(tt: TaskTables, notebook: str, params: dict) -> Table:
    """Where the report comes from: task, parameters, inputs with short hashes, version, commit,
    and the commands that rerun and audit it. Earlier tasks' files are counted, not listed."""
    from pipeline import __version__
    info = tt.info
    code = info.get("pipeline", {})
    commit = code.get("commit") or "tidak diketahui"
    if code.get("dirty"):
        commit += " (dengan perubahan lokal)"
    rows = [("Tugas", info["task_id"]), ("Notebook", notebook),
            ("Parameter", json.dumps(params, ensure_ascii=False, sort_keys=True)),
            ("Versi pipeline", code.get("version", __version__)), ("Commit", commit)]
    history = [i for i in info.get("inputs", []) if str(i["role"]).startswith("history:")]
    for inp in info.get("inputs", []):
        if inp in history:
            continue
        rows.append((f"Masukan ({inp['role']})", f"{inp['path']} sha256:{(inp.get('sha256') or '')[:12]}"))
    if history:
        rows.append(("Masukan riwayat", f"{fmt.angka(len(history))} berkas tugas sebelumnya (nama dan sha256 di manifest.json)"))
    data = info.get("data_dir_name", "<folder data>")
    rows.append(("Perintah untuk mengulang", f"make report TASK={info['task_id']} DATA=<path>/{data} ARGS=--force"))
    rows.append(("Perintah untuk mengaudit", f"make audit TASK={info['task_id']} OUT=<folder laporan>"))
    return Table(pd.DataFrame(rows, columns=["Keterangan", "Nilai"]), widths=(34.0, 66.0))
