"""Views of tables/proof_flags.csv for the reports: "Bukti perlu diperiksa" (presentation only).

The flags and their labels are defined in `pipeline.figures.proof`; this module only selects and
formats. A province report lists its own flagged TPP; for a link shared with a TPP of another
province it names only that province, never the person. Every link and name is untrusted text:
`present.Table` escapes it.
"""

from __future__ import annotations

import pandas as pd

from pipeline.figures.proof import FLAG_LABELS, FLAGS
from pipeline.reports import fmt
from pipeline.reports.display import Table, Text, clip
from pipeline.reports.present import TaskTables, _task_title

__all__ = ["province_proof_table", "national_proof_table", "proof_intro"]

PROOF_INTRO = (
    "Tautan adalah bukti bahwa TPP sudah mengunggah. Tautan di bawah ini tetap dihitung sebagai partisipasi, "
    "tetapi perlu diperiksa: dua orang tidak mungkin membuat unggahan yang sama, unggahan tugas lalu bukan unggahan "
    "tugas ini, dan materi tugas bukan unggahan TPP sendiri."
)
WIDTHS = (9.0, 25.0, 33.0, 33.0)


def proof_intro() -> Text:
    return Text(PROOF_INTRO)


def _counted(tt: TaskTables) -> pd.DataFrame:
    rc = tt["responses_checked"]
    return rc[rc["outcome"].isin(("counted", "recovered"))]


def _names(tt: TaskTables) -> dict[int, str]:
    """Each counted TPP's name as typed in this task's form (nomor absen -> name)."""
    rc = _counted(tt)
    return dict(zip(rc["nomor_absen"].astype("int64"), rc["nama_input"].map(clip)))


def _shared_note(other: str, provinsi: str, where: dict[int, str], names: dict[int, str]) -> str:
    parts = []
    away: list[str] = []
    for rid in (int(x) for x in str(other).split(";") if x):
        if where.get(rid) == provinsi:
            parts.append(f"No. absen {rid} ({names.get(rid, '')})")
        elif where.get(rid) and where[rid] not in away:
            away.append(where[rid])
    parts += [f"TPP di Provinsi {p}" for p in sorted(away)]
    return "juga dikirim oleh " + "; ".join(parts)


def _reused_note(tt: TaskTables, other: str, own: int) -> str:
    task_id, _, rid = str(other).rpartition(":")
    title = _task_title(tt, task_id) or task_id
    who = "TPP yang sama" if rid == str(own) else "TPP lain"
    return f"tugas {title}, oleh {who}"


def province_proof_table(tt: TaskTables, provinsi: str) -> Table | Text:
    """This province's flagged TPP: one row per flag, by kabupaten then nomor absen."""
    flags = tt["proof_flags"]
    where = dict(zip(flags["nomor_absen"].astype("int64"), flags["provinsi"]))
    own = flags[flags["provinsi"] == provinsi].copy()
    if own.empty:
        return Text("Tidak ada bukti yang perlu diperiksa di provinsi ini.")
    names = _names(tt)
    typed = dict(zip(_counted(tt)["source_row"].astype("int64"), _counted(tt)["link"]))
    own["rank"] = own["flag"].map({f: i for i, f in enumerate(FLAGS)})
    own = own.sort_values(["kabupaten", "nomor_absen", "rank"], kind="stable")
    notes = []
    for row in own.itertuples(index=False):
        if row.flag == "shared_link":
            notes.append(_shared_note(row.other, provinsi, where, names))
        elif row.flag == "reused_link":
            notes.append(_reused_note(tt, row.other, int(row.nomor_absen)))
        else:
            notes.append("")
    out = pd.DataFrame({
        "No. absen": own["nomor_absen"].astype(str).to_numpy(),
        "Nama, kabupaten/kota": [f"{names.get(int(i), '')}, {clip(k)}" for i, k in zip(own["nomor_absen"],
                                                                                       own["kabupaten"])],
        "Perlu diperiksa": [FLAG_LABELS[f] + (f": {n}" if n else "") for f, n in zip(own["flag"], notes)],
        "Tautan yang dikirim": [clip(typed.get(int(r), "")) for r in own["source_row"]],
    })
    tpp = own["nomor_absen"].nunique()
    return Table(out, caption=f"Bukti perlu diperiksa: {fmt.angka(tpp)} TPP", numeric=("No. absen",),
                 widths=WIDTHS, css="kecil tautan")  # tautan: its last column holds links (laporan.css)


def national_proof_table(tt: TaskTables) -> Table | Text:
    """Flagged TPP per province and flag (counts only, no names)."""
    flags = tt["proof_flags"]
    if flags.empty:
        return Text("Tidak ada bukti yang perlu diperiksa pada tugas ini.")
    counts = flags.groupby(["provinsi", "flag"])["nomor_absen"].nunique().unstack(fill_value=0)
    tpp = flags.groupby("provinsi")["nomor_absen"].nunique()
    out = pd.DataFrame({"Provinsi": counts.index})
    for flag in FLAGS:
        column = counts[flag] if flag in counts else pd.Series(0, index=counts.index)
        out[FLAG_LABELS[flag]] = [fmt.angka(int(column[p])) for p in counts.index]
    out["TPP perlu diperiksa"] = [fmt.angka(int(tpp[p])) for p in counts.index]
    total = {"Provinsi": "Nasional"}
    for flag in FLAGS:
        total[FLAG_LABELS[flag]] = fmt.angka(int(flags.loc[flags["flag"] == flag, "nomor_absen"].nunique()))
    total["TPP perlu diperiksa"] = fmt.angka(int(flags["nomor_absen"].nunique()))
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    numeric = tuple(FLAG_LABELS[f] for f in FLAGS) + ("TPP perlu diperiksa",)
    return Table(out, caption="Bukti perlu diperiksa per provinsi (jumlah TPP)", numeric=numeric,
                 widths=(28.0, 18.0, 18.0, 18.0, 18.0), css="kecil")
