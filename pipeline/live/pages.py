"""Renders the live pages (Jinja2 templates in templates/) and the status file they read.

A page's content is everything but two volatile texts, "Data per ..." and the time left, which
the page reads from OUT/live/status.json (rewritten at every poll) and shows in its reader's
time zone. A page's `version` is the sha256 of its content, so an unchanged page is never
rewritten, and the browser reloads a page only when its version changed.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import jinja2
import pandas as pd

from pipeline.live.state import BELUM, DITOLAK, SUDAH, LiveData, PageModel
from pipeline.live.tokens import LIVE_DIR, below
from pipeline.reports import fmt
from pipeline.reports.display import clip, mask_contacts
from pipeline.reports.present import OUTCOME_LABEL
from pipeline.rules.contract import province_slug

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATUS_LABEL = {SUDAH: "Sudah", BELUM: "Belum", DITOLAK: "Ditolak"}
ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
# Volatile texts are rendered as markers, hashed out of the version, then filled in.
_DATA_PER = "\ue000data-per\ue000"

_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                          undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
# The same few thousand numbers recur on every refresh: each is formatted by Babel once.
_ENV.filters.update({name: functools.lru_cache(maxsize=65_536)(getattr(fmt, name))
                     for name in ("angka", "persen", "menit")})


def zone_label(tz: str) -> str:
    """WIB/WITA/WIT of a time zone (a zone outside Indonesia reads the status in WIB)."""
    return fmt.indonesian_zone(tz) or "WIB"


_MINUTES: dict[tuple[int, str], str] = {}


def when(ts: pd.Timestamp, tz: str) -> str:
    """fmt.tanggal_jam of a response time (shown to the minute; one Babel call per minute and zone)."""
    key = (ts.value // 60_000_000_000, tz)
    text = _MINUTES.get(key)
    if text is None:
        if len(_MINUTES) > 100_000:
            _MINUTES.clear()
        text = _MINUTES[key] = fmt.tanggal_jam(ts.floor("min"), tz)
    return text


def _href_of_link(link: object) -> str | None:
    """The web address of a counted row's link (a link typed without a scheme is read as https://);
    None when the link holds a phone number or an e-mail address (display.mask_contacts)."""
    if link is None:
        return None
    text = str(link).strip()
    if mask_contacts(text) != text:
        return None
    return text if text.lower().startswith(("http://", "https://")) else "https://" + text


def final_report_path(task_id: str, provinsi: str = "") -> str:
    """A final report's path relative to OUT."""
    return f"{task_id}/{province_slug(provinsi) if provinsi else 'national'}/report.html"


def reminder(model: PageModel, task: pd.Series, rows: list[dict] | None = None) -> str:
    """The copy-ready WhatsApp message of a kabupaten page: who has not posted yet, and the deadline."""
    rows = model.rows if rows is None else rows
    belum = [r for r in rows if r["status"] == BELUM]
    ditolak = [r for r in rows if r["status"] == DITOLAK]
    judul, kab = clip(task["judul"]), clip(model.kabupaten) or "(kabupaten kosong)"
    deadline = fmt.tanggal_jam(task["batas"], model.timezone)
    if not belum and not ditolak:
        return f"Terima kasih, semua TPP {kab} sudah mengirim absensi tugas \"{judul}\"."
    lines = [f"Yth. rekan-rekan TPP {kab},", ""]
    if belum:
        lines.append(f"Berikut {fmt.angka(len(belum))} TPP yang belum mengirim absensi tugas \"{judul}\":")
        lines += [f"{i}. {clip(r['nama'])} ({r['jabatan'] or '-'})" for i, r in enumerate(belum, 1)]
        lines.append("")
    if ditolak:
        lines.append("Kiriman berikut belum dapat diterima, mohon kirim ulang:")
        lines += [f"{i}. {clip(r['nama'])} ({r['jabatan'] or '-'}): {OUTCOME_LABEL[r['rejection']].lower()}"
                  for i, r in enumerate(ditolak, 1)]
        lines.append("")
    lines.append(f"Batas pengiriman: {deadline}. Terima kasih.")
    return "\n".join(lines)


