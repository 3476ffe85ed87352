"""The fast paths of link/id parsing, name normalisation and timestamp reading agree with the
slow definitions they shortcut, on tricky inputs (each reference below is the code the fast
path replaced, kept here verbatim; the link host rule since asks for two non-empty labels)."""

from __future__ import annotations

import random
import re
import string
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.inputs import load, timestamps
from pipeline.rules import contract, names

# --- links ----------------------------------------------------------------------------------------


def reference_link_host(link: object) -> str | None:
    if link is None or link is pd.NA or (isinstance(link, float) and pd.isna(link)):
        return None
    text = str(link).strip()
    if not text or re.search(r"\s", text):
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return reference_schemeless_host(text)
    host = host.lower().rstrip(".")  # at least two non-empty labels
    return host if len(host.split(".")) >= 2 and all(host.split(".")) else None


PLATFORM_DOMAINS = ("facebook.com", "fb.com", "fb.watch", "instagram.com", "instagr.am", "x.com", "twitter.com",
                    "tiktok.com", "youtube.com", "youtu.be")


def reference_schemeless_host(text: str) -> str | None:
    """Rule 6 as amended, for a value without a scheme (written from the contract, by regex)."""
    m = re.fullmatch(r"((?:[A-Za-z0-9]+(?:-+[A-Za-z0-9]+)*\.)+[A-Za-z]{2,})(/.*)?", text, re.S)
    if m is None:
        return None
    host = m[1].lower()
    if m[2] or host.startswith("www.") or any(host == d or host.endswith("." + d) for d in PLATFORM_DOMAINS):
        return host
    return None


def reference_platform(link: object) -> str | None:
    host = reference_link_host(link)
    if host is None:
        return None
    for platform, domains in contract._PLATFORM_HOSTS.items():
        if any(host == d or host.endswith("." + d) for d in domains):
            return platform
    return "Website/Blog"


TRICKY_LINKS = [
    "https://www.facebook.com/story.php?id=1", "http://fb.watch/abc", "HTTPS://WWW.YOUTUBE.COM/watch?v=x",
    "hTtP://X.com", "https://x.com", "https://x.com/", "https://x.com?", "https://x.com#frag", "https://fb",
    "https://fb/", "https://a.", "https://.", "https://...", "https://a..b/", "https://www.tiktok.com./@x",
    "https://m.facebook.com.", "http://a@b.com/", "http://user:pw@evil.com@facebook.com/", "http://b.com@a/",
    "https://facebook.com:443/x", "https://facebook.com:abc/", "https://facebook.com:/", "http://[::1]/",
    "http://[::1", "http://::1]/", "https://[fe80::1%25eth0]/", "http://[v1.fe80::a+en1]/", "javascript:alert(1)",
    "javascript://facebook.com/%0aalert(1)", "ftp://files.example.com/", "mailto:a@b.com", "//facebook.com/x",
    "facebook.com/x", "www.facebook.com", "https:/facebook.com", "https:facebook.com", "https//facebook.com",
    "https:///facebook.com", "https://", "http://", "https://facebook.com\\@evil.com", "https://fácebook.com/",
    "https://facebook.com/ä", "https://xn--fcebook-hwa.com/", "https://ｆａｃｅｂｏｏｋ.com/",
    "https://exa\u2100mple.com/", "https://a\u200b.com/", "https://ex_ample.com/", "https://-a-.com/",
    "https://a.b-c.d_e/", "https://1.2.3.4/", "https://1.2.3.4:8080", "https://%66acebook.com/",
    "https://facebook.com%2F@x.com/", "\x01https://facebook.com/", "https://facebook.com/\x01", " https://x.com ",
    "https://x.com/ a", "https:// x.com", "\thttps://x.com\n", "https://x.com/\u3000", "https://youtu.be/abc",
    "https://instagr.am/p/x", "https://notfacebook.com/", "https://facebook.com.evil.org/", "https://FB.COM",
    "https://a" + "b" * 5000 + ".com/" + "c" * 5000, "http://" + "a." * 2000 + "com", "HTTPS://", "Https://A.B",
    "httpss://x.com", "https://x.com:", "https://x.com:0/", "https://x.com?q=http://y.com", "https://x.com#@y.com",
    "", "   ", None, pd.NA, float("nan"), 12.5, 3, "https://x.com/\udcff",
    # without a scheme (rule 6 as amended)
    "fb.watch/abc", "fb.watch", "desa.id", "desa.id/", "www.desa.id", "WWW.Desa.ID", "instagram.com", "m.tiktok.com",
    "x.com", "sudah", "12.30", "S.Pd", "a-.id/x", "-a.id/x", "a--b.id/x", "a.b2/x", "a.b/x", "desa.id?p=1",
    "desa.id:80/x", "desa.id./x", "dësa.id/x", "ａ.id/x", "desa.co.id/berita?p=1#x",
]


