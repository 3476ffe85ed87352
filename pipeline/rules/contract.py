"""Vocabulary of the data contract: provinces, jabatan, header aliases, channels and value parsers."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

# --- Provinces -------------------------------------------------------------------------------

PROVINCES: tuple[str, ...] = (
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Jambi", "Sumatera Selatan",
    "Bengkulu", "Lampung", "Kepulauan Bangka Belitung", "Kepulauan Riau", "DKI Jakarta",
    "Jawa Barat", "Jawa Tengah", "DI Yogyakarta", "Jawa Timur", "Banten", "Bali",
    "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Barat", "Kalimantan Tengah",
    "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara", "Sulawesi Utara",
    "Sulawesi Tengah", "Sulawesi Selatan", "Sulawesi Tenggara", "Gorontalo", "Sulawesi Barat",
    "Maluku", "Maluku Utara", "Papua", "Papua Barat", "Papua Selatan", "Papua Tengah",
    "Papua Pegunungan", "Papua Barat Daya",
)

# Short names people type, keyed by their normalised form (see _province_key).
_PROVINCE_SHORT = {
    "diy": "DI Yogyakarta", "di yogyakarta": "DI Yogyakarta", "d i yogyakarta": "DI Yogyakarta",
    "daerah istimewa yogyakarta": "DI Yogyakarta", "yogyakarta": "DI Yogyakarta",
    "jogja": "DI Yogyakarta", "jogjakarta": "DI Yogyakarta", "yogya": "DI Yogyakarta",
    "nad": "Aceh", "nanggroe aceh darussalam": "Aceh", "aceh darussalam": "Aceh",
    "babel": "Kepulauan Bangka Belitung", "bangka belitung": "Kepulauan Bangka Belitung",
    "kep bangka belitung": "Kepulauan Bangka Belitung",
    "kepri": "Kepulauan Riau", "kep riau": "Kepulauan Riau",
    "ntb": "Nusa Tenggara Barat", "ntt": "Nusa Tenggara Timur",
    "jabar": "Jawa Barat", "jateng": "Jawa Tengah", "jatim": "Jawa Timur",
    "kalbar": "Kalimantan Barat", "kalteng": "Kalimantan Tengah", "kalsel": "Kalimantan Selatan",
    "kaltim": "Kalimantan Timur", "kaltara": "Kalimantan Utara",
    "sulut": "Sulawesi Utara", "sulteng": "Sulawesi Tengah", "sulsel": "Sulawesi Selatan",
    "sultra": "Sulawesi Tenggara", "sulbar": "Sulawesi Barat",
    "sumut": "Sumatera Utara", "sumbar": "Sumatera Barat", "sumsel": "Sumatera Selatan",
    "malut": "Maluku Utara", "dki": "DKI Jakarta", "jakarta": "DKI Jakarta",
    "dki jakarta": "DKI Jakarta", "pabar": "Papua Barat", "pbd": "Papua Barat Daya",
    # official long forms (the contract's list; D.K.I. folds to "d k i")
    "daerah khusus ibukota jakarta": "DKI Jakarta", "daerah khusus ibu kota jakarta": "DKI Jakarta",
    "daerah khusus jakarta": "DKI Jakarta", "d k i jakarta": "DKI Jakarta", "dk jakarta": "DKI Jakarta",
    "d i y": "DI Yogyakarta", "kepulauan babel": "Kepulauan Bangka Belitung",
}


def _fold(text: str) -> str:
    """Lower-case, strip accents, turn punctuation into spaces and collapse whitespace."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(text.split())


def _province_key(text: str) -> str:
    key = _fold(text)
    key = re.sub(r"^(provinsi|propinsi|prov)\s+", "", key)
    key = key.replace("sumatra", "sumatera")
    key = re.sub(r"^kep\b", "kepulauan", key) if key.startswith("kep ") and key not in _PROVINCE_SHORT else key
    return key


