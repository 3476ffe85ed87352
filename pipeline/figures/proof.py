"""Proof checks: counted rows whose link cannot be the TPP's own post are flagged, never rejected.

The contract's "Proof checks" define three flags on counted rows (``recovered`` included), each
comparing links in their normalised form (`pipeline.rules.links.normalise_link`):

* ``shared_link``: the link is also on a counted row of another TPP in the same task; every such
  row is flagged and ``other`` lists the other TPP's nomor absen, ascending, joined by ``;``.
* ``reused_link``: the link is on a counted row of an earlier task of the schedule (by the same
  TPP or another); ``other`` is ``task_id:nomor_absen`` of the earliest earlier task and its
  earliest row (timestamp, then row) with that link.
* ``task_material``: the link is one of the task's ``materi`` links; ``other`` is empty.

Flags never change an outcome or a figure: `task_flags` only reads the checked rows, and
`with_flag_warnings` only appends the codes to ``warnings``. Earlier tasks' links come from the
history store (`counted_links` is what an entry keeps), looked up by a 64-bit hash of the
normalised link, newest task last, stopping as soon as every link of the task has been found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd

from pipeline.rules.links import normalise_link

__all__ = ["FLAGS", "FLAG_LABELS", "PROOF_FLAGS_COLUMNS", "Earlier", "counted_links", "materi_links", "task_flags",
           "with_flag_warnings", "link_hashes"]

FLAGS = ("shared_link", "reused_link", "task_material")
# What each flag means, for readers (reports, validation page): the one place these labels are defined.
FLAG_LABELS = {
    "shared_link": "Tautan sama dengan kiriman TPP lain",
    "reused_link": "Tautan sudah dikirim pada tugas sebelumnya",
    "task_material": "Tautan materi tugas, bukan unggahan sendiri",
}
PROOF_FLAGS_COLUMNS = ["source_row", "nomor_absen", "provinsi", "kabupaten", "flag", "link_normalised", "other"]
LINK_COLUMNS = ("nomor_absen", "source_row", "link_normalised", "link_hash")
_COUNTED = ("counted", "recovered")
_MATERI_SPLIT = re.compile(r"[\s;]+")


def link_hashes(links: Iterable[str]) -> np.ndarray:
    """A 64-bit hash of each normalised link (pandas' fixed-key SipHash: the same in every run)."""
    return pd.util.hash_array(np.asarray(list(links), dtype=object)).astype(np.uint64)


def counted_links(checked: pd.DataFrame) -> pd.DataFrame:
    """The counted rows' links as the history keeps them: nomor_absen, source_row, link_normalised,
    link_hash; earliest first (timestamp, then source_row)."""
    rows = checked[checked["outcome"].isin(_COUNTED)]
    utc = rows["timestamp"].map(lambda t: t.value if pd.notna(t) else 0).to_numpy(dtype=np.int64)
    frame = pd.DataFrame({
        "nomor_absen": rows["nomor_absen"].astype("int64").to_numpy(),
        "source_row": rows["source_row"].astype("int64").to_numpy(),
        "link_normalised": [normalise_link(v) for v in rows["link"].tolist()],
        "ts": utc,
    })
    frame = frame.sort_values(["ts", "source_row"], kind="stable").drop(columns="ts").reset_index(drop=True)
    frame["link_hash"] = link_hashes(frame["link_normalised"]) if len(frame) else np.array([], dtype=np.uint64)
    return frame[list(LINK_COLUMNS)]


def materi_links(materi: object) -> frozenset[str]:
    """The normalised links of a task's ``materi`` cell (separated by spaces or ``;``); invalid ones ignored."""
    if materi is None or materi is pd.NA or (isinstance(materi, float) and np.isnan(materi)):
        return frozenset()
    found = (normalise_link(part) for part in _MATERI_SPLIT.split(str(materi)) if part)
    return frozenset(link for link in found if link is not None)


def _shared(links: pd.DataFrame) -> pd.Series:
    """For each row whose link another TPP also sent: the others' nomor absen, ascending, `;`-joined."""
    groups = links.groupby("link_normalised", sort=False)["nomor_absen"]
    sizes = groups.transform("size")
    many = links[sizes > 1]
    ids_by_link = many.groupby("link_normalised", sort=False)["nomor_absen"].agg(lambda s: sorted(set(s)))
    other = [";".join(str(i) for i in ids_by_link[link] if i != own)
             for link, own in zip(many["link_normalised"], many["nomor_absen"])]
    return pd.Series(other, index=many.index, dtype=object)[[bool(o) for o in other]]


class Earlier(NamedTuple):
    """An earlier task of the schedule as the reused_link check reads it: its counted links' hashes
    and, only when one of them is wanted, their nomor absen (both earliest row first)."""

    task_id: str
    hashes: Callable[[], np.ndarray]
    ids: Callable[[], np.ndarray]

    @classmethod
    def of(cls, task_id: str, links: pd.DataFrame) -> Earlier:
        """From a `counted_links` frame in memory."""
        return cls(task_id, lambda: links["link_hash"].to_numpy(dtype=np.uint64),
                   lambda: links["nomor_absen"].to_numpy())


def _reused(links: pd.DataFrame, earlier: list[Earlier]) -> pd.Series:
    """For each row whose link is on a counted row of an earlier task: ``task_id:nomor_absen`` of the
    earliest such task and its earliest such row. `earlier` is the schedule's earlier tasks in order."""
    wanted = pd.Index(np.unique(links["link_hash"].to_numpy(dtype=np.uint64)))  # a hash table: O(1) look-ups
    done = np.zeros(len(wanted), dtype=bool)
    found: dict[int, str] = {}
    for prior in earlier:
        if done.all():
            break
        hashes = np.asarray(prior.hashes(), dtype=np.uint64)
        pos = wanted.get_indexer(hashes)
        hit = pos >= 0
        hit[hit] = ~done[pos[hit]]  # links found in an even earlier task keep that task
        if not hit.any():
            continue
        first_hash, first_pos = np.unique(hashes[hit], return_index=True)  # earliest row of each link
        ids = np.asarray(prior.ids())[np.flatnonzero(hit)[first_pos]]
        for h, rid in zip(first_hash.tolist(), ids.tolist()):
            found[h] = f"{prior.task_id}:{int(rid)}"
        done[wanted.get_indexer(first_hash)] = True
    other = [found.get(h) for h in links["link_hash"].tolist()]
    return pd.Series(other, index=links.index, dtype=object).dropna()


def task_flags(checked: pd.DataFrame, materi: object, earlier: list[Earlier],
               links: pd.DataFrame | None = None) -> pd.DataFrame:
    """tables/proof_flags.csv of one task: one row per (source_row, flag), by source_row then flag.

    `checked` is resolve_responses' output for the task, `materi` the task's ``materi`` cell and
    `earlier` the schedule's earlier tasks, earliest first (`Earlier`); `links` is
    `counted_links(checked)` when the caller has it already (the stage stores it in the history)."""
    links = counted_links(checked) if links is None else links
    where = checked[checked["outcome"].isin(_COUNTED)].set_index(checked.loc[checked["outcome"].isin(_COUNTED),
                                                                            "source_row"].astype("int64"))
    material = materi_links(materi)
    parts = [
        ("shared_link", _shared(links)),
        ("reused_link", _reused(links, earlier) if earlier else pd.Series(dtype=object)),
        ("task_material", pd.Series("", index=links.index[links["link_normalised"].isin(material)], dtype=object)),
    ]
    rows = []
    for flag, other in parts:
        for pos, value in other.items():
            row = links.loc[pos]
            rows.append({"source_row": int(row["source_row"]), "nomor_absen": int(row["nomor_absen"]), "flag": flag,
                         "link_normalised": row["link_normalised"], "other": value})
    out = pd.DataFrame(rows, columns=["source_row", "nomor_absen", "flag", "link_normalised", "other"])
    out["provinsi"] = out["source_row"].map(where["roster_provinsi"]).astype("string")
    out["kabupaten"] = out["source_row"].map(where["roster_kabupaten"]).astype("string")
    out["rank"] = out["flag"].map({f: i for i, f in enumerate(FLAGS)})
    out = out.sort_values(["source_row", "rank"], kind="stable").reset_index(drop=True)
    out["source_row"] = out["source_row"].astype("int64")
    out["nomor_absen"] = out["nomor_absen"].astype("int64")
    return out[PROOF_FLAGS_COLUMNS]


def with_flag_warnings(checked: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """`checked` with each row's flag codes appended to ``warnings`` (codes joined by ``;``)."""
    codes = flags.groupby("source_row", sort=False)["flag"].agg(";".join)
    out = checked.copy()
    extra = out["source_row"].astype("int64").map(codes)
    has = extra.notna().to_numpy()
    if has.any():
        base = out["warnings"].fillna("").astype(object)
        joined = [";".join(c for c in (b, e) if c) for b, e in zip(base[has], extra[has])]
        warnings = base.copy()
        warnings[has] = joined
        out["warnings"] = pd.array(warnings.tolist(), dtype="string")
    return out