def _rows(model: PageModel, raw: list[dict], tokens: dict, tz: str) -> list[dict]:
    rows = []
    for r in raw:
        r = dict(r)
        if model.scope == "nasional":
            child = ("provinsi", r["provinsi"], "")
        elif model.scope == "provinsi":
            child = ("kabupaten", model.provinsi, r["kabupaten"])
        else:
            child = None
        if child is not None:
            assert below(model.key, child)  # a page links only inside its own scope
            r["href"] = f"../{tokens[child]}/index.html"
        if model.scope == "kabupaten":
            r["nama"] = clip(r["nama"])
            r["status_label"] = STATUS_LABEL[r["status"]]
            r["waktu"] = when(r["timestamp"], tz) if r["status"] == SUDAH else ""
            r["href"] = _href_of_link(r["link"]) if r["status"] == SUDAH else None
            r["rejection_label"] = OUTCOME_LABEL.get(r["rejection"] or "", "")
        else:
            r["provinsi"], r["kabupaten"] = clip(r["provinsi"]), clip(r.get("kabupaten", ""))
        rows.append(r)
    return rows


def render_page(model: PageModel, data: LiveData, tokens: dict, *, final_reports: dict | None = None,
                poll_seconds: int = 30) -> tuple[str, str]:
    """(content version, HTML) of one page; the version ignores the volatile texts."""
    task = data.task
    tz = model.timezone
    raw = model.rows
    context = {
        "scope": model.scope, "provinsi": clip(model.provinsi), "kabupaten": clip(model.kabupaten),
        "zone": zone_label(tz), "judul": clip(task["judul"]), "batas": fmt.tanggal_jam(task["batas"], tz),
        "data_per": _DATA_PER, "poll_seconds": int(poll_seconds), "s": model.summary,
        "rows": _rows(model, raw, tokens, tz), "final_report": None, "version": "",
    }
    if model.scope != "kabupaten" and final_reports:
        target = final_reports.get(model.provinsi)
        context["final_report"] = f"../../{target}" if target else None
    if model.scope == "kabupaten":
        context["counts"] = {s: sum(r["status"] == s for r in raw) for s in (SUDAH, BELUM, DITOLAK)}
        context["reminder"] = reminder(model, task, raw)
    template = _ENV.get_template(f"{model.scope}.html.j2")
    draft = template.render(context)
    version = hashlib.sha256(draft.encode("utf-8")).hexdigest()
    data_per = fmt.tanggal_jam(data.data_per, tz) if data.data_per is not None else "belum ada kiriman"
    html = draft.replace('data-version=""', f'data-version="{version}"', 1)
    return version, html.replace(_DATA_PER, data_per)


def _in_zones(ts) -> dict[str, str] | None:
    if ts is None or pd.isna(ts):
        return None
    return {label: fmt.tanggal_jam(ts, tz) for label, tz in ZONES.items()}


def time_left(task: pd.Series, now: pd.Timestamp, *, finished: bool) -> str:
    if finished:
        return "Waktu tugas sudah berakhir."
    left = (pd.Timestamp(task["batas"]) - now).total_seconds() / 60
    if left > 0:
        return f"Sisa waktu: {fmt.menit(left)}."
    return "Batas waktu sudah lewat: kiriman sekarang tercatat terlambat."


def status_json(task: pd.Series, *, checked_at: pd.Timestamp, data_per, version: str, failure: dict | None,
                finished: bool) -> str:
    """OUT/live/status.json: when the source was last checked, the data's time, the time left and
    the last failure, each time in the three zones (a page picks its own). No names, no tokens."""
    body = {
        "task_id": str(task["task_id"]), "version": version, "checked_at": _in_zones(checked_at),
        "data_per": _in_zones(data_per), "time_left": time_left(task, checked_at, finished=finished),
        "failure": None if failure is None else {"at": _in_zones(failure["at"]), "reason": failure["reason"]},
        "finished": finished,
    }
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"


IDLE = """<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow">
<title>Absensi Medsos TPP</title></head>
<body><p>Tugas yang sedang dipantau ({judul}) tidak mencakup wilayah ini. Simpan tautan ini: halaman ini akan
menampilkan tugas berikutnya yang mencakup wilayah Anda.</p></body></html>
"""


def idle_page(task: pd.Series) -> str:
    """The page of a scope outside the watched task (its bookmark stays valid for later tasks)."""
    import html

    return IDLE.format(judul=html.escape(clip(task["judul"])))


PLACEHOLDER = """<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow"><title>Absensi Medsos TPP</title></head>
<body><p>Halaman ini tidak tersedia. Gunakan tautan yang Anda terima dari TAPM Pusat.</p></body></html>
"""


def placeholder_paths(out: Path) -> list[Path]:
    """index.html files that keep a folder listing from showing a token (OUT/live/, and OUT/ itself,
    which holds live-links.csv, when nothing else put an index.html there)."""
    return [Path(out) / LIVE_DIR / "index.html", Path(out) / "index.html"]