_PROVINCE_LOOKUP: dict[str, str] = {_province_key(p): p for p in PROVINCES}
_PROVINCE_LOOKUP.update(_PROVINCE_SHORT)


def normalize_province(text: object) -> str | None:
    """Canonical province name for any common spelling, or None when unknown/empty."""
    if text is None or (isinstance(text, float) and pd.isna(text)) or text is pd.NA:
        return None
    key = _province_key(str(text))
    if not key:
        return None
    return _PROVINCE_LOOKUP.get(key)


# Kabupaten prefix forms (contract): `Kab.`, `Kab`, `Kabupaten` are one, `Kota`, `Kot.` are one, with or
# without a space after the dot; `Kotabaru` or `Kabandungan` keep their first word.
_KABUPATEN_PREFIX = re.compile(r"^(?:kabupaten\b\.?|kab\.|kab\b)\s*")
_KOTA_PREFIX = re.compile(r"^(?:kota\b\.?|kot\.)\s*")


def kabupaten_key(name: object) -> str:
    """One key per kabupaten as the contract compares them: case and extra spaces ignored, prefix forms
    folded (`KAB. BANDUNG` = `Kab.Bandung` = `Kabupaten Bandung` -> "kab bandung"; `Kota Bandung`
    -> "kota bandung"; a bare `Bandung` -> "bandung"). Empty or missing -> ""."""
    if name is None or name is pd.NA or (isinstance(name, float) and np.isnan(name)):
        return ""
    text = " ".join(str(name).split()).casefold()
    for prefix, label in ((_KABUPATEN_PREFIX, "kab"), (_KOTA_PREFIX, "kota")):
        m = prefix.match(text)
        if m and text[m.end():]:
            return f"{label} {text[m.end():]}"
    return text


def province_slug(name: str) -> str:
    """Stable folder name for a canonical province: 'Jawa Timur' -> 'jawa-timur'."""
    return _fold(name).replace(" ", "-")


# Each province's local time zone (Indonesia's three zones): WIB, WITA (Asia/Makassar), WIT (Asia/Jayapura).
_WITA = ("Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Selatan", "Kalimantan Timur",
         "Kalimantan Utara", "Sulawesi Utara", "Sulawesi Tengah", "Sulawesi Selatan", "Sulawesi Tenggara",
         "Gorontalo", "Sulawesi Barat")
_WIT = ("Maluku", "Maluku Utara", "Papua", "Papua Barat", "Papua Selatan", "Papua Tengah", "Papua Pegunungan",
        "Papua Barat Daya")
PROVINCE_TIMEZONE = {p: "Asia/Makassar" if p in _WITA else "Asia/Jayapura" if p in _WIT else "Asia/Jakarta"
                     for p in PROVINCES}


# --- Jabatan -----------------------------------------------------------------------------------

JABATAN: tuple[str, ...] = ("TA", "PD", "PLD")
JABATAN_LABEL = {"TA": "Tenaga Ahli", "PD": "Pendamping Desa", "PLD": "Pendamping Lokal Desa"}
_JABATAN_LOOKUP = {"ta": "TA", "pd": "PD", "pld": "PLD"}
_JABATAN_LOOKUP.update({_fold(v): k for k, v in JABATAN_LABEL.items()})


def normalize_jabatan(text: object) -> str | None:
    """'TA'/'PD'/'PLD' for the codes or full titles in any case, else None."""
    if text is None or text is pd.NA or (isinstance(text, float) and pd.isna(text)):
        return None
    return _JABATAN_LOOKUP.get(_fold(str(text)))


# --- Header aliases ----------------------------------------------------------------------------
# Each canonical column maps to the header spellings accepted for it (matched after
# header_key()). A callable predicate covers the "any header containing/starting ..." rules.

