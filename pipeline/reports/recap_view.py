"""Read-only views of a recap folder's published tables (recap_*.csv, recap.json), formatted for readers.

Formatting only: every figure comes from the tables written by pipeline/runs/recap.py from
pipeline/figures/recap.py; here rows are selected, sorted and formatted (pipeline/reports/fmt.py).
The display objects are present.Table / Text / Facts, so untrusted text is escaped and clipped,
and every figure is shown as text too (what `make audit` compares).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import config
from pipeline.reports import fmt
from pipeline.reports.present import Facts, Table, Text, clip, task_label
from pipeline.rules import contract

CATEGORY_LABEL = {"baik": "Baik", "cukup": "Cukup", "perlu_pembinaan": "Perlu pembinaan"}
GROUP_LABELS = ("TPP", "Tugas wajib", "Dikerjakan", "Partisipasi", "Tepat waktu", "Median waktu respons")
GROUP_WIDTHS = (8.0, 11.0, 11.0, 12.0, 12.0, 16.0)
PERSON_LABELS = ("Dikerjakan / wajib", "Partisipasi", "Deret tanpa kiriman")


@dataclass
class RecapTables:
    """The published tables of one recap folder, each read on first use."""

    recap_dir: Path
    info: dict
    tables: dict[str, pd.DataFrame]

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            self.tables[name] = pd.read_csv(config.tables_dir(self.recap_dir) / f"{name}.csv",
                                            dtype={"nomor_absen": "Int64"})
        return self.tables[name]


def load_recap_tables(recap_dir: Path | str) -> RecapTables:
    recap_dir = Path(recap_dir)
    return RecapTables(recap_dir, json.loads((recap_dir / "recap.json").read_text(encoding="utf-8")), {})


def heading(rt: RecapTables) -> list[Text]:
    info = rt.info
    start, end = fmt.tanggal(pd.Timestamp(info["from"])), fmt.tanggal(pd.Timestamp(info["to"]))
    return [Text(f"Periode: {info['label']} ({start} s.d. {end})", css="subtitle"),
            Text(f"{fmt.angka(len(info['tasks']))} tugas dengan tanggal mulai dalam periode ini. Setiap TPP dinilai "
                 "dari tugas yang wajib ia ikuti.")]


def _group_frame(df: pd.DataFrame, key_cols: dict[str, str], key_widths: tuple[float, ...]) -> Table:
    out = pd.DataFrame({label: df[col].map(clip) for col, label in key_cols.items()})
    out["TPP"] = df["tpp"].map(fmt.angka)
    out["Tugas wajib"] = df["eligible_tasks"].map(fmt.angka)
    out["Dikerjakan"] = df["responded_tasks"].map(fmt.angka)
    out["Partisipasi"] = df["participation_rate"].map(fmt.persen)
    out["Tepat waktu"] = df["on_time_rate"].map(fmt.persen)
    out["Median waktu respons"] = df["median_response_minutes"].map(fmt.menit)
    return Table(out, numeric=GROUP_LABELS, widths=(*key_widths, *GROUP_WIDTHS))


def tasks_table(rt: RecapTables, provinsi: str | None = None) -> Table:
    """The period's tasks (for a province: those that covered it, per the trend rows)."""
    t = rt["recap_tasks"]
    if provinsi is not None:
        p = rt["recap_trend_province"]
        t = t[t["task_id"].isin(p.loc[p["provinsi"] == provinsi, "task_id"])]
    out = pd.DataFrame({"Tanggal": t["mulai"].map(lambda s: fmt.tanggal(pd.Timestamp(s))),
                        "Tugas": t["judul"].map(clip),
                        "Cakupan": t["cakupan"].map(lambda c: "Nasional" if str(c).lower() == "nasional" else clip(c))})
    return Table(out, widths=(22.0, 50.0, 28.0))


def _summary(rt: RecapTables, provinsi: str) -> pd.Series:
    return rt["recap_province_summary"].set_index("provinsi").loc[provinsi]


def change_text(value: object) -> str:
    return "– (tidak ada tugas pada periode sebelumnya)" if pd.isna(value) else fmt.poin(value)


def _category_count(rt: RecapTables, provinsi: str | None, category: str) -> int:
    if provinsi is None:
        c = rt["recap_categories_national"]
        return int(c.loc[c["category"] == category, "tpp"].sum())
    c = rt["recap_categories"]
    return int(c.loc[(c["provinsi"] == provinsi) & (c["category"] == category), "tpp"].sum())