def random_links(n: int, seed: int = 20251110) -> list[str]:
    rng = random.Random(seed)
    schemes = ["http://", "https://", "HTTP://", "hTTps://", "https:/", "ftp://", "", "https:///", "javascript:"]
    alphabet = string.ascii_letters + string.digits + "._-@:[]%/?#\\~+!$&'()*,;=" + "äé\u200bａ\u2100"
    out = []
    for _ in range(n):
        host = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        tail = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        out.append(rng.choice(schemes) + host + rng.choice(["", "/", "?", "#", ":", ".", ""]) + tail)
    return out


@pytest.mark.parametrize("link", TRICKY_LINKS)
def test_link_host_and_platform_match_the_urlsplit_definition(link):
    assert contract.link_host(link) == reference_link_host(link)
    assert contract.platform_of(link) == reference_platform(link)
    assert contract.is_valid_link(link) == (reference_link_host(link) is not None)


def test_link_host_matches_the_urlsplit_definition_on_random_text():
    links = random_links(20_000)
    assert sum(contract._PLAIN_LINK.match(x.strip()) is not None for x in links) > 1000  # the fast path is taken
    for link in links:
        assert contract.link_host(link) == reference_link_host(link), link
        assert contract.platform_of(link) == reference_platform(link), link


def test_plain_link_fast_path_is_what_urlsplit_reads():
    texts = [x for x in TRICKY_LINKS + random_links(5_000, seed=7)
             if isinstance(x, str) and x == x.strip() and not re.search(r"\s", x)]
    plain = [x for x in texts if contract._PLAIN_LINK.match(x)]
    assert len(plain) > 300
    for text in plain:  # link_host reads these off the match
        assert contract.link_host(text) == contract._host_from_urlsplit(text), text


# --- nomor absen ------------------------------------------------------------------------------------


def reference_parse_nomor_absen(value: object) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 10**contract.MAX_ID_DIGITS else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and 0 < value < 10**contract.MAX_ID_DIGITS else None
    text = contract._ID_PREFIX.sub("", str(value))
    text = contract._ID_NOISE.sub("", text).lstrip("0")
    if not text.isdigit() or not text.isascii() or len(text) > contract.MAX_ID_DIGITS:
        return None
    return int(text)