ROSTER_ALIASES: dict[str, tuple[str, ...]] = {
    "nomor_absen": ("nomor_absen", "nomor absen", "no absen", "nomor urut absen"),
    "nama": ("nama", "nama lengkap"),
    "jabatan": ("jabatan", "posisi"),
    "provinsi": ("provinsi",),
    "kabupaten": ("kabupaten", "kabupaten/kota", "kab/kota"),
    "status": ("status",),
    "tanggal_resign": ("tanggal_resign", "tanggal resign"),
    "tanggal_bergabung": ("tanggal_bergabung", "tanggal bergabung"),
    "email": ("email", "e-mail"),
    "whatsapp": ("whatsapp", "wa", "no wa"),
    "facebook": ("facebook", "fb"),
    "twitter": ("twitter", "x", "twitter/x"),
    "instagram": ("instagram", "ig"),
    "tiktok": ("tiktok",),
    "youtube": ("youtube",),
    "website": ("website", "web", "blog"),
}
ROSTER_REQUIRED = ("nomor_absen", "nama", "jabatan", "provinsi", "kabupaten")

RESPONSE_ALIASES: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp", "stempel waktu", "cap waktu"),
    "provinsi": ("provinsi",),
    "nomor_absen": ("nomor_absen", "nomor absen", "no absen", "nomor urut absen"),
    "nama": ("nama", "nama lengkap"),
    "link": ("link", "tautan"),
}
# Pattern rules from the contract, tried after the exact aliases.
RESPONSE_PATTERNS: dict[str, str] = {
    "provinsi": r"wilayah",  # any header containing "Wilayah"
    "link": r"^link",  # any header starting "Link"
}
RESPONSE_REQUIRED = ("timestamp", "provinsi", "nomor_absen", "nama", "link")

TASK_COLUMNS = ("task_id", "judul", "mulai", "batas", "cakupan", "timezone", "sumber", "materi")
TASK_REQUIRED = ("task_id", "judul", "mulai", "batas", "cakupan")

VILLAGE_MEDIA_MEDIA = ("website", "facebook", "instagram", "twitter", "youtube", "tiktok")
VILLAGE_MEDIA_COLUMNS = ("kode_desa", "desa", "kabupaten", "provinsi", "media_konvensional") + VILLAGE_MEDIA_MEDIA
VILLAGE_MEDIA_REQUIRED = ("kode_desa", "desa", "kabupaten", "provinsi", "media_konvensional")


def header_key(header: object) -> str:
    """Header as matched: case-insensitive, whitespace collapsed, BOM and zero-width characters removed."""
    return " ".join(_ZERO_WIDTH.sub("", str(header)).split()).lower()


_ZERO_WIDTH = re.compile("[\ufeff\u200b\u200c\u200d\u2060]")


# --- Contacts ------------------------------------------------------------------------------------

CHANNELS: tuple[str, ...] = ("email", "whatsapp", "facebook", "twitter", "instagram", "tiktok", "youtube", "website")
CHANNEL_LABEL = {
    "email": "Email", "whatsapp": "WhatsApp", "facebook": "Facebook", "twitter": "Twitter/X",
    "instagram": "Instagram", "tiktok": "TikTok", "youtube": "YouTube", "website": "Website",
}
_EMPTY_WORDS = {"", "-", "--", "0", "tidak ada", "belum ada", "none", "n/a", "na", "nan", "null",
                "tidak punya", "belum punya", "tdk ada", "blm ada", "kosong", "nil", "."}
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"  # one DNS label
_EMAIL_RE = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+$")
_DOMAIN_RE = re.compile(rf"^(?:https?://)?(?:www\.)?{_LABEL}(?:\.{_LABEL})+(?:[/?#].*)?$", re.I)


def _is_empty_word(value: str) -> bool:
    return " ".join(value.lower().split()) in _EMPTY_WORDS