def national_row(rt: RecapTables) -> pd.Series:
    n = rt["recap_national"]
    return n[n["jabatan"] == "Semua"].iloc[0]


def province_facts(rt: RecapTables, provinsi: str) -> Facts:
    p = rt["recap_province"].set_index("provinsi").loc[provinsi]
    s = _summary(rt, provinsi)
    prev = rt.info["previous"]["label"]
    return Facts([
        ("Partisipasi periode ini", fmt.persen(p["participation_rate"])),
        ("Tugas dikerjakan / tugas wajib", f"{fmt.angka(p['responded_tasks'])} / {fmt.angka(p['eligible_tasks'])}"),
        ("Tepat waktu", fmt.persen(p["on_time_rate"])),
        ("Median waktu respons", fmt.menit(p["median_response_minutes"])),
        ("TPP dinilai", fmt.angka(p["tpp"])),
        ("Perlu pembinaan", fmt.angka(_category_count(rt, provinsi, "perlu_pembinaan"))),
        ("Peringkat nasional", f"{int(s['rank'])} dari {int(s['provinces_ranked'])}"),
        (f"Perubahan dari {prev}", change_text(s["change"])),
    ])


def national_facts(rt: RecapTables) -> Facts:
    n = national_row(rt)
    ranked = rt["recap_province_summary"].dropna(subset=["participation_rate"])
    items = [
        ("Partisipasi nasional (tugas nasional)", fmt.persen(n["participation_rate"])),
        ("Tugas dikerjakan / tugas wajib", f"{fmt.angka(n['responded_tasks'])} / {fmt.angka(n['eligible_tasks'])}"),
        ("Tepat waktu", fmt.persen(n["on_time_rate"])),
        ("Median waktu respons", fmt.menit(n["median_response_minutes"])),
        ("TPP dinilai", fmt.angka(n["tpp"])),
        ("Perlu pembinaan", fmt.angka(_category_count(rt, None, "perlu_pembinaan"))),
    ]
    if len(ranked):
        best, worst = ranked.iloc[0], ranked.iloc[-1]
        items += [("Provinsi tertinggi", f"{best['provinsi']} ({fmt.persen(best['participation_rate'])})"),
                  ("Provinsi terendah", f"{worst['provinsi']} ({fmt.persen(worst['participation_rate'])})")]
    return Facts(items)


def kabupaten_table(rt: RecapTables, provinsi: str) -> tuple[pd.DataFrame, Table]:
    """Kabupaten of one province, lowest participation first."""
    k = rt["recap_kabupaten"]
    k = k[k["provinsi"] == provinsi].sort_values(["participation_rate", "kabupaten"], kind="stable")
    return k, _group_frame(k, {"kabupaten": "Kabupaten/Kota"}, (30.0,))


def jabatan_label(code: object) -> str:
    return "Semua jabatan" if code == "Semua" else f"{contract.JABATAN_LABEL.get(code, code)} ({code})"


def jabatan_table(rt: RecapTables, provinsi: str | None) -> Table:
    if provinsi is None:
        j = rt["recap_national"].copy()
    else:
        j = rt["recap_jabatan"]
        j = j[j["provinsi"] == provinsi].copy()
    j["jabatan"] = j["jabatan"].map(jabatan_label)
    return _group_frame(j, {"jabatan": "Jabatan"}, (30.0,))


def trend_frame(rt: RecapTables, provinsi: str | None) -> pd.DataFrame:
    """Each task of the period: the province's rate (if given) and the national rate (national tasks)."""
    p = rt["recap_trend_province"]
    nat = rt["recap_trend_national"][["task_id", "participation_rate"]]
    nat = nat.rename(columns={"participation_rate": "nasional"})
    if provinsi is None:
        out = rt["recap_trend_national"][["task_order", "task_id", "judul", "mulai"]].merge(nat, on="task_id")
    else:
        mine = p[p["provinsi"] == provinsi][["task_order", "task_id", "judul", "mulai", "participation_rate"]]
        out = mine.rename(columns={"participation_rate": "provinsi"}).merge(nat, on="task_id", how="left")
    out = out.sort_values("task_order").reset_index(drop=True)
    out["label"] = [task_label(j, m) for j, m in zip(out["judul"], out["mulai"])]
    return out


