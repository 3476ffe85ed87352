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
    """Canonical column -> index in `header`. A header matches a canonical column when it is one
    of its aliases (case and spacing aside); else once punctuation and a note in brackets are
    removed ('No. Absen', 'Nama Lengkap (tanpa gelar)'); else by a pattern; else, for a required
    column still missing, when its words hold an alias of four letters or more ('Asal Provinsi',
    'Tautan Postingan'). Two headers for one column are an error naming both."""
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
    cleaned = [_clean(h) if h is not None else "" for h in header]
    _exact_cleaned(cleaned, aliases, hits, used)
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

    for canon, idx in _by_meaning(cleaned, aliases, required, hits, used).items():
        if len(idx) > 1:
            raise InputError(
                f"{path}: {'two' if len(idx) == 2 else 'several'} columns could be {canon!r}: "
                + ", ".join(shown(i) for i in idx) + f"; rename the one to use to {canon!r}"
            )
        hits[canon] = idx

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


# Rows tried as the header (title rows above it are skipped) before the first one's error is shown.
MAX_TITLE_ROWS = 10


def _find_header(rows, match, where: str) -> tuple[int, dict[str, int]]:
    """(spreadsheet row of the header, its columns): the first non-blank row among the first
    MAX_TITLE_ROWS that `match(row, where)` accepts (a title row above the header is skipped);
    when none does, the first non-blank row's error."""
    first_error, tried = None, 0
    for number, row in enumerate(rows, start=1):
        if all(_is_blank(v) for v in row):
            continue
        try:
            return number, match(row, where)
        except InputError as exc:
            first_error = first_error or exc
        tried += 1
        if tried >= MAX_TITLE_ROWS:
            break
    if first_error is not None:
        raise first_error
    raise InputError(f"{where} is empty (no header row)")


_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_PUNCT = re.compile(r"[.:;?!*'\"\u2018\u2019\u201c\u201d]")


def _clean(text: object) -> str:
    """A header as its meaning is matched: header_key without notes in brackets or punctuation."""
    return contract.header_key(_PUNCT.sub(" ", _BRACKETS.sub(" ", str(text))))


def _exact_cleaned(cleaned: list[str], aliases: dict, hits: dict, used: set) -> None:
    """Columns not matched yet whose cleaned header is a cleaned alias of a column not found yet."""
    alias_of: dict[str, str] = {}
    for canon, names in aliases.items():
        if canon not in hits:
            for name in names:
                alias_of.setdefault(_clean(name), canon)
    found: dict[str, list[int]] = {}
    for i, key in enumerate(cleaned):
        if key and i not in used and key in alias_of:
            found.setdefault(alias_of[key], []).append(i)
    for canon, idx in found.items():
        hits[canon] = idx
        used.update(idx)


def _by_meaning(cleaned: list[str], aliases: dict, required: tuple, hits: dict, used: set) -> dict[str, list[int]]:
    """Required columns still missing -> unmatched columns whose words contain one of their
    aliases (four letters or more) as consecutive words; a column goes to the longest alias."""
    best: dict[int, tuple[int, str]] = {}
    for canon in required:
        if canon in hits:
            continue
        for name in aliases.get(canon, ()):
            words = _clean(name).split()
            if len(" ".join(words)) < 4:
                continue
            for i, key in enumerate(cleaned):
                have = key.split()
                if i in used or not any(have[j:j + len(words)] == words for j in range(len(have))):
                    continue
                if i not in best or len(name) > best[i][0]:
                    best[i] = (len(name), canon)
    found: dict[str, list[int]] = {}
    for i in sorted(best):
        found.setdefault(best[i][1], []).append(i)
    return found