def reference_id_digits(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(c for c in str(value) if c.isascii() and c.isdigit())


class Text(str):
    """A str subclass (not the fast path's exact str)."""


TRICKY_IDS = [
    "0", "00", "000", "7", "007", "0007", "12345", "012345", "9" * 18, "1" + "0" * 17, "0" + "9" * 18, "9" * 19,
    "0" * 30 + "12", "1" * 10_000, "", " ", " 12", "12 ", "1 2", "12.345", "No 12", "No. 12", "#12", "nomor 12",
    "12a", "a12", "١٢٣", "１２３", "²", "12²", "1\u200b2", "\u200b12", "-12", "+12", "1_2", "1,2", "1/2", True,
    False, 0, 12, -3, 10**18, 10**17, 12.0, 12.5, float("nan"), None, pd.NA, Text("123"), Text("007"),
]


@pytest.mark.parametrize("value", TRICKY_IDS)
def test_nomor_absen_fast_paths_match_the_definition(value):
    assert contract.parse_nomor_absen(value) == reference_parse_nomor_absen(value)
    assert contract.id_digits(value) == reference_id_digits(value)


# --- name normalisation ------------------------------------------------------------------------------


def reference_atoms(text: str) -> list:
    atoms = []
    seg = 0
    last_end = 0
    for m in names._ATOM.finditer(text):
        if m.group(3):
            seg += 1
            last_end = m.end()
            continue
        atoms.append(names._Atom(m.group(1), bool(m.group(2)), seg, m.start() > last_end or not atoms))
        last_end = m.end()
    return atoms


def reference_dotted_degree_at(atoms: list, i: int) -> int:
    first = atoms[i]
    for parts in names._MULTI_PART_DEGREES.get(first.text, ()) if first.dotted else ():
        n = len(parts)
        if i + n > len(atoms):
            continue
        window = atoms[i:i + n]
        if any(a.text != p or a.seg != first.seg for a, p in zip(window, parts)):
            continue
        if not all(a.dotted for a in window[:-1]):
            continue
        if any(a.gap and len(a.text) == 1 for a in window[1:]) and not names._seg_end(atoms, i + n - 1):
            continue
        return n
    if first.dotted and first.text in names._DOTTED_TITLES:
        return 1
    if first.dotted and first.text in names._SINGLE_PART_DEGREES:
        return 1
    return 0


def tricky_names(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    words = ["Ahmad", "Siti", "Aminah", "Budi", "S", "T", "E", "H", "M", "A", "Md", "Pd", "Si", "Kep", "I", "Hut",
             "Dr", "Drs", "Hj", "K", "Tr", "Keb", "Sos", "AP", "Kom", "Ph", "D", "Ir", "Prof", "Lc", "Ak", "Dipl",
             "Ec", "Dev", "Han", "Muh", "Nur", "Ma'ruf", "Ölçer", "Ψυχή", "12"]
    seps = [" ", ".", ". ", ", ", ",", " . ", "..", " ,", "-", "/", ""]
    out = [". ".join(d.split(".")) for d in names._DEGREES_DOTTED] + list(names._DEGREES_DOTTED)
    for _ in range(n):
        parts = [rng.choice(words) + rng.choice(seps) for _ in range(rng.randint(1, 7))]
        out.append("".join(parts))
    return out


def test_dotted_degree_lookup_matches_the_linear_scan():
    for text in tricky_names(20_000):
        folded = names._fold(text)
        atoms = names._atoms(folded)
        assert atoms == reference_atoms(folded), text
        assert all(type(a) is names._Atom for a in atoms)
        for i in range(len(atoms)):
            assert names._dotted_degree_at(atoms, i) == reference_dotted_degree_at(atoms, i), (text, i)


def test_normalize_name_unchanged_by_the_degree_lookup(monkeypatch):
    corpus = tricky_names(5_000, seed=11) + ["Drs. H. Ahmad Fauzi, S.Pd., M.Si.", "S. T. Rahman", "Rudi, S. T.",
                                             "K.H. Ahmad", "A.Md.Kep. Siti", "Ir. Budi S.T. M.T."]
    fast = [names.normalize_name(t) for t in corpus]
    names._normalize.cache_clear()
    monkeypatch.setattr(names, "_dotted_degree_at", reference_dotted_degree_at)
    monkeypatch.setattr(names, "_atoms", reference_atoms)
    try:
        assert [names.normalize_name(t) for t in corpus] == fast
    finally:
        names._normalize.cache_clear()


def test_match_normalized_front_checks():
    assert not names.match_normalized("", "")
    assert not names.match_normalized("siti", "")
    assert not names.match_normalized("", "siti")
    assert names.match_normalized("siti aminah", "siti aminah")
    assert names.match_normalized("nur hayati", "nurhayati") == names._match_different("nur hayati", "nurhayati")


# --- timestamps -------------------------------------------------------------------------------------


def reference_num(col: pd.Series, default: int = 0) -> pd.Series:
    return pd.to_numeric(col, errors="coerce").fillna(default).astype("int64")


NUM_COLUMNS = [
    ["1", "02", "007", "59"], ["1", np.nan, "12", None], [np.nan, np.nan], [None], [],
    ["2025", "0000", "9" * 15], ["9" * 16, "1"], ["1" * 15, np.nan], ["9" * 16, np.nan], ["9" * 17, None],
    ["12345678901234567", "1"], ["", "1"], ["١٢", "3"], ["１２"],
    ["1.5", "2"], [" 1", "2"], ["-1", "2"], [1, "2"], [1.0, 2.0], [pd.NA, "1"], [pd.NaT, "1"], [float("inf"), "1"],
    [np.float64("nan"), "3"], ["0"], ["00000"],
]


@pytest.mark.parametrize("values", NUM_COLUMNS)
@pytest.mark.parametrize("default", [0, 1])
def test_num_fast_path_matches_to_numeric(values, default):
    col = pd.Series(values, dtype=object, index=range(10, 10 + len(values)), name=3)
    try:
        expected = reference_num(col, default)
    except (ValueError, TypeError) as exc:  # e.g. inf cannot be an int64: the same error either way
        with pytest.raises(type(exc)):
            load._num(col, default)
        return
    pd.testing.assert_series_equal(load._num(col, default), expected)


def test_num_on_string_dtype_is_to_numeric():
    col = pd.Series(["1", None, "20"], dtype=load.STRING)
    pd.testing.assert_series_equal(load._num(col), reference_num(col))


def test_char_at_counts_characters_like_python():
    values = ["٢٠٢٥-01-02", "x\U0001F600yz-", "e\u0301ee-", "2025-", "202", "", "12345.5", "12345\n"]
    col = pd.Series(values, dtype=load.STRING)
    for i in range(7):
        for char in "-.5\n":
            assert load._char_at(col, i, char).tolist() == [v[i:i + 1] == char for v in values]


TIMESTAMP_COLUMNS = [
    ["2025-11-04 09:15:32", "2025-11-04T09:16:00.5", "2025-11-04 02:00:00Z", "2025-11-04 10:00:00+07:00",
     "2025-11-04 10:00:00-0130", "2025-11-04 10:00+08", "11/4/2025 9:15:32", "45965.4", "45965", None, ""],
    ["4/11/2025 9.15.32", "13/11/2025 10:00:00", "4/11/2025 9:15 PM", "4/11/2025 13:15 PM", "45965.5"],
    ["11/4/2025 9:15:32", "11/13/2025 10:00:00", "11/4/2025 12:00:00 AM"],
    ["4/11/2025 9:15:32", "5/11/2025 10:00:00", "11/11/2025 10:00:00"],
    ["٢٠٢٥-١١-٠٤ ٠٩:١٥:٣٢", "2025-11-04 09:15:32", "١١/٤/٢٠٢٥ ٩:١٥:٣٢", "45965.25", "٤٥٩٦٥",
     "2025-11-04 09:15:32"],
    ["2025-11-04 09:15:32\n", "45965\n", "  45965.75  ", "2025-11-31 10:00", "2025-11-04 25:00", "bad", "x-y-z"],
    ["2025-11-04 09:15:32.123456789", "2025-11-04 09:15:32,5", "2025-11-04 09:15:32 +07", "2025-11-04 09:15:32z"],
    ["2025-11-04 09:15:32.٥", "2025-11-04 09:15:32+٠٧:00", "2025-11-04 10:15:32.5", "٤/١١/2025 9:15:32"],
    ["12345", "99999", "20000", "80000.5", "2025-11-04"],
    ["bad", "worse", "2025-11-04 09:00"],
    ["4/11/2025", "5/11/2025"],
]


@pytest.mark.parametrize("values", TIMESTAMP_COLUMNS)
@pytest.mark.parametrize("fmt", [None, "dmy", "mdy", "iso"])
def test_parse_timestamps_prefilters_change_nothing(values, fmt, monkeypatch):
    def run():
        col = pd.Series(values, dtype=object, index=range(5, 5 + len(values)))
        try:
            return load.parse_timestamps(col, tz="Asia/Jakarta", mulai=pd.Timestamp("2025-11-04 08:00"),
                                         batas=pd.Timestamp("2025-11-05 23:59"), fmt=fmt, source="s")
        except InputError as exc:
            return str(exc)

    fast = run()
    # The reference: every regex tried on every value, every number read by pd.to_numeric.
    monkeypatch.setattr(timestamps, "_char_at", lambda text, i, char: np.ones(len(text), dtype=bool))
    monkeypatch.setattr(timestamps, "_digit_ints", lambda col, default: None)
    slow = run()
    if isinstance(slow, str):
        assert fast == slow
    else:
        pd.testing.assert_series_equal(fast, slow)