def trend_table(trend: pd.DataFrame, provinsi: str | None) -> Table:
    out = pd.DataFrame({"Tanggal": trend["mulai"].map(lambda s: fmt.tanggal(pd.Timestamp(s))),
                        "Tugas": trend["judul"].map(clip)})
    if provinsi is not None:
        out[provinsi] = trend["provinsi"].map(fmt.persen)
    out["Nasional"] = trend["nasional"].map(fmt.persen)  # a provincial task has no national figure: "–"
    widths = (20.0, 44.0, 16.0, 20.0) if provinsi is not None else (22.0, 58.0, 20.0)
    return Table(out, numeric=tuple(c for c in out.columns if c not in ("Tugas", "Tanggal")), widths=widths)


def category_table(rt: RecapTables, provinsi: str | None) -> Table:
    """TPP per category, with the thresholds that define them."""
    c = rt["recap_categories_national"] if provinsi is None else rt["recap_categories"]
    if provinsi is not None:
        c = c[c["provinsi"] == provinsi]
    baik, cukup = rt.info["thresholds"]["baik"], rt.info["thresholds"]["cukup"]
    rule = {"baik": f"partisipasi {fmt.persen(baik, 0)} atau lebih",
            "cukup": f"{fmt.persen(cukup, 0)} sampai di bawah {fmt.persen(baik, 0)}",
            "perlu_pembinaan": f"di bawah {fmt.persen(cukup, 0)}"}
    out = pd.DataFrame({"Kategori": c["category"].map(CATEGORY_LABEL), "Batas": c["category"].map(rule),
                        "TPP": c["tpp"].map(fmt.angka), "Bagian": c["share"].map(fmt.persen)})
    return Table(out, numeric=("TPP", "Bagian"), widths=(26.0, 42.0, 14.0, 18.0))


def categories_by_province(rt: RecapTables) -> Table:
    c = rt["recap_categories"].pivot(index="provinsi", columns="category", values="tpp").reset_index()
    out = pd.DataFrame({"Provinsi": c["provinsi"].map(clip)})
    for key, label in CATEGORY_LABEL.items():
        out[label] = c[key].map(fmt.angka)
    return Table(out, numeric=tuple(CATEGORY_LABEL.values()), widths=(40.0, 20.0, 20.0, 20.0))


def _person_frame(rows: pd.DataFrame) -> Table:
    """Named TPP with their figures, seven columns so that a phone can read it (the workbook has all)."""
    out = pd.DataFrame({"Kabupaten/Kota": rows["kabupaten"].map(clip), "No. absen": rows["nomor_absen"].map(fmt.angka),
                        "Nama": rows["nama"].map(clip), "Jabatan": rows["jabatan"].map(clip)})
    out["Dikerjakan / wajib"] = [f"{fmt.angka(r)} / {fmt.angka(e)}"
                                 for r, e in zip(rows["responded_tasks"], rows["eligible_tasks"])]
    out["Partisipasi"] = rows["participation_rate"].map(fmt.persen).to_numpy()
    out["Deret tanpa kiriman"] = rows["longest_streak"].map(fmt.angka).to_numpy()
    return Table(out, numeric=("No. absen", *PERSON_LABELS), css="kecil",
                 widths=(20.0, 10.0, 24.0, 9.0, 13.0, 12.0, 12.0))


def pembinaan_table(rt: RecapTables, provinsi: str) -> Table | Text:
    """The named list of one province's perlu_pembinaan TPP (lowest participation first)."""
    t = rt["recap_tpp"]
    rows = t[(t["provinsi"] == provinsi) & (t["category"] == "perlu_pembinaan")]
    if rows.empty:
        return Text("Tidak ada TPP yang perlu pembinaan pada periode ini.")
    rows = rows.sort_values(["participation_rate", "kabupaten", "nomor_absen"], kind="stable")
    return _person_frame(rows)


def streak_table(rt: RecapTables, provinsi: str, n: int = 15) -> Table | Text:
    """One province's TPP with the longest runs of tasks without a counted row (at least 2)."""
    t = rt["recap_tpp"]
    rows = t[(t["provinsi"] == provinsi) & (t["longest_streak"] >= 2)]
    if rows.empty:
        return Text("Tidak ada TPP yang melewatkan dua tugas berturut-turut atau lebih pada periode ini.")
    rows = rows.sort_values(["longest_streak", "participation_rate", "nomor_absen"], ascending=[False, True, True],
                            kind="stable").head(n)
    return _person_frame(rows)


