"""Deterministic generator of the national-scale sample data directory (roster, tasks, responses, village media)."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.rules.contract import _PROVINCE_SHORT, JABATAN, JABATAN_LABEL, PROVINCES, platform_of

DEFAULT_SEED = 20251110

# --- Geography ---------------------------------------------------------------------------------
# province -> (BPS code, approximate number of desa, kabupaten/kota that have desa).
# Names without a prefix are kabupaten ("Kabupaten X"); "Kota Y" entries are cities with desa.
_GEOGRAPHY: dict[str, tuple[int, int, str]] = {
    "Aceh": (11, 6497, "Aceh Barat, Aceh Barat Daya, Aceh Besar, Aceh Jaya, Aceh Selatan, Aceh Singkil, "
             "Aceh Tamiang, Aceh Tengah, Aceh Tenggara, Aceh Timur, Aceh Utara, Bener Meriah, Bireuen, "
             "Gayo Lues, Nagan Raya, Pidie, Pidie Jaya, Simeulue, Kota Banda Aceh, Kota Sabang, Kota Langsa, "
             "Kota Lhokseumawe, Kota Subulussalam"),
    "Sumatera Utara": (12, 5417, "Asahan, Batu Bara, Dairi, Deli Serdang, Humbang Hasundutan, Karo, Labuhanbatu, "
                       "Labuhanbatu Selatan, Labuhanbatu Utara, Langkat, Mandailing Natal, Nias, Nias Barat, "
                       "Nias Selatan, Nias Utara, Padang Lawas, Padang Lawas Utara, Pakpak Bharat, Samosir, "
                       "Serdang Bedagai, Simalungun, Tapanuli Selatan, Tapanuli Tengah, Tapanuli Utara, Toba, "
                       "Kota Gunungsitoli"),
    "Sumatera Barat": (13, 1035, "Agam, Dharmasraya, Kepulauan Mentawai, Lima Puluh Kota, Padang Pariaman, Pasaman, "
                       "Pasaman Barat, Pesisir Selatan, Sijunjung, Solok, Solok Selatan, Tanah Datar"),
    "Riau": (14, 1591, "Bengkalis, Indragiri Hilir, Indragiri Hulu, Kampar, Kepulauan Meranti, Kuantan Singingi, "
             "Pelalawan, Rokan Hilir, Rokan Hulu, Siak"),
    "Jambi": (15, 1399, "Batanghari, Bungo, Kerinci, Merangin, Muaro Jambi, Sarolangun, Tanjung Jabung Barat, "
              "Tanjung Jabung Timur, Tebo, Kota Sungai Penuh"),
    "Sumatera Selatan": (16, 2853, "Banyuasin, Empat Lawang, Lahat, Muara Enim, Musi Banyuasin, Musi Rawas, "
                         "Musi Rawas Utara, Ogan Ilir, Ogan Komering Ilir, Ogan Komering Ulu, "
                         "Ogan Komering Ulu Selatan, Ogan Komering Ulu Timur, Penukal Abab Lematang Ilir, "
                         "Kota Prabumulih"),
    "Bengkulu": (17, 1341, "Bengkulu Selatan, Bengkulu Tengah, Bengkulu Utara, Kaur, Kepahiang, Lebong, Mukomuko, "
                 "Rejang Lebong, Seluma"),
    "Lampung": (18, 2446, "Lampung Barat, Lampung Selatan, Lampung Tengah, Lampung Timur, Lampung Utara, Mesuji, "
                "Pesawaran, Pesisir Barat, Pringsewu, Tanggamus, Tulang Bawang, Tulang Bawang Barat, Way Kanan"),
    "Kepulauan Bangka Belitung": (19, 309, "Bangka, Bangka Barat, Bangka Selatan, Bangka Tengah, Belitung, "
                                  "Belitung Timur"),
    "Kepulauan Riau": (21, 275, "Bintan, Karimun, Kepulauan Anambas, Lingga, Natuna"),
    "Jawa Barat": (32, 5311, "Bandung, Bandung Barat, Bekasi, Bogor, Ciamis, Cianjur, Cirebon, Garut, Indramayu, "
                   "Karawang, Kuningan, Majalengka, Pangandaran, Purwakarta, Subang, Sukabumi, Sumedang, "
                   "Tasikmalaya, Kota Banjar"),
    "Jawa Tengah": (33, 7810, "Cilacap, Banyumas, Purbalingga, Banjarnegara, Kebumen, Purworejo, Wonosobo, "
                    "Magelang, Boyolali, Klaten, Sukoharjo, Wonogiri, Karanganyar, Sragen, Grobogan, Blora, "
                    "Rembang, Pati, Kudus, Jepara, Demak, Semarang, Temanggung, Kendal, Batang, Pekalongan, "
                    "Pemalang, Tegal, Brebes"),
    "DI Yogyakarta": (34, 392, "Kulon Progo, Bantul, Gunungkidul, Sleman"),
    "Jawa Timur": (35, 7721, "Pacitan, Ponorogo, Trenggalek, Tulungagung, Blitar, Kediri, Malang, Lumajang, Jember, "
                   "Banyuwangi, Bondowoso, Situbondo, Probolinggo, Pasuruan, Sidoarjo, Mojokerto, Jombang, "
                   "Nganjuk, Madiun, Magetan, Ngawi, Bojonegoro, Tuban, Lamongan, Gresik, Bangkalan, Sampang, "
                   "Pamekasan, Sumenep, Kota Batu"),
    "Banten": (36, 1238, "Pandeglang, Lebak, Tangerang, Serang"),
    "Bali": (51, 636, "Jembrana, Tabanan, Badung, Gianyar, Klungkung, Bangli, Karangasem, Buleleng, Kota Denpasar"),
    "Nusa Tenggara Barat": (52, 1021, "Lombok Barat, Lombok Tengah, Lombok Timur, Sumbawa, Dompu, Bima, "
                            "Sumbawa Barat, Lombok Utara"),
    "Nusa Tenggara Timur": (53, 3026, "Sumba Barat, Sumba Timur, Kupang, Timor Tengah Selatan, Timor Tengah Utara, "
                            "Belu, Alor, Lembata, Flores Timur, Sikka, Ende, Ngada, Manggarai, Rote Ndao, "
                            "Manggarai Barat, Sumba Tengah, Sumba Barat Daya, Nagekeo, Manggarai Timur, "
                            "Sabu Raijua, Malaka"),
    "Kalimantan Barat": (61, 2046, "Sambas, Bengkayang, Landak, Mempawah, Sanggau, Ketapang, Sintang, Kapuas Hulu, "
                         "Sekadau, Melawi, Kayong Utara, Kubu Raya"),
    "Kalimantan Tengah": (62, 1432, "Kotawaringin Barat, Kotawaringin Timur, Kapuas, Barito Selatan, Barito Utara, "
                          "Sukamara, Lamandau, Seruyan, Katingan, Pulang Pisau, Gunung Mas, Barito Timur, "
                          "Murung Raya"),
    "Kalimantan Selatan": (63, 1871, "Tanah Laut, Kotabaru, Banjar, Barito Kuala, Tapin, Hulu Sungai Selatan, "
                           "Hulu Sungai Tengah, Hulu Sungai Utara, Tabalong, Tanah Bumbu, Balangan"),
    "Kalimantan Timur": (64, 841, "Paser, Kutai Barat, Kutai Kartanegara, Kutai Timur, Berau, Penajam Paser Utara, "
                         "Mahakam Ulu"),
    "Kalimantan Utara": (65, 447, "Malinau, Bulungan, Tana Tidung, Nunukan"),
    "Sulawesi Utara": (71, 1507, "Bolaang Mongondow, Minahasa, Kepulauan Sangihe, Kepulauan Talaud, "
                       "Minahasa Selatan, Minahasa Utara, Bolaang Mongondow Utara, "
                       "Kepulauan Siau Tagulandang Biaro, Minahasa Tenggara, Bolaang Mongondow Selatan, "
                       "Bolaang Mongondow Timur, Kota Kotamobagu"),
    "Sulawesi Tengah": (72, 1842, "Banggai Kepulauan, Banggai, Morowali, Poso, Donggala, Tolitoli, Buol, "
                        "Parigi Moutong, Tojo Una-Una, Sigi, Banggai Laut, Morowali Utara"),
    "Sulawesi Selatan": (73, 2266, "Kepulauan Selayar, Bulukumba, Bantaeng, Jeneponto, Takalar, Gowa, Sinjai, "
                         "Maros, Pangkajene dan Kepulauan, Barru, Bone, Soppeng, Wajo, Sidenreng Rappang, "
                         "Pinrang, Enrekang, Luwu, Tana Toraja, Luwu Utara, Luwu Timur, Toraja Utara"),
    "Sulawesi Tenggara": (74, 1908, "Buton, Muna, Konawe, Kolaka, Konawe Selatan, Bombana, Wakatobi, Kolaka Utara, "
                          "Buton Utara, Konawe Utara, Kolaka Timur, Konawe Kepulauan, Muna Barat, Buton Tengah, "
                          "Buton Selatan"),
    "Gorontalo": (75, 657, "Boalemo, Gorontalo, Pohuwato, Bone Bolango, Gorontalo Utara"),
    "Sulawesi Barat": (76, 575, "Majene, Polewali Mandar, Mamasa, Mamuju, Pasangkayu, Mamuju Tengah"),
    "Maluku": (81, 1200, "Kepulauan Tanimbar, Maluku Tenggara, Maluku Tengah, Buru, Kepulauan Aru, "
               "Seram Bagian Barat, Seram Bagian Timur, Maluku Barat Daya, Buru Selatan, Kota Ambon, Kota Tual"),
    "Maluku Utara": (82, 1064, "Halmahera Barat, Halmahera Tengah, Kepulauan Sula, Halmahera Selatan, "
                     "Halmahera Utara, Halmahera Timur, Pulau Morotai, Pulau Taliabu, Kota Tidore Kepulauan"),
    "Papua": (91, 1000, "Jayapura, Kepulauan Yapen, Biak Numfor, Sarmi, Keerom, Waropen, Supiori, Mamberamo Raya, "
              "Kota Jayapura"),
    "Papua Barat": (92, 900, "Fakfak, Kaimana, Manokwari, Manokwari Selatan, Pegunungan Arfak, Teluk Bintuni, "
                    "Teluk Wondama"),
    "Papua Selatan": (93, 690, "Merauke, Boven Digoel, Mappi, Asmat"),
    "Papua Tengah": (94, 1200, "Nabire, Puncak Jaya, Paniai, Mimika, Puncak, Dogiyai, Intan Jaya, Deiyai"),
    "Papua Pegunungan": (95, 2600, "Jayawijaya, Pegunungan Bintang, Yahukimo, Tolikara, Mamberamo Tengah, Yalimo, "
                         "Lanny Jaya, Nduga"),
    "Papua Barat Daya": (96, 1000, "Sorong, Sorong Selatan, Raja Ampat, Tambrauw, Maybrat"),
}
SAMPLE_PROVINCES: tuple[str, ...] = tuple(p for p in PROVINCES if p in _GEOGRAPHY)
assert set(_GEOGRAPHY) <= set(PROVINCES) and len(SAMPLE_PROVINCES) == 37


def _kabupaten_names(province: str) -> list[str]:
    items = [s.strip() for s in _GEOGRAPHY[province][2].split(",")]
    return [s if s.startswith("Kota ") else f"Kabupaten {s}" for s in items]


NATIONAL_VILLAGES = 75_726
NATIONAL_TPP = 29_700
MIN_TPP_PER_PROVINCE = 12

# Participation of the latest task per province (the rest drawn in 0.75-0.92).
_FIXED_RATES = {"Gorontalo": 0.99, "Papua Pegunungan": 0.47, "Papua Tengah": 0.54, "Papua Selatan": 0.59}
_PROPENSITY_SPREAD = 1.6  # sd of the persistent per-TPP propensity on the logit scale

# Contact rates nationally (contract's known figures where given).
_CONTACT_RATES = {"email": 0.9468, "whatsapp": 29_000 / NATIONAL_TPP, "facebook": 25_000 / NATIONAL_TPP,
                  "twitter": 17_993 / NATIONAL_TPP, "instagram": 0.55, "tiktok": 0.35, "youtube": 0.20,
                  "website": 0.10}
_VILLAGE_RATES = {"website": 0.40, "facebook": 0.72, "instagram": 0.42, "twitter": 0.10, "youtube": 0.22,
                  "tiktok": 0.18}
_VILLAGE_NO_CONVENTIONAL = 1 - 0.9932

# --- Tasks ---------------------------------------------------------------------------------------
# task_id, judul, mulai, batas, timestamp format, header set, encoding
_NATIONAL_TASKS = (
    ("2025-01-15-hari-desa-nasional", "Hari Desa Nasional 2025", "2025-01-15 08:00", "2025-01-16 23:59", "mdy", 0, "utf-8"),
    ("2025-04-21-hari-kartini", "Hari Kartini 2025", "2025-04-21 07:00", "2025-04-22 23:59", "dmy", 1, "cp1252"),
    ("2025-05-02-hari-pendidikan", "Hari Pendidikan Nasional 2025", "2025-05-02 08:00", "2025-05-03 23:59", "iso", 2, "utf-8"),
    ("2025-05-20-hari-kebangkitan", "Hari Kebangkitan Nasional 2025", "2025-05-20 08:00", "2025-05-21 23:59", "iso_z", 0, "utf-8"),
    ("2025-06-01-hari-lahir-pancasila", "Hari Lahir Pancasila 2025", "2025-06-01 08:00", "2025-06-02 23:59", "dmy", 1, "utf-8"),
    ("2025-08-17-hut-ri-80", "HUT ke-80 Republik Indonesia", "2025-08-17 07:00", "2025-08-19 23:59", "mdy", 0, "utf-8-sig"),
    ("2025-09-24-hari-tani", "Hari Tani Nasional 2025", "2025-09-24 08:00", "2025-09-25 23:59", "iso_offset", 2, "utf-8"),
    ("2025-10-28-hari-sumpah-pemuda", "Hari Sumpah Pemuda 2025", "2025-10-28 08:00", "2025-10-29 23:59", "dmy_dots", 1, "utf-8"),
    ("2025-11-10-hari-pahlawan", "Hari Pahlawan 2025", "2025-11-10 08:00", "2025-11-11 23:59", "dmy_dots", 2, "utf-8"),
)
# Day-first files whose days stay <= 12 (late rows capped), so only the task window decides.
_AMBIGUOUS_TASKS = {"2025-06-01-hari-lahir-pancasila", "2025-11-10-hari-pahlawan"}
PROVINCIAL_TASK = ("2025-10-19-hut-sulsel", "HUT ke-356 Provinsi Sulawesi Selatan", "2025-10-19 08:00",
                   "2025-10-20 23:59", "Sulawesi Selatan", "Asia/Makassar")
LATEST_TASK_ID = "2025-11-10-hari-pahlawan"
_UTC_OFFSET_H = 7  # Asia/Jakarta, for the ISO 'Z' file

_RESPONSE_HEADERS = (
    {"timestamp": "Timestamp", "provinsi": "Provinsi", "nomor_absen": "Nomor Absen", "nama": "Nama Lengkap",
     "link": "Link Postingan"},
    {"timestamp": "Stempel waktu", "provinsi": "Asal Wilayah", "nomor_absen": "No Absen", "nama": "Nama",
     "link": "Link Postingan Media Sosial"},
    {"timestamp": "Cap waktu", "provinsi": "Provinsi", "nomor_absen": "Nomor Urut Absen", "nama": "Nama Lengkap",
     "link": "Tautan"},
)
_XLSX_FIXED_TIME = dt.datetime(2025, 10, 21, 9, 0, 0)

# --- Names ---------------------------------------------------------------------------------------
_FIRST = ["Agus", "Ahmad", "Andi", "Arif", "Bambang", "Budi", "Dedi", "Dewi", "Diah", "Eko", "Endang", "Fajar", "Fitri", "Hadi", "Hendra", "Heru", "Ika", "Indah", "Irwan", "Joko", "Kartika", "Lestari", "Made", "Muhammad", "Nur", "Nurul", "Putri", "Rahmat", "Ratna", "Ria", "Rina", "Rudi", "Sari", "Siti", "Slamet", "Sri", "Sutrisno", "Taufik", "Teguh", "Tri", "Wahyu", "Wayan", "Wulan", "Yanti", "Yusuf", "Zainal", "Asep", "Ujang", "Cecep", "Dadang", "Yayan", "Neneng", "Iwan", "Yohanes", "Maria", "Yosef", "Fransiskus", "Agustinus", "Paulus", "Petrus", "Markus", "Stefanus", "Benediktus", "Kristina", "Novita", "Rizky", "Dimas", "Gilang", "Bayu", "Andika", "Firman", "Hasan", "Ismail", "Ilham", "Nurhayati", "Ketut", "Nyoman", "Komang", "Gede", "Putu", "Kadek", "Syahrul", "Hamzah", "Fadli", "Rahmawati", "Yuliana", "Herlina", "Erni", "Evi", "Mega", "Anisa", "Aisyah", "Rosmini", "Hasnah", "Irma", "Abdul", "Syamsul", "Junaidi", "Hendrik", "Yunus", "Samuel", "Daniel", "Yakob", "Melki", "Ferdinandus", "Arnold", "Ronal", "Rahmi", "Wahyuni", "Sulastri", "Suwarni", "Sumarni", "Darmawan", "Hartini", "Susilawati", "Mursalim", "Jumadi", "Rusdi", "Safrudin", "Zulkifli", "Armansyah", "Nasrul", "Misran", "Baharuddin", "Amiruddin"]
_FIRST_ACCENTED = ("André", "José", "Renée", "Stéphanus")
_LAST = ["Santoso", "Wijaya", "Saputra", "Hidayat", "Kurniawan", "Setiawan", "Pratama", "Nugroho", "Wibowo", "Susanto", "Hartono", "Siregar", "Nasution", "Harahap", "Lubis", "Simanjuntak", "Sitompul", "Hutapea", "Manurung", "Sinaga", "Tarigan", "Ginting", "Sembiring", "Pane", "Rangkuti", "Daulay", "Batubara", "Situmorang", "Panjaitan", "Sihombing", "Purba", "Saragih", "Damanik", "Lase", "Zebua", "Halawa", "Hakim", "Rahman", "Syahputra", "Maulana", "Ramadhan", "Firmansyah", "Gunawan", "Hermawan", "Suryadi", "Sudirman", "Suparman", "Haryanto", "Prasetyo", "Purnomo", "Utomo", "Permana", "Sutisna", "Hamid", "Mahmud", "Rasyid", "Tanjung", "Pohan", "Matondang", "Gultom", "Napitupulu", "Simatupang", "Sihotang", "Rumbiak", "Wenda", "Kogoya", "Tabuni", "Wonda", "Yikwa", "Murib", "Mandacan", "Ayomi", "Rumbewas", "Kaize", "Loupatty", "Latuconsina", "Tuasikal", "Ohoiwutun", "Rettob", "Laoli", "Tuhuteru", "Mokodompit", "Paputungan", "Pakaya", "Hulopi", "Mohamad", "Lasena", "Tahir", "Basri", "Sangkala", "Ramli", "Mappaseng", "Rauf", "Ndoen", "Bria", "Seran", "Nahak", "Manek", "Lalong", "Beding", "Kelen", "Fernandez", "Pereira", "Ximenes", "Suarta", "Wirawan", "Mahendra", "Kusuma", "Anwar", "Effendi", "Syamsuddin", "Arifin", "Ismail", "Yusuf", "Nurdin", "Hasibuan", "Marpaung", "Tampubolon"]
_DEGREES = ("S.Pd.", "S.E.", "S.Hut.", "S.AP.", "S.Pd.I.", "A.Md.", "M.Si.", "M.AP.", "S.Sos.", "S.T.", "S.P.",
            "S.Kom.", "S.IP.", "S.H.")
_PREFIXES = ("H.", "Hj.", "Drs.", "Ir.", "Dr.")
_RESPONSE_HONORIFICS = ("Bpk.", "Ibu", "Bapak", "Sdr.")
_HOSTILE_NAMES = ("<b>Budi</b> Hartono", "=1+1 Lubis")
_ASCII = str.maketrans("éèêëáàâäíìîïóòôöúùûüçñÉ", "eeeeaaaaiiiioooouuuucnE")

_DESA_HEAD = ["Suka", "Sido", "Karang", "Tanjung", "Sumber", "Mekar", "Sri", "Tirta", "Banyu", "Wono", "Giri", "Rejo", "Margo", "Harjo", "Jati", "Cipta", "Bumi", "Batu", "Muara", "Sungai", "Lubuk", "Padang", "Teluk", "Air", "Pasir", "Bukit", "Lembah", "Tegal", "Ngadi", "Pagar", "Kebon", "Cinta", "Mulya", "Rawa", "Kali", "Pulau", "Talang", "Ujung", "Lamba", "Bina", "Tunas"]
_DESA_TAIL = ["maju", "mulya", "jaya", "rejo", "sari", "makmur", "asri", "harjo", "agung", "indah", "baru", "lestari", "wangi", "tani", "mukti", "raharja", "sentosa", "rahayu", "wetan", "kulon", "utara", "selatan", "timur", "barat", "damai", "permai", "subur", "abadi", "mekar", "bakti"]

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_HEX = "0123456789abcdef"
_DIGITS = "0123456789"
_EMPTY_MARKERS = ("-", "0", "belum ada", "tidak ada", "-", "n/a", "Tidak punya", "")


# --- Small helpers -------------------------------------------------------------------------------

def _rng(seed: int, part: int) -> np.random.Generator:
    """Independent stream per part, so one part's draws don't shift another's."""
    return np.random.default_rng([seed, part])


