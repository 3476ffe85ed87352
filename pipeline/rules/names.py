"""Normalises person names and decides whether two names are the same person.

Normalisation (`normalize_name`)
--------------------------------
1. Accents are stripped (NFKD), the text is case-folded, apostrophes/quotes are dropped
   (``Ma'ruf`` -> ``maruf``); every other character that is not a letter or digit (of any
   script: Arabic, Cyrillic or CJK names keep their letters) except ``.`` and ``,`` separates
   words, so control characters, zero-width and right-to-left marks, markup and formula
   signs do too.
2. The text is cut into *atoms* (a run of letters/digits plus whether a ``.`` follows it) and
   *comma segments*. The first segment is the name; later segments are where Indonesians
   write degrees (``Ahmad Fauzi, S.Pd., M.Si.``).
3. Removed anywhere: academic degrees in their dotted form (``S.Pd.``, ``S. Pd``, ``S.Pd.I``,
   ``A.Md.Kep.``, ``M.Si`` ... internal dots required, final dot optional; a degree made only
   of one-letter parts such as ``S.E.``/``S.T.``/``S.H.`` may be spaced (``S. E.``) only at
   the end of its segment, so initials like ``S. T. Rahman`` survive) and multi-letter titles
   written with a dot (``Dr.``, ``Drs.``, ``Ir.``, ``Prof.``, ``Hj.``, ``Bpk.``, ``Sdr.`` ...).
4. Removed at the start of the name (bare or dotted): titles
   and honorifics (``H``, ``Hj``, ``Haji``, ``Bapak``, ``Bpk``, ``Pak``, ``Ibu``, ``Bu``,
   ``Sdr``, ``Sdri``, ``Saudara``, ``Dr``, ``Drs``, ``Ir``, ``Prof``, ``KH``, ``Ust`` ...).
   ``H.`` is only an honorific there: a middle ``H.`` is an initial. A "name" made only of
   such words (``Ibu``, ``Bapak``) normalises to ``""``, i.e. no name.
5. Removed at the end of the name: a degree written as one dotted word (``SE.``, ``SPd.``)
   or an unambiguous bare degree (``SPd``, ``MSi``, ``AMd`` ...). An ambiguous bare word
   (``Se``, ``St``, ``Sh``, ``Mm``, ``Ma`` ...) is kept: it may be a name.
6. In segments after a comma, every degree or title word is removed, bare or dotted
   (``Ahmad, SE`` -> ``ahmad``); other words there are kept.
7. Digits are dropped; words are joined with single spaces. An empty/NA value gives ``""``.

Matching (`names_match`)
------------------------
Both names are normalised; an empty name matches nothing (callers decide what "no name"
means). The contract: the same, or clearly the same person, "one is the other with a name
left out, a small typo". So the names match when one of these holds:

* they are equal, or equal once spaces are removed (``Nur Hayati`` / ``Nurhayati``), also
  after folding spelling variants of Muhammad (``Muh``, ``Moh``, ``Mhd``, ``Muhamad``,
  ``Mochammad`` ...), ``Abd`` -> ``abdul``, ``Sitti`` -> ``siti``;
* *a small typo*: the whole names (as typed, or folded) are one edit apart (optimal string
  alignment distance, an adjacent swap is one edit), the longer having >= 4 letters
  (``Anti Pane`` / ``Andi Pane``, ``Petrus Gilang Mohaad`` / ``Petrus Gilang Mohamad``,
  ``Yusuf`` / ``Yusup``);
* they have a different number of words and, spaces removed, differ by one edit (both at
  least 6 letters: ``Abdul Rahman`` / ``Abdurrahman``);
* word alignment: every word of the name with fewer words (either one when equal) is
  paired with a distinct word of the other (order free), each pair being

  - *exact*: equal after folding;
  - *typo* (only when both names have the same number of words, at most one such pair):
    same first letter and OSA distance <= 1 when the longer word has >= 4 letters, or <= 2
    when both have >= 8 letters, on the words as typed or folded (``Muhamad Rizki`` /
    ``Muhammad Rizky``, ``Nurhayati Lubis`` / ``Nurhayatih Lubis``);
  - *initial*: a one-letter word and a word starting with that letter (``M. Rizki``);

  and some evidence: with the same number of words, at least one pair that is not an
  initial; with words left out (*a name left out*, ``Ketut`` / ``Ketut Marpaung``,
  ``Aminah`` / ``Siti Aminah``, ``Siti Andi`` / ``Siti Andi Ohoiwutun``), at least one
  exact pair on a word of >= 2 letters.

Not the same person: two typos (``Andi Saputra`` / ``Andri Saputri``), a name left out and
a typo (``I Made Sudarta`` / ``Made Sukarta``), a different word (``Siti Aminah`` /
``Siti Rahmah``, ``Ahmad Fauzi`` / ``Ahmad Fauzan``, ``Budi Santoso`` / ``Budi Susanto``),
initials only. All distances come from rapidfuzz (``rapidfuzz.distance.OSA``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import pandas as pd
from rapidfuzz.distance import OSA

__all__ = ["normalize_name", "names_match", "match_normalized", "name_tokens"]

# --- Vocabulary ----------------------------------------------------------------------------------

# Degrees in their dotted form, one tuple of parts per degree (lower case).
_DEGREES_DOTTED: tuple[str, ...] = (
    # Sarjana (S1)
    "S.Pd.", "S.Pd.I.", "S.Pd.SD.", "S.Pd.Si.", "S.E.", "S.E.I.", "S.E.Sy.", "S.Hut.", "S.AP.",
    "S.A.P.", "S.Kom.", "S.Sos.", "S.Sos.I.", "S.T.", "S.T.P.", "S.TP.", "S.H.", "S.H.I.", "S.IP.",
    "S.I.P.", "S.Ag.", "S.P.", "S.Pt.", "S.Pi.", "S.Psi.", "S.Si.", "S.Kep.", "S.K.M.", "S.KM.",
    "S.Ked.", "S.Farm.", "S.Gz.", "S.Th.", "S.Th.I.", "S.S.", "S.Hum.", "S.I.Kom.", "S.IKom.",
    "S.Tr.", "S.ST.", "S.Stat.", "S.Ak.", "S.Sy.", "S.Kel.", "S.Pwk.", "S.Ars.", "S.Ds.", "S.Sn.",
    "S.Mat.", "S.Fil.", "S.Fil.I.", "S.Kes.", "S.Keb.", "S.Tr.Keb.", "S.Tr.Kes.", "S.Tr.Ak.",
    "S.Tr.T.", "S.Ikom.", "S.Kom.I.", "S.Sos.Ek.", "S.M.", "S.Ked.",
    # Diploma
    "A.Md.", "A.Md.Kep.", "A.Md.Keb.", "A.Md.Kom.", "A.Md.Ak.", "A.Md.Farm.", "A.Md.Kes.",
    "A.Md.T.", "A.Md.Pi.", "A.Md.Gz.", "A.Md.Pd.", "A.Md.Par.", "A.Md.Sos.", "A.Md.P.",
    "A.Md.Pt.", "A.Md.Hut.", "A.Md.Stat.", "A.Ma.", "A.Ma.Pd.", "A.P.", "A.Ks.",
    # Magister (S2) and beyond
    "M.Si.", "M.AP.", "M.A.P.", "M.Pd.", "M.Pd.I.", "M.M.", "M.Kom.", "M.Sos.", "M.H.", "M.E.",
    "M.E.I.", "M.T.", "M.P.", "M.Ag.", "M.Hum.", "M.Kes.", "M.Sc.", "M.A.", "M.Ak.", "M.Sy.",
    "M.IP.", "M.I.P.", "M.Psi.", "M.Kn.", "M.Farm.", "M.Stat.", "M.Eng.", "M.Ec.Dev.", "M.B.A.",
    "M.P.A.", "M.P.H.", "M.Han.", "M.IKom.", "M.I.Kom.", "M.Th.", "M.Hut.", "M.Keb.", "M.Kep.",
    "M.Pwk.", "M.Si.Han.", "M.Sos.I.", "M.Tr.", "M.Acc.", "M.Com.",
    "Ph.D.", "B.Sc.", "B.A.", "Lc.", "Dipl.", "Ak.", "Dr.", "Drs.", "Dra.", "Drg.", "Ir.",
    "Prof.",
)
# Titles and honorifics written before a name (lower case, without dots).
_LEADING_WORDS = frozenset({
    "h", "hj", "haji", "hajjah", "hajah", "kh", "ust", "ustad", "ustadz", "ustaz", "ustadzah",
    "bapak", "bpk", "bp", "pak", "ibu", "bu", "sdr", "sdri", "sdra", "saudara", "saudari",
    "tn", "ny", "nn", "dr", "drs", "dra", "drg", "ir", "prof",
})
# Leading-only titles made of two one-letter parts (K.H.).
_LEADING_DOTTED_PAIRS = frozenset({("k", "h")})
# Titles recognised anywhere when written with a dot (multi-letter only: "H." mid-name is an initial).
_DOTTED_TITLES = frozenset(w for w in _LEADING_WORDS if len(w) >= 2) - {
    "bu", "pak", "ibu", "bapak", "haji", "saudara", "saudari"}


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.lower() for p in dotted.split(".") if p)


_DEGREE_PARTS: tuple[tuple[str, ...], ...] = tuple(
    sorted({_parts(d) for d in _DEGREES_DOTTED}, key=lambda p: (-len(p), -sum(map(len, p))))
)
# Multi-part degrees by their first part, longest first (so "s.pd.i" is tried before "s.pd").
_MULTI_PART_DEGREES: dict[str, tuple[tuple[str, ...], ...]] = {}
for _p in _DEGREE_PARTS:
    if len(_p) >= 2:
        _MULTI_PART_DEGREES[_p[0]] = _MULTI_PART_DEGREES.get(_p[0], ()) + (_p,)
# The same by first part and then by length, longest first: a window of atoms can spell at most
# one degree of each length, so one set look-up per length finds it.
_MULTI_PART_BY_LENGTH: dict[str, tuple[tuple[int, frozenset[tuple[str, ...]]], ...]] = {
    first: tuple((n, frozenset(p for p in options if len(p) == n))
                 for n in sorted({len(p) for p in options}, reverse=True))
    for first, options in _MULTI_PART_DEGREES.items()
}
_SINGLE_PART_DEGREES = frozenset(p[0] for p in _DEGREE_PARTS if len(p) == 1)
# A degree's letters run together ("spd", "amdkep", "se"), plus a few certifications.
_DEGREE_KEYS = frozenset("".join(p) for p in _DEGREE_PARTS) | {"cpa", "ca", "cfp", "mba", "phd"}
# Bare keys that may also be a name word: removed only after a comma or when dotted.
_AMBIGUOUS_BARE = frozenset({
    "se", "st", "sh", "sp", "ss", "sm", "mm", "ma", "me", "mt", "mh", "mp", "ap", "ak", "ag",
    "ba", "lc", "dr", "ir", "ama", "mak", "sak", "sei", "shi", "sip", "sag", "mag", "map",
    "dra", "drs", "drg", "prof", "dipl", "sth", "mth", "spt", "spi", "ca", "ks", "aks",
})
_SAFE_BARE = _DEGREE_KEYS - _AMBIGUOUS_BARE

# Spelling variants folded together before comparing words.
_WORD_ALIASES = {
    **dict.fromkeys(
        ("muhammad", "muhamad", "muhammmad", "muhamamd", "mohammad", "mohamad", "mohammed",
         "mohamed", "muhammed", "mochammad", "mochamad", "mohamat", "muchammad", "muchamad",
         "muh", "moh", "mhd", "moch", "much", "mohd", "muhd", "mochamat", "mukhammad", "muhamat"),
        "muhammad",
    ),
    "abd": "abdul", "sitti": "siti",
}
# Thresholds (see module docstring).
TYPO_MAX_DISTANCE_SHORT = 1  # OSA distance allowed between two names or two words ...
TYPO_MIN_LENGTH_SHORT = 4  # ... when the longer of them has at least this many letters
TYPO_MAX_DISTANCE_LONG = 2  # OSA distance allowed between two words ...
TYPO_MIN_LENGTH_LONG = 8  # ... when both have at least this many letters
JOINED_MIN_LENGTH = 6  # spaces-removed comparison needs this many letters on both sides
EVIDENCE_MIN_LENGTH = 2  # a left-out-name match needs an exact pair on a word this long

# --- Normalisation -------------------------------------------------------------------------------

_QUOTES = re.compile(r"['\u2019\u2018`\u00b4\u02bc]")
_ATOM = re.compile(r"([^\W_]+)(\.?)|(,)")  # letters/digits of any script
_PLAIN = re.compile(r"[a-z ]*")
_DIGITS = re.compile(r"\d+")


class _Atom(NamedTuple):
    text: str
    dotted: bool
    seg: int
    gap: bool  # something other than a dot separates it from the previous atom


_new_atom = tuple.__new__  # _Atom from a tuple, without the keyword-argument constructor


def _fold(text: str) -> str:
    if text.isascii():
        text = text.lower()
        return _QUOTES.sub("", text) if "'" in text or "`" in text else text
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return _QUOTES.sub("", text)


def _atoms(text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    seg = 0
    last_end = 0
    for m in _ATOM.finditer(text):
        word, dot, comma = m.groups()
        start, end = m.span()
        if comma:
            seg += 1
        else:
            atoms.append(_new_atom(_Atom, (word, bool(dot), seg, start > last_end or not atoms)))
        last_end = end
    return atoms


def _seg_end(atoms: list[_Atom], i: int) -> bool:
    """Whether atom i is the last of its comma segment."""
    return i + 1 == len(atoms) or atoms[i + 1].seg != atoms[i].seg


def _dotted_degree_at(atoms: list[_Atom], i: int) -> int:
    """Number of atoms a dotted degree or title starting at i covers (0 when none)."""
    first = atoms[i]
    if not first.dotted:
        return 0
    for n, spelled in _MULTI_PART_BY_LENGTH.get(first.text, ()):
        if i + n > len(atoms):
            continue
        window = atoms[i:i + n]
        if tuple(a.text for a in window) not in spelled or any(a.seg != first.seg for a in window):
            continue
        if not all(a.dotted for a in window[:-1]):
            continue
        # A spaced one-letter part ("S. E.") only ends a segment, so initials survive.
        if any(a.gap and len(a.text) == 1 for a in window[1:]) and not _seg_end(atoms, i + n - 1):
            continue
        return n
    if first.text in _DOTTED_TITLES:
        return 1
    if first.text in _SINGLE_PART_DEGREES:
        return 1  # "Dr.", "Lc.", "Ak.", "Dipl." ...
    return 0


@lru_cache(maxsize=262_144)
def _normalize(text: str) -> str:
    folded = _fold(text)
    if _PLAIN.fullmatch(folded):
        words = folded.split()
        # Fast path (no dots or commas): leading honorifics and trailing bare degrees only.
        start = 0
        while start < len(words) and words[start] in _LEADING_WORDS:
            start += 1
        end = len(words)
        while end - 1 > start and words[end - 1] in _SAFE_BARE:
            end -= 1
        return " ".join(words[start:end])

    atoms = _atoms(folded)
    keep = [True] * len(atoms)
    # 3. dotted degrees and dotted titles anywhere
    i = 0
    while i < len(atoms):
        n = _dotted_degree_at(atoms, i)
        if n:
            for k in range(i, i + n):
                keep[k] = False
            i += n
        else:
            i += 1
    head = [k for k, a in enumerate(atoms) if a.seg == 0]
    # 4. leading titles and honorifics
    pos = 0
    while pos < len(head):
        k = head[pos]
        a = atoms[k]
        if keep[k]:
            pair = (a.text, atoms[k + 1].text) if k + 1 < len(atoms) else None
            if a.dotted and pair in _LEADING_DOTTED_PAIRS and atoms[k + 1].seg == 0:
                keep[k] = keep[k + 1] = False
                pos += 2
                continue
            if a.text not in _LEADING_WORDS:
                break
            keep[k] = False
        pos += 1
    # 5. trailing degrees in the name segment (one remaining name word is never removed)
    for pos in range(len(head) - 1, -1, -1):
        k = head[pos]
        if not keep[k]:
            continue
        a = atoms[k]
        is_degree = a.text in _SAFE_BARE or (a.dotted and a.text in _DEGREE_KEYS)
        if not is_degree or not any(keep[j] for j in head[:pos]):
            break
        keep[k] = False
    # 6. every degree or title word after a comma
    for k, a in enumerate(atoms):
        if a.seg > 0 and keep[k] and (a.text in _DEGREE_KEYS or a.text in _LEADING_WORDS):
            keep[k] = False
    words = (_DIGITS.sub("", a.text) for k, a in enumerate(atoms) if keep[k])
    return " ".join(w for w in words if w)


def normalize_name(text: object) -> str:
    """Comparable form of a person's name: folded, without degrees, honorifics, punctuation."""
    if text is None or text is pd.NA or (isinstance(text, float) and pd.isna(text)):
        return ""
    return _normalize(str(text))