def normalize_whatsapp(value: str) -> str | None:
    """'628…' digits for an Indonesian mobile number, else None."""
    text = value.strip()
    if not re.fullmatch(r"[0-9+\s.\-()]+", text):
        return None
    digits = re.sub(r"\D", "", text)
    if digits.startswith("08"):
        digits = "62" + digits[1:]
    elif digits.startswith("8") and not text.startswith("+"):
        digits = "62" + digits
    if not digits.startswith("628"):
        return None
    return digits if 10 <= len(digits) <= 14 else None


def contact_present(channel: str, value: object) -> bool:
    """Whether `value` is a valid contact for `channel`, per the contract."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return False
    text = str(value).strip()
    if _is_empty_word(text):
        return False
    if channel == "email":
        return bool(_EMAIL_RE.match(text))
    if channel == "whatsapp":
        return normalize_whatsapp(text) is not None
    if channel == "website":
        return bool(_DOMAIN_RE.match(text))
    if channel in CHANNELS:
        return True
    raise ValueError(f"unknown channel {channel!r}")


def contact_present_many(channel: str, values: pd.Series) -> np.ndarray:
    """`contact_present` for every value (a boolean array); each distinct value is decided once
    and missing ones are False without a call (most contact cells are empty)."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    decided = np.array([contact_present(channel, v) for v in uniques] + [False], dtype=bool)
    return decided[codes]  # code -1 (missing) picks the trailing False


