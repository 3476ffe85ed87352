"""Read-only views of the published tables for one report, formatted for readers in Bahasa Indonesia.

Nothing here computes a figure: it selects rows of `tables/*.csv` (written by stage.py
from compute.py) and formats them. Every display object shows the same content as HTML
(escaped) and as plain text, so a notebook rerun (nbval) audits the numbers.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import config, contract, fmt

COUNTED = ("counted", "recovered")
OUTCOME_LABEL = {
    "counted": "Terhitung", "recovered": "Terhitung (nomor absen dipulihkan)", "missing_id": "Nomor absen kosong",
    "invalid_timestamp": "Cap waktu tidak terbaca", "unknown_id": "Nomor absen tidak dikenal",
    "name_mismatch": "Nama tidak cocok dengan nomor absen", "roster_conflict": "Data TPP bermasalah (karantina)",
    "not_eligible": "Tidak wajib pada tugas ini", "before_start": "Sebelum tugas dimulai",
    "invalid_link": "Tautan tidak valid", "duplicate": "Kiriman ganda",
}
QUARANTINE_LABEL = {"missing_id": "Nomor absen kosong/bukan angka", "duplicate_id": "Nomor absen ganda",
                    "unknown_province": "Provinsi tidak dikenal", "unknown_jabatan": "Jabatan tidak dikenal"}


# --- Display objects -------------------------------------------------------------------------------

class Table:
    """A table shown as escaped HTML (with <thead>, for repeated headers in the PDF) and as text."""

    def __init__(self, df: pd.DataFrame, *, caption: str = "", numeric: tuple[str, ...] = ()):
        self.df = df.reset_index(drop=True)
        self.caption = caption
        self.numeric = set(numeric)

    def _repr_html_(self) -> str:
        e = html.escape
        head = "".join(f"<th>{e(str(c))}</th>" for c in self.df.columns)
        body = []
        for row in self.df.itertuples(index=False):
            cells = []
            for col, val in zip(self.df.columns, row):
                cls = ' class="num"' if col in self.numeric else ""
                cells.append(f"<td{cls}>{e('' if pd.isna(val) else str(val))}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        cap = f"<caption>{e(self.caption)}</caption>" if self.caption else ""
        return f'<table class="report-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'

    def __repr__(self) -> str:
        text = self.df.to_string(index=False) if len(self.df) else "(tidak ada baris)"
        return (self.caption + "\n" if self.caption else "") + text


class Text:
    """A paragraph or heading from trusted template text with escaped values."""

    def __init__(self, text: str, *, tag: str = "p", css: str = ""):
        self.text, self.tag, self.css = text, tag, css

    def _repr_html_(self) -> str:
        cls = f' class="{self.css}"' if self.css else ""
        return f"<{self.tag}{cls}>{html.escape(self.text)}</{self.tag}>"

    def __repr__(self) -> str:
        return self.text


class Facts:
    """Headline figures as a definition list (HTML) and 'label: value' lines (text)."""

    def __init__(self, items: list[tuple[str, str]]):
        self.items = items

    def _repr_html_(self) -> str:
        e = html.escape
        cells = "".join(f'<div class="fact"><div class="fact-value">{e(v)}</div><div class="fact-label">{e(k)}</div></div>'
                        for k, v in self.items)
        return f'<div class="facts">{cells}</div>'

    def __repr__(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.items)


# --- Loading the published tables -------------------------------------------------------------------

@dataclass
class TaskTables:
    """The published tables of one task, read once per notebook."""

    task_dir: Path
    info: dict
    tables: dict[str, pd.DataFrame]

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def tz(self) -> str:
        return self.info["timezone"]

    @property
    def mulai(self) -> pd.Timestamp:
        return pd.Timestamp(self.info["mulai"]).tz_convert(self.tz)

    @property
    def batas(self) -> pd.Timestamp:
        return pd.Timestamp(self.info["batas"]).tz_convert(self.tz)


def load_task_tables(task_dir: Path | str) -> TaskTables:
    task_dir = Path(task_dir)
    info = json.loads((task_dir / "task.json").read_text(encoding="utf-8"))
    tables = {}
    for path in sorted(config.tables_dir(task_dir).glob("*.csv")):
        tables[path.stem] = pd.read_csv(path, keep_default_na=True, dtype={"nomor_absen": "Int64"}
                                        if path.stem != "roster_quarantine" else {"nomor_absen": "string"})
    return TaskTables(task_dir, info, tables)


def task_heading(tt: TaskTables) -> list[Text]:
    info = tt.info
    return [
        Text(f"Tugas: {info['judul']} ({info['task_id']})", tag="p", css="subtitle"),
        Text(f"Mulai {fmt.tanggal_jam(tt.mulai, tt.tz)}; batas {fmt.tanggal_jam(tt.batas, tt.tz)}. "
             f"Cakupan: {'nasional' if info['cakupan'].strip().lower() == 'nasional' else info['cakupan']}."),
    ]


# --- Formatting helpers ------------------------------------------------------------------------------

def figures_frame(df: pd.DataFrame, key_cols: dict[str, str]) -> Table:
    """Figures table with Indonesian labels and formats; key_cols maps source column -> label."""
    out = pd.DataFrame({label: df[col].astype(str) for col, label in key_cols.items()})
    out["Wajib lapor"] = df["eligible"].map(fmt.angka)
    out["Merespons"] = df["responded"].map(fmt.angka)
    out["Partisipasi"] = df["participation_rate"].map(fmt.persen)
    out["Tepat waktu"] = df["on_time_rate"].map(fmt.persen)
    out["Median waktu respons"] = df["median_response_minutes"].map(fmt.menit)
    return Table(out, numeric=("Wajib lapor", "Merespons", "Partisipasi", "Tepat waktu", "Median waktu respons"))


def province_row(tt: TaskTables, provinsi: str) -> pd.Series:
    t = tt["participation_province"]
    rows = t[t["provinsi"] == provinsi]
    if rows.empty:
        raise KeyError(f"province {provinsi!r} is not in this task's published tables")
    return rows.iloc[0]


def province_facts(tt: TaskTables, provinsi: str) -> Facts:
    row = province_row(tt, provinsi)
    summ = tt["province_summary"].set_index("provinsi").loc[provinsi]
    nat = tt["participation_national"].iloc[0]
    change = fmt.poin(summ["change"]) if pd.notna(summ["change"]) else "– (tidak ada tugas sebelumnya)"
    return Facts([
        ("Partisipasi", fmt.persen(row["participation_rate"])),
        ("Merespons / wajib lapor", f"{fmt.angka(row['responded'])} / {fmt.angka(row['eligible'])}"),
        ("Tepat waktu", fmt.persen(row["on_time_rate"])),
        ("Median waktu respons", fmt.menit(row["median_response_minutes"])),
        ("Peringkat nasional", f"{int(summ['rank'])} dari {int(summ['provinces_ranked'])}"),
        ("Perubahan dari tugas sebelumnya", change),
        ("Partisipasi nasional", fmt.persen(nat["participation_rate"])),
    ])


def kabupaten_table(tt: TaskTables, provinsi: str) -> tuple[pd.DataFrame, Table]:
    """Kabupaten of one province, lowest participation first (those needing follow-up on top)."""
    k = tt["participation_kabupaten"]
    k = k[k["provinsi"] == provinsi].sort_values(["participation_rate", "kabupaten"], kind="stable")
    return k, figures_frame(k, {"kabupaten": "Kabupaten/Kota"})


def jabatan_table(tt: TaskTables, provinsi: str) -> Table:
    j = tt["participation_jabatan"]
    j = j[j["provinsi"] == provinsi].copy()
    j["jabatan"] = j["jabatan"].map(lambda c: f"{contract.JABATAN_LABEL.get(c, c)} ({c})")
    return figures_frame(j, {"jabatan": "Jabatan"})


def trend_frame(tt: TaskTables, provinsi: str | None, n: int = config.TREND_TASKS) -> pd.DataFrame:
    """Latest n tasks: this province's rate (if given) and the national rate, schedule order."""
    nat = tt["trend_national"][["task_order", "task_id", "judul", "mulai", "participation_rate"]]
    nat = nat.rename(columns={"participation_rate": "nasional"})
    if provinsi is not None:
        p = tt["trend_province"]
        p = p[p["provinsi"] == provinsi][["task_id", "participation_rate"]].rename(columns={"participation_rate": "provinsi"})
        nat = nat.merge(p, on="task_id", how="inner")
    return nat.sort_values("task_order").tail(n).reset_index(drop=True)