# --- Matching --------------------------------------------------------------------------------------


def name_tokens(normalized: str) -> list[str]:
    """Words of a normalised name with spelling variants folded (Muh. -> muhammad, ...)."""
    return [_WORD_ALIASES.get(w, w) for w in normalized.split()]


def _is_typo(x: str, y: str, *, long_ok: bool = True) -> bool:
    """A small typo: OSA distance (edits incl. adjacent swaps) <= 1 when the longer has at least
    TYPO_MIN_LENGTH_SHORT letters; <= 2 when `long_ok` and both have TYPO_MIN_LENGTH_LONG."""
    if x == y:
        return True
    if max(len(x), len(y)) < TYPO_MIN_LENGTH_SHORT:
        return False
    long_words = long_ok and min(len(x), len(y)) >= TYPO_MIN_LENGTH_LONG
    limit = TYPO_MAX_DISTANCE_LONG if long_words else TYPO_MAX_DISTANCE_SHORT
    if abs(len(x) - len(y)) > limit:
        return False
    return OSA.distance(x, y, score_cutoff=limit) <= limit


def _is_initial(x: str, y: str) -> bool:
    return (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y))


def _word_typo(x: tuple[str, str], y: tuple[str, str]) -> bool:
    """Two (raw, folded) words one typo apart, same first letter (raw or folded spelling)."""
    return any(a[0] == b[0] and _is_typo(a, b) for a, b in ((x[0], y[0]), (x[1], y[1])))


