"""pipeline.reports.proof_view and the validation page's count: "Bukti perlu diperiksa"."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.figures.proof import FLAG_LABELS, PROOF_FLAGS_COLUMNS
from pipeline.reports import proof_view, validation_page
from pipeline.reports.present import TaskTables

FLAGS = pd.DataFrame([
    (1, 11, "Bali", "Badung", "shared_link", "facebook.com/a/posts/1", "12;31"),
    (2, 12, "Bali", "Gianyar", "shared_link", "facebook.com/a/posts/1", "11;31"),
    (3, 31, "Aceh", "Pidie", "shared_link", "facebook.com/a/posts/1", "11;12"),
    (3, 31, "Aceh", "Pidie", "task_material", "facebook.com/a/posts/1", ""),
    (4, 13, "Bali", "Badung", "reused_link", "desa.id/<script>", "t0:13"),
    (5, 14, "Bali", "Badung", "reused_link", "desa.id/x", "t0:99"),
], columns=PROOF_FLAGS_COLUMNS)
CHECKED = pd.DataFrame({
    "source_row": [1, 2, 3, 4, 5, 6], "nomor_absen": pd.array([11, 12, 31, 13, 14, 15], dtype="Int64"),
    "outcome": ["counted", "recovered", "counted", "counted", "counted", "counted"],
    "nama_input": ["Made Wirawan", "Ketut <b>Sari</b>", "Teuku Umar", "Nyoman", "Putu", "Gede"],
    "link": ["https://www.facebook.com/a/posts/1", "m.facebook.com/a/posts/1/", "https://facebook.com/a/posts/1",
             "https://desa.id/<script>", "https://desa.id/x?utm_source=fb", "https://desa.id/y"],
})


def tables(flags: pd.DataFrame = FLAGS) -> TaskTables:
    info = {"schedule": [{"task_id": "t0", "judul": "Hari Kartini 2025", "mulai": "2025-04-21T07:00:00+07:00"}]}
    return TaskTables(Path("."), info, {"proof_flags": flags, "responses_checked": CHECKED})


def test_province_lists_its_own_flagged_tpp_and_never_names_another_province_s():
    table = proof_view.province_proof_table(tables(), "Bali")
    df = table.df
    assert df["No. absen"].tolist() == ["11", "13", "14", "12"]  # by kabupaten, then nomor absen
    shared = df.loc[df["No. absen"] == "11", "Perlu diperiksa"].item()
    assert shared == (FLAG_LABELS["shared_link"] + ": juga dikirim oleh No. absen 12 (Ketut <b>Sari</b>); "
                      "TPP di Provinsi Aceh")
    assert "Teuku" not in repr(table) and "31" not in " ".join(df["Perlu diperiksa"])
    assert df.loc[df["No. absen"] == "13", "Perlu diperiksa"].item() == (
        FLAG_LABELS["reused_link"] + ": tugas Hari Kartini 2025, 21 April 2025, oleh TPP yang sama")
    assert df.loc[df["No. absen"] == "14", "Perlu diperiksa"].item().endswith("oleh TPP lain")
    assert df.loc[df["No. absen"] == "14", "Tautan yang dikirim"].item() == "https://desa.id/x?utm_source=fb"
    page = table._repr_html_()
    assert df.loc[df["No. absen"] == "12", "Nama, kabupaten/kota"].item() == "Ketut <b>Sari</b>, Gianyar"
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;Sari" in page
    assert "Bukti perlu diperiksa: 4 TPP" in page


def test_province_with_a_material_link_and_one_without_flags():
    aceh = proof_view.province_proof_table(tables(), "Aceh").df
    assert aceh["Perlu diperiksa"].tolist() == [
        FLAG_LABELS["shared_link"] + ": juga dikirim oleh TPP di Provinsi Bali", FLAG_LABELS["task_material"]]
    assert "Tidak ada bukti" in repr(proof_view.province_proof_table(tables(), "Papua"))


def test_national_counts_flagged_tpp_per_province_without_names():
    table = proof_view.national_proof_table(tables())
    rows = {r[0]: r[1:] for r in table.df.itertuples(index=False)}
    assert rows == {"Aceh": ("1", "0", "1", "1"), "Bali": ("2", "2", "0", "4"), "Nasional": ("3", "2", "1", "5")}
    assert "Made" not in repr(table)
    empty = proof_view.national_proof_table(tables(FLAGS.iloc[0:0]))
    assert "Tidak ada bukti" in repr(empty)


def test_validation_page_counts_the_flags():
    page = validation_page.validation_page([], task_id="t1", proof_flags=FLAGS)
    assert "<h2>Bukti perlu diperiksa</h2>" in page
    for flag, rows in (("shared_link", 3), ("reused_link", 2), ("task_material", 1)):
        assert f'<td>{FLAG_LABELS[flag]}</td><td class="num">{rows}</td>' in page
        assert flag not in page  # readers see plain Indonesian; the codes stay in tables/proof_flags.csv
    assert '<td>TPP yang ditandai</td><td class="num">5</td>' in page
    assert "Bukti perlu diperiksa" not in validation_page.validation_page([], task_id="t1")


def test_validation_page_counts_in_indonesian_format():
    """Counts read as readers write them: 29.712, not 29712 (row numbers in the file stay as they are)."""
    from pipeline.rules.validate import CHECK_COLUMNS, FAILURE_COLUMNS, SuiteResult

    checks = pd.DataFrame([("roster", "expect_x", "nama", "warning", "r", "Nama terisi", False, 29712, 1234)],
                          columns=CHECK_COLUMNS)
    failures = pd.DataFrame([("roster", 12345, "expect_x", "nama", "warning", "r", "")] * 1234,
                            columns=FAILURE_COLUMNS)
    page = validation_page.validation_page([SuiteResult("roster", checks, failures)], task_id="t1", max_rows=1000)
    assert '<td class="num">1.234</td><td class="num">29.712</td>' in page
    assert "Baris yang gagal (1.234; 1.000 pertama)" in page
    assert '<td class="num">12345</td>' in page and "12.345" not in page