def trend_table(trend: pd.DataFrame, provinsi: str | None, tz: str) -> Table:
    out = pd.DataFrame({
        "Tugas": trend["judul"],
        "Tanggal": trend["mulai"].map(lambda s: fmt.tanggal(pd.Timestamp(s).tz_convert(tz))),
    })
    if provinsi is not None:
        out[provinsi] = trend["provinsi"].map(fmt.persen)
    out["Nasional"] = trend["nasional"].map(fmt.persen)
    return Table(out, numeric=tuple(c for c in out.columns if c not in ("Tugas", "Tanggal")))


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
    return Table(out, numeric=("Punya kontak", "Wajib lapor", "Cakupan provinsi", "Cakupan nasional"))


def platform_table(tt: TaskTables, provinsi: str | None) -> Table:
    p = tt["platforms"]
    if provinsi is not None:
        p = p[p["provinsi"] == provinsi]
    g = p.groupby("platform")["responses"].sum()
    g = g.reindex([x for x in contract.PLATFORMS if x in g.index])
    total = g.sum()
    out = pd.DataFrame({"Platform": g.index, "Kiriman terhitung": g.map(fmt.angka).to_numpy(),
                        "Porsi": (g / total).map(fmt.persen).to_numpy() if total else "–"})
    return Table(out, numeric=("Kiriman terhitung", "Porsi"))


