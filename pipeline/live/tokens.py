"""Unguessable paths of the live pages, kept across tasks, and their rotation.

Every page lives at OUT/live/<token>/index.html, one token per scope: ("nasional", "", ""),
("provinsi", <provinsi>, ""), ("kabupaten", <provinsi>, <kabupaten>). A token is 160 random bits
(`secrets.token_hex(20)`), kept in OUT/.live/tokens.json (never served: `make serve` refuses dot
paths, the README's nginx configuration too) so that a PIC keeps one bookmark for every task.
OUT/live-links.csv lists them for Pusat to distribute; no page links to it.

Rotation issues new tokens for a scope and everything below it (a province page links to its
kabupaten pages, so whoever saw it knows their tokens too); the old folders are renamed, so
old links stop working at once, and the pages that linked to them are rewritten.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from pipeline.publish import atomic_write_text, write_csv

LIVE_DIR = "live"
STATE_DIR = ".live"
LINKS_FILE = "live-links.csv"
TOKEN_BYTES = 20  # 160 bits
# A token in a page's text (40 hex digits, not part of a longer hex string such as a sha256).
TOKEN_RE = re.compile(rf"(?<![0-9a-f])[0-9a-f]{{{2 * TOKEN_BYTES}}}(?![0-9a-f])")

Key = tuple[str, str, str]
_SCOPE_ORDER = {"nasional": 0, "provinsi": 1, "kabupaten": 2}


def new_token() -> str:
    return secrets.token_hex(TOKEN_BYTES)


def _store(out: Path) -> Path:
    return Path(out) / STATE_DIR / "tokens.json"


@contextmanager
def live_lock(out: Path):
    """Exclusive lock on OUT's live pages (the watcher's writes and a rotation never interleave)."""
    path = Path(out) / STATE_DIR / "lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def load_tokens(out: Path) -> dict[Key, str]:
    path = _store(out)
    if not path.exists():
        return {}
    rows = json.loads(path.read_text(encoding="utf-8"))
    return {(r["scope"], r["provinsi"], r["kabupaten"]): r["token"] for r in rows}


def save_tokens(out: Path, tokens: dict[Key, str]) -> None:
    rows = [{"scope": k[0], "provinsi": k[1], "kabupaten": k[2], "token": t} for k, t in _sorted(tokens)]
    path = _store(out)
    atomic_write_text(path, json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    os.chmod(path, 0o600)
    write_links(out, tokens)


def _sorted(tokens: dict[Key, str]) -> list[tuple[Key, str]]:
    return sorted(tokens.items(), key=lambda kv: (_SCOPE_ORDER[kv[0][0]], kv[0][1], kv[0][2]))


def page_path(token: str) -> str:
    """A page's path relative to OUT."""
    return f"{LIVE_DIR}/{token}/index.html"


def write_links(out: Path, tokens: dict[Key, str]) -> None:
    """OUT/live-links.csv: scope, provinsi, kabupaten, path (relative to OUT) of every page."""
    rows = [{"scope": k[0], "provinsi": k[1], "kabupaten": k[2], "path": page_path(t)} for k, t in _sorted(tokens)]
    write_csv(pd.DataFrame(rows, columns=["scope", "provinsi", "kabupaten", "path"]), Path(out) / LINKS_FILE)
    os.chmod(Path(out) / LINKS_FILE, 0o600)


def ensure_tokens(out: Path, keys: Iterable[Key]) -> dict[Key, str]:
    """The token of every key, issuing new ones for keys seen for the first time (saved at once)."""
    tokens = load_tokens(out)
    missing = [k for k in keys if k not in tokens]
    for k in missing:
        tokens[k] = new_token()
    if missing or not (Path(out) / LINKS_FILE).exists():
        save_tokens(out, tokens)
    return tokens


def below(key: Key, other: Key) -> bool:
    """True when `other` is `key` or inside its scope (a page of `key` may link to it)."""
    scope, prov, kab = key
    if scope == "nasional":
        return True
    if scope == "provinsi":
        return other[1] == prov and other[0] in ("provinsi", "kabupaten")
    return other == key


def rotate(out: Path, scope: str, provinsi: str = "", kabupaten: str = "") -> list[Key]:
    """New tokens for a scope and every scope below it; returns the keys rotated.

    Renames each rotated page folder to its new token and rewrites every page that named an
    old token, under the live lock (a running watcher picks the new tokens up at its next write)."""
    out = Path(out)
    with live_lock(out):
        tokens = load_tokens(out)
        target = (scope, provinsi, kabupaten)
        if scope != "nasional" and target not in tokens:
            known = sorted({k[1] if scope == "provinsi" else f"{k[1]}/{k[2]}" for k in tokens if k[0] == scope})
            raise KeyError(f"no {scope} page {provinsi}{'/' + kabupaten if kabupaten else ''}; known: "
                           + ", ".join(known[:10]) + (" ..." if len(known) > 10 else ""))
        rotated = [k for k in tokens if below(target, k)]
        renamed = {tokens[k]: new_token() for k in rotated}
        live = out / LIVE_DIR
        for old, new in renamed.items():
            if (live / old).is_dir():
                os.replace(live / old, live / new)
        for k in rotated:
            tokens[k] = renamed[tokens[k]]
        for page in sorted(live.glob("*/index.html")) if live.is_dir() else []:
            text = page.read_text(encoding="utf-8")
            new_text = TOKEN_RE.sub(lambda m: renamed.get(m[0], m[0]), text)
            if new_text != text:
                atomic_write_text(page, new_text)
        save_tokens(out, tokens)
    return rotated
