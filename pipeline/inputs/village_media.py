"""The optional village media table: village_media.csv or .xlsx into its canonical frame."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.inputs.files import find_input
from pipeline.inputs.table import read_table
from pipeline.inputs.values import STRING, _attrs, _map_unique, _strip
from pipeline.rules import contract

VILLAGE_MEDIA_OUTPUT = ("source_row", "kode_desa", "desa", "kabupaten", "provinsi_raw", "provinsi",
                        "media_konvensional") + contract.VILLAGE_MEDIA_MEDIA
_VILLAGE_ALIASES: dict[str, tuple[str, ...]] = {
    "kode_desa": ("kode_desa", "kode desa", "kode wilayah", "kode desa/kelurahan"),
    "desa": ("desa", "nama desa", "desa/kelurahan"),
    "kabupaten": contract.ROSTER_ALIASES["kabupaten"],
    "provinsi": contract.ROSTER_ALIASES["provinsi"],
    "media_konvensional": ("media_konvensional", "media konvensional", "media informasi konvensional"),
    **{m: contract.ROSTER_ALIASES[m] for m in contract.VILLAGE_MEDIA_MEDIA},
}
_YA = {"ya", "y", "yes", "ada", "1", "true", "v", "✓"}
_TIDAK = {"tidak", "t", "tdk", "no", "n", "tidak ada", "belum ada", "0", "false", "-"}


def _ya_tidak(value: str) -> str:
    low = " ".join(value.lower().split())
    return "Ya" if low in _YA else "Tidak" if low in _TIDAK else value


def load_village_media(data_dir: Path) -> pd.DataFrame | None:
    """village_media.csv/.xlsx as a canonical frame, or None when the optional file is absent."""
    path = find_input(data_dir, "village_media", required=False)
    if path is None:
        return None
    raw = read_table(path, _VILLAGE_ALIASES, contract.VILLAGE_MEDIA_REQUIRED)
    n = len(raw)
    out = pd.DataFrame({"source_row": raw["source_row"].astype("int64")})
    for name in ("kode_desa", "desa", "kabupaten"):
        out[name] = _strip(raw[name])
    out["provinsi_raw"] = _strip(raw["provinsi"])
    out["provinsi"] = _map_unique(out["provinsi_raw"], contract.normalize_province)
    out["media_konvensional"] = _map_unique(_strip(raw["media_konvensional"]), _ya_tidak)
    for m in contract.VILLAGE_MEDIA_MEDIA:
        out[m] = _strip(raw[m]) if m in raw else pd.array([pd.NA] * n, dtype=STRING)
    return _attrs(out[list(VILLAGE_MEDIA_OUTPUT)].reset_index(drop=True), raw)