def village_media_table(tt: TaskTables, provinsi: str | None) -> Table | None:
    v = tt["village_media"]
    if v.empty or "with_konvensional" not in v:
        return None
    if provinsi is not None:
        v = v[v["provinsi"] == provinsi]
        if v.empty:
            return None
    out = pd.DataFrame({"Provinsi": v["provinsi"], "Desa": v["desa"].map(fmt.angka),
                        "Media konvensional": v["rate_konvensional"].map(fmt.persen)})
    for m in contract.VILLAGE_MEDIA_MEDIA:
        out[contract.CHANNEL_LABEL[m]] = v[f"rate_{m}"].map(fmt.persen)
    return Table(out, numeric=tuple(c for c in out.columns if c != "Provinsi"))


def quality_table(tt: TaskTables, provinsi: str | None) -> Table:
    o = tt["outcomes"]
    if provinsi is not None:
        o = o[o["provinsi"] == provinsi]
    g = o.groupby("outcome")["rows"].sum()
    order = [k for k in OUTCOME_LABEL if k in g.index]
    out = pd.DataFrame({"Hasil pemeriksaan": [OUTCOME_LABEL[k] for k in order], "Kode": order,
                        "Baris": [fmt.angka(g[k]) for k in order]})
    return Table(out, numeric=("Baris",))


def resigned_responders(tt: TaskTables, provinsi: str | None) -> int:
    """Rows rejected as not_eligible from TPP the roster marks as resigned (roster needs updating)."""
    c = tt["responses_checked"]
    mask = (c["outcome"] == "not_eligible") & c["detail"].fillna("").eq("resigned")
    if provinsi is not None:
        mask &= c["provinsi"] == provinsi
    return int(mask.sum())


