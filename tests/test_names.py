"""Tests for pipeline.rules.names: name normalisation and same-person matching."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.rules.names import match_normalized, names_match, normalize_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ahmad Fauzi, S.Pd., M.Si.", "ahmad fauzi"),
        ("Dr. Ir. H. Ahmad Fauzi, M.Si", "ahmad fauzi"),
        ("Hj. Siti Aminah, S.E.", "siti aminah"),
        ("Drs. H. Hasan Basri, M.M.", "hasan basri"),
        ("Andi Baso, S.H., M.H.", "andi baso"),
        ("I Wayan Sudarma, S.Pd.I", "i wayan sudarma"),
        ("Nurhayati A.Md.Kep", "nurhayati"),
        ("Yohanes S.Hut", "yohanes"),
        ("Rina Marlina S.AP", "rina marlina"),
        ("Siti Aminah S. Pd", "siti aminah"),
        ("Ahmad Fauzi SPd MSi", "ahmad fauzi"),
        ("Ahmad Fauzi SE.", "ahmad fauzi"),
        ("Ahmad, SE", "ahmad"),
        ("Rahman S. T.", "rahman"),
        ("K.H. Ahmad Dahlan", "ahmad dahlan"),
        ("Bapak Joko Widodo", "joko widodo"),
        ("Bpk. Joko", "joko"),
        ("IBU SITI", "siti"),
        ("Sdri. Rina", "rina"),
        ("H.Ahmad", "ahmad"),
        ("Ma'ruf Amin", "maruf amin"),
        ("José  Ramírez ", "jose ramirez"),
        ("Abdul-Rahman", "abdul rahman"),
        # careful: bare words that happen to equal a degree are names
        ("Ahmad Se", "ahmad se"),
        ("Budi Ma", "budi ma"),
        ("S. T. Rahman", "s t rahman"),  # initials, not S.T.
        ("St. Aminah", "st aminah"),  # St. = Sitti, not S.T.
        ("Ahmad H. Siregar", "ahmad h siregar"),  # a middle H. is an initial
        ("Ibu", ""),
        ("-", ""),
        ("", ""),
        (None, ""),
        (pd.NA, ""),
        (float("nan"), ""),
    ],
)
def test_normalize_name(raw, expected):
    assert normalize_name(raw) == expected


SAME_PERSON = [
    ("Ahmad Fauzi, S.Pd.", "ahmad fauzi"),
    ("AHMAD FAUZI", "Ahmad  Fauzi"),
    ("Hj. Siti Aminah, S.E.", "Siti Aminah"),
    ("Muhamad Rizki", "Muhammad Rizky"),
    ("Muh. Rizki", "Muhammad Rizki"),
    ("M. Rizki", "Muhammad Rizki"),
    ("Moh Yusuf", "Mohammad Yusup"),
    ("Nur Hayati", "Nurhayati"),
    ("Abdul Rahman", "Abdurrahman"),
    ("Aminah", "Siti Aminah"),  # first name left out
    ("I Wayan Sudarma", "Wayan Sudarma"),
    ("Rizki Ramadhan", "Ramadhan Rizki"),  # order swapped
    ("Rizki Ramadhan", "Muhammad Rizki Ramadhan Putra"),
    ("Nurhayati Lubis", "Nurhayatih Lubis"),
    ("Sitti Rahmawati", "Siti Rahmawati"),
    ("Yusuf", "Yusup"),
    ("Suprianto", "Supriyanto"),
    ("Kristina Br Ginting", "Kristina Ginting"),
    ("Dr. Yohanes Sitorus, M.Si", "Yohanes Sitorus"),
    # a name left out, whatever the word left (contract: "one is the other with a name left out")
    ("Ketut", "Ketut Marpaung, S.IP."),
    ("Siti", "Siti Aminah"),
    ("Muhammad", "H. Muhammad Sangkala"),
    ("Siti Andi", "Siti Andi Ohoiwutun"),
    ("Nur Siti", "Nur Siti Wenda"),
    ("Wayan Sudarma", "I Wayan Sudarma"),
    ("M. Rizki", "Muhammad Rizki Ramadhan"),  # an initial and a name left out
    # a small typo (one edit in the whole name), also in short words and Muhammad spellings
    ("Anti Pane", "Andi Pane"),
    ("Ddi Bria", "Dedi Bria, S.Pd."),
    ("Ria Pane", "Rina Pane, S.Pd."),
    ("Asap Rauf", "Asep Rauf, S.Pd.I."),
    ("Dewi Lestari", "Dewa Lestari"),
    ("Agus", "Bagus"),
    ("Petrus Gilang Mohaad", "Petrus Gilang Mohamad, A.Md."),  # typo in a Muhammad variant
    ("Mohaad", "Mohamad"),
    ("Rina Mohaead", "Rina Mohamad"),
    ("Muhamad Rizki", "Mochammad Rizki"),
    ("Srii Wahyuni", "Sri Wahyuni"),
]

DIFFERENT_PEOPLE = [
    ("Siti Aminah", "Siti Rahmah"),
    ("Ahmad Fauzi", "Ahmad Fauzan"),  # two edits in a short word
    ("Budi Santoso", "Budi Susanto"),
    ("Andi Saputra", "Andri Saputri"),  # two typos
    ("I Made Sudarta", "Made Sukarta"),  # a name left out and a typo
    ("Ktut", "Ketut Marpaung"),  # a name left out and a typo
    ("Muhammad Rizki", "Muhammad Fauzi"),
    ("Rizki", "Ramadhan"),
    ("M. Rizki", "Rizal Maulana"),
    ("Ahmad Se", "Ahmad Santoso"),
    ("Ani", "Ana"),  # one edit in a three-letter name is a third of it
    ("M. R.", "Muhammad Rizki"),  # initials only
    ("Siti Rahmawati Tarigan", "Armansyah Manurung"),
    ("Yohanes Kogoya", "Kristina Sembiring"),
    ("Maria Latuconsina", "Melki Hartini Susanto"),
    ("Siti Rahmawati Tarigan", "Siti Aminah"),  # one word in common, others differ
]


@pytest.mark.parametrize(("a", "b"), SAME_PERSON)
def test_same_person_both_ways(a, b):
    assert names_match(a, b)
    assert names_match(b, a)


@pytest.mark.parametrize(("a", "b"), DIFFERENT_PEOPLE)
def test_different_people_both_ways(a, b):
    assert not names_match(a, b)
    assert not names_match(b, a)


@pytest.mark.parametrize("empty", ["", "  ", None, pd.NA, "-", "Ibu", "S.Pd."])
def test_empty_name_matches_nothing(empty):
    assert not names_match(empty, "Siti Aminah")
    assert not names_match("Siti Aminah", empty)
    assert not names_match(empty, empty)


def test_match_normalized_is_names_match_on_normalised_input():
    assert match_normalized(normalize_name("Muh. Rizki, S.Kom"), normalize_name("Muhammad Rizky"))
    assert not match_normalized("", "")