def _codes(rng: np.random.Generator, n: int, length: int, alphabet: str = _ALNUM) -> np.ndarray:
    """n random strings of `length` characters of `alphabet` (vectorized)."""
    alpha = np.array(list(alphabet))
    if n == 0:
        return np.array([], dtype=f"<U{length}")
    return alpha[rng.integers(0, len(alpha), size=(n, length))].view(f"<U{length}").ravel()


def _numbers(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    """n random digit strings of `length` digits without a leading zero."""
    first = np.array(list("123456789"))[rng.integers(0, 9, size=n)]
    return np.char.add(first, _codes(rng, n, length - 1, _DIGITS)) if length > 1 else first


def _largest_remainder(weights: np.ndarray, total: int, minimum: int = 0) -> np.ndarray:
    """Integers proportional to `weights` summing to `total` (each at least `minimum` when possible)."""
    weights = np.asarray(weights, dtype=float)
    base = np.full(len(weights), minimum, dtype=np.int64)
    rest = total - base.sum()
    if rest <= 0:
        return base
    exact = weights / weights.sum() * rest
    out = np.floor(exact).astype(np.int64)
    short = rest - out.sum()
    order = np.argsort(-(exact - out), kind="stable")
    out[order[:short]] += 1
    return base + out


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p):
    return np.log(p / (1 - p))