def quarantine_table(tt: TaskTables, provinsi: str | None) -> Table:
    q = tt["roster_quarantine"]
    if provinsi is not None:
        q = q[q["provinsi"].map(lambda s: contract.normalize_province(s)) == provinsi]
    g = q.groupby("reason").size()
    out = pd.DataFrame({"Alasan karantina": [QUARANTINE_LABEL.get(k, k) for k in g.index], "Kode": g.index,
                        "Baris Data TPP": [fmt.angka(v) for v in g.to_numpy()]})
    return Table(out, numeric=("Baris Data TPP",))


def non_responder_tables(tt: TaskTables, provinsi: str) -> list[Table]:
    """One table per kabupaten: this province's non-responders (names only of its own TPP)."""
    nr = tt["non_responders"]
    nr = nr[nr["provinsi"] == provinsi]
    tables = []
    for kab, g in nr.groupby("kabupaten", sort=True):
        out = pd.DataFrame({
            "No. absen": g["nomor_absen"].astype(str), "Nama": g["nama"],
            "Jabatan": g["jabatan"], "Berturut-turut": g["streak"].map(fmt.angka),
            "Tindak lanjut": [
                "Mungkin tidak aktif lagi: cek Data TPP" if s else ("Pembinaan" if k >= config.PEMBINAAN_STREAK else "")
                for s, k in zip(g["silent_latest"], g["streak"])],
        })
        tables.append(Table(out, caption=f"{kab}: {fmt.angka(len(g))} belum merespons",
                            numeric=("No. absen", "Berturut-turut")))
    return tables


def streak_summary(tt: TaskTables, provinsi: str | None) -> Facts:
    s = tt["streak_counts"]
    if provinsi is not None:
        s = s[s["provinsi"] == provinsi]
    return Facts([
        ("Belum merespons", fmt.angka(s["non_responders"].sum())),
        (f"Tidak merespons {config.PEMBINAAN_STREAK}+ tugas berturut-turut (pembinaan)", fmt.angka(s["streak_pembinaan"].sum())),
        (f"Tidak merespons di {config.TREND_TASKS} tugas terakhir (cek Data TPP)", fmt.angka(s["silent_latest"].sum())),
    ])


def national_facts(tt: TaskTables) -> Facts:
    nat = tt["participation_national"].iloc[0]
    prov = tt["participation_province"]
    best = prov.sort_values(["participation_rate", "provinsi"], ascending=[False, True]).iloc[0]
    worst = prov.sort_values(["participation_rate", "provinsi"], ascending=[True, True]).iloc[0]
    return Facts([
        ("Partisipasi nasional", fmt.persen(nat["participation_rate"])),
        ("Merespons / wajib lapor", f"{fmt.angka(nat['responded'])} / {fmt.angka(nat['eligible'])}"),
        ("Tepat waktu", fmt.persen(nat["on_time_rate"])),
        ("Median waktu respons", fmt.menit(nat["median_response_minutes"])),
        ("Provinsi tertinggi", f"{best['provinsi']} ({fmt.persen(best['participation_rate'])})"),
        ("Provinsi terendah", f"{worst['provinsi']} ({fmt.persen(worst['participation_rate'])})"),
    ])


def province_ranking(tt: TaskTables) -> tuple[pd.DataFrame, Table]:
    p = tt["participation_province"].merge(tt["province_summary"][["provinsi", "rank", "change"]], on="provinsi")
    p = p.sort_values(["rank", "provinsi"], kind="stable")
    t = figures_frame(p, {"rank": "Peringkat", "provinsi": "Provinsi"})
    t.df["Perubahan"] = p["change"].map(fmt.poin).to_numpy()
    t.numeric.add("Perubahan")
    return p, t


def kabupaten_extremes(tt: TaskTables, n: int = 10) -> tuple[Table, Table]:
    k = tt["participation_kabupaten"]
    k = k[k["eligible"] >= 10]  # tiny kabupaten swing too much to rank
    best = k.sort_values(["participation_rate", "eligible"], ascending=[False, False]).head(n)
    worst = k.sort_values(["participation_rate", "eligible"], ascending=[True, False]).head(n)
    cols = {"provinsi": "Provinsi", "kabupaten": "Kabupaten/Kota"}
    return figures_frame(best, cols), figures_frame(worst, cols)