def match_normalized(a: str, b: str) -> bool:
    """`names_match` for two already normalised names (see the module docstring)."""
    if not a or not b:
        return False
    if a == b:
        return True
    return _match_different(a, b)


@lru_cache(maxsize=262_144)
def _match_different(a: str, b: str) -> bool:
    """match_normalized of two different non-empty normalised names."""
    ra, rb = a.split(), b.split()
    fa, fb = name_tokens(a), name_tokens(b)
    if fa == fb:
        return True
    ja, jb = "".join(fa), "".join(fb)
    if ja == jb or "".join(ra) == "".join(rb):
        return True
    # A small typo in the whole name (as typed, or with Muhammad spellings folded).
    if _is_typo(a, b, long_ok=False) or _is_typo(" ".join(fa), " ".join(fb), long_ok=False):
        return True
    if (
        len(fa) != len(fb)
        and min(len(ja), len(jb)) >= JOINED_MIN_LENGTH
        and OSA.distance(ja, jb, score_cutoff=1) <= 1
    ):
        return True  # a space and a letter: Abdul Rahman / Abdurrahman
    if len(fa) <= len(fb):
        short, long_ = list(zip(ra, fa)), list(zip(rb, fb))
    else:
        short, long_ = list(zip(rb, fb)), list(zip(ra, fa))
    # Every kind of pair shares the first letter: a cheap way to reject most non-matches.
    firsts = {w[0][0] for w in long_} | {w[1][0] for w in long_}
    if not all(w[0][0] in firsts or w[1][0] in firsts for w in short):
        return False
    left_out = len(short) != len(long_)
    tests = [("exact", lambda x, y: x[1] == y[1])]
    if not left_out:
        tests.append(("typo", _word_typo))  # a name left out and a typo: not clearly the same
    tests.append(("initial", lambda x, y: _is_initial(x[1], y[1])))
    free = list(range(len(long_)))
    kinds: list[tuple[str, str]] = []  # (kind, folded word of `short`) for each word of `short`
    pending = list(short)
    for kind, test in tests:
        still = []
        for word in pending:
            for j in free:
                if test(word, long_[j]):
                    free.remove(j)
                    kinds.append((kind, word[1]))
                    break
            else:
                still.append(word)
        pending = still
    if pending:
        return False
    if left_out:
        return any(k == "exact" and len(w) >= EVIDENCE_MIN_LENGTH for k, w in kinds)
    return sum(k == "typo" for k, _ in kinds) <= 1 and any(k != "initial" for k, _ in kinds)


def names_match(a: object, b: object) -> bool:
    """Whether two typed names are the same person; an empty name matches nothing."""
    return match_normalized(normalize_name(a), normalize_name(b))