_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(48)
_GH_W = _GH_W / _GH_W.sum()


def _calibrate(targets: np.ndarray, spread: float) -> np.ndarray:
    """Logit intercepts a with E[sigmoid(a + spread*Z)] = target, Z standard normal (bisection)."""
    lo, hi = np.full(len(targets), -15.0), np.full(len(targets), 15.0)
    for _ in range(60):
        mid = (lo + hi) / 2
        mean = (_sigmoid(mid[:, None] + spread * _GH_X[None, :]) * _GH_W).sum(axis=1)
        lo = np.where(mean < targets, mid, lo)
        hi = np.where(mean < targets, hi, mid)
    return (lo + hi) / 2


def _shift_to_mean(logits: np.ndarray, weights: np.ndarray, target: float) -> np.ndarray:
    """Add one shift to `logits` so that the weighted mean of sigmoid(logits) equals `target`."""
    lo, hi = -15.0, 15.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.average(_sigmoid(logits + mid), weights=weights) < target:
            lo = mid
        else:
            hi = mid
    return logits + (lo + hi) / 2


def _fold_ascii(text: str) -> str:
    return "".join(c for c in text.translate(_ASCII).lower() if c.isalnum())


def _province_variants() -> dict[str, list[str]]:
    """Ways people type each province: short names from the contract, prefixes, Sumatra, upper case."""
    variants: dict[str, list[str]] = {p: [] for p in SAMPLE_PROVINCES}
    for key, canonical in _PROVINCE_SHORT.items():
        if canonical in variants and " " not in key and key != canonical.lower():
            variants[canonical].append(key.upper() if len(key) <= 3 else key.capitalize())
    for p in SAMPLE_PROVINCES:
        variants[p] += [f"Prov. {p}", f"Provinsi {p}", p.upper()]
        if p.startswith("Sumatera"):
            variants[p].append(p.replace("Sumatera", "Sumatra"))
    return variants


# --- Geography and roster ------------------------------------------------------------------------

def _geography(scale: float) -> tuple[pd.DataFrame, np.ndarray]:
    """Kabupaten table (province, kabupaten, BPS codes, desa count at scale 1) and TPP per province."""
    desa = np.array([_GEOGRAPHY[p][1] for p in SAMPLE_PROVINCES], dtype=float)
    desa_prov = _largest_remainder(desa, NATIONAL_VILLAGES)
    rows = []
    rng = _rng(DEFAULT_SEED, 0)  # the map is the same for every seed
    for pi, prov in enumerate(SAMPLE_PROVINCES):
        names = _kabupaten_names(prov)
        is_kota = np.array([n.startswith("Kota ") for n in names])
        w = rng.gamma(4.0, 1.0, size=len(names)) * np.where(is_kota, 0.25, 1.0)
        counts = _largest_remainder(w, int(desa_prov[pi]), minimum=5)
        kab_no, kota_no = 0, 70
        for name, kota, n in zip(names, is_kota, counts):
            if kota:
                kota_no += 1
                code = kota_no
            else:
                kab_no += 1
                code = kab_no
            rows.append((pi, prov, name, _GEOGRAPHY[prov][0], code, int(n)))
    kab = pd.DataFrame(rows, columns=["prov_idx", "provinsi", "kabupaten", "bps_prov", "bps_kab", "desa"])
    tpp_prov = _largest_remainder(desa, NATIONAL_TPP)
    tpp_prov = np.maximum(np.round(tpp_prov * scale).astype(np.int64), MIN_TPP_PER_PROVINCE)
    return kab, tpp_prov