def contact_matrix(roster: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame (same index as `roster`), one column per channel: contact present."""
    return pd.DataFrame(
        {ch: contact_present_many(ch, roster[ch]) if ch in roster else False for ch in CHANNELS},
        index=roster.index,
    )


# --- Nomor absen, links, platforms ---------------------------------------------------------------

# Invisible format characters (zero-width spaces and joiners, direction marks, BOM) are noise too.
_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_ID_PREFIX = re.compile(rf"^[\s{_INVISIBLE}]*(?:no\b\.?|nomor\b|#)\s*", re.I)
_ID_NOISE = re.compile(rf"[\s.,\-_/{_INVISIBLE}]+")


# A nomor absen has at most this many digits (it fits an int64); a longer number is not an id.
MAX_ID_DIGITS = 18


def parse_nomor_absen(value: object) -> int | None:
    """Parse a typed nomor absen: spaces, dots, a leading 'No'/'#', leading zeros are noise.

    Returns None when the value holds no digits, holds other characters (so it can't be read
    as a number without guessing), or is longer than MAX_ID_DIGITS digits."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if type(value) is str and value.isdigit() and value.isascii():
        # Only ASCII digits: nothing for the prefix and noise patterns below to remove.
        text = value.lstrip("0")
        return int(text) if text and len(text) <= MAX_ID_DIGITS else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 10**MAX_ID_DIGITS else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and 0 < value < 10**MAX_ID_DIGITS else None
    text = _ID_PREFIX.sub("", str(value))
    text = _ID_NOISE.sub("", text).lstrip("0")
    if not text.isdigit() or not text.isascii() or len(text) > MAX_ID_DIGITS:
        return None
    return int(text)


def id_digits(value: object) -> str:
    """The digits typed in a nomor absen (used for the `missing_id` rule and typo recovery)."""
    if type(value) is str and value.isdigit() and value.isascii():
        return value
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(c for c in str(value) if c.isascii() and c.isdigit())


_WHITESPACE = re.compile(r"\s")
# The usual shape of a link, `http(s)://host` then `/`, `?`, `#` or the end, with a host of only
# ASCII letters, digits, `.`, `-`, `_`. For such a text urlsplit's scheme is http(s), its netloc is
# exactly that host (no userinfo, port, brackets or non-ASCII to look at) and its hostname the
# host lower-cased, so link_host reads the host off the match (tests/test_fast_paths.py
# checks both ways agree); every other text goes through urlsplit.
_PLAIN_LINK = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://([A-Za-z0-9._-]+)(?:[/?#]|\Z)")


def _host_from_urlsplit(text: str) -> str | None:
    """link_host of a stripped text without whitespace: the definition, by urlsplit."""
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return _named_host(host)


def _named_host(host: str) -> str | None:
    """A host as rule 6 counts it: lower-case, a trailing root dot dropped, and at least two
    non-empty labels ("fb", ".", "a." and "a..b" are no host)."""
    host = host.lower().rstrip(".")
    labels = host.split(".")
    return host if len(labels) >= 2 and all(labels) else None


def _schemeless_host(text: str) -> str | None:
    """Host of a link typed without a scheme (rule 6 as amended), lower-cased, else None.

    The part before the first ``/`` must be a host of two or more labels made of ASCII letters,
    digits and inner hyphens, the last label two or more letters; and a ``/`` must follow it, or
    the host begins with ``www.``, or it is a platform host or a subdomain of one (``fb.watch``,
    ``instagram.com``). `text` is stripped and has no whitespace."""
    head, slash, _ = text.partition("/")
    labels = head.split(".")
    if len(labels) < 2 or not all(_is_host_label(label) for label in labels):
        return None
    if not (len(labels[-1]) >= 2 and labels[-1].isalpha()):
        return None
    host = head.lower()
    if slash or host.startswith("www.") or _is_platform_host(host):
        return host
    return None


def _is_host_label(label: str) -> bool:
    return (label.isascii() and label.replace("-", "").isalnum() and not label.startswith("-")
            and not label.endswith("-"))


@lru_cache(maxsize=131_072, typed=True)  # a live watcher reads the same links on every refresh
def read_link(link: object) -> tuple[str, str, bool] | None:
    """A response's link as rule 6 reads it: (url, host, typed_without_scheme), or None when invalid.

    Surrounding whitespace is trimmed. An http(s) URL (scheme in any case) is read as typed; a
    value without a scheme that passes `_schemeless_host` is read as ``https://`` + the value
    (warning ``link_no_scheme``). `host` is lower-case, without a trailing root dot."""
    if link is None or link is pd.NA or (isinstance(link, float) and pd.isna(link)):
        return None
    text = str(link).strip()
    if not text or _WHITESPACE.search(text):
        return None
    plain = _PLAIN_LINK.match(text)
    host = _host_from_urlsplit(text) if plain is None else _named_host(plain[1])
    if host is not None:
        return text, host, False
    host = _schemeless_host(text)
    return None if host is None else ("https://" + text, host, True)


def link_host(link: object) -> str | None:
    """Lower-case host of a valid link (rule 6: an http(s) URL, or a link typed without a scheme), else None."""
    read = read_link(link)
    return None if read is None else read[1]


def is_valid_link(link: object) -> bool:
    """Contract rule 6 (as amended: links typed without a scheme are valid too)."""
    return read_link(link) is not None


PLATFORMS: tuple[str, ...] = ("Facebook", "Instagram", "X/Twitter", "TikTok", "YouTube", "Website/Blog")
_PLATFORM_HOSTS = {
    "Facebook": ("facebook.com", "fb.com", "fb.watch"),
    "Instagram": ("instagram.com", "instagr.am"),
    "X/Twitter": ("x.com", "twitter.com"),
    "TikTok": ("tiktok.com",),
    "YouTube": ("youtube.com", "youtu.be"),
}


def platform_of(link: object) -> str | None:
    """Platform of a link from its host (subdomains included); None for an invalid link."""
    host = link_host(link)
    return None if host is None else _host_platform(host)


def _is_platform_host(host: str) -> bool:
    return _host_platform(host) != "Website/Blog"


@lru_cache(maxsize=65_536)
def _host_platform(host: str) -> str:
    """Platform of a link host (a few hundred distinct hosts cover most links: cached)."""
    for platform, domains in _PLATFORM_HOSTS.items():
        if any(host == d or host.endswith("." + d) for d in domains):
            return platform
    return "Website/Blog"