def channel_by_province(tt: TaskTables) -> Table:
    c = tt["channel_coverage"].pivot(index="provinsi", columns="channel", values="coverage_rate")
    c = c[[ch for ch in contract.CHANNELS if ch in c.columns]]
    out = pd.DataFrame({"Provinsi": c.index})
    for ch in c.columns:
        out[contract.CHANNEL_LABEL[ch]] = c[ch].map(fmt.persen).to_numpy()
    return Table(out, numeric=tuple(contract.CHANNEL_LABEL[ch] for ch in c.columns))


def streak_by_province(tt: TaskTables) -> Table:
    s = tt["streak_counts"]
    out = pd.DataFrame({"Provinsi": s["provinsi"], "Belum merespons": s["non_responders"].map(fmt.angka),
                        f"{config.PEMBINAAN_STREAK}+ berturut-turut": s["streak_pembinaan"].map(fmt.angka),
                        f"Diam di {config.TREND_TASKS} tugas terakhir": s["silent_latest"].map(fmt.angka)})
    return Table(out, numeric=tuple(out.columns[1:]))


def validation_summary(tt: TaskTables) -> Table:
    c = tt["validation_checks"]
    out = pd.DataFrame({"Suite": c["suite"], "Pemeriksaan": c["description"], "Kolom": c["column"],
                        "Tingkat": c["severity"].map({"critical": "kritis", "warning": "peringatan"}),
                        "Baris gagal": c["unexpected_count"].map(fmt.angka),
                        "Hasil": c["success"].map({True: "lulus", False: "gagal"})})
    return Table(out, numeric=("Baris gagal",))


def method_note() -> Text:
    return Text(
        "Wajib lapor: TPP di Data TPP yang tidak dikarantina, masuk cakupan tugas, aktif (atau mengundurkan diri "
        "setelah tanggal mulai) dan sudah bergabung pada tanggal mulai. Partisipasi = TPP dengan kiriman terhitung "
        "dibagi TPP wajib lapor. Tepat waktu = kiriman terhitung pada atau sebelum batas, dibagi TPP wajib lapor. "
        "Waktu respons = cap waktu kiriman terhitung dikurangi waktu mulai (median, dalam menit). Nomor absen yang "
        "salah satu ketikan dipulihkan bila tepat satu TPP dengan nama yang cocok ditemukan. Provinsi di formulir "
        "hanya sebagai bukti: Data TPP yang menentukan provinsi. Berturut-turut: jumlah tugas terakhir (yang wajib "
        "diikuti TPP tersebut) tanpa kiriman terhitung."
    )


def provenance(tt: TaskTables, notebook: str, params: dict) -> Table:
    from . import __version__
    rows = [("Tugas", tt.info["task_id"]), ("Notebook", notebook),
            ("Parameter", json.dumps(params, ensure_ascii=False, sort_keys=True)),
            ("Versi pipeline", __version__)]
    for inp in tt.info.get("inputs", []):
        rows.append((f"Masukan ({inp['role']})", f"{inp['path']} sha256:{inp['sha256'][:12]}"))
    return Table(pd.DataFrame(rows, columns=["Keterangan", "Nilai"]))


def heatmap_frame(tt: TaskTables, n: int = config.TREND_TASKS) -> pd.DataFrame:
    """Provinces x latest n tasks of the schedule (columns = task titles), participation rates."""
    p = tt["trend_province"]
    latest = p[["task_order", "judul"]].drop_duplicates().sort_values("task_order").tail(n)
    p = p[p["task_order"].isin(latest["task_order"])]
    m = p.pivot(index="provinsi", columns="task_order", values="participation_rate")
    m = m[latest["task_order"].tolist()]
    m.columns = latest["judul"].tolist()
    m.index.name = None
    return m.sort_index()


def heatmap_table(matrix: pd.DataFrame) -> Table:
    out = matrix.map(fmt.persen)
    out.insert(0, "Provinsi", out.index)
    return Table(out, numeric=tuple(matrix.columns))