def _placement(kab: pd.DataFrame, tpp_prov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each person's province index and kabupaten, spread over the kabupaten by their villages."""
    prov_idx, kab_name = [], []
    for pi, n in enumerate(tpp_prov):
        k = kab[kab.prov_idx == pi]
        alloc = _largest_remainder(k.desa.to_numpy(), int(n), minimum=1 if n >= len(k) else 0)
        prov_idx.append(np.full(int(n), pi))
        kab_name.append(np.repeat(k.kabupaten.to_numpy(), alloc))
    return np.concatenate(prov_idx), np.concatenate(kab_name)


def _names(rng: np.random.Generator, n: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Names (first [middle] last, some degrees and honorifics, a few hostile ones): nama, core, handle."""
    first_idx = rng.integers(0, len(_FIRST), n)
    first = np.array(_FIRST, dtype=object)[first_idx]
    accented = rng.random(n) < 0.004
    first[accented] = np.array(_FIRST_ACCENTED, dtype=object)[rng.integers(0, len(_FIRST_ACCENTED), accented.sum())]
    middle = np.array(_FIRST, dtype=object)[(first_idx + rng.integers(1, len(_FIRST), n)) % len(_FIRST)]
    has_middle = rng.random(n) < 0.3
    last = np.array(_LAST, dtype=object)[rng.integers(0, len(_LAST), n)]
    core = np.where(has_middle, first + " " + middle + " " + last, first + " " + last)
    handle = np.array([_fold_ascii(f) + "." + _fold_ascii(s) for f, s in zip(first, last)], dtype=object)
    hostile = rng.choice(n, size=len(_HOSTILE_NAMES), replace=False)
    core[hostile] = _HOSTILE_NAMES
    degree = np.where(rng.random(n) < 0.2, np.array(_DEGREES, dtype=object)[rng.integers(0, len(_DEGREES), n)], "")
    prefix = np.where(rng.random(n) < 0.05, np.array(_PREFIXES, dtype=object)[rng.integers(0, len(_PREFIXES), n)], "")
    nama = [(p + " " if p else "") + c + (", " + d if d else "") for p, c, d in zip(prefix, core, degree)]
    return nama, core, handle


def _dates(rng: np.random.Generator, people: pd.DataFrame, scale: float) -> None:
    """Status, resign and join dates (in place), with the contract's edge cases planted."""
    n = len(people)
    u = rng.random(n)
    resign = u < 0.03
    joiner = (u >= 0.03) & (u < 0.05)
    start, end = np.datetime64("2025-01-05"), np.datetime64("2025-11-25")
    resign_date = start + rng.integers(0, int((end - start).astype(np.int64)), n).astype("timedelta64[D]")
    join_date = np.datetime64("2025-02-01") + rng.integers(0, 283, n).astype("timedelta64[D]")
    old_join = np.datetime64("2019-01-01") + rng.integers(0, 6 * 365, n).astype("timedelta64[D]")
    latest_start = np.datetime64(LATEST_TASK_ID[:10])
    resign_idx, join_idx = np.flatnonzero(resign), np.flatnonzero(joiner)
    resign_date[resign_idx[:2]] = latest_start  # resigned on the start day: not eligible
    join_date[join_idx[:2]] = latest_start  # joined on the start day: eligible
    no_date = np.zeros(n, dtype=bool)
    no_date[resign_idx[2:2 + max(2, round(6 * scale))]] = True
    people["status"] = np.where(resign, "Resign", np.where(rng.random(n) < 0.55, "Aktif", ""))
    people["resign"] = np.where(resign & ~no_date, resign_date, np.datetime64("NaT"))
    people["resign_nodate"] = resign & no_date
    people["join"] = np.where(joiner, join_date, np.datetime64("NaT"))
    people["join_text"] = np.where(joiner, pd.Series(join_date).dt.strftime("%Y-%m-%d"),
                                   np.where(rng.random(n) < 0.15, pd.Series(old_join).dt.strftime("%Y-%m-%d"), ""))
    people["resign_text"] = np.where(resign & ~no_date, pd.Series(resign_date).dt.strftime("%Y-%m-%d"), "")


def _written_forms(rng: np.random.Generator, people: pd.DataFrame) -> None:
    """How jabatan and province are typed in the roster (in place)."""
    n = len(people)
    uj = rng.random(n)
    label = people["jabatan"].map(JABATAN_LABEL)
    people["jab_text"] = np.where(uj < 0.10, label, np.where(uj < 0.13, people["jabatan"].str.lower(),
                                  np.where(uj < 0.15, people["jabatan"].str.capitalize(),
                                           np.where(uj < 0.16, label.str.upper(), people["jabatan"]))))
    variants = _province_variants()
    up = rng.random(n)
    pick = rng.integers(0, 1000, n)
    people["prov_text"] = [v if x >= 0.12 else variants[v][k % len(variants[v])]
                           for v, x, k in zip(people["provinsi"], up, pick)]


def _bad_rows(rng: np.random.Generator, people: pd.DataFrame, spare_ids: np.ndarray) -> pd.DataFrame:
    """Deliberately bad rows (quarantine): missing/non-numeric ids, duplicated ids, unknown
    province, unknown jabatan; the duplicated ids' originals are marked in `people` (in place)."""
    n = len(people)
    bad_src = rng.choice(n, size=12, replace=False)
    bad = people.iloc[bad_src].copy()
    bad_first = np.array(_FIRST, dtype=object)[rng.integers(0, len(_FIRST), 12)]
    bad_last = np.array(_LAST, dtype=object)[rng.integers(0, len(_LAST), 12)]
    bad["nama"] = bad_first + " " + bad_last
    bad["core"] = bad["nama"]
    bad["handle"] = [_fold_ascii(f) + "." + _fold_ascii(s) for f, s in zip(bad_first, bad_last)]
    bad["status"] = "Aktif"
    bad["resign"] = np.datetime64("NaT")
    bad["resign_nodate"] = False
    bad["join"] = np.datetime64("NaT")
    bad["resign_text"] = ""
    bad["join_text"] = ""
    bad["nomor_absen"] = spare_ids[:12]
    bad["id_text"] = spare_ids[:12].astype(str)
    bad["bad"] = ["missing_id"] * 5 + ["duplicate_id"] * 3 + ["unknown_province"] * 2 + ["unknown_jabatan"] * 2
    bad.iloc[:5, bad.columns.get_loc("id_text")] = ["", "", "-", "abc", "belum ada"]
    bad.iloc[:5, bad.columns.get_loc("valid_id")] = False
    bad.iloc[:5, bad.columns.get_loc("nomor_absen")] = -1
    dup_of = rng.choice(np.setdiff1d(np.arange(n), bad_src), size=3, replace=False)
    bad.iloc[5:8, bad.columns.get_loc("nomor_absen")] = people["nomor_absen"].to_numpy()[dup_of]
    bad.iloc[5:8, bad.columns.get_loc("id_text")] = people["id_text"].to_numpy()[dup_of]
    people.iloc[dup_of, people.columns.get_loc("bad")] = "duplicate_id"
    bad.iloc[8:10, bad.columns.get_loc("prov_text")] = "Provinsi Antah"
    bad.iloc[8:10, bad.columns.get_loc("kabupaten")] = "Kabupaten Antah Berantah"
    bad.iloc[10:12, bad.columns.get_loc("jab_text")] = "Koordinator"
    return bad


def _people(seed: int, scale: float, kab: pd.DataFrame, tpp_prov: np.ndarray) -> pd.DataFrame:
    """One row per roster person (good and deliberately bad), with simulation traits."""
    rng = _rng(seed, 1)
    prov_idx, kab_name = _placement(kab, tpp_prov)
    n = len(prov_idx)
    nama, core, handle = _names(rng, n)
    jab = np.array(JABATAN, dtype=object)[rng.choice(3, size=n, p=[0.05, 0.35, 0.60])]

    # Permanent ids: a shuffled sample of 1..~1.08n, so they are not contiguous per province.
    id_space = int(n * 1.08) + 50
    ids = rng.permutation(id_space)[: n + 12] + 1
    spare_ids, ids = ids[n:], ids[:n]

    people = pd.DataFrame({
        "prov_idx": prov_idx, "kabupaten": kab_name, "nama": nama, "core": core, "handle": handle,
        "jabatan": jab, "nomor_absen": ids.astype(np.int64), "id_text": ids.astype(str).astype(object),
    })
    people["provinsi"] = np.array(SAMPLE_PROVINCES, dtype=object)[prov_idx]
    people["prov_text"] = people["provinsi"]
    people["jab_text"] = people["jabatan"]
    people["valid_id"] = True
    people["bad"] = ""
    _dates(rng, people, scale)
    # Persistent traits: participation propensity, speed, preferred platform.
    people["z"] = rng.normal(0.0, 1.0, n)
    people["speed"] = rng.normal(0.0, 0.6, n)
    people["platform"] = rng.choice(6, size=n, p=[0.55, 0.14, 0.08, 0.12, 0.05, 0.06])
    _written_forms(rng, people)
    bad = _bad_rows(rng, people, spare_ids)
    return pd.concat([people, bad], ignore_index=True)


def _contacts(seed: int, people: pd.DataFrame) -> pd.DataFrame:
    """Contact columns at the national rates, with a province effect and realistic junk."""
    rng = _rng(seed, 2)
    n = len(people)
    prov = people["prov_idx"].to_numpy()
    digital = rng.normal(0.0, 0.45, len(SAMPLE_PROVINCES))
    weights = np.bincount(prov, minlength=len(SAMPLE_PROVINCES)).astype(float)
    handle = people["handle"].to_numpy()
    suffix = np.where(rng.random(n) < 0.6, rng.integers(1, 999, n).astype(str), "")
    junk = np.array(_EMPTY_MARKERS, dtype=object)
    out: dict[str, np.ndarray] = {}
    for ch, rate in _CONTACT_RATES.items():
        logits = _shift_to_mean(_logit(rate) + digital + rng.normal(0.0, 0.15, len(digital)), weights, rate)
        present = rng.random(n) < _sigmoid(logits)[prov]
        form = rng.random(n)
        if ch == "email":
            dom = np.array(["gmail.com"] * 8 + ["yahoo.co.id", "yahoo.com", "ymail.com", "outlook.com"],
                           dtype=object)[rng.integers(0, 12, n)]
            good = handle + suffix + "@" + dom
            bad = np.where(form < 0.35, handle + "@gmail", np.where(form < 0.5, handle + ".gmail.com",
                           junk[rng.integers(0, len(junk), n)]))
        elif ch == "whatsapp":
            pre = np.array(["811", "812", "813", "821", "822", "823", "852", "853", "851", "855", "856", "857",
                            "858", "877", "878", "881", "882", "895", "896"])[rng.integers(0, 19, n)]
            rest = _codes(rng, n, 8, _DIGITS)
            short = rng.random(n) < 0.3
            b = np.array([r[:4] for r in rest], dtype=object)
            c = np.where(short, np.array([r[4:7] for r in rest], dtype=object), np.array([r[4:] for r in rest], dtype=object))
            pre = pre.astype(object)
            good = np.select(
                [form < 0.45, form < 0.60, form < 0.72, form < 0.82, form < 0.90, form < 0.95],
                ["0" + pre + b + c, "62" + pre + b + c, "+62 " + pre + "-" + b + "-" + c, "0" + pre + " " + b + " " + c,
                 "0" + pre + "." + b + "." + c, "+62" + pre + b + c],
                "(0" + pre + ") " + b + "-" + c)
            bad = np.where(form < 0.3, "0274 " + b + "12", np.where(form < 0.4, "0" + pre + b,
                           junk[rng.integers(0, len(junk), n)]))
        elif ch == "website":
            good = np.where(form < 0.5, "https://" + np.char.replace(handle.astype(str), ".", "").astype(object)
                            + ".blogspot.com", np.where(form < 0.8, "www." + handle + ".id", handle + ".my.id"))
            bad = junk[rng.integers(0, len(junk), n)]
        else:
            if ch == "facebook":
                good = np.where(form < 0.5, people["core"].to_numpy(), "https://www.facebook.com/" + handle + suffix)
            elif ch == "twitter":
                good = "@" + np.char.replace(handle.astype(str), ".", "_").astype(object) + suffix
            elif ch == "instagram":
                good = np.where(form < 0.7, "@" + handle + suffix, "https://instagram.com/" + handle)
            elif ch == "tiktok":
                good = "@" + handle + suffix
            else:
                good = np.where(form < 0.5, people["core"].to_numpy() + " Channel",
                                "https://www.youtube.com/@" + np.char.replace(handle.astype(str), ".", "").astype(object))
            bad = junk[rng.integers(0, len(junk), n)]
        out[ch] = np.where(present, good, bad)
    return pd.DataFrame(out, index=people.index)


def _write_roster(path: Path, seed: int, people: pd.DataFrame, contacts: pd.DataFrame) -> int:
    rng = _rng(seed, 3)
    n = len(people)
    notes = np.array(["", "", "", "", "", "", "Pindah tugas", "Cuti", "Data diperbarui 2025", "Koordinator kab."],
                     dtype=object)[rng.integers(0, 10, n)]
    roster = pd.DataFrame({
        "Nomor Absen": people["id_text"], "Nama Lengkap": people["nama"], "Jabatan": people["jab_text"],
        "Provinsi": people["prov_text"], "Kabupaten/Kota": people["kabupaten"], "Status": people["status"],
        "Tanggal Resign": people["resign_text"], "Tanggal Bergabung": people["join_text"],
        "Email": contacts["email"], "No WA": contacts["whatsapp"], "Facebook": contacts["facebook"],
        "Twitter/X": contacts["twitter"], "Instagram": contacts["instagram"], "TikTok": contacts["tiktok"],
        "YouTube": contacts["youtube"], "Website": contacts["website"], "Keterangan": notes,
    })
    # HR order: province, kabupaten, jabatan, name (bad rows fall where their source row was).
    jab_order = people["jabatan"].map({j: i for i, j in enumerate(JABATAN)}).to_numpy()
    order = np.lexsort((people["nama"].to_numpy().astype(str), jab_order,
                        people["kabupaten"].to_numpy().astype(str), people["prov_idx"].to_numpy()))
    roster.iloc[order].to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return n


# --- Responses -----------------------------------------------------------------------------------

def _typo_id(digits: str, kind: int, u1: float, u2: float) -> str:
    """One keystroke away from `digits`: change, adjacent swap, add or drop a digit."""
    n = len(digits)
    for attempt in range(4):
        k = (kind + attempt) % 4
        if k == 0:
            pos = int(u1 * n)
            choices = [c for c in _DIGITS if c != digits[pos] and not (pos == 0 and c == "0")]
            out = digits[:pos] + choices[int(u2 * len(choices))] + digits[pos + 1:]
        elif k == 1 and n >= 2:
            pos = int(u1 * (n - 1))
            out = digits[:pos] + digits[pos + 1] + digits[pos] + digits[pos + 2:]
        elif k == 2:
            pos = int(u1 * (n + 1))
            c = _DIGITS[1 + int(u2 * 9)] if pos == 0 else _DIGITS[int(u2 * 10)]
            out = digits[:pos] + c + digits[pos:]
        elif k == 3 and n >= 2:
            pos = int(u1 * n)
            out = digits[:pos] + digits[pos + 1:]
        else:
            continue
        if out != digits and out[0] != "0":
            return out
    return digits + "1"


def _noisy_id(digits: str, kind: int) -> str:
    if kind == 0:
        return f"No. {digits}"
    if kind == 1:
        return f"#{digits}"
    if kind == 2:
        return f"0{digits}"
    if kind == 3 and len(digits) > 3:
        return f"{digits[:-3]}.{digits[-3:]}"
    if kind == 4:
        return f"No {digits}"
    return f" {digits} "


def _typo_name(name: str, u1: float, u2: float) -> str:
    tokens = name.split()
    i = max(range(len(tokens)), key=lambda j: len(tokens[j]))
    tok = tokens[i]
    if len(tok) < 4:
        return name
    pos = 1 + int(u1 * (len(tok) - 2))
    if u2 < 0.5:
        tok = tok[:pos] + tok[pos + 1:]
    else:
        c = "aeiounrst"[int(u2 * 18) % 9]
        tok = tok[:pos] + (c if c != tok[pos].lower() else "e" if c != "e" else "a") + tok[pos + 1:]
    tokens[i] = tok
    return " ".join(tokens)


def _name_variants(rng: np.random.Generator, nama: np.ndarray, core: np.ndarray, plain: np.ndarray) -> list[str]:
    """Names as typed in the form: mostly as in the roster, else case/degrees/honorifics/a name left out/a typo.

    `plain` rows (nomor absen typos) only get the safe variants (exact, core, case)."""
    n = len(nama)
    u = rng.random(n)
    u1, u2 = rng.random(n), rng.random(n)
    deg = np.array(_DEGREES)[rng.integers(0, len(_DEGREES), n)]
    hon = np.array(_RESPONSE_HONORIFICS)[rng.integers(0, len(_RESPONSE_HONORIFICS), n)]
    out = []
    for i in range(n):
        x = u[i]
        if x < 0.70 or (plain[i] and x >= 0.90):
            out.append(nama[i])
        elif x < 0.80:
            out.append(core[i])
        elif x < 0.84:
            out.append(nama[i].upper())
        elif x < 0.87:
            out.append(core[i].lower())
        elif x < 0.90:
            out.append(core[i].upper())
        elif x < 0.93:
            out.append(f"{core[i]}, {deg[i]}" if u1[i] < 0.5 else f"{hon[i]} {core[i]}")
        elif x < 0.97:
            tokens = core[i].split()
            if len(tokens) >= 2:
                drop = len(tokens) - 1 if (len(tokens) == 2 or u1[i] < 0.5) else 1
                tokens = tokens[:drop] + tokens[drop + 1:]
            out.append(" ".join(tokens))
        else:
            out.append(_typo_name(core[i], u1[i], u2[i]))
    return out


def _links(rng: np.random.Generator, platform: np.ndarray, handle: np.ndarray, task_id: str) -> np.ndarray:
    """Post links by platform (0 FB, 1 IG, 2 X, 3 TikTok, 4 YouTube, 5 blog)."""
    n = len(platform)
    if n == 0:
        return np.array([], dtype=object)
    form = rng.random(n)
    month, day = task_id[5:7], task_id[8:10]
    slug = task_id[11:] + "-2025"
    h = handle.astype(str)
    hd = np.char.replace(h, ".", "")
    c10, c11, c16, c30 = (_codes(rng, n, k) for k in (10, 11, 16, 30))
    n15, n16, n19 = (_numbers(rng, n, k) for k in (15, 16, 19))
    hx = _codes(rng, n, 24, _HEX)
    fb = np.select(
        [form < 0.40, form < 0.65, form < 0.80, form < 0.90],
        [np.char.add(np.char.add(np.char.add("https://www.facebook.com/", h), "/posts/pfbid0"), c30),
         np.char.add(np.char.add("https://www.facebook.com/share/p/", c16), "/"),
         np.char.add(np.char.add(np.char.add("https://m.facebook.com/story.php?story_fbid=", n16), "&id="), n15),
         np.char.add(np.char.add("https://fb.watch/", c10), "/")],
        np.char.add(np.char.add(np.char.add("https://web.facebook.com/", h), "/posts/"), n16))
    ig = np.where(form < 0.6, np.char.add(np.char.add("https://www.instagram.com/p/", c11), "/"),
                  np.char.add(np.char.add(np.char.add("https://www.instagram.com/reel/", c11), "/?igsh="), c16))
    xx = np.char.add(np.char.add(np.char.add(np.where(form < 0.6, "https://x.com/", "https://twitter.com/"),
                                             np.char.replace(h, ".", "_")), "/status/"), n19)
    tt = np.where(form < 0.7, np.char.add(np.char.add(np.char.add("https://www.tiktok.com/@", h), "/video/"), n19),
                  np.char.add(np.char.add("https://vt.tiktok.com/", c10), "/"))
    yt = np.select([form < 0.4, form < 0.75],
                   [np.char.add("https://youtu.be/", c11), np.char.add("https://www.youtube.com/watch?v=", c11)],
                   np.char.add(np.char.add(np.char.add("https://youtube.com/shorts/", c11), "?si="), c16))
    blog = np.select(
        [form < 0.5, form < 0.8],
        [np.char.add(np.char.add(np.char.add("https://", hd), f".blogspot.com/2025/{month}/"), f"{slug}.html"),
         np.char.add(np.char.add("https://desa", hd), f".desa.id/artikel/2025/{month}/{day}/{slug}")],
        np.char.add(np.char.add(np.char.add(np.char.add("https://www.kompasiana.com/", hd), "/"), hx), f"/{slug}"))
    return np.choose(platform, [fb.astype(object), ig.astype(object), xx.astype(object), tt.astype(object),
                                yt.astype(object), blog.astype(object)])


def _plain_rows(frame: pd.DataFrame, mulai: str) -> np.ndarray:
    """Rows likely counted: a digits-only id sent once, after mulai, by a roster TPP (not a junk row)."""
    ids = frame["nomor_absen"].astype(str)
    return (~ids.duplicated(keep=False) & ids.str.fullmatch(r"\d+") & (frame["ts"] >= pd.Timestamp(mulai))
            & (frame["kabupaten"] != "")).to_numpy()


def _plant_proofs(seed: int, frame: pd.DataFrame, mulai: str, earlier: pd.DataFrame,
                  earlier_mulai: str) -> tuple[pd.DataFrame, str]:
    """The latest task with a few proofs that cannot be right, and its `materi` (deterministic, own stream).

    Only links of plain single rows (digits-only id, sent once, after mulai) are replaced, each by a
    link of the same platform, so outcomes and figures stay what they were: one Facebook post sent
    by three TPP of one province and one of another (shared_link, in usual variants), three
    earlier posts sent again (reused_link), the task's Instagram material sent by two TPP
    (task_material and shared_link), and three links typed without `https://` (link_no_scheme)."""
    rng = _rng(seed, 9)
    f = frame.copy()
    plain = _plain_rows(f, mulai)
    platform = f["link"].map(platform_of).to_numpy()
    fb = [i for i in np.flatnonzero(plain & (platform == "Facebook")) if "/posts/" in f.at[i, "link"]]
    by_prov = pd.Series(fb, dtype="int64").groupby(f["provinsi"].to_numpy()[fb]).agg(list)
    home, away = sorted(by_prov.index, key=lambda p: (-min(len(by_prov[p]), 6), p))[:2]
    post = f.at[by_prov[home][0], "link"].split("?")[0]
    bare = post.split("://", 1)[1]
    variants = [post, "https://m." + bare.removeprefix("www.") + "?mibextid=" + _codes(rng, 1, 16)[0],
                "http://" + bare + "/?fbclid=IwAR" + _codes(rng, 1, 20)[0], "facebook.com/" + bare.split("/", 1)[1]]
    for i, link in zip(by_prov[home][:3] + by_prov[away][:1], variants):
        f.at[i, "link"] = link
    for i in by_prov[home][3:6]:  # typed without a scheme
        f.at[i, "link"] = f.at[i, "link"].split("://", 1)[1]
    old = [x for x, ok in zip(earlier["link"], _plain_rows(earlier, earlier_mulai))
           if ok and x.startswith("https://www.facebook.com/") and "/posts/" in x][:3]
    reuse = [i for i in fb if i not in set(by_prov[home][:6] + by_prov[away][:1])][-3:]
    for i, link in zip(reuse, old):
        f.at[i, "link"] = link.replace("https://www.", "https://m.") + "?mibextid=" + _codes(rng, 1, 16)[0]
    code = _codes(rng, 1, 11)[0]
    materi = f"https://www.instagram.com/p/{code}/"
    ig = np.flatnonzero(plain & (platform == "Instagram"))[:3]
    for i, link in zip(ig, [materi, f"instagram.com/p/{code}?igsh=" + _codes(rng, 1, 16)[0],
                            f"http://m.instagram.com/p/{code}/?utm_source=ig_web_copy_link"]):
        f.at[i, "link"] = link
    return f, materi


def _format_timestamps(ts: np.ndarray, kind: str) -> list[str]:
    idx = pd.DatetimeIndex(ts)
    if kind == "iso_z":
        idx = idx - pd.Timedelta(hours=_UTC_OFFSET_H)
    parts = zip(idx.year.tolist(), idx.month.tolist(), idx.day.tolist(), idx.hour.tolist(), idx.minute.tolist(),
                idx.second.tolist())
    if kind == "mdy":
        return [f"{mo}/{d}/{y} {h}:{mi:02d}:{s:02d}" for y, mo, d, h, mi, s in parts]
    if kind == "dmy":
        return [f"{d}/{mo}/{y} {h}:{mi:02d}:{s:02d}" for y, mo, d, h, mi, s in parts]
    if kind == "dmy_dots":
        return [f"{d}/{mo}/{y} {h}.{mi:02d}.{s:02d}" for y, mo, d, h, mi, s in parts]
    if kind == "iso":
        return [f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}" for y, mo, d, h, mi, s in parts]
    if kind == "iso_offset":
        return [f"{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}+07:00" for y, mo, d, h, mi, s in parts]
    if kind == "iso_z":
        return [f"{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.000Z" for y, mo, d, h, mi, s in parts]
    raise ValueError(kind)


def _responders(rng: np.random.Generator, people: pd.DataFrame, start: np.datetime64, scope: str | None,
                shift: float, intercepts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who sends a form for a task (eligible people by propensity, a few ineligible strays):
    their positions, and who has a valid id and is in scope."""
    n = len(people)
    day = start.astype("datetime64[D]")
    prov = people["prov_idx"].to_numpy()
    in_scope = (people["provinsi"].to_numpy() == scope) if scope else np.ones(n, dtype=bool)
    resign = people["resign"].to_numpy().astype("datetime64[D]")
    join = people["join"].to_numpy().astype("datetime64[D]")
    left = people["resign_nodate"].to_numpy() | (~np.isnat(resign) & (resign <= day))
    not_yet = ~np.isnat(join) & (join > day)
    can = people["valid_id"].to_numpy()
    p = _sigmoid(intercepts[prov] + shift + _PROPENSITY_SPREAD * people["z"].to_numpy())
    u = rng.random(n)
    responds = can & in_scope & ~left & ~not_yet & (u < p)
    strays = can & ((in_scope & (left | not_yet) & (u < 0.06)) | (~in_scope & (u < 0.0004)))
    return np.flatnonzero(responds | strays), can, in_scope


def _response_times(rng: np.random.Generator, people: pd.DataFrame, who: np.ndarray, start: np.datetime64,
                    window: int, cap: int) -> np.ndarray:
    """Response time: lognormal around a couple of hours, personal speed; some late, a few early."""
    m = len(who)
    kind = rng.random(m)
    offs = np.exp(np.log(150 * 60) + people["speed"].to_numpy()[who] + 1.0 * rng.normal(size=m))
    offs = np.minimum(offs, window + 20 * 3600)
    late = kind < 0.05
    offs[late] = window + rng.exponential(6 * 3600, late.sum())
    early = kind > 0.995
    offs[early] = -rng.uniform(5 * 60, 110 * 60, early.sum())
    offs = np.minimum(offs, cap).astype(np.int64)
    return start + offs.astype("timedelta64[s]")


def _junk_rows(rng: np.random.Generator, people: pd.DataFrame, start: np.datetime64, window: int,
               can_in_scope: np.ndarray, scope: str | None, task_id: str) -> pd.DataFrame:
    """Junk rows: unknown ids, an existing id with someone else's name, empty ids, hostile strings."""
    k = 14
    jt = start + rng.integers(10 * 60, int(window), k).astype("timedelta64[s]")
    first = np.array(_FIRST, dtype=object)[rng.integers(0, len(_FIRST), k)]
    last = np.array(_LAST, dtype=object)[rng.integers(0, len(_LAST), k)]
    jnames = first + " " + last
    jnames[[0, 1]] = ["<b>Budi</b>", "=1+1"]
    jids = np.empty(k, dtype=object)
    jids[:5] = rng.integers(100_000, 999_999, 5).astype(str)  # unknown ids
    others = rng.choice(np.flatnonzero(can_in_scope), 5, replace=False)
    jids[5:10] = people["id_text"].to_numpy()[others]  # existing id, someone else's name
    jnames[5:10] = ["Yohanes Kogoya", "Siti Rahmawati Tarigan", "Bambang Wenda", "Maria Latuconsina",
                    "Ujang Rumbiak"]
    jids[10:14] = ["", "-", "belum tahu", "?"]
    jprov = np.array(SAMPLE_PROVINCES, dtype=object)[rng.integers(0, len(SAMPLE_PROVINCES), k)]
    if scope:
        jprov[:] = scope
    junk = pd.DataFrame({"ts": jt, "provinsi": jprov, "nomor_absen": jids, "nama": jnames,
                         "link": _links(rng, rng.integers(0, 6, k), np.array(["anon.user"] * k), task_id),
                         "kabupaten": ""})
    return junk


def _task_responses(seed: int, part: int, people: pd.DataFrame, task_id: str, mulai: str, batas: str,
                    scope: str | None, shift: float, intercepts: np.ndarray, ambiguous: bool) -> pd.DataFrame:
    """Simulated form rows for one task: ts (local naive), provinsi, nomor_absen, nama, link, kabupaten."""
    rng = _rng(seed, part)
    start = np.datetime64(mulai.replace(" ", "T"), "s")
    end = np.datetime64(batas.replace(" ", "T"), "s")
    who, can, in_scope = _responders(rng, people, start, scope, shift, intercepts)
    m = len(who)
    window = (end - start).astype(np.int64)
    cap = window + 24 * 3600 - 60  # never beyond the day after batas (keeps ambiguous files <= day 12)
    ts = _response_times(rng, people, who, start, window, cap)

    ids = people["id_text"].to_numpy()[who].astype(object)
    nama = people["nama"].to_numpy()[who].astype(object)
    core = people["core"].to_numpy()[who].astype(object)
    handle = people["handle"].to_numpy()[who]
    provinsi = people["provinsi"].to_numpy()[who].astype(object)
    kab = people["kabupaten"].to_numpy()[who].astype(object)

    # Nomor absen noise: ~2% one-keystroke typos, ~5% harmless formatting.
    un = rng.random(m)
    typo = un < 0.02
    noisy = (un >= 0.02) & (un < 0.07)
    tk, t1, t2 = rng.integers(0, 4, m), rng.random(m), rng.random(m)
    nk = rng.integers(0, 6, m)
    id_out = ids.copy()
    for i in np.flatnonzero(typo):
        id_out[i] = _typo_id(ids[i], int(tk[i]), float(t1[i]), float(t2[i]))
    for i in np.flatnonzero(noisy):
        id_out[i] = _noisy_id(ids[i], int(nk[i]))
    names = np.array(_name_variants(rng, nama, core, typo), dtype=object)

    # Form province: ~1% another province.
    upv = rng.random(m)
    wrong = upv < 0.01
    other = np.array(SAMPLE_PROVINCES, dtype=object)[rng.integers(0, len(SAMPLE_PROVINCES), m)]
    provinsi = np.where(wrong & (other != provinsi), other, provinsi)

    pref = people["platform"].to_numpy()[who]
    platform = np.where(rng.random(m) < 0.8, pref, rng.integers(0, 6, m))
    links = _links(rng, platform, handle, task_id)

    # ~1% invalid links, half of them fixed by a later resubmission; ~3% plain resubmissions.
    invalid_pool = np.array(["-", "belum", "www.facebook.com/x", "javascript:alert(1)", "sudah share",
                             "https://", "fb"], dtype=object)
    ul = rng.random(m)
    invalid = ul < 0.01
    fixed = invalid & (rng.random(m) < 0.5)
    orig_links = links.copy()
    links = np.where(invalid, np.where(rng.random(m) < 0.5, invalid_pool[rng.integers(0, len(invalid_pool), m)],
                                       "www.facebook.com/" + handle), links)
    dup = (rng.random(m) < 0.03) | fixed
    d_idx = np.flatnonzero(dup)
    d_delay = (60 + rng.exponential(3 * 3600, len(d_idx))).astype(np.int64)
    d_ts = np.minimum(ts[d_idx] + d_delay.astype("timedelta64[s]"), start + np.timedelta64(int(cap), "s"))
    new_link = rng.random(len(d_idx)) < 0.5
    d_links = np.where(fixed[d_idx] | ~new_link, orig_links[d_idx],
                       _links(rng, platform[d_idx], handle[d_idx], task_id))
    d_links = np.where(fixed[d_idx], orig_links[d_idx], d_links)

    frame = pd.DataFrame({
        "ts": np.concatenate([ts, d_ts]),
        "provinsi": np.concatenate([provinsi, provinsi[d_idx]]),
        "nomor_absen": np.concatenate([id_out, id_out[d_idx]]),
        "nama": np.concatenate([names, names[d_idx]]),
        "link": np.concatenate([links, d_links]),
        "kabupaten": np.concatenate([kab, kab[d_idx]]),
    })

    junk = _junk_rows(rng, people, start, window, can & in_scope, scope, task_id)
    frame = pd.concat([frame, junk], ignore_index=True)
    frame = frame.iloc[np.argsort(frame["ts"].to_numpy(), kind="stable")].reset_index(drop=True)
    if ambiguous:
        assert (frame["ts"].dt.day <= 12).all()
    return frame


def _write_csv_responses(path: Path, seed: int, part: int, frame: pd.DataFrame, fmt: str, header_set: int,
                         encoding: str, variants: dict[str, list[str]]) -> None:
    rng = _rng(seed, part)
    headers = _RESPONSE_HEADERS[header_set]
    prov = frame["provinsi"].to_numpy().astype(object)
    if header_set == 1:  # free-text "Asal Wilayah": people type their own spelling
        pick = rng.random(len(prov)) < 0.12
        k = rng.integers(0, 1000, len(prov))
        prov = np.array([variants[v][j % len(variants[v])] if s and v in variants else v
                         for v, s, j in zip(prov, pick, k)], dtype=object)
    columns = {
        "timestamp": _format_timestamps(frame["ts"].to_numpy(), fmt), "nama": frame["nama"].to_numpy(),
        "nomor_absen": frame["nomor_absen"].to_numpy(), "provinsi": prov, "link": frame["link"].to_numpy(),
    }
    order = (("timestamp", "nama", "nomor_absen", "provinsi", "link"),
             ("timestamp", "provinsi", "nomor_absen", "nama", "link"),
             ("timestamp", "nomor_absen", "nama", "provinsi", "link"))[header_set]
    out = pd.DataFrame({headers[c]: columns[c] for c in order})
    if header_set == 0:  # Google Forms' collected e-mail column, left empty
        out.insert(1, "Alamat email", "")
    if header_set == 2:
        out.insert(4, "Kabupaten/Kota", frame["kabupaten"].to_numpy())
    out.to_csv(path, index=False, encoding=encoding, lineterminator="\r\n" if encoding == "cp1252" else "\n")


def _write_xlsx_responses(path: Path, frame: pd.DataFrame) -> None:
    """Provincial task as XLSX with real date-time cells; fixed properties and zip times (byte-stable)."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    ws = wb.active
    ws.title = "Form Responses 1"
    ws.append(["Timestamp", "Asal Wilayah", "No Absen", "Nama", "Link Postingan"])
    ts = pd.DatetimeIndex(frame["ts"].to_numpy()).to_pydatetime()
    for t, pv, na, nm, lk in zip(ts, frame["provinsi"], frame["nomor_absen"], frame["nama"], frame["link"]):
        na = int(na) if isinstance(na, str) and na.isdigit() else (na or None)  # Sheets keeps numbers as numbers
        ws.append([t, pv, na, nm, lk])
    for (cell,) in ws.iter_rows(min_row=2, min_col=1, max_col=1):
        cell.number_format = "m/d/yyyy h:mm:ss"
    wb.properties.creator = "absensi-medsos sample"
    wb.properties.created = _XLSX_FIXED_TIME
    wb.properties.modified = _XLSX_FIXED_TIME
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # not save_workbook(): that stamps `modified` with now()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():  # rewrite with a fixed member time
            info = zipfile.ZipInfo(item.filename, date_time=_XLSX_FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))


# --- Village media -------------------------------------------------------------------------------

def _write_village_media(path: Path, seed: int, scale: float, kab: pd.DataFrame) -> int:
    rng = _rng(seed, 4)
    map_rng = _rng(DEFAULT_SEED, 6)  # codes and desa names are the map: the same for every seed
    counts = np.maximum(np.round(kab["desa"].to_numpy() * scale).astype(np.int64), 1)
    n = int(counts.sum())
    k_idx = np.repeat(np.arange(len(kab)), counts)
    within = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    per_kec = np.maximum(map_rng.integers(8, 20, len(kab)), -(-counts // 99))[k_idx]  # <= 99 kecamatan
    kec = within // per_kec + 1
    desa_no = within % per_kec + 1
    bps = kab["bps_prov"].to_numpy()[k_idx] * 10**8 + kab["bps_kab"].to_numpy()[k_idx] * 10**6 + kec * 10**4 \
        + 2000 + desa_no
    head = np.array(_DESA_HEAD, dtype=object)[map_rng.integers(0, len(_DESA_HEAD), n)]
    tail = np.array(_DESA_TAIL, dtype=object)[map_rng.integers(0, len(_DESA_TAIL), n)]
    spaced = map_rng.random(n) < 0.3
    desa = np.where(spaced, head + " " + np.char.capitalize(tail.astype(str)).astype(object), head + tail)
    slug = np.char.lower(np.char.replace(desa.astype(str), " ", "")).astype(object)
    kslug = np.array([_fold_ascii(k.split(" ", 1)[1]) for k in kab["kabupaten"]], dtype=object)[k_idx]
    prov_idx = kab["prov_idx"].to_numpy()[k_idx]
    digital = rng.normal(0.0, 0.5, len(SAMPLE_PROVINCES))
    weights = np.bincount(prov_idx, minlength=len(SAMPLE_PROVINCES)).astype(float)
    media: dict[str, np.ndarray] = {}
    for ch, rate in _VILLAGE_RATES.items():
        logits = _shift_to_mean(_logit(rate) + digital, weights, rate)
        present = rng.random(n) < _sigmoid(logits)[prov_idx]
        form = rng.random(n)
        if ch == "website":
            val = np.where(form < 0.7, "https://" + slug + "-" + kslug + ".desa.id", "http://" + slug + ".desa.id")
        elif ch == "facebook":
            val = np.where(form < 0.5, "Pemdes " + desa, "https://www.facebook.com/pemdes." + slug)
        elif ch == "instagram":
            val = "@desa" + slug
        elif ch == "twitter":
            val = "@desa_" + slug
        elif ch == "youtube":
            val = np.where(form < 0.5, "Desa " + desa + " Official", "https://www.youtube.com/@desa" + slug)
        else:
            val = "@desa." + slug
        media[ch] = np.where(present, val, "")
    konv = np.full(n, "Ya", dtype=object)
    konv[rng.choice(n, size=round(n * _VILLAGE_NO_CONVENTIONAL), replace=False)] = "Tidak"
    out = pd.DataFrame({"kode_desa": bps.astype(str), "desa": desa, "kabupaten": kab["kabupaten"].to_numpy()[k_idx],
                        "provinsi": kab["provinsi"].to_numpy()[k_idx], "media_konvensional": konv, **media})
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return n


# --- Entry points --------------------------------------------------------------------------------

def generate_sample(out_dir: Path, *, seed: int = DEFAULT_SEED, scale: float = 1.0) -> Path:
    """Write the sample data directory (roster, tasks, responses, village media) and return it."""
    if not scale > 0:
        raise ValueError("scale must be positive")
    out_dir = Path(out_dir)
    (out_dir / "responses").mkdir(parents=True, exist_ok=True)
    kab, tpp_prov = _geography(scale)
    people = _people(seed, scale, kab, tpp_prov)
    contacts = _contacts(seed, people)
    _write_roster(out_dir / "roster.csv", seed, people, contacts)

    rng = _rng(seed, 5)
    targets = rng.uniform(0.75, 0.92, len(SAMPLE_PROVINCES))
    for prov, rate in _FIXED_RATES.items():
        targets[SAMPLE_PROVINCES.index(prov)] = rate
    intercepts = _calibrate(targets, _PROPENSITY_SPREAD)
    shifts = rng.normal(0.0, 0.2, len(_NATIONAL_TASKS) + 1)
    shifts[0] -= 0.3  # the first task, while the habit was forming
    variants = _province_variants()

    tasks = []
    previous = None
    for t, (task_id, judul, mulai, batas, fmt, header_set, encoding) in enumerate(_NATIONAL_TASKS):
        shift = 0.0 if task_id == LATEST_TASK_ID else shifts[t]
        frame = _task_responses(seed, 100 + t, people, task_id, mulai, batas, None, shift, intercepts,
                                task_id in _AMBIGUOUS_TASKS)
        materi = ""
        if task_id == LATEST_TASK_ID and previous is not None:
            frame, materi = _plant_proofs(seed, frame, mulai, *previous)
        _write_csv_responses(out_dir / "responses" / f"{task_id}.csv", seed, 200 + t, frame, fmt, header_set,
                             encoding, variants)
        tasks.append((task_id, judul, mulai, batas, "nasional", "", "", materi))
        previous = (frame, mulai)
    task_id, judul, mulai, batas, cakupan, tz = PROVINCIAL_TASK
    frame = _task_responses(seed, 150, people, task_id, mulai, batas, cakupan, shifts[-1], intercepts, False)
    _write_xlsx_responses(out_dir / "responses" / f"{task_id}.xlsx", frame)
    tasks.append((task_id, judul, mulai, batas, cakupan, tz, f"responses/{task_id}.xlsx", ""))
    columns = ["task_id", "judul", "mulai", "batas", "cakupan", "timezone", "sumber", "materi"]
    pd.DataFrame(tasks, columns=columns).to_csv(out_dir / "tasks.csv", index=False, encoding="utf-8", lineterminator="\n")

    _write_village_media(out_dir / "village_media.csv", seed, scale, kab)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.runs.sample", description=__doc__)
    parser.add_argument("out", type=Path, help="output data directory")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the national TPP count (default 1)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    out = generate_sample(args.out, seed=args.seed, scale=args.scale)
    with open(out / "roster.csv", encoding="utf-8") as fh:
        roster_rows = sum(1 for _ in fh) - 1
    n_resp = len(list((out / "responses").iterdir()))
    with open(out / "village_media.csv", encoding="utf-8") as fh:
        villages = sum(1 for _ in fh) - 1
    print(f"wrote {out}: {roster_rows} roster rows, {n_resp} response files, {villages} villages "
          f"(seed {args.seed}, scale {args.scale}) in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