def province_ranking(rt: RecapTables) -> tuple[pd.DataFrame, Table]:
    s = rt["recap_province_summary"][["provinsi", "rank", "change", "previous_participation_rate"]]
    p = rt["recap_province"].merge(s, on="provinsi").sort_values(["rank", "provinsi"], kind="stable")
    out = pd.DataFrame({"Peringkat": p["rank"].map(fmt.angka), "Provinsi": p["provinsi"].map(clip),
                        "TPP": p["tpp"].map(fmt.angka), "Partisipasi": p["participation_rate"].map(fmt.persen),
                        "Tepat waktu": p["on_time_rate"].map(fmt.persen),
                        "Median waktu respons": p["median_response_minutes"].map(fmt.menit),
                        "Periode sebelumnya": p["previous_participation_rate"].map(fmt.persen),
                        "Perubahan": p["change"].map(fmt.poin)})
    numeric = tuple(c for c in out.columns if c != "Provinsi")
    return p, Table(out, numeric=numeric, css="kecil", widths=(10.0, 20.0, 7.0, 11.0, 11.0, 15.0, 12.0, 14.0))


def method_note(rt: RecapTables) -> Table:
    baik, cukup = rt.info["thresholds"]["baik"], rt.info["thresholds"]["cukup"]
    rows = [
        ("Tugas periode", "Tugas dalam jadwal yang tanggal mulainya jatuh dalam periode (menurut zona waktu tugas)."),
        ("Tugas wajib", "Tugas periode yang wajib diikuti TPP itu (cakupan, status aktif, tanggal bergabung)."),
        ("Dikerjakan", "Tugas wajib dengan kiriman terhitung dari TPP itu, dihitung sama seperti laporan tiap tugas."),
        ("Partisipasi", "Tugas dikerjakan dibagi tugas wajib; untuk kelompok dari jumlah seluruh TPP-nya."),
        ("Tepat waktu", "Tugas yang dikerjakan sebelum atau tepat pada batas, dibagi tugas wajib."),
        ("Median waktu respons", "Median waktu dari mulai tugas sampai kiriman terhitung, atas semua kiriman."),
        ("Deret tanpa kiriman", "Deret tugas wajib berturut-turut terpanjang dalam periode tanpa kiriman."),
        ("Kategori", f"Baik: partisipasi {fmt.persen(baik, 0)} atau lebih; cukup: {fmt.persen(cukup, 0)} atau lebih; "
                     "selain itu perlu pembinaan."),
        ("Nasional", "Angka nasional hanya dari tugas nasional; tugas provinsi masuk angka provinsinya saja."),
        ("Perubahan", f"Selisih partisipasi (poin persentase) dengan {rt.info['previous']['label']}."),
        ("Data pribadi", "Laporan dan rekap-tpp.xlsx tidak memuat nomor telepon atau alamat e-mail."),
    ]
    return Table(pd.DataFrame(rows, columns=["Istilah", "Definisi"]), widths=(26.0, 74.0))


def provenance(rt: RecapTables, notebook: str, params: dict) -> Table:
    info = rt.info
    code = info.get("pipeline", {})
    commit = (code.get("commit") or "tidak diketahui") + (" (dengan perubahan lokal)" if code.get("dirty") else "")
    rows = [("Rekap", info["recap"]), ("Notebook", notebook),
            ("Parameter", json.dumps(params, ensure_ascii=False, sort_keys=True)),
            ("Versi pipeline", code.get("version", "")), ("Commit", commit)]
    responses = [i for i in info["inputs"] if ":" in str(i["role"])]
    for inp in info["inputs"]:
        if inp not in responses:
            rows.append((f"Masukan ({inp['role']})", f"{inp['path']} sha256:{(inp.get('sha256') or '')[:12]}"))
    rows.append(("Masukan formulir", f"{fmt.angka(len(responses))} berkas (nama dan sha256 di manifest.json)"))
    data = info.get("data_dir_name", "<folder data>")
    rows.append(("Perintah untuk mengulang",
                 f"make recap FROM={info['from']} TO={info['to']} DATA=<path>/{data} ARGS=--force"))
    rows.append(("Perintah untuk mengaudit", f"make audit TASK={info['recap']} OUT=<folder laporan>"))
    return Table(pd.DataFrame(rows, columns=["Keterangan", "Nilai"]), widths=(34.0, 66.0))
