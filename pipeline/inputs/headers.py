"""Matching a file's header row to the contract's canonical columns."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import InputError
from pipeline.inputs.values import _is_blank
from pipeline.rules import contract


def _match_headers(
    header: list,
    aliases: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    patterns: dict[str, str] | None,
    path: Path,
) -> dict[str, int]:
    """Canonical column -> index in `header`."""
    keys = [contract.header_key(h) if h is not None else "" for h in header]
    alias_of: dict[str, str] = {}
    for canon, names in aliases.items():
        for name in names:
            alias_of.setdefault(contract.header_key(name), canon)
    hits: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if key and key in alias_of:
            hits.setdefault(alias_of[key], []).append(i)
    used = {i for idx in hits.values() for i in idx}
    for canon, pattern in (patterns or {}).items():
        if canon in hits:
            continue
        rx = re.compile(pattern)
        idx = [i for i, key in enumerate(keys) if key and i not in used and rx.search(key)]
        if idx:
            hits[canon] = idx
            used.update(idx)

    def shown(i: int) -> str:
        return f"{str(header[i]).strip()!r} (column {i + 1})"

    for canon, idx in hits.items():
        if len(idx) > 1:
            raise InputError(
                f"{path}: duplicate columns for {canon!r}: " + ", ".join(shown(i) for i in idx)
                + "; keep only one of them"
            )
    for canon in required:
        if canon not in hits:
            tried = ", ".join(repr(a) for a in aliases.get(canon, (canon,)))
            if patterns and canon in patterns:
                tried += f", or any header matching /{patterns[canon]}/"
            present = ", ".join(repr(str(h).strip()) for h in header if not _is_blank(h)) or "none"
            raise InputError(
                f"{path}: required column {canon!r} not found (headers accepted: {tried}); "
                f"headers in the file: {present}"
            )
    order = list(aliases) + [c for c in (patterns or {}) if c not in aliases]
    return {canon: hits[canon][0] for canon in order if canon in hits}
